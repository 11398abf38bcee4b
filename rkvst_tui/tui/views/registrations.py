"""APP REGISTRATIONS: the table of registrations and the actions on them (new secrets, g and
G, are views/secret_rotation.py).

Rows are keyed by client id. Pages are appended as they arrive (never a rebuild per
page), the filter works on the list in memory, and the cursor follows the same client
id through refreshes and filtering.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from rkvst_tui import gc_policy
from rkvst_tui.api import errors as api_errors
from rkvst_tui.api.expiry import NOTICE_DAYS
from rkvst_tui.api.service import application_caps
from rkvst_tui.tui import actions, messages
from rkvst_tui.tui.formatting import claims_summary, expiry_cell, expiry_due, expiry_state, plain, safe
from rkvst_tui.tui.problems import Problem, describe, report
from rkvst_tui.tui.screens import confirm_screen
from rkvst_tui.tui.views.owner_role import confirm_owner_change
from rkvst_tui.tui.views.secret_rotation import SecretRotation
from rkvst_tui.tui.views.turned_off import ExplainsTurnedOffKeys
from rkvst_tui.tui.widgets.fixed_table import FittedColumn, FixedColumnsTable, row_bindings

if TYPE_CHECKING:
    from rkvst_tui.api.models import Application
    from rkvst_tui.tui.session import ConsoleSession

# Actions that change the tenant: hidden and refused in read-only mode.
MUTATING_ACTIONS = actions.changing_the_tenant("apps")
# Actions on the registration under the cursor: dimmed when there is none.
ROW_ACTIONS = actions.needing_a_row("apps")

# Filtering this many rows or more waits for a pause in typing.
DEBOUNCE_ROWS = 50_000  # below this a keystroke filters faster than typing (bench_scale.py)
DEBOUNCE_SECONDS = 0.2

# Widths follow the terminal's (FixedColumnsTable.add_fitted_columns): at 80 columns the
# client id is shortened in the middle and Claims is hidden; Display Name and Root always show.
COLUMNS = (
    FittedColumn("", "mark", 1, rank=7, hideable=False),  # ● marked for a batch rotation (space)
    FittedColumn("Display Name", "name", 20, least=16, rank=6, hideable=False),
    FittedColumn("Client Id", "client_id", 36, least=13, rank=4, overflow="middle"),
    FittedColumn("Secret", "secret", 10, rank=2),
    FittedColumn("Expiry Date", "expiry", 18, rank=3),
    FittedColumn("Claims", "claims", 16, least=12, rank=1),
    FittedColumn("Root", "root", 5, rank=5, hideable=False),
)
CLAIMS_SUMMARY_LIMIT = 200  # the column cuts it to its width, ending in …
SECRET_CELL = Text("shown once", style="dim")
MARKED_CELL = Text("●", style="bold magenta")
UNMARKED_CELL = Text("")


def without_secret(application):
    """The same registration with every credential's secret blanked: the console keeps
    no secret in memory longer than the one-time reveal needs it."""
    credentials = getattr(application, "credentials", None) or []
    if not any(getattr(credential, "secret", "") for credential in credentials):
        return application
    blanked = [dataclasses.replace(credential, secret="") for credential in credentials]
    return dataclasses.replace(application, credentials=blanked)


# Seconds after a load before the garbage it froze is collected: the rows have painted by then.
GC_SETTLE_DELAY = 1.0


class RegistrationTable(FixedColumnsTable):
    """The registrations table; `enter` opens the details (rows added in batches with
    FixedColumnsTable.add_keyed_rows)."""

    HELP_GROUP = "Table"
    BINDINGS = row_bindings("Details", show_enter=True)


class FilterInput(Input):
    """The `/` filter box: enter goes back to the table keeping the filter, escape clears it."""

    HELP_GROUP = "Filter"
    BINDINGS = [
        Binding("enter", "submit", "Back to the table"),
        Binding("escape", "clear", "Clear filter"),
    ]

    def action_clear(self) -> None:
        view = next(a for a in self.ancestors if isinstance(a, AppRegistrationsView))
        view.action_clear_filter()


class AppRegistrationsView(ExplainsTurnedOffKeys, Vertical):
    """The first tab."""

    HELP_GROUP = "App registrations"
    MUTATING_ACTIONS = MUTATING_ACTIONS
    ROW_ACTIONS = ROW_ACTIONS
    BINDINGS = actions.bindings("apps")  # tui/actions.py: keys, words, palette, read-only

    # The contract's largest page: 10,000 registrations in 10 round trips instead of 100
    # (each page also costs a repaint of the table while loading).
    page_size: int | None = 1000

    def __init__(self, session: ConsoleSession, **kwargs) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.loading_pages = False
        self.loaded_once = False
        self.load_problem: Problem | None = None
        self._filter = ""
        self._filter_timer: Timer | None = None
        self._restore_cursor_to: str | None = None
        self._last_cursor_id: str | None = None  # survives a filter that shows no rows
        self._cell_cache: dict[str, tuple[object, tuple]] = {}
        self.expiring_only = False  # `f`: only the secrets expired or expiring within 30 days
        self.marked: dict[str, None] = {}  # client ids marked (space), in the order marked
        self.rotation = SecretRotation(self, session, remember=self.remember, clear_marks=self.clear_marks)

    # ----------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        # The filter box is mounted above the table on the first `/` (`_filter_box`): an
        # Input in the first frame cost it styling while hidden (tests/benchmarks/README.md).
        yield RegistrationTable(id="apps-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="apps-empty")
        yield Static("", id="apps-status")

    def on_mount(self) -> None:
        table = self.table
        table.add_fitted_columns(COLUMNS)
        self.show_state()

    @property
    def table(self) -> RegistrationTable:
        return self.query_one("#apps-table", RegistrationTable)

    @property
    def applications(self) -> dict[str, Application]:
        """client id -> Application, in creation order: the session's, which the other tabs read."""
        return self.session.registrations

    @applications.setter
    def applications(self, applications: dict[str, Application]) -> None:
        self.session.registrations = applications

    # ------------------------------------------------------------------ state

    def current_client_id(self) -> str | None:
        return self.table.cursor_row_key()

    def current_application(self):
        client_id = self.current_client_id()
        return self.applications.get(client_id) if client_id else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        verdict = self.tenant_check(action, lambda: self.current_application() is not None)
        if not verdict:
            return verdict
        if action == "clear_filter" and not self._filter:
            return False
        if action in ("toggle_root", "toggle_owner") and (action == "toggle_owner") != self.session.roles_only:
            return False  # m is "Root ±" or, where access is managed by roles, "Owner ±"
        if action == "filter" and isinstance(self.screen.focused, FilterInput):
            return False
        if action == "rotate_marked" and not self.marked and self.current_application() is None:
            return None
        return True

    # --------------------------------------------------------------- loading

    def start_loading(self) -> None:
        self.load_all_pages()

    @work(exclusive=True, group="apps-load", exit_on_error=False)
    async def load_all_pages(self) -> None:
        client = self.session.client
        if client is None:
            return
        self._restore_cursor_to = self.current_client_id() or self._restore_cursor_to
        self.loading_pages = True
        self.session.registrations_complete = False
        self.load_problem = None
        self.show_state()
        first_page = True
        try:  # the client retries a 429 (and the console says so): a failure here is final
            async for page in client.iter_application_pages(page_size=self.page_size):
                if first_page:
                    # Replace what the table showed only once the server answers, so a
                    # failed refresh leaves the last good list on screen.
                    self._reset_rows()
                    first_page = False
                for application in page:
                    self.applications[application.client_id] = without_secret(application)
                self._append_rows(page)
                self.show_state()
                # The loaded rows live as long as the list: keep the cyclic GC from walking
                # them again and again (tests/benchmarks/bench_scale.py).
                gc_policy.keep_long_lived()
                await asyncio.sleep(0)  # let the screen paint between pages
            if first_page:
                self._reset_rows()
            self._drop_gone_marks()
            self.session.registrations_complete = True
            self._offer_expiry_notice()
        except Exception as exc:  # noqa: BLE001 - shown to the user; the screen stays usable
            self._load_failed(exc)
        self.loading_pages = False
        self.loaded_once = True
        self.refresh_caps()
        self.show_state()
        self.refresh_bindings()
        self.post_message(messages.RegistrationsChanged())
        self.set_timer(GC_SETTLE_DELAY, gc_policy.collect_frozen_garbage)

    def _offer_expiry_notice(self) -> None:
        """After the first full load: once a session, how many secrets have expired or expire
        within 30 days (api/expiry.py), and the key that shows them."""
        session = self.session
        if session.expiry_noticed:
            return
        session.expiry_noticed = True
        now = session.now()
        due = [app for app in self.applications.values() if expiry_due(app.valid_until, now)]
        if not due:
            return
        expired = sum(1 for app in due if expiry_state(app.valid_until, now) == "expired")
        count, plural = len(due), len(due) != 1
        if expired == count:
            words = f"{count} secret{'s have' if plural else ' has'} expired"
        elif not expired:
            words = f"{count} secret{'s expire' if plural else ' expires'} within {NOTICE_DAYS} days"
        else:
            words = f"{count} secrets have expired or expire within {NOTICE_DAYS} days ({expired} expired)"
        words += f". Press {session.key_for('registrations-expiring')} on APP REGISTRATIONS to show them"
        if not session.read_only:
            mark, rotate = session.key_for("registrations-mark"), session.key_for("registrations-rotate-marked")
            words += f"; {mark} marks one, {rotate} rotates the marked"
        self.notify(f"{words}.", title="Secrets expiring", severity="warning", markup=False, timeout=20)

    def _load_failed(self, exc: BaseException) -> None:
        self.load_problem = describe(exc, "Could not load app registrations")
        report(self, self.load_problem)

    def _reset_rows(self) -> None:
        self.applications = {}
        self._cell_cache.clear()
        self.table.clear()

    def _append_rows(self, page) -> None:
        table = self.table
        fresh = []
        for application in page:
            self._cell_cache.pop(application.client_id, None)
            if not self._matches(application):
                continue
            if application.client_id in table.rows:
                self._replace_row(application)
            else:
                fresh.append((application.client_id, self._cells(application)))
        table.add_keyed_rows(fresh)
        target = self._restore_cursor_to
        if target is not None and target in table.rows:
            table.move_cursor(row=table.get_row_index(target))
            self._restore_cursor_to = None
        self.refresh_bindings()

    def _cells(self, application) -> tuple[Text, ...]:
        """The row's cells, cached per client id: rebuilding 10,000 rows for a filter must
        not rebuild 60,000 Text objects."""
        cached = self._cell_cache.get(application.client_id)
        if cached is not None and cached[0] is application:
            return cached[1]
        cells = self._build_cells(application)
        self._cell_cache[application.client_id] = (application, cells)
        return cells

    def _build_cells(self, application) -> tuple[Text, ...]:
        now = self.session.now()
        return (
            MARKED_CELL if application.client_id in self.marked else UNMARKED_CELL,
            plain(application.display_name),
            plain(application.client_id),
            SECRET_CELL,
            expiry_cell(application.valid_until, now),
            claims_summary(application.custom_claims or {}, width=CLAIMS_SUMMARY_LIMIT),
            self._root_cell(application.client_id, application),
        )

    def _root_cell(self, client_id: str, application=None) -> Text:
        application = application or self.applications.get(client_id)
        if not self.session.is_root_registration(client_id):
            # Where access is managed by roles (DataTrails), the Owner role is what administers.
            return Text("Owner", style="bold green") if application is not None and application.is_owner else Text("")
        return Text("✔ you" if client_id == self.session.signed_in_client_id() else "✔", style="bold green")

    def _replace_row(self, application) -> None:
        table = self.table
        for column, cell in zip(COLUMNS, self._cells(application)):
            table.update_cell(application.client_id, column.key, cell)

    def show_roles_only(self) -> None:
        """No root principals on this service: the Owner role is what administers, and the
        column says so."""
        self.table.relabel_column("root", "Owner")
        self.refresh_bindings()  # m is Owner ± here

    def root_principals_changed(self) -> None:
        """Update only the Root column (a refresh of principals never reloads the registrations)."""
        self._cell_cache.clear()
        table = self.table
        for row_key in list(table.rows):
            if row_key.value is not None:
                table.update_cell(row_key, "root", self._root_cell(row_key.value))

    def show_state(self) -> None:
        table = self.table
        shown = table.row_count
        total = len(self.applications)
        empty = self.query_one("#apps-empty", Static)
        status = self.query_one("#apps-status", Static)
        if shown == 0:
            problem = self.session.connection_problem
            if problem is not None:
                empty.update(
                    Text(
                        f"Not connected: {problem.message}\nPress ctrl+p and run Reconnect, "
                        "or fix the connection and restart.",
                        style="red",
                    )
                )
            elif self.session.client is None or self.session.identity is None or (self.loading_pages and total == 0):
                empty.update(Text("Loading app registrations…", style="dim"))
            elif self.load_problem is not None and total == 0:
                problem = self.load_problem
                empty.update(Text("\n".join(filter(None, [problem.title, problem.message, problem.hint])), style="red"))
            elif total and self._filter and self.expiring_only:
                empty.update(
                    Text(
                        f"No App Registrations match “{self._filter}” and expire within {NOTICE_DAYS} days", style="dim"
                    )
                )
            elif total and self.expiring_only:
                empty.update(Text(f"No secret has expired or expires within {NOTICE_DAYS} days", style="dim"))
            elif total and self._filter:
                empty.update(Text(f"No App Registrations match “{self._filter}”", style="dim"))
            else:
                empty.update(Text("No App Registrations to display", style="dim"))
        if empty.display != (shown == 0):
            # Styles set here, not by a class: a class change restyles the whole view when the
            # first rows arrive (tests/benchmarks/README.md).
            empty.display = shown == 0
            table.styles.height = "auto" if shown == 0 else "1fr"
            table.styles.max_height = 3 if shown == 0 else None
        parts = []
        if self._filter and self.expiring_only:
            parts.append(
                f"{shown:,} of {total:,} registrations match “{self._filter}” and expire within {NOTICE_DAYS} days"
            )
        elif self.expiring_only:
            parts.append(f"{shown:,} of {total:,} registrations expire within {NOTICE_DAYS} days or have expired")
        elif self._filter:
            parts.append(f"{shown:,} of {total:,} registrations match “{self._filter}”")
        else:
            parts.append(f"{total:,} registration{'s' if total != 1 else ''}")
        if self.expiring_only:
            parts.append(f"{self.session.key_for('registrations-expiring')}: show all")
        if self.marked:
            hidden = sum(1 for client_id in self.marked if client_id not in table.rows)
            marked = f"{len(self.marked):,} marked"
            if hidden:
                marked += f" ({hidden:,} hidden by the filter)"
            parts.append(f"{marked}: {self.session.key_for('registrations-rotate-marked')} rotates")
        if self.loading_pages:
            parts.append("loading more…")
        elif self.load_problem is not None:
            first_line = self.load_problem.message.splitlines()[0]
            parts.append(f"last refresh failed: {first_line}" if total else "loading failed")
        caps = getattr(self, "caps", None)
        if caps is not None:  # the quota the service publishes
            parts.append(caps.words())
        if self.session.read_only:
            parts.append("read-only")
        status.update(Text("  ·  ".join(parts), style="dim"))

    @work(exclusive=True, group="apps-caps", exit_on_error=False)
    async def refresh_caps(self) -> None:
        """Read the app registration quota again (after a load, a create, a delete)."""
        client = self.session.client
        if client is None:
            return
        try:
            self.caps = await application_caps(client)
        except Exception:  # noqa: BLE001 - no quota shown is no harm; a create still answers 402
            self.caps = None
        self.show_state()

    # ---------------------------------------------------------------- filter

    def _matches(self, application) -> bool:
        if self.expiring_only and not expiry_due(application.valid_until, self.session.now()):
            return False
        return application.matches(self._filter)

    def _mounted_filter_box(self) -> FilterInput | None:
        boxes = self.query_children(FilterInput)
        return boxes.first() if boxes else None

    async def _filter_box(self) -> FilterInput:
        box = self._mounted_filter_box()
        if box is None:
            box = FilterInput(placeholder="filter by display name or client id", id="apps-filter", compact=True)
            await self.mount(box, before=self.table)
        return box

    async def action_filter(self) -> None:
        box = await self._filter_box()
        box.display = True
        # At once, not box.focus() (a callback queued behind input already read): keys typed
        # right after '/' (a paste, a fast typist over SSH) land in the box, not the table.
        self.screen.set_focus(box)

    def action_clear_filter(self) -> None:
        self._drop_filter()
        self.table.focus()

    def _drop_filter(self) -> None:
        """Show every row again and hide the filter box, leaving the focus where it is."""
        self._cancel_pending_filter()  # or a debounced keystroke would bring the filter back
        box = self._mounted_filter_box()
        if box is not None:
            box.display = False
            with box.prevent(Input.Changed):
                box.value = ""
        self._apply_filter("")

    def _cancel_pending_filter(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None

    @on(Input.Changed, "#apps-filter")
    def _filter_typed(self, event: Input.Changed) -> None:
        event.stop()
        self._cancel_pending_filter()
        value = event.value.strip()
        if len(self.applications) < DEBOUNCE_ROWS:
            self._apply_filter(value)
        else:
            self._filter_timer = self.set_timer(DEBOUNCE_SECONDS, lambda: self._apply_filter(value))

    @on(Input.Submitted, "#apps-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        event.stop()
        self._apply_filter(event.value.strip())
        if not event.value.strip():
            event.input.display = False
        self.table.focus()

    def _apply_filter(self, value: str, *, again: bool = False) -> None:
        """Show the rows matching `value` (and the expiring filter); `again`: even when `value`
        is the filter already (the expiring filter changed)."""
        if value == self._filter and self.table.row_count and not again:
            return
        keep = self.current_client_id() or self._last_cursor_id
        previous = self._filter.casefold()
        self._filter = value
        table = self.table
        candidates: Iterable[Application] = self.applications.values()
        if previous and value.casefold().startswith(previous) and not again:
            # Typing on narrows: only the rows shown now can still match (a keystroke at
            # 10,000 rows need not test all 10,000 again).
            applications = self.applications
            candidates = [applications[key.value] for key in table.rows if key.value in applications]
        table.replace_rows(
            [
                (application.client_id, self._cells(application))
                for application in candidates
                if self._matches(application)
            ]
        )
        if keep is not None and keep in table.rows:
            table.move_cursor(row=table.get_row_index(keep))
        elif table.row_count:
            # The registration under the cursor is filtered out: start at the first match
            # (the cursor kept its index, which showed the last matches, the first above the view).
            table.move_cursor(row=0)
        self.show_state()
        self.refresh_bindings()

    def action_toggle_expiring(self) -> None:
        """`f`: only the secrets expired or expiring within 30 days, or all again."""
        self.expiring_only = not self.expiring_only
        self._apply_filter(self._filter, again=True)

    def select(self, client_id: str) -> bool:
        """Put the cursor on a registration (clearing a filter that hides it)."""
        if client_id not in self.applications:
            return False
        if client_id not in self.table.rows and self.expiring_only:
            self.expiring_only = False
            self._apply_filter(self._filter, again=True)
        if client_id not in self.table.rows:
            self._drop_filter()
        self.table.move_cursor(row=self.table.get_row_index(client_id))
        self.table.focus()
        return True

    # --------------------------------------------------------------- actions

    @on(DataTable.RowHighlighted, "#apps-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value in self.applications:
            self._last_cursor_id = event.row_key.value
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#apps-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_details()

    def action_refresh(self) -> None:
        self.load_all_pages()
        self.post_message(messages.RootPrincipalsWanted())

    def action_details(self) -> None:
        application = self.current_application()
        if application is None:
            return
        from rkvst_tui.tui.screens.details import AppDetailsScreen

        session = self.session
        client = session.connected_client()
        connection = client.connection
        screen = AppDetailsScreen(
            application,
            service=client.service.name,
            base_url=connection.base_url,
            issuer=connection.issuer,
            is_root=session.is_root_registration(application.client_id),
            is_self=application.client_id == session.signed_in_client_id(),
            now=session.now,
            read_only=session.read_only,
        )

        def chosen(action: str | None) -> None:
            if action:
                self.run_on(action, application.client_id)

        self.app.push_screen(screen, chosen)

    def run_on(self, action: str, client_id: str) -> None:
        """Run a row action on a given registration (from the details screen or the palette)."""
        if self.refuse_if_turned_off(action):
            return
        if client_id in self.table.rows:
            self.table.move_cursor(row=self.table.get_row_index(client_id))
        handler = getattr(self, f"_{action}", None)
        application = self.applications.get(client_id)
        if handler is None or application is None:
            return
        handler(application)

    def action_access(self) -> None:
        """x: what the registration can see, and why (api/access.py's explanation)."""
        application = self.current_application()
        if application is None:
            return
        from rkvst_tui.tui.screens.access_explanation import AccessExplanationScreen

        self.app.push_screen(AccessExplanationScreen(self.session.connected_client(), application))

    def action_share(self) -> None:
        """s: write an access policy sharing picked assets with the registration (screens/share_assets.py)."""
        application = self.current_application()
        if application is None:
            return
        from rkvst_tui.tui.screens.share_assets import ShareAssetsScreen

        session = self.session
        identity = session.identity
        if session.is_root_registration(application.client_id):
            sees_everything = "root"
        elif application.is_owner:
            sees_everything = "Owner"
        else:
            sees_everything = ""
        screen = ShareAssetsScreen(
            session.connected_client(),
            application,
            list(self.applications.values()),
            caller_is_admin=identity.is_admin if identity is not None else None,
            sees_everything=sees_everything,
        )

        def shared(policy) -> None:
            if policy is not None:
                self.post_message(messages.PoliciesChanged())

        self.app.push_screen(screen, shared)

    def action_copy_client_id(self) -> None:
        application = self.current_application()
        if application is None:
            return
        self.app.copy_to_clipboard(application.client_id)
        self.notify(
            "Client id sent to your terminal's clipboard (OSC 52).",
            title="Copy",
            markup=False,
        )

    def action_create(self) -> None:
        form = self._form(None)

        def done(result) -> None:
            if result is None:
                return
            self._form_result(result)

        self.app.push_screen(form, done)

    def action_edit(self) -> None:
        application = self.current_application()
        if application is not None:
            self._edit(application)

    def _edit(self, application) -> None:
        form = self._form(application)

        def done(result) -> None:
            if result is not None:
                self._form_result(result)

        self.app.push_screen(form, done)

    def _form(self, existing):
        from rkvst_tui.tui.screens.app_form import AppFormScreen

        return AppFormScreen(self.session.connected_client(), existing=existing)

    def _form_result(self, result) -> None:
        application = result.application
        self.remember(application)
        self.select(application.client_id)
        verb = "Created" if result.created else "Saved"
        self.notify(f"{verb} {application.display_name}.", markup=False)
        if result.needs_reveal:
            self.post_message(messages.RevealSecret(application, result.reveal_reason))
        self.post_message(messages.RegistrationsChanged())

    def remember(self, application) -> None:
        """Add or update one registration in the list and the table, keeping it secret-free."""
        application = without_secret(application)
        self.applications[application.client_id] = application
        if application.client_id in self.table.rows:
            self._replace_row(application)
        elif self._matches(application):
            self.table.add_row(*self._cells(application), key=application.client_id)
            self.refresh_caps()
        self.show_state()
        self.refresh_bindings()

    def forget(self, client_id: str) -> None:
        if self.applications.pop(client_id, None) is not None:
            self.refresh_caps()
        self.marked.pop(client_id, None)
        if client_id in self.table.rows:
            self.table.remove_row(client_id)
        self.show_state()
        self.refresh_bindings()

    def action_delete(self) -> None:
        application = self.current_application()
        if application is not None:
            self._delete(application)

    def _delete(self, application) -> None:
        session = self.session
        body = Text()
        body.append("Delete the app registration ")
        body.append(safe(application.display_name or "(no name)"), style="bold")
        body.append(f"\nclient id {safe(application.client_id)}?\n\n")
        # The service refuses a deleted registration's tokens too (unlike a regenerate's).
        body.append("Its secret and the tokens already issued with it stop working at once.")
        me = application.client_id == session.signed_in_client_id()
        root = not me and session.is_root_registration(application.client_id)
        if me:
            body.append(
                "\n\nThis is the identity this console is signed in as: the console will lose access to this tenant.",
                style="bold red",
            )
        elif root:
            body.append(
                "\n\nIt is a root principal: deleting it leaves its entry in ROOT PRINCIPALS. "
                "r deletes it and removes the entry too.",
                style="yellow",
            )

        def answered(yes: bool | str | None) -> None:
            if yes:
                self._do_delete(application, remove_root=yes == "also")

        self.app.push_screen(
            confirm_screen(
                f"Delete {application.display_name}?",
                body,
                confirm_label="Delete",
                also_label="Delete and remove root" if root else None,
            ),
            answered,
        )

    @work(group="apps-change", exit_on_error=False)
    async def _do_delete(self, application, *, remove_root: bool = False) -> None:
        session = self.session
        try:
            await session.connected_client().delete_application(application.client_id)
        except api_errors.NotFound:
            self.notify(f"{application.display_name} was already deleted.", markup=False)
        except Exception as exc:  # noqa: BLE001 - shown as a notification (describe), the list stays as it was
            report(self, describe(exc, f"Could not delete {application.display_name}"))
            return
        else:
            self.notify(f"Deleted {application.display_name}.", markup=False)
        self.forget(application.client_id)
        self.post_message(messages.RegistrationsChanged())
        if remove_root:
            principal = session.connected_client().app_principal(application)
            self.post_message(messages.RemoveRootWanted(principal, application.display_name, confirm=False))

    # ----------------------------------------------------------------- marks

    def action_mark(self) -> None:
        """`space`: mark the registration under the cursor for a batch rotation, or unmark it."""
        client_id = self.current_client_id()
        if client_id is None or client_id not in self.applications:
            return
        if client_id in self.marked:
            del self.marked[client_id]
        else:
            self.marked[client_id] = None
        self._cell_cache.pop(client_id, None)
        self.table.update_cell(client_id, "mark", MARKED_CELL if client_id in self.marked else UNMARKED_CELL)
        self.show_state()
        self.refresh_bindings()

    def _drop_gone_marks(self) -> None:
        """A reload may have lost marked registrations (deleted elsewhere): they are unmarked."""
        for client_id in [c for c in self.marked if c not in self.applications]:
            del self.marked[client_id]

    def clear_marks(self, client_ids: Iterable[str]) -> None:
        for client_id in client_ids:
            self.marked.pop(client_id, None)
            self._cell_cache.pop(client_id, None)
            if client_id in self.table.rows:
                self.table.update_cell(client_id, "mark", UNMARKED_CELL)
        self.show_state()
        self.refresh_bindings()

    # ------------------------------------------------------------ batch rotation

    def to_rotate(self) -> list[Application]:
        """The marked registrations (in the order marked), else the one under the cursor; the
        registration the console is signed in as goes last (its new secret is the console's)."""
        chosen = [self.applications[c] for c in self.marked if c in self.applications]
        if not chosen:
            current = self.current_application()
            chosen = [current] if current is not None else []
        me = self.session.signed_in_client_id()
        return [a for a in chosen if a.client_id != me] + [a for a in chosen if a.client_id == me]

    def action_rotate_marked(self) -> None:
        self.rotation.ask_to_rotate(self.to_rotate())

    def action_regenerate(self) -> None:
        application = self.current_application()
        if application is not None:
            self._regenerate(application)

    def _regenerate(self, application) -> None:
        self.rotation.ask_to_regenerate(application)

    def action_toggle_root(self) -> None:
        application = self.current_application()
        if application is not None:
            self._toggle_root(application)

    action_toggle_owner = action_toggle_root

    def _toggle_root(self, application) -> None:
        session = self.session
        if self.session.roles_only:
            # No root principals here: give or take the Owner role.
            confirm_owner_change(self, session, application, self.remember)
        elif session.is_root_registration(application.client_id):
            principal = session.connected_client().app_principal(application)
            self.post_message(messages.RemoveRootWanted(principal, application.display_name))
        else:
            self.post_message(messages.MakeRootWanted(application))

    _toggle_owner = _toggle_root  # m on the details screen where access is managed by roles
