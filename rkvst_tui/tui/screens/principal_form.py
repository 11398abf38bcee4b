"""A small form for one root principal: issuer, subject, display name, email."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from rkvst_tui.api.models import Principal
from rkvst_tui.api.terminal_safe import terminal_safe
from rkvst_tui.tui.formatting import safe

MAX_FIELD = 1024  # api-contract.md §2: each principal field is at most 1024 characters


def issuer_warning(issuer: str) -> str:
    """Why an issuer looks wrong ('' when it looks like one): issuers are URLs, compared
    character for character with the `iss` of a token, so a typo makes an entry nobody matches."""
    issuer = issuer.strip()
    if not issuer:
        return ""
    try:
        parts = urlsplit(issuer)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("https", "http") or not parts.netloc:
        return (
            f"! {terminal_safe(issuer, 60)} is not a URL: an issuer is one, such as https://app.rkvst.io/appidpv1, "
            "and must equal the iss of the tokens exactly, or this entry matches no one."
        )
    return ""


class AddPrincipalScreen(ModalScreen[Principal | None]):
    """Dismisses with the principal to add, or None when cancelled."""

    HELP_GROUP = "Add root principal"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Add"),
    ]

    def __init__(self, default_issuer: str, app_names: Mapping[str, str]) -> None:
        """`app_names` maps this tenant's client ids to display names, to name a subject as it is typed."""
        super().__init__()
        self.default_issuer = default_issuer
        self.app_names = app_names

    def compose(self) -> ComposeResult:
        with Vertical(id="principal-dialog", classes="dialog"):
            yield Label("Add a root principal", classes="dialog-title")
            yield Static(
                Text(
                    "A root principal may manage app registrations and root principals. For an app "
                    "registration the issuer is the one below and the subject is its client id.",
                    style="dim",
                )
            )
            yield Label("ISSUER")
            yield Input(self.default_issuer, id="issuer", max_length=MAX_FIELD)
            yield Static("", id="issuer-note")
            yield Label("SUBJECT")
            yield Input(
                placeholder="client id of an app registration, or a user's subject", id="subject", max_length=MAX_FIELD
            )
            yield Static("", id="subject-note")
            yield Label("DISPLAY NAME (optional)")
            yield Input(id="display_name", max_length=MAX_FIELD)
            yield Label("EMAIL (optional)")
            yield Input(id="email", max_length=MAX_FIELD)
            yield Static("", id="principal-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel (esc)", id="cancel")
                yield Button("Add (ctrl+s)", id="add", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#subject", Input).focus()

    @on(Input.Changed, "#issuer")
    def _check_issuer(self, event: Input.Changed) -> None:
        self.query_one("#issuer-note", Static).update(Text(issuer_warning(event.value), style="yellow"))

    @on(Input.Changed, "#subject")
    def _name_subject(self, event: Input.Changed) -> None:
        name = self.app_names.get(event.value.strip())
        note = self.query_one("#subject-note", Static)
        note.update(Text(f"app registration: {safe(name)}", style="green") if name is not None else "")
        display = self.query_one("#display_name", Input)
        if name is not None and not display.value:
            display.value = safe(name)  # a server's name, shown in an Input: terminal-safe

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "add":
            self.action_submit()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        values = {
            name: self.query_one(f"#{name}", Input).value.strip()
            for name in ("issuer", "subject", "display_name", "email")
        }
        error = self.query_one("#principal-error", Static)
        if not values["issuer"]:
            error.update(
                Text("The issuer is required (for an app registration: " + self.default_issuer + ").", style="red")
            )
            self.query_one("#issuer", Input).focus()
            return
        if not values["subject"]:
            error.update(Text("The subject is required (for an app registration: its client id).", style="red"))
            self.query_one("#subject", Input).focus()
            return
        self.dismiss(Principal(values["issuer"], values["subject"], values["display_name"], values["email"]))
