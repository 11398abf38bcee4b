"""ConsoleSession: what the console knows about the tenant it is signed in to.

One object, made by the App and handed to each tab's view by its constructor ("attributes
down"): the client, who is signed in, the root principals, the registrations loaded, read-only,
the clock and the keymap, with the questions every view asks of them ("is this registration
root", "is this principal me"). Views change the App's other panes by posting the messages of
tui/messages.py ("messages up"), never by calling the App.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from rkvst_tui.api.service import facts_of, own_issuers
from rkvst_tui.tui import actions

if TYPE_CHECKING:
    from rkvst_tui.api.client import RkvstClient
    from rkvst_tui.api.models import Application, Identity, Principal
    from rkvst_tui.api.secret_journal import SecretJournal
    from rkvst_tui.tui.problems import Problem


@dataclass(eq=False)
class ConsoleSession:
    client: RkvstClient | None
    now: Callable[[], datetime]
    read_only: bool = False
    keymap: Mapping[str, str] = field(default_factory=dict)  # config.toml's [keymap]: action id -> key(s)
    journal: SecretJournal | None = None
    identity: Identity | None = None  # whoami's answer, once signed in
    connection_problem: Problem | None = None  # why the console could not connect or sign in
    root_principals: list[Principal] = field(default_factory=list)
    principals_loaded: bool = False  # the server answered (if only with a refusal)
    registrations: dict[str, Application] = field(default_factory=dict)  # client id -> Application, loaded
    registrations_complete: bool = False  # every page was read (not loading, the last load did not fail)
    expiry_noticed: bool = False  # the sign-in notice of expiring secrets is said once a session

    # ----------------------------------------------------------- who is signed in

    def signed_in_client_id(self) -> str | None:
        if self.identity is not None:
            return self.identity.client_id
        connection = getattr(self.client, "connection", None)
        return getattr(connection, "client_id", None)

    def issuer(self) -> str | None:
        connection = getattr(self.client, "connection", None)
        return getattr(connection, "issuer", None)

    def own_issuers(self) -> frozenset[str | None]:
        """The issuers of this tenant's registrations (api/service.own_issuers)."""
        if self.client is None:
            return frozenset({self.issuer()})
        return frozenset(own_issuers(self.client))

    def is_signed_in_principal(self, principal: Principal) -> bool:
        """Is this root principal the identity the console is signed in as (the client's rule)."""
        if self.client is None or principal.subject is None:
            return False
        return self.client.is_caller(principal)

    @property
    def roles_only(self) -> bool:
        """Access is managed by roles (DataTrails): the Owner role, no root principals."""
        return self.client is not None and facts_of(self.client).roles_only

    def is_root_registration(self, client_id: str) -> bool:
        issuers = self.own_issuers()
        return any(p.issuer in issuers and p.subject == client_id for p in self.root_principals)

    def registration_for(self, principal: Principal) -> Application | None:
        """The app registration a root principal names, if it is one of this tenant's."""
        if principal.issuer not in self.own_issuers():
            return None
        return self.registrations.get(principal.subject)

    def connected_client(self) -> RkvstClient:
        """The client, for an action that runs only once there is one (the views' tenant_check
        dims them until then)."""
        if self.client is None:
            raise RuntimeError("the console is not connected yet")
        return self.client

    # --------------------------------------------------------------- what may run

    def why_not_connected(self) -> str | None:
        """Why nothing can be changed for want of a connection; None once signed in."""
        if self.connection_problem is not None:
            message = self.connection_problem.message
            first_line = message.splitlines()[0] if message else ""
            return (
                f"Not connected: {first_line}. Nothing can be changed until the console is signed in: "
                "fix the connection, then run Reconnect from the palette (ctrl+p)."
            )
        if self.client is None or self.identity is None:
            return "Not connected yet: the console is still signing in. Try again in a moment."
        return None

    def read_only_refusal(self, action: str) -> str:
        return (
            f"Read-only mode: {actions.refusal_words(action)} is turned off. "
            "Start rkvst-tui without --read-only to change the tenant."
        )

    def key_for(self, action_id: str) -> str:
        """The (first) key of an action, as a [keymap] in config.toml may have changed it."""
        action = actions.BY_ID[action_id]
        return (self.keymap.get(action_id) or action.key).split(",")[0].strip()

    def keys_of(self, action_id: str, default: str) -> str:
        """All the keys of a binding, comma-separated, as the keymap has them."""
        return self.keymap.get(action_id) or default

    # ------------------------------------------------------------ secrets shown

    def note_secret(
        self, application: Application, reason: str, *, before: bool = False
    ) -> tuple[Callable[[], None] | None, str | None]:
        """The journal's entry for a secret about to be shown (or, `before`, about to be made):
        (the callback that ends it or None, a warning to show or None)."""
        journal, client_id = self.journal, application.client_id
        if journal is None or self.client is None or not (application.secret or before):
            return None, None
        connection = self.client.connection
        try:
            journal.record_shown(
                client_id=client_id,
                display_name=application.display_name,
                base_url=connection.base_url,
                profile=connection.profile,
                is_sandbox=connection.is_sandbox,
                reason=reason,
            )
        except OSError as exc:
            return None, (
                f"Could not note the new secret in {journal.path} ({exc.strerror or exc}): if the console "
                "is closed before you record it, the next start can not remind you."
            )
        return (lambda: self.settle_secret(client_id)), None

    def settle_secret(self, client_id: str) -> None:
        if self.journal is None:
            return
        try:
            self.journal.settle(client_id)
        except OSError:
            pass  # at worst the next start asks about a secret that was recorded: "It was recorded" ends it
