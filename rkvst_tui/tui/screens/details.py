"""Everything about one app registration, and commands to paste into a shell."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from rkvst_tui.tui import snippets
from rkvst_tui.tui.formatting import EXPIRY_STYLES, FIELD_LIMIT, expiry_state, plain, relative, safe_lines, timestamp
from rkvst_tui.tui.widgets.command_block import CommandBlock
from rkvst_tui.tui.widgets.footer import ConsoleFooter

MUTATING = {"edit", "regenerate", "delete", "toggle_root", "toggle_owner"}


class AppDetailsScreen(ModalScreen[str | None]):
    """Dismisses with the name of an action to run on this registration (edit, regenerate,
    delete, toggle_root, toggle_owner) or None; the APP REGISTRATIONS view runs it."""

    HELP_GROUP = "Registration details"
    # Short labels, so that every key fits a footer of 80 columns; help shows the tooltips.
    BINDINGS = [
        Binding("escape,q", "close", "Back"),
        Binding("c", "copy_client_id", "Copy id", tooltip="Copy the client id (OSC 52)"),
        Binding("t", "copy_token_command", "Copy curl", tooltip="Copy the token command (curl, with ${SECRET})"),
        Binding("e", "choose('edit')", "Edit", tooltip="Edit the display name and custom claims"),
        Binding("g", "choose('regenerate')", "Regenerate", tooltip="Regenerate the secret (the old one stops working)"),
        Binding("d", "choose('delete')", "Delete", tooltip="Delete the registration"),
        Binding("m", "choose('toggle_root')", "Root ±", tooltip="Make the registration root, or remove it from root"),
        # where access is managed by roles (DataTrails)
        Binding("m", "choose('toggle_owner')", "Owner ±", tooltip="Give the registration the Owner role, or take it"),
        Binding("question_mark", "app.help", "Help"),
    ]

    def __init__(
        self,
        application,
        *,
        service: str,
        base_url: str,
        issuer: str,
        is_root: bool,
        is_self: bool,
        now: Callable[[], datetime],
        read_only: bool,
    ) -> None:
        super().__init__()
        self.application = application
        self.service = service  # "RKVST" or "DataTrails" (api/service.ServiceFacts.name)
        self.base_url = base_url
        self.issuer = issuer
        self.is_root = is_root
        self.is_self = is_self
        self.now = now
        self.read_only = read_only

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        choice = parameters[0] if action == "choose" and parameters else None
        if self.read_only and choice in MUTATING:
            return False
        if choice in ("toggle_root", "toggle_owner") and (choice == "toggle_owner") != self.has_roles:
            return False
        return True

    @property
    def has_roles(self) -> bool:
        """DataTrails: the Owner role administers, not a root principal entry."""
        return self.application.roles is not None

    def compose(self) -> ComposeResult:
        app = self.application
        # The dialog itself scrolls: a scroll area inside an auto-height dialog cannot know
        # how much room it has, and would clip its last lines.
        with VerticalScroll(id="details-dialog", classes="dialog"):
            yield Label(plain(app.display_name or "(no display name)"), classes="dialog-title")
            with Vertical(id="details-body"):
                yield Static(self._fields(), id="details-fields")
                yield Label("CUSTOM CLAIMS", classes="section-title")
                yield Static(self._claims(), id="details-claims")
                yield Label("GET A TOKEN (replace ${SECRET} with the secret you recorded)", classes="section-title")
                yield CommandBlock(
                    snippets.token_request_command(self.base_url, app.client_id), id="details-token-command"
                )
                if self.has_roles:
                    purpose = "takes the role away" if app.is_owner else "lets this registration administer the tenancy"
                    yield Label(f"OWNER ROLE ({purpose})", classes="section-title")
                    yield CommandBlock(
                        snippets.owner_role_command(app.client_id, give=not app.is_owner), id="details-owner-command"
                    )
                else:
                    yield Label("ROOT PRINCIPAL ENTRY (makes this registration root)", classes="section-title")
                    yield Static(
                        Text(safe_lines(snippets.root_principal_entry(self.issuer, app.client_id))),
                        id="details-root-entry",
                        classes="snippet",
                    )
        yield ConsoleFooter(compact=True)

    def _fields(self) -> Table:
        app = self.application
        now = self.now()
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        table.add_row("Display name", plain(app.display_name, limit=FIELD_LIMIT))
        table.add_row("Client id", plain(app.client_id))
        table.add_row("Identity", plain(app.identity))
        table.add_row("Tenant", plain(app.tenant_id))
        table.add_row(
            "Secret",
            Text(f"not shown: {self.service} shows a secret once, when it is created or regenerated (g)", style="dim"),
        )
        valid_from, valid_until = app.valid_from, app.valid_until
        table.add_row("Valid from", Text(timestamp(valid_from)))
        state = expiry_state(valid_until, now)
        until = Text(timestamp(valid_until))
        if valid_until is not None:
            word = {"expired": "expired", "soon": "expires soon", "ok": "valid"}[state]
            until.append(f"  {word}, {relative(valid_until, now)}", style=EXPIRY_STYLES[state] or "dim")
        table.add_row("Valid until", until)
        if len(app.credentials) > 1:
            table.add_row("Credentials", Text(f"{len(app.credentials)} (the dates above are the first one's)"))
        # DataTrails has no root principals: there the Owner role says who administers.
        if self.has_roles:
            access = Text("yes: administers the tenancy" if app.is_owner else "no")
        else:
            access = Text("yes" if self.is_root else "no")
        if self.is_self:
            access.append("  (the identity signed in to this console)", style="dim")
        table.add_row("Owner role" if self.has_roles else "Root principal", access)
        for key, value in sorted((app.extra or {}).items()):
            table.add_row(plain(key), plain(value, limit=FIELD_LIMIT))
        return table

    def _claims(self) -> Table | Text:
        claims = self.application.custom_claims or {}
        if not claims:
            return Text("none", style="dim")
        table = Table(box=None, padding=(0, 2), show_edge=False)
        table.add_column("claim", style="bold")
        table.add_column("value")
        for name, value in claims.items():
            table.add_row(plain(name), plain(value, limit=FIELD_LIMIT))
        return table

    def action_close(self) -> None:
        self.dismiss(None)

    def action_choose(self, action: str) -> None:
        self.dismiss(action)

    def action_copy_client_id(self) -> None:
        self.app.copy_to_clipboard(self.application.client_id)
        self.app.notify(
            "Client id sent to your terminal's clipboard (OSC 52).",
            title="Copy",
            markup=False,
        )

    def action_copy_token_command(self) -> None:
        self.app.copy_to_clipboard(snippets.token_request(self.base_url, self.application.client_id))
        self.app.notify(
            "Token command sent to your terminal's clipboard (OSC 52); it holds ${SECRET}, not the secret.",
            title="Copy",
            markup=False,
        )
