"""The frame's header: where the console is connected, as whom, and for how long."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label, Static

from rkvst_tui.tui.formatting import as_utc, span


class ConsoleHeader(Widget):
    """Two lines: title, SANDBOX badge, profile and base URL; then identity and token time left."""

    def __init__(self, clock: Callable[[], datetime], **kwargs) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        self._connection = None
        self._identity = None
        self._tokens = None
        self._state = "connecting"

    def compose(self) -> ComposeResult:
        with Horizontal(id="header-top"):
            yield Label("Manage RKVST", id="header-title")
            yield Label(" SANDBOX ", id="sandbox-badge")
            yield Static(Text("connecting…", style="dim"), id="header-connection")
            yield Static("", id="header-token")
        yield Static(Text("signing in…", style="dim"), id="header-identity")

    def on_mount(self) -> None:
        self.query_one("#sandbox-badge").display = False
        self.set_interval(1.0, self.refresh_token_time)

    def show_connection(self, connection) -> None:
        self._connection = connection
        badge = self.query_one("#sandbox-badge")
        badge.display = bool(getattr(connection, "is_sandbox", False))
        text = Text()
        text.append(getattr(connection, "profile", "") or "default", style="bold")
        text.append(" · ")
        text.append(connection.base_url)
        if getattr(connection, "is_sandbox", False):
            text.append(" · local sandbox: test data only", style="dim")
        self.query_one("#header-connection", Static).update(text)

    def show_connecting(self, what: str) -> None:
        self.query_one("#header-connection", Static).update(Text(what, style="dim"))

    def show_identity(self, identity, tokens) -> None:
        self._identity = identity
        self._tokens = tokens
        text = Text("signed in as ")
        text.append(identity.client_id, style="bold")
        if identity.display_name:
            text.append(f" ({identity.display_name})")
        if identity.is_root is True:
            text.append("  root", style="bold green")
        elif identity.is_root is False:
            text.append("  not root: a root user must add it to ROOT PRINCIPALS", style="bold yellow")
        else:
            text.append("  root: unknown", style="dim")
        self.query_one("#header-identity", Static).update(text)
        self.refresh_token_time()

    def show_signed_out(self, reason: str) -> None:
        self._identity = None
        self.query_one("#header-identity", Static).update(Text(reason, style="bold red"))
        self.query_one("#header-token", Static).update("")

    def refresh_token_time(self) -> None:
        tokens = self._tokens
        label = self.query_one("#header-token", Static)
        expires_at = getattr(tokens, "expires_at", None) if tokens is not None else None
        if expires_at is None:
            label.update(Text("no token yet", style="dim") if tokens is not None else "")
            return
        left = as_utc(expires_at) - as_utc(self.clock())
        if left.total_seconds() <= 0:
            if getattr(tokens, "is_fixed", False):  # a bearer token file: nothing here can renew it
                label.update(Text("token expired: replace the bearer token file", style="bold red"))
            else:
                label.update(Text("token expired: renews on the next request", style="yellow"))
            return
        style = "yellow" if left.total_seconds() < 300 else ""
        label.update(Text(f"token: {span(left)} left", style=style))
