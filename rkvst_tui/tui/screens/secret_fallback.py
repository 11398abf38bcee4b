"""A plain one-time secret reveal, used only if the full SecretRevealScreen is unavailable.

It still keeps the promise of the real one: the secret is shown as selectable text and
not in any notification, and a stray key cannot close it.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from rkvst_tui.tui.formatting import FIELD_LIMIT, plain, safe, timestamp
from rkvst_tui.tui.screens.confirm import ConfirmScreen


class PlainSecretScreen(ModalScreen[None]):
    HELP_GROUP = "New secret"
    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, application) -> None:
        super().__init__()
        self.application = application

    def compose(self) -> ComposeResult:
        app = self.application
        with Vertical(id="secret-dialog", classes="dialog"):
            yield Label(Text(f"New secret for {safe(app.display_name)}"), classes="dialog-title")
            yield Static(
                Text("Take note of the SECRET now: it can not be viewed again.", style="bold yellow")
            )
            yield Label("CLIENT_ID")
            yield Static(plain(app.client_id), classes="snippet")
            yield Label("SECRET")
            yield Static(plain(app.secret, limit=FIELD_LIMIT), classes="snippet", id="plain-secret")
            yield Static(Text(f"Valid until {timestamp(app.valid_until)}", style="dim"))
            with Horizontal(classes="dialog-buttons"):
                yield Button("I have recorded it", id="done", variant="primary")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_close()

    def action_close(self) -> None:
        def closed(sure: bool | None) -> None:
            if sure:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen("Have you recorded the secret?", "It can not be viewed again after this.",
                          confirm_label="Yes, close", cancel_label="No, keep it open", destructive=False, focus_confirm=False),
            closed,
        )
