"""A modal dialog that shows one text: a title over a scrolling body, and the console's footer.

The access explanation and the policy details are this dialog with their own title, text,
keys and result. The caller escapes what came from the server before handing it over.
"""

from __future__ import annotations

from typing import TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from rkvst_tui.tui.widgets.footer import ConsoleFooter

ResultType = TypeVar("ResultType")


class TextDialog(ModalScreen[ResultType]):
    """Subclasses give `dialog_title()`, `dialog_text()`, `TEXT_ID` and their BINDINGS
    (their own order is the footer's); escape closes with None through `action_close`."""

    CSS_PATH = "text_dialog.tcss"

    TEXT_ID = "text-dialog-text"

    def dialog_title(self) -> Text:
        raise NotImplementedError

    def dialog_text(self) -> Text:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical(id="text-dialog", classes="dialog"):
            yield Label(self.dialog_title(), id="text-dialog-title", classes="dialog-title")
            with VerticalScroll(id="text-dialog-body"):
                yield Static(self.dialog_text(), id=self.TEXT_ID)
        yield ConsoleFooter()

    def show_text(self, text: Text) -> None:
        self.query_one(f"#{self.TEXT_ID}", Static).update(text)

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["TextDialog"]
