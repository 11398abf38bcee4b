"""The text rows of a Textual snapshot SVG, and a diff of two, so that a snapshot that fails
on a machine whose HTML report nobody can open still says what differed."""

from __future__ import annotations

import difflib
import html
import re
from collections import defaultdict

_TEXT = re.compile(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', re.S)
CELL_WIDTH = 12.2  # Textual's SVG export: one terminal cell is 12.2 units wide


def rows(svg: str) -> list[str]:
    """The screen's lines as text (colours dropped), top to bottom."""
    cells: dict[float, list[tuple[float, str]]] = defaultdict(list)
    for match in _TEXT.finditer(svg):
        text = html.unescape(re.sub("<[^>]+>", "", match.group(3)))
        cells[float(match.group(2))].append((float(match.group(1)), text))
    lines = []
    for y in sorted(cells):
        line = ""
        for x, text in sorted(cells[y]):
            line = line.ljust(round(x / CELL_WIDTH)) + text
        lines.append(line.replace("\xa0", " ").rstrip())
    return lines


def text_diff(expected_svg: str, actual_svg: str) -> str:
    """A unified diff of the two screens' text; when only colours or styles differ, says so."""
    diff = list(difflib.unified_diff(rows(expected_svg), rows(actual_svg), "snapshot", "this run", lineterm="", n=1))
    if not diff:
        return "the text is the same: only colours or styles differ"
    return "\n".join(diff)
