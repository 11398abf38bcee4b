"""CommandBlock: a shell command shown so that what is on screen pastes and runs.

The command is laid out for the block's width on every resize (`snippets.layout_command`):
lines break only between words and end in ` \\`, never a soft wrap inside an argument
(a wrapped `--data-urlencode` argument pasted from the screen fails). The block has no
border: a selection of its lines copies the command and nothing drawn around it.
"""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from rkvst_tui.tui.formatting import safe_lines
from rkvst_tui.tui.snippets import Command, layout_command


class CommandBlock(Widget):
    DEFAULT_CSS = """
    CommandBlock {
        width: 1fr;
        height: auto;
        background: $boost;
        padding: 0 1;
    }
    """

    def __init__(self, command: Command, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self.command = command

    def laid_out(self, width: int | None = None) -> str:
        """The command as shown at `width` cells (the block's width when not given)."""
        width = self.size.width if width is None else width
        return layout_command(self.command, width or None)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.laid_out(width).count("\n") + 1

    def render(self) -> Text:
        # The words are shell-quoted, but may still hold a server's ESC: drawn terminal-safe.
        return Text(safe_lines(self.laid_out(), None), no_wrap=True, end="")

    def on_resize(self) -> None:
        self.refresh(layout=True)
