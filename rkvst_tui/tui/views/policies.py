"""ACCESS POLICIES: which assets the tenant shares, with whom (RKVST's ABAC policies).

The list (name, description, the filters in words, who is granted), enter for the details,
d deletes after a confirmation, r reads the list again. Every name and value came from the
server: cells go through formatting.plain (api/terminal_safe.py), cut to their column with …
The rules the words follow are api/access_rules.py's (docs/access-policies.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Static

from rkvst_tui.tui import actions
from rkvst_tui.tui.formatting import plain, safe
from rkvst_tui.tui.problems import describe
from rkvst_tui.tui.views.built_when_shown import BuiltWhenShown
from rkvst_tui.tui.views.turned_off import ExplainsTurnedOffKeys
from rkvst_tui.tui.widgets.fixed_table import FittedColumn, FixedColumnsTable, row_bindings

if TYPE_CHECKING:
    from rkvst_tui.api.policies import Policy
    from rkvst_tui.tui.session import ConsoleSession

MUTATING_ACTIONS = actions.changing_the_tenant("policies")
ROW_ACTIONS = actions.needing_a_row("policies")

# At 80 columns the description goes first, then the names and the filters are cut (ending in …).
COLUMNS = (
    FittedColumn("Name", "name", 28, least=14, rank=8, hideable=False),
    FittedColumn("Description", "description", 24, least=12, rank=3),
    FittedColumn("Filters", "filters", 40, least=20, rank=7, hideable=False),
    FittedColumn("Granted to", "granted", 30, least=16, rank=6, hideable=False),
)


class PolicyTable(FixedColumnsTable):
    HELP_GROUP = "Table"
    BINDINGS = row_bindings("Details")


class AccessPoliciesView(ExplainsTurnedOffKeys, BuiltWhenShown, Vertical):
    HELP_GROUP = "Access policies"
    MUTATING_ACTIONS = MUTATING_ACTIONS
    ROW_ACTIONS = ROW_ACTIONS
    BINDINGS = actions.bindings("policies")  # tui/actions.py

    def __init__(self, session: ConsoleSession, **kwargs) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.policies: list[Policy] = []
        self.loaded = False
        self._problem: str | None = None
        self._select_after_load: str | None = None  # the policy just saved: the cursor goes to it

    def first_widgets(self) -> list[Widget]:
        intro = Text(
            "An access policy shares the assets its filters match with the registrations its permissions name "
            "(subject=<client id> or a jwt_<claim>), and only the attributes it lets them read.",
            style="dim",
        )
        return [
            Static(intro, id="policies-intro"),
            PolicyTable(id="policies-table", cursor_type="row", zebra_stripes=True),
            Static(Text("Loading access policies…", style="dim"), id="policies-empty"),
            Static("", id="policies-status"),
        ]

    def after_build(self) -> None:
        self.table.add_fitted_columns(COLUMNS)
        if self.loaded:
            self.show(self.policies)

    @property
    def table(self) -> PolicyTable:
        return self.query_one("#policies-table", PolicyTable)

    def current_policy(self) -> Policy | None:
        if not self.built:
            return None
        identity = self.table.cursor_row_key()
        return next((p for p in self.policies if p.identity == identity), None) if identity else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.tenant_check(action, lambda: self.current_policy() is not None)

    # ------------------------------------------------------------------ loading

    def stale(self) -> None:
        """A policy changed elsewhere (from another tab): read the list again when next shown."""
        self.loaded = False

    def first_shown(self) -> None:
        if not self.loaded:
            self.load()

    @work(exclusive=True, group="policies-load", exit_on_error=False)
    async def load(self) -> None:
        client = self.session.client
        if client is None:
            return
        # Imported when the tab is first shown: the policy rules are not needed for the first rows.
        from rkvst_tui.api.policies import list_policies

        try:
            policies = await list_policies(client)
        except Exception as exc:  # noqa: BLE001 - a refusal or a failure is said in the tab
            problem = describe(exc, "Could not load access policies")
            self.loaded = True
            self._problem = f"{problem.message}\n{problem.hint}"
            self.show([])
            return
        self.loaded = True
        self._problem = None
        self.show(policies)

    def show(self, policies: list[Policy]) -> None:
        current = self.current_policy()
        self.policies = list(policies)
        if not self.built:
            return  # build shows them
        table = self.table
        table.clear()
        for policy in self.policies:
            table.add_row(
                plain(policy.display_name or "(no name)"),
                plain(policy.description, style="dim"),
                plain(policy.filters_in_words()),
                plain(policy.grantees_in_words()),
                key=policy.identity,
            )
        wanted = self._select_after_load or (current.identity if current is not None else None)
        self._select_after_load = None
        if wanted is not None and wanted in table.rows:
            table.move_cursor(row=table.get_row_index(wanted))
        count = len(self.policies)
        empty = self.query_one("#policies-empty", Static)
        if self._problem:
            empty.update(Text(self._problem, style="red"))
        else:
            admins = "Owner" if self.session.roles_only else "root"
            words = f"No access policies: nothing is shared with registrations that are not {admins}"
            if not self.session.read_only:
                words += f". Press {self.session.key_for('policies-create')} to create one."
            empty.update(Text(words, style="dim"))
        self.set_class(count == 0, "-empty")
        self.query_one("#policies-status", Static).update(
            Text(
                f"{count} access polic{'ies' if count != 1 else 'y'}"
                + ("  ·  read-only" if self.session.read_only else ""),
                style="dim",
            )
        )
        self.refresh_bindings()

    # ------------------------------------------------------------------ actions

    @on(DataTable.RowHighlighted, "#policies-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#policies-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_details()

    def action_refresh(self) -> None:
        self.load()

    def action_details(self) -> None:
        policy = self.current_policy()
        if policy is None:
            return
        from rkvst_tui.tui.screens.policy_details import PolicyDetailsScreen

        def chosen(action: str | None) -> None:
            if action == "delete" and not self.refuse_if_turned_off("delete_policy"):
                self._confirm_delete(policy)
            elif action == "edit" and not self.refuse_if_turned_off("edit_policy"):
                self._open_form(policy)

        self.app.push_screen(PolicyDetailsScreen(policy, read_only=self.session.read_only), chosen)

    def action_create_policy(self) -> None:
        self._open_form(None)

    def action_edit_policy(self) -> None:
        policy = self.current_policy()
        if policy is not None:
            self._open_form(policy)

    def _open_form(self, policy: Policy | None) -> None:
        from rkvst_tui.api.access import who_of
        from rkvst_tui.tui.screens.policy_form import PolicyFormScreen

        # Unknown until every page is read: "no registration carries this claim" would be a guess.
        session = self.session
        registrations = (
            [who_of(app) for app in session.registrations.values()] if session.registrations_complete else None
        )

        def saved(result: Policy | None) -> None:
            if result is None:
                return
            name = safe(result.display_name or result.identity)
            verb = "Created" if policy is None else "Saved"
            self.notify(f"{verb} the access policy '{name}'.", title=verb, markup=False)
            self._select_after_load = result.identity
            self.load()

        form = PolicyFormScreen(self.session.connected_client(), existing=policy, registrations=registrations)
        self.app.push_screen(form, saved)

    def action_delete_policy(self) -> None:
        policy = self.current_policy()
        if policy is not None:
            self._confirm_delete(policy)

    def _confirm_delete(self, policy: Policy) -> None:
        from rkvst_tui.tui.screens.confirm import ConfirmScreen

        name = safe(policy.display_name or policy.identity)
        body = Text(
            f"Delete the access policy '{name}'? The registrations it names ({safe(policy.grantees_in_words())}) "
            f"no longer see the assets it shares ({safe(policy.filters_in_words())}) unless another policy "
            "shares them. This cannot be undone."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(policy)
            else:
                self.notify(f"Kept '{name}'; nothing deleted.", markup=False)

        self.app.push_screen(ConfirmScreen("Delete access policy?", body, confirm_label="Delete"), answered)

    @work(group="policies-change", exit_on_error=False)
    async def _delete(self, policy: Policy) -> None:
        from rkvst_tui.api.policies import delete_policy

        name = safe(policy.display_name or policy.identity)
        try:
            await delete_policy(self.session.connected_client(), policy)
        except Exception as exc:  # noqa: BLE001 - said in a notification: what failed, what to do
            problem = describe(exc, f"Could not delete '{name}'")
            self.notify(
                f"{problem.message} {problem.hint}".strip(), title=problem.title, severity="error", markup=False
            )
            return
        self.notify(f"Deleted the access policy '{name}'.", title="Deleted", markup=False)
        self.load()


__all__ = ["AccessPoliciesView"]
