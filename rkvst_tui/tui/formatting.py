"""How the console shows times, expiry dates, claims and untrusted text: plain functions, easy to test.

Every server-provided string becomes a `rich.text.Text` here, never a markup string,
so a display name such as "[red]x" is shown as typed and cannot restyle the screen, and
goes through `terminal_safe` (`safe`, `plain`, `safe_lines`, `safe_text`), so an ESC, C1 or
format character in it is shown as `\\x1b` and never reaches the terminal.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

from rich.text import Text

from rkvst_tui.api import expiry, time_words
from rkvst_tui.api.terminal_safe import ELLIPSIS, escape_char, is_unsafe, terminal_safe

# Characters of untrusted text drawn at most: a table cell, a title, a name in a sentence.
CELL_LIMIT = 256
# A field shown on its own (details, the inspector's claim values).
FIELD_LIMIT = 4096
# Lines of untrusted text shown at most in one message (a server's answer of many lines).
LINES_LIMIT = 40

as_utc = time_words.as_utc  # naive datetimes from the wire are UTC (RFC 3339 with `Z`)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def span(delta: timedelta) -> str:
    """A countdown's span, steady as it ticks ("42m 05s", "3h 5m", "12d"): api/time_words.py."""
    return time_words.span(delta, steady=True)


def relative(moment: datetime, now: datetime) -> str:
    """ "in 12d" / "3h ago" relative to now (api/time_words.py)."""
    return time_words.relative(moment, now, steady=True)


def expiry_state(valid_until: datetime | None, now: datetime) -> str:
    """ "none", "expired", "soon" (within 30 days) or "ok" (api/expiry.py's rules)."""
    return expiry.state(None if valid_until is None else as_utc(valid_until), as_utc(now))


def expiry_due(valid_until: datetime | None, now: datetime) -> bool:
    """Expired or expiring within 30 days: the `f` filter and the sign-in notice (api/expiry.py)."""
    return valid_until is not None and expiry.is_due(as_utc(valid_until), as_utc(now))


EXPIRY_STYLES = {"expired": "bold red", "soon": "bold yellow", "ok": "", "none": "dim"}


def expiry_cell(valid_until: datetime | None, now: datetime) -> Text:
    """The Expiry Date cell, 18 columns at most: the date and the days left ("2027-01-15 · 365d",
    "2026-02-01 · 17d", "2026-01-15 · today"), or how long ago it expired ("expired 5d ago",
    "expired today"). Soon and expired are said in words as well as in colour (colour alone is
    lost on a monochrome terminal)."""
    state = expiry_state(valid_until, now)
    if valid_until is None:
        return Text("no credential", style=EXPIRY_STYLES[state])
    days = expiry.days_left(as_utc(valid_until), as_utc(now))
    if state == "expired":
        return Text("expired today" if days == 0 else f"expired {-days}d ago", style=EXPIRY_STYLES[state])
    left = "today" if days == 0 else f"{days}d"
    return Text(f"{time_words.utc_date(valid_until)} · {left}", style=EXPIRY_STYLES[state])


def timestamp(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return time_words.utc_stamp(moment)


def claims_summary(claims: Mapping[str, str], width: int = 24) -> Text:
    """The Claims cell: how many, and the names as far as they fit."""
    if not claims:
        return Text("-", style="dim")
    names = ", ".join(safe(name, width) for name in claims)
    label = f"{len(claims)}: {names}"
    if len(label) > width:
        label = label[: width - 1] + "…"
    return Text(label)


def safe(value: object, limit: int | None = CELL_LIMIT) -> str:
    """Untrusted text for a sentence, a title or a cell: unsafe characters (CR and LF too)
    shown escaped, at most `limit` characters."""
    return terminal_safe(value, limit)


def plain(value: object, style: str = "", limit: int | None = CELL_LIMIT) -> Text:
    """A table cell (or any one-line Text) from any server string, shown literally and safely."""
    return Text(terminal_safe(value, limit), style=style)


def safe_lines(text: object, limit: int | None = FIELD_LIMIT) -> str:
    """Text of several lines joined by us with LF: each line made safe, the breaks kept.

    For notifications and messages that put untrusted words on lines of their own; the
    words themselves should still go through `safe` so that their own LFs show."""
    lines = ("" if text is None else str(text)).split("\n", LINES_LIMIT)
    if len(lines) > LINES_LIMIT:
        lines[-1] = ELLIPSIS
    return "\n".join(terminal_safe(line, limit) for line in lines)


def safe_paste(text: str) -> str:
    """A paste as a text field may show it: unsafe characters escaped but the line breaks and
    tabs a pasted request or file is made of (Textual draws an Input's or a TextArea's text
    as it is, ESC included)."""
    if text.isprintable():
        return text
    return "".join(escape_char(ch) if ch not in "\t\r\n" and is_unsafe(ch) else ch for ch in text)


def safe_text(text: Text) -> Text:
    """`text` with every unsafe character but LF shown escaped, its styles kept.

    The net under a Text built by appending pieces (a confirmation's body): a piece that
    missed `safe` cannot reach the terminal raw."""
    plain_text = text.plain
    cuts = (
        [i for i, char in enumerate(plain_text) if char != "\n" and is_unsafe(char)]
        if not (plain_text.replace("\n", "").isprintable())
        else []
    )
    if not cuts:
        return text
    offsets = sorted({offset for i in cuts for offset in (i, i + 1)})
    result = Text(style=text.style, justify=text.justify, overflow=text.overflow, end=text.end)
    for piece in text.divide(offsets):
        if len(piece.plain) == 1 and piece.plain != "\n" and is_unsafe(piece.plain):
            shown = Text(escape_char(piece.plain), style=piece.style)
            for span in piece.spans:
                shown.stylize(span.style, 0, len(shown))
            piece = shown
        result.append_text(piece)
    return result
