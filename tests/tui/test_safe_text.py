"""The console's helpers for text that did not come from us (tui/formatting.py): every unsafe
character shown escaped, our own line breaks and styles kept, sizes bounded."""

from __future__ import annotations

from rich.text import Text

from rkvst_tui.tui.formatting import (
    CELL_LIMIT,
    FIELD_LIMIT,
    LINES_LIMIT,
    claims_summary,
    plain,
    safe,
    safe_lines,
    safe_paste,
    safe_text,
)


def test_plain_and_safe_escape_and_bound_a_cell():
    assert plain("Prod\x1b]0;x\x07").plain == "Prod\\x1b]0;x\\x07"
    assert plain("[red]x").plain == "[red]x"  # markup stays literal
    assert safe("a\nb\u202e") == "a\\x0ab\\u202e"  # a server's LF is shown, not obeyed
    long = plain("x" * 1_000_000)
    assert len(long.plain) == CELL_LIMIT and long.plain.endswith("…")
    assert len(plain("\x1b" * 1_000_000, limit=FIELD_LIMIT).plain) == FIELD_LIMIT


def test_safe_lines_keeps_our_line_breaks_and_bounds_the_lines():
    assert safe_lines("Could not delete\nThe server said: \x9b2J") == "Could not delete\nThe server said: \\x9b2J"
    many = safe_lines("line\n" * 10_000)
    assert many.count("\n") == LINES_LIMIT and many.endswith("…")


def test_safe_text_escapes_inside_a_styled_text_and_keeps_the_styles():
    text = Text("Delete ")
    text.append("Prod\x1b[2J", style="bold")
    text.append("?\n\nIts secret stops working.", style="yellow")
    shown = safe_text(text)
    assert shown.plain == "Delete Prod\\x1b[2J?\n\nIts secret stops working."
    bold = [shown.plain[span.start : span.end] for span in shown.spans if span.style == "bold"]
    assert "".join(bold) == "Prod\\x1b[2J"
    assert safe_text(Text("fine\nlines")).plain == "fine\nlines"


def test_a_paste_keeps_its_lines_and_tabs_but_no_escape():
    assert safe_paste("GET / HTTP/1.1\r\nAuthorization:\tBearer x\x1b]52;c;eA==\x07\n") == (
        "GET / HTTP/1.1\r\nAuthorization:\tBearer x\\x1b]52;c;eA==\\x07\n"
    )


def test_the_claims_cell_escapes_claim_names():
    assert claims_summary({"a\x1b[2J": "v"}, width=40).plain == "1: a\\x1b[2J"
