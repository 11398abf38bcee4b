"""ROOT PRINCIPALS: who may manage this tenant.

The list lives in the ConsoleSession (both tabs need it); this view shows it, names the
subjects that are app registrations of this tenant, marks the signed-in identity, and asks
the App to add or remove entries (tui/messages.py; it owns the refusal to remove yourself).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Static

from rkvst_tui.tui import actions, messages
from rkvst_tui.tui.formatting import plain
from rkvst_tui.tui.views.built_when_shown import BuiltWhenShown
from rkvst_tui.tui.views.turned_off import ExplainsTurnedOffKeys
from rkvst_tui.tui.widgets.fixed_table import FittedColumn, FixedColumnsTable, row_bindings

if TYPE_CHECKING:
    from rkvst_tui.tui.session import ConsoleSession

MUTATING_ACTIONS = actions.changing_the_tenant("principals")
ROW_ACTIONS = actions.needing_a_row("principals")

# Widths follow the terminal's (FixedColumnsTable.add_fitted_columns): long issuers and
# subjects are shortened in the middle, cut names and emails end in …
COLUMNS = (
    FittedColumn("", "you", 1, rank=9, hideable=False),
    FittedColumn("Issuer", "issuer", 31, least=16, rank=4, overflow="middle"),  # mostly the same: hidden first
    FittedColumn("Subject", "subject", 36, least=13, rank=7, overflow="middle"),
    FittedColumn("Display Name", "display_name", 15, rank=8, hideable=False),
    FittedColumn("Email", "email", 16, least=12, rank=5),
    FittedColumn("Registration", "app", 15, least=12, rank=6),
)


class PrincipalTable(FixedColumnsTable):
    HELP_GROUP = "Table"
    BINDINGS = row_bindings("Open registration")  # as in APP REGISTRATIONS


class RootPrincipalsView(ExplainsTurnedOffKeys, BuiltWhenShown, Vertical):
    HELP_GROUP = "Root principals"
    MUTATING_ACTIONS = MUTATING_ACTIONS
    ROW_ACTIONS = ROW_ACTIONS
    BINDINGS = actions.bindings("principals")  # tui/actions.py

    def __init__(self, session: ConsoleSession, **kwargs) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.principals: list = []  # in the server's order; row keys are their indexes
        self._issuer = "<base>/appidpv1"
        self._problem = None

    def first_widgets(self) -> list[Widget]:
        return [
            Static(self._intro(), id="principals-intro"),
            PrincipalTable(id="principals-table", cursor_type="row", zebra_stripes=True),
            Static("", id="principals-empty"),
            Static("", id="principals-status"),
        ]

    def after_build(self) -> None:
        self.table.add_fitted_columns(COLUMNS)
        problem = self._problem
        self.show(self.principals)
        if problem is not None:
            self.show_problem(problem)

    @property
    def table(self) -> PrincipalTable:
        return self.query_one("#principals-table", PrincipalTable)

    def current_principal(self):
        if not self.built:
            return None
        key = self.table.cursor_row_key()
        if key is None:
            return None
        index = int(key)
        return self.principals[index] if index < len(self.principals) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if getattr(self, "_roles_only", False) and action != "help":
            return False  # no root principals on this service: nothing to add, remove, open or reload
        verdict = self.tenant_check(action, lambda: self.current_principal() is not None)
        if verdict and action == "go_to_registration":
            principal = self.current_principal()
            if principal is None or self.session.registration_for(principal) is None:
                return None
        return verdict

    def show_issuer(self, issuer: str) -> None:
        self._issuer = issuer
        if self.built:
            self.query_one("#principals-intro", Static).update(self._intro())

    def _intro(self) -> Text:
        return Text(
            "Root principals may manage app registrations and this list. An app registration is root when an "
            f"entry has issuer {self._issuer} and its client id as subject. ★ marks the identity signed in to "
            "this console.",
            style="dim",
        )

    def show(self, principals: list) -> None:
        """Show a new list, keeping the cursor on the same (issuer, subject)."""
        current = self.current_principal()
        self.principals = list(principals)
        self._problem = None
        if not self.built:
            return
        table = self.table
        table.clear()
        for index, principal in enumerate(self.principals):
            table.add_row(
                self._you(principal),
                plain(principal.issuer),
                plain(principal.subject),
                plain(principal.display_name),
                plain(principal.email),
                self._app_name(principal),
                key=str(index),
            )
        if current is not None and current in self.principals:
            table.move_cursor(row=self.principals.index(current))
        self._show_state()
        self.refresh_bindings()

    def names_changed(self) -> None:
        """The registrations changed: rename the notes without reloading."""
        if not self.built:
            return
        table = self.table
        for index, principal in enumerate(self.principals):
            if str(index) in table.rows:
                table.update_cell(str(index), "you", self._you(principal))
                table.update_cell(str(index), "app", self._app_name(principal))
        self.refresh_bindings()

    def _you(self, principal) -> Text:
        if self.session.is_signed_in_principal(principal):
            return Text("★", style="bold green")
        return Text("")

    def _app_name(self, principal) -> Text:
        application = self.session.registration_for(principal)
        if application is None:
            return Text("")
        return plain(application.display_name or application.client_id)

    def show_roles_only(self) -> None:
        """The service has no root principals (DataTrails today: the path answers 404)."""
        self._roles_only = True
        self.principals = []
        if self.built:
            self._show_state()
        self.refresh_bindings()

    def _show_state(self, problem=None) -> None:
        empty = self.query_one("#principals-empty", Static)
        status = self.query_one("#principals-status", Static)
        count = len(self.principals)
        if getattr(self, "_roles_only", False):
            self.query_one("#principals-intro", Static).display = False  # it explains root principals
            self.table.display = False
            empty.update(
                Text(
                    "This service has no root principals: access is managed by roles. A registration with the "
                    "Owner role administers the tenancy (the Registrations tab marks them Owner). Give the role "
                    "with m on a registration, or the Owner box when creating or editing one "
                    "(rkvst-tui apps update CLIENT_ID --owner).",
                )
            )
            self.set_class(True, "-empty")
            status.update(Text("access managed by roles", style="dim"))
            return
        if problem is not None:
            empty.update(Text(f"{problem.message}\n{problem.hint}", style="red"))
        elif self.session.client is None or not self.session.principals_loaded:
            empty.update(Text("Loading root principals…", style="dim"))
        else:
            empty.update(Text("No root principals to display", style="dim"))
        self.set_class(count == 0, "-empty")
        status.update(
            Text(
                f"{count} root principal{'s' if count != 1 else ''}"
                + ("  ·  read-only" if self.session.read_only else ""),
                style="dim",
            )
        )

    def show_problem(self, problem) -> None:
        if not self.principals:
            self._problem = problem
            if self.built:
                self._show_state(problem)

    @on(DataTable.RowHighlighted, "#principals-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#principals-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.check_action("go_to_registration", ()):
            self.action_go_to_registration()

    def action_refresh(self) -> None:
        self.post_message(messages.RootPrincipalsWanted())

    def action_add(self) -> None:
        self.post_message(messages.AddRootPrincipalWanted())

    def action_remove(self) -> None:
        principal = self.current_principal()
        if principal is None:
            return
        application = self.session.registration_for(principal)
        name = application.display_name if application is not None else (principal.display_name or principal.subject)
        self.post_message(messages.RemoveRootWanted(principal, name))

    def action_copy_subject(self) -> None:
        principal = self.current_principal()
        if principal is None:
            return
        self.app.copy_to_clipboard(principal.subject)
        self.notify("Subject sent to your terminal's clipboard (OSC 52).", title="Copy", markup=False)

    def action_go_to_registration(self) -> None:
        principal = self.current_principal()
        application = self.session.registration_for(principal) if principal is not None else None
        if application is not None:
            self.post_message(messages.GoToRegistration(application.client_id))
