"""What the commands write: data on standard output, notes and errors on standard error.

Everything that did not come from us goes through `clean` (terminal_safe) before it is
printed; `--json` is ASCII, so its escapes are as safe in a terminal as the text output.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from ..api import time_words


class Io:
    """The command's streams, and whether it prints JSON."""

    def __init__(self, out: TextIO, err: TextIO, stdin: TextIO, as_json: bool) -> None:
        self.out, self.err, self.stdin, self.json = out, err, stdin, as_json

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def note(self, text: str) -> None:
        self.err.write(text + "\n")


def clean(text: Any) -> str:
    """Server-provided text made safe for a terminal (the console's one sanitiser)."""
    from ..api.terminal_safe import terminal_safe

    return terminal_safe(text)


def display_width(text: str) -> int:
    """Terminal columns `text` takes: wide East Asian characters take two, combining marks none."""
    import unicodedata

    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[clean(c) for c in row] for row in rows]
    widths = [max([display_width(h)] + [display_width(row[i]) for row in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=False)).rstrip()]
    lines += ["  ".join(_pad(c, w) for c, w in zip(row, widths, strict=False)).rstrip() for row in cells]
    return "\n".join(lines)


def fields(pairs: Sequence[tuple[str, Any]]) -> str:
    width = max(len(name) for name, _ in pairs)
    return "\n".join(f"{name.ljust(width)}  {clean(value)}".rstrip() for name, value in pairs)


def emit_json(data: Any, out: TextIO) -> None:
    # ASCII only: every control, C1 and format character of a server's value is a \\u escape,
    # so piping --json into a terminal (or `less`) is as safe as the human output.
    out.write(json.dumps(data, indent=2, ensure_ascii=True) + "\n")


def shell_word(text: str) -> str:
    """`text` quoted for a shell command line, and shown escaped if it holds control characters."""
    import shlex

    return clean(shlex.quote(text))


def utc_date(moment: datetime | None) -> str:
    return time_words.utc_date(moment) if moment else ""


def utc_time(moment: datetime | None) -> str:
    return time_words.utc_stamp(moment) if moment else ""


def days_left(moment: datetime | None) -> str:
    if moment is None:
        return ""
    days = (moment - datetime.now(timezone.utc)).days
    return f"expired {-days} days ago" if days < 0 else f"in {days} days"


def confirm(io: Io, question: str) -> bool:
    """Ask a yes/no question on the terminal; only an explicit yes is a yes."""
    io.err.write(f"{question} [y/N] ")
    io.err.flush()
    return io.stdin.readline().strip().lower() in ("y", "yes")


def warn_if_shared(path: Path, io: Io) -> None:
    """A note when a file holding a secret was saved where others can list it."""
    from ..api.files import shared_directory_warning

    warning = shared_directory_warning(path)
    if warning:
        io.note(f"warning: {clean(warning)}")
