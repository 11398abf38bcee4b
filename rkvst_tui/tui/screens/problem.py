"""The screen shown when the console cannot work at all: no backend, refused credentials.

It says what failed and how to fix it, and offers Retry; it never shows a traceback.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from rkvst_tui.tui.problems import Problem


class ConnectionProblemScreen(ModalScreen[str]):
    """Dismisses "retry" or "quit"."""

    HELP_GROUP = "Connection problem"
    AUTO_FOCUS = "#retry"
    BINDINGS = [
        Binding("r", "choose('retry')", "Retry"),
        Binding("q", "choose('quit')", "Quit"),
        Binding("escape", "choose('dismiss')", "Back to the console", show=False),
    ]

    def __init__(self, problem: Problem, where: str) -> None:
        super().__init__()
        self.problem = problem
        self.where = where

    def compose(self) -> ComposeResult:
        with Vertical(id="problem-dialog", classes="dialog"):
            yield Label(Text(self.problem.title), id="problem-title", classes="dialog-title")
            yield Static(Text(self.where, style="dim"), id="problem-where")
            yield Static(Text(self.problem.message), id="problem-message")
            if self.problem.hint:
                yield Static(Text("What to do: " + self.problem.hint), id="problem-hint")
            yield Static(
                Text(
                    "Run rkvst-tui with no connection configured to use the local sandbox, or "
                    "rkvst-tui --url URL / --profile NAME for a real tenant "
                    "(rkvst-tui --help lists the options).",
                    style="dim",
                ),
                id="problem-help",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Retry (r)", id="retry", variant="primary")
                yield Button("Quit (q)", id="quit")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id or "dismiss")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
