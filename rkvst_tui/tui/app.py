"""RkvstApp: the "Manage RKVST" console.

The App never builds its service (Posting's factory style): it is given a connected
`RkvstClient`, or an async `connect` callable that returns one. Connecting and loading
run in workers, so the first frame paints before any network call.

No way out loses a one-time secret: every quit (ctrl+q, the palette's Quit, the
connection problem's Quit) goes through `request_quit`, which asks "Have you recorded the
secret?" while a reveal holds one. Given a `journal` (api/secret_journal.py), the console
notes each secret before it is drawn, and after signing in offers to fix the
registrations an earlier console left with a secret nobody recorded (it was killed, or
its terminal closed).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, work
from textual.app import App, ComposeResult
from textual.containers import Container
from textual.widgets import ContentSwitcher

from rkvst_tui.api import errors as api_errors
from rkvst_tui.api.state_dirs import credentials_dir
from rkvst_tui.api.terminal_safe import terminal_safe
from rkvst_tui.tui import actions, messages
from rkvst_tui.tui.formatting import safe, safe_lines, safe_paste, utc_now
from rkvst_tui.tui.problems import Problem, describe, is_connection_failure, report
from rkvst_tui.tui.screens import confirm_screen
from rkvst_tui.tui.session import ConsoleSession
from rkvst_tui.tui.typeahead import TypeAhead
from rkvst_tui.tui.views.policies import AccessPoliciesView
from rkvst_tui.tui.views.principals import RootPrincipalsView
from rkvst_tui.tui.views.registrations import AppRegistrationsView
from rkvst_tui.tui.widgets.footer import ConsoleFooter
from rkvst_tui.tui.widgets.header import ConsoleHeader
from rkvst_tui.tui.widgets.tab_bar import ConsoleTabs

if TYPE_CHECKING:
    from textual.command import Provider

    from rkvst_tui.api.secret_journal import SecretJournal
    from rkvst_tui.tui.commands import ConsoleCommand

# (id, label): the id names the tab, its pane and its action (`show_tab(id)`).
TABS, TAB_IDS = actions.TABS, actions.TAB_IDS
FIRST_KEYS_WAIT = 0.3  # seconds the footer's first keys wait for the first rows


# The palette's providers are imported when it opens, not with the console: every module the
# console imports delays its first rows (tests/benchmarks/bench_first_frame.py).


def _console_commands() -> type[Provider]:
    from rkvst_tui.tui.commands import ConsoleCommands

    return ConsoleCommands


def _registration_commands() -> type[Provider]:
    from rkvst_tui.tui.commands import RegistrationCommands

    return RegistrationCommands


class _InSession:
    """An App attribute that lives in its ConsoleSession (the App's own code reads it there too)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, app: RkvstApp | None, owner: type | None = None):
        return self if app is None else getattr(app.session, self.name)

    def __set__(self, app: RkvstApp, value) -> None:
        setattr(app.session, self.name, value)


class RkvstApp(TypeAhead, App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "Manage RKVST"
    HELP_GROUP = "Console"
    COMMANDS = App.COMMANDS | {_console_commands, _registration_commands}  # Textual calls them when the palette opens
    # Screens get -narrow below the width of the widest dialog (app.tcss lays them out for it).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (112, "-wide")]
    BINDINGS = actions.bindings("")  # tui/actions.py: the console's keys, anywhere

    client = _InSession()
    read_only = _InSession()
    now = _InSession()
    identity = _InSession()
    root_principals = _InSession()
    principals_loaded = _InSession()
    connection_problem = _InSession()
    journal = _InSession()
    keymap = _InSession()

    def __init__(
        self,
        client=None,
        *,
        connect: Callable[[], Awaitable[object]] | None = None,
        read_only: bool = False,
        clock: Callable[[], datetime] | None = None,
        journal: SecretJournal | None = None,
        keymap: Mapping[str, str] | None = None,
    ) -> None:
        if client is None and connect is None:
            raise ValueError("RkvstApp needs a client or a connect callable")
        # config.toml's [keymap]: action id (tui/actions.py) -> key(s); Textual applies it too.
        self.session = ConsoleSession(
            client, now=clock or utc_now, read_only=read_only, keymap=dict(keymap or {}), journal=journal
        )
        super().__init__()
        self._connect = connect
        self._problem_shown = False
        self._owns_client = client is None  # a client from `connect` is closed on exit
        self._inspector_mounting = asyncio.Lock()  # the tab and "Open in inspector" may both mount it
        self._unrecorded_offered = False

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.now, id="header")
        # One widget for the strip of tabs, not TabbedContent's twelve: those delayed the first
        # frame (tests/benchmarks/README.md).
        yield ConsoleTabs(list(TABS), active="apps", id="tabs")
        with ContentSwitcher(initial="apps", id="panes"):
            with Container(id="apps"):
                yield AppRegistrationsView(self.session, id="apps-view")
            with Container(id="principals"):
                yield RootPrincipalsView(self.session, id="principals-view")  # its widgets come when first shown
            # Empty until first shown: the inspector is half the console's widgets, and
            # composing and styling them delayed the first frame.
            yield Container(id="inspector")
            with Container(id="policies"):
                yield AccessPoliciesView(self.session, id="policies-view")  # built and loaded when first shown
        # The first keys come with the first rows (or after FIRST_KEYS_WAIT): before them most
        # keys are dim, and building the keys twice delayed the rows (tests/benchmarks/README.md).
        yield ConsoleFooter(compact=True, hold_first_keys=FIRST_KEYS_WAIT)

    def _inspector(self):
        from rkvst_tui.tui.views.inspector import TokenInspector

        return TokenInspector(lambda: self.client, clock=self.now)

    @property
    def apps_view(self) -> AppRegistrationsView:
        return self.query_one(AppRegistrationsView)

    @property
    def principals_view(self) -> RootPrincipalsView:
        return self.query_one(RootPrincipalsView)

    @property
    def policies_view(self) -> AccessPoliciesView:
        return self.query_one(AccessPoliciesView)

    async def on_unmount(self) -> None:
        if self._owns_client and self.client is not None:
            await self.client.aclose()

    def on_mount(self) -> None:
        if self.keymap:
            self.set_keymap(self.keymap)
            problem = actions.keymap_problem(self.keymap)
            if problem:
                self.notify(problem, title="Keymap", severity="warning", markup=False, timeout=20)
        if self.read_only:
            self.sub_title = "read-only"
        if not self.is_headless:
            self._stop_cleanly_on_signals()
        self.apps_view.table.focus()
        self.connect_and_load()

    # -------------------------------------------------------------- connecting

    @work(exclusive=True, group="connect", exit_on_error=False)
    async def connect_and_load(self) -> None:
        header = self.query_one(ConsoleHeader)
        if self.client is None:
            header.show_connecting("connecting… (starting the local sandbox can take a moment)")
            assert self._connect is not None  # __init__: no client means a connect callable
            try:
                self.client = await self._connect()
            except Exception as exc:  # noqa: BLE001 - every failure to connect is shown in the header and the list, never a traceback
                self.connection_problem = describe(exc, "Could not connect to RKVST")
                self.apps_view.show_state()
                self.refresh_bindings()  # the keys for changes dim
                self._show_footer_keys()
                self.show_connection_problem(self.connection_problem, "")
                return
        if getattr(self.client, "on_rate_limit", "absent") is None:  # the client retries 429s; we say so
            self.client.on_rate_limit = self._rate_limited
        trail = getattr(self.client, "audit", None)  # cli/console.py gives the console's clients one
        if trail is not None and trail.on_error is None:
            trail.on_error = lambda message: self.notify(
                terminal_safe(message), title="Audit trail", severity="warning", markup=False, timeout=15
            )
        connection = self.client.connection
        header.show_connection(connection)
        for warning in getattr(connection, "warnings", ()):  # e.g. a secret file others can read
            self.notify(terminal_safe(warning), title="Warning", severity="warning", markup=False, timeout=20)
        self.principals_view.show_issuer(connection.issuer)
        try:
            # Signed in once a token is minted: the first page is asked for then, while whoami
            # learns whether this identity is root (one after the other, that round trip
            # delayed the first rows; tests/benchmarks/bench_first_frame.py).
            await self.client.access_token()
            if self.client.connection is not connection:  # the server answered as the local sandbox
                connection = self.client.connection
                header.show_connection(connection)
            self.apps_view.start_loading()
            self.identity = await self.client.whoami()
            header.show_service(self.client.service.name)  # RKVST or DataTrails, by its answers
        except Exception as exc:  # noqa: BLE001 - a failed sign-in is shown (describe), the console stays usable
            self.workers.cancel_group(self.apps_view, "apps-load")
            problem = describe(exc, f"Could not sign in to {connection.base_url}")
            header.show_signed_out(problem.message)
            self.connection_problem = problem
            self.apps_view.show_state()
            self.refresh_bindings()
            self._show_footer_keys()
            if is_connection_failure(exc):
                self.show_connection_problem(problem, self._where())
            else:
                report(self, problem)
            return
        header.show_identity(self.identity, self.client.tokens)
        self.connection_problem = None
        self.refresh_bindings()
        root_principals = getattr(self.identity, "root_principals", None)
        if root_principals is not None:
            self.set_root_principals(list(root_principals))  # whoami read them: no second request
        else:
            self.load_root_principals()  # it could not: the tab asks, and says why if refused
        self.offer_unrecorded_secrets()

    def _where(self) -> str:
        connection = getattr(self.client, "connection", None)
        if connection is None:
            return ""
        kind = "local sandbox" if getattr(connection, "shows_as_sandbox", False) else f"profile {connection.profile}"
        who = f", client id {connection.client_id}" if getattr(connection, "client_id", None) else ""
        return f"{connection.base_url} ({kind}{who})"

    def show_connection_problem(self, problem: Problem, where: str) -> None:
        from rkvst_tui.tui.screens.problem import ConnectionProblemScreen

        if self._problem_shown:
            return
        self._problem_shown = True

        def chosen(choice: str | None) -> None:
            self._problem_shown = False
            if choice == "retry":
                self.run_worker(self.action_reconnect(), exit_on_error=False)
            elif choice == "quit":
                self.request_quit()

        self.push_screen(ConnectionProblemScreen(problem, where), chosen)

    async def action_reconnect(self) -> None:
        # A client made by `connect` is made again: what it reached may be gone (the local
        # sandbox of another console that has quit), and `connect` finds or starts another.
        if self._owns_client and self._connect is not None and self.client is not None:
            old, self.client = self.client, None
            await old.aclose()
        self.connect_and_load()

    # ------------------------------------------------------------- API helpers

    def _rate_limited(self, seconds: float, attempt: int) -> None:
        """The client's hook, before it sleeps out a 429 (it retries; the console only says so)."""
        wait = max(1.0, seconds)
        self.notify(f"Rate limited, retrying in {wait:.0f}s.", severity="warning", markup=False, timeout=wait + 1)

    async def on_event(self, event: events.Event) -> None:
        # A paste is text that did not come from us, and a text field draws it as it is.
        if isinstance(event, events.Paste) and not event.is_forwarded and event.text:
            event.text = safe_paste(event.text)
        await super().on_event(event)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity="information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification of the console (widgets' and screens' `notify` come here): many
        quote a server's words or a display name, so each line is made terminal-safe."""
        super().notify(safe_lines(message), title=safe(title), severity=severity, timeout=timeout, markup=markup)

    def refuse_read_only(self, action: str) -> None:
        self.notify(self.session.read_only_refusal(action), title="Refused", severity="warning", markup=False)

    # ----------------------------------------------------------- shared state

    # A message may arrive as the console closes, its panes gone: handlers query, never assume.

    def _show_footer_keys(self) -> None:
        """The main screen's footer shows its first keys now (a dialog may be on top of it)."""
        for screen in self.screen_stack[:1]:
            for footer in screen.query(ConsoleFooter):
                footer.show_keys()

    def on_registrations_changed(self, message: messages.RegistrationsChanged) -> None:
        self._show_footer_keys()
        for view in self.query(RootPrincipalsView):
            view.names_changed()
        if self.client is not None and self.identity is not None:
            for header in self.query(ConsoleHeader):
                header.show_service(self.client.service.name)

    def on_policies_changed(self, message: messages.PoliciesChanged) -> None:
        for view in self.query(AccessPoliciesView):
            view.stale()

    def on_root_principals_wanted(self, message: messages.RootPrincipalsWanted) -> None:
        self.load_root_principals()

    def set_root_principals(self, principals: list) -> None:
        self.root_principals = list(principals)
        self.principals_loaded = True
        self.principals_view.show(self.root_principals)
        self.apps_view.root_principals_changed()

    @work(exclusive=True, group="principals-load", exit_on_error=False)
    async def load_root_principals(self) -> None:
        if self.client is None:
            return
        try:
            principals = await self.client.get_root_principals()
        except Exception as exc:  # noqa: BLE001 - a refusal or a failure is shown in the principals tab
            self.principals_loaded = True  # answered, if only with a refusal
            if self.client.service.roles_only:  # no root principals here: say how access works instead
                self.principals_view.show_roles_only()
                self.apps_view.show_roles_only()
                return
            problem = describe(exc, "Could not load root principals")
            self.principals_view.show_problem(problem)
            if isinstance(exc, api_errors.PermissionDenied):
                self._learn_root(False)  # the registrations tab already says so
            else:
                report(self, problem)
            return
        self._learn_root(True)  # only a root principal may read the list
        self.set_root_principals(principals)

    def _learn_root(self, is_root: bool) -> None:
        """whoami could not always tell (a 429 say); a later answer settles it."""
        if self.identity is not None and self.identity.is_root is None:
            self.identity = dataclasses.replace(self.identity, is_root=is_root)
            self.query_one(ConsoleHeader).show_identity(self.identity, self.client.tokens)

    # ------------------------------------------------------------ root changes

    def on_add_root_principal_wanted(self, message: messages.AddRootPrincipalWanted) -> None:
        if self.read_only:
            self.refuse_read_only("add")
            return
        from rkvst_tui.tui.screens.principal_form import AddPrincipalScreen

        names = {client_id: app.display_name for client_id, app in self.session.registrations.items()}

        def done(principal) -> None:
            if principal is not None:
                self._change_root(principal, add=True, name=principal.display_name or principal.subject)

        self.push_screen(AddPrincipalScreen(self.session.issuer() or "", names), done)

    def on_make_root_wanted(self, message: messages.MakeRootWanted) -> None:
        application = message.application
        if self.read_only:
            self.refuse_read_only("toggle_root")
            return
        principal = self.client.app_principal(application)
        body = Text()
        body.append("Add ")
        body.append(safe(application.display_name or application.client_id), style="bold")
        body.append(" to ROOT PRINCIPALS?\n\n")
        body.append(f"issuer:  {safe(principal.issuer)}\nsubject: {safe(principal.subject)}\n\n")
        body.append("A root principal can create, change and delete every app registration and root principal.")

        def answered(yes: bool | None) -> None:
            if yes:
                self._change_root(principal, add=True, name=application.display_name)

        self.push_screen(
            confirm_screen("Make this registration root?", body, confirm_label="Make root", destructive=False), answered
        )

    def on_remove_root_wanted(self, message: messages.RemoveRootWanted) -> None:
        principal, name = message.principal, message.name
        if not message.confirm:  # asked already (delete and remove root)
            self._change_root(principal, add=False, name=name)
            return
        if self.read_only:
            self.refuse_read_only("remove")
            return
        if self.session.is_signed_in_principal(principal):
            self.notify(
                f"Refused: {name} is the identity this console is signed in as; removing it, "
                "you would lose access to this tenant. Sign in as another root identity to remove it.",
                title="Cannot remove yourself",
                severity="warning",
                markup=False,
                timeout=10,
            )
            return
        body = Text()
        body.append("Remove ")
        body.append(safe(name or principal.subject), style="bold")
        body.append(" from ROOT PRINCIPALS?\n\n")
        body.append(f"issuer:  {safe(principal.issuer)}\nsubject: {safe(principal.subject)}\n\n")
        body.append("It can no longer manage app registrations or root principals.")

        def answered(yes: bool | None) -> None:
            if yes:
                self._change_root(principal, add=False, name=name)

        self.push_screen(confirm_screen("Remove root principal?", body, confirm_label="Remove"), answered)

    @work(group="principals-change", exit_on_error=False)
    async def _change_root(self, principal, *, add: bool, name: str) -> None:
        client = self.client
        try:
            if add:
                change = await client.add_root_principal(principal)
            else:
                change = await client.remove_root_principal(principal)
        except api_errors.SelfRemovalRefused as exc:
            self.notify(
                f"Refused: you would lose access to this tenant. {exc.message}",
                title="Cannot remove yourself",
                severity="warning",
                markup=False,
                timeout=10,
            )
            return
        except Exception as exc:  # noqa: BLE001 - shown as a notification (describe), the tab stays usable
            verb = "add" if add else "remove"
            report(self, describe(exc, f"Could not {verb} the root principal {name}"))
            return
        self.set_root_principals(change.principals)  # as read again after the write
        concurrent = change.concurrent_change()
        if concurrent:
            self.notify(
                concurrent, title="ROOT PRINCIPALS changed meanwhile", severity="warning", markup=False, timeout=20
            )
        if not change.undone:
            self.notify(f"{name} is {'now' if add else 'no longer'} a root principal.", markup=False)

    # ------------------------------------------------------------------ screens

    def on_reveal_secret(self, message: messages.RevealSecret) -> None:
        self.reveal_secret(message.application, reason=message.reason)

    def reveal_secret(self, application, *, reason: str) -> None:
        """The one-time secret screen; the secret goes nowhere else. The journal notes it first."""
        from rkvst_tui.tui.screens.secret_reveal import SecretRevealScreen

        on_recorded, warning = self.session.note_secret(application, reason)
        if warning:
            self.notify(warning, title="Record the secret now", severity="warning", markup=False, timeout=15)
        self.push_screen(
            SecretRevealScreen(
                application, self.client, default_save_dir=credentials_dir(), reason=reason, on_recorded=on_recorded
            )
        )

    def offer_unrecorded_secrets(self) -> None:
        """Once signed in: the registrations an earlier console left with a secret nobody recorded."""
        if self.journal is None or self._unrecorded_offered or self.client is None:
            return
        from rkvst_tui.api.secret_journal import service_of

        connection = self.client.connection
        try:
            left = self.journal.left_unrecorded(service_of(connection.base_url, connection.is_sandbox))
        except OSError:
            return
        self._unrecorded_offered = True
        if not left:
            return
        from rkvst_tui.tui.screens.unrecorded import UnrecordedSecretsScreen

        def regenerated(application) -> None:
            self.reveal_secret(application, reason="regenerated")
            self.apps_view.remember(application)

        def deleted(client_id: str) -> None:
            self.apps_view.forget(client_id)
            self.post_message(messages.RegistrationsChanged())

        self.push_screen(
            UnrecordedSecretsScreen(
                self.client,
                left,
                settle=self.session.settle_secret,
                reveal=regenerated,
                deleted=deleted,
                read_only=self.read_only,
            )
        )

    # ----------------------------------------------------------------- quitting

    def _reveal_holding_a_secret(self):
        """The open secret reveal whose secret nobody has said is recorded, if any."""
        return next(
            (screen for screen in reversed(self.screen_stack) if getattr(screen, "holds_unrecorded_secret", False)),
            None,
        )

    def request_quit(self, return_code: int = 0, *, stopped_by: str = "") -> None:
        """Quit, after asking "Have you recorded the secret?" when a reveal holds one. Every
        way out of the console comes here (a test keeps `exit(` out of the rest of tui/).

        `stopped_by` (a signal's name): no one is there to answer, so quit at once, saying
        which secret was left unrecorded (its journal entry stays for the next start)."""
        reveal = self._reveal_holding_a_secret()
        if reveal is None or stopped_by:
            message = None
            if reveal is not None:
                batch = getattr(reveal, "unrecorded_words", None)  # the batch reveal (G)
                what = batch or f"the new secret of '{terminal_safe(reveal.display_name, 80)}'"
                message = Text(
                    f"rkvst-tui: stopped by {stopped_by} while {what} {'were' if batch else 'was'} on screen, "
                    f"not recorded. The next start offers to regenerate {'them' if batch else 'it'}."
                )
            self.exit(return_code=return_code, message=message)
            return
        reveal.ask_before_quitting(lambda: self.request_quit(return_code))

    def _stop_cleanly_on_signals(self) -> None:
        """SIGTERM (`kill`, a service manager), SIGINT and SIGQUIT (`kill -INT`, `kill -QUIT`:
        in the console's raw mode ctrl+c and ctrl+\\ are keys, not signals) end the console as a
        quit does, restoring the terminal and naming a secret left on screen; without this the
        process died with the terminal left in the console's modes (SIGQUIT with a core file).
        SIGHUP keeps its default: the terminal is gone, there is nothing to restore."""
        import signal

        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
            try:
                loop.add_signal_handler(number, self._stopped_by, number)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # not the main thread, or a platform without it: the default stays

    def _stopped_by(self, number: int) -> None:
        import signal

        self.request_quit(128 + number, stopped_by=signal.Signals(number).name)

    async def action_quit(self) -> None:
        """ctrl+q and the command palette's Quit."""
        self.request_quit()

    # ------------------------------------------------------------------ actions

    @property
    def active_tab(self) -> str:
        """The id of the tab shown: apps, principals, inspector or policies."""
        return self.query_one(ConsoleTabs).active

    def _switch_to(self, tab: str) -> bool:
        """Show `tab`'s pane and mark its label; False when it was shown already."""
        self.query_one(ConsoleTabs).active = tab
        switcher = self.query_one(ContentSwitcher)
        if switcher.current == tab:
            return False
        switcher.current = tab
        return True

    async def action_show_tab(self, tab: str) -> None:
        self._switch_to(tab)
        await self._focus_tab(tab)

    async def action_cycle_tab(self, step: int) -> None:
        if len(self.screen_stack) > 1:  # a dialog is open: tabs belong to the screen below
            return
        index = TAB_IDS.index(self.active_tab) if self.active_tab in TAB_IDS else 0
        await self.action_show_tab(TAB_IDS[(index + step) % len(TAB_IDS)])

    async def on_console_tabs_activated(self, event: ConsoleTabs.Activated) -> None:
        # A click on a label; a tab shown by a key or by code was switched to already.
        if self._switch_to(event.tab_id):
            await self._focus_tab(event.tab_id)

    async def _focus_tab(self, tab: str) -> None:
        if tab == "apps":
            self.apps_view.table.focus()
        elif tab == "principals":
            await self.principals_view.build()
            self.principals_view.table.focus()
        elif tab == "policies":
            await self.policies_view.build()
            self.policies_view.first_shown()
            self.policies_view.table.focus()
        else:
            self.run_worker(self._open_inspector(), group="inspector", exclusive=True)
        self.refresh_bindings()

    async def _mounted_inspector(self):
        """The inspector tab's content, mounted the first time it is needed."""
        pane = self.query_one("#inspector", Container)
        async with self._inspector_mounting:
            if not pane.children:
                await pane.mount(self._inspector())
        return pane.children[0]

    async def _open_inspector(self) -> None:
        """Mount the inspector the first time its tab is shown, then focus its first input."""
        pane = self.query_one("#inspector", Container)
        await self._mounted_inspector()
        focusable = [w for w in pane.query("*") if w.focusable]
        if focusable:
            focusable[0].focus()
        self.refresh_bindings()

    def on_open_in_inspector(self, message: messages.OpenInInspector) -> None:
        self.open_in_inspector(message.token, message.origin)

    def open_in_inspector(self, token: str, origin: str) -> None:
        """Show the TOKEN INSPECTOR tab with `token` inspected (the secret reveal's "Open in inspector").

        Only a token comes here, never a secret: the inspector's own secret field stays empty."""
        # A fixed description: Textual's default would be built from the arguments.
        self.run_worker(
            self._inspect_in_tab(token, origin),
            group="inspector-open",
            exclusive=True,
            description="open a token in the inspector",
        )

    async def _inspect_in_tab(self, token: str, origin: str) -> None:
        inspector = await self._mounted_inspector()
        inspect_text = getattr(inspector, "inspect_text", None)
        if inspect_text is not None:
            inspect_text(token, origin=origin)
        await self.action_show_tab("inspector")

    def on_go_to_registration(self, message: messages.GoToRegistration) -> None:
        client_id = message.client_id
        self._switch_to("apps")
        self.apps_view.table.focus()
        self.refresh_bindings()
        if not self.apps_view.select(client_id):
            self.notify("That registration is no longer loaded: press r to refresh.", markup=False)

    def action_audit_trail(self) -> None:
        """The palette's "Audit trail": the changes of audit.jsonl, newest first (api/audit.py)."""
        from rkvst_tui.api.audit import AuditTrail
        from rkvst_tui.tui.screens.audit_log import AuditLogScreen

        trail = getattr(self.client, "audit", None)  # the one this console's changes go to
        self.push_screen(AuditLogScreen(trail if isinstance(trail, AuditTrail) else AuditTrail()))

    def action_help(self) -> None:
        from rkvst_tui.tui.screens.help import HelpScreen, keys_of

        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        title = "console"
        if screen is self.screen_stack[0]:
            title = dict(TABS).get(self.active_tab, title)
        else:
            title = getattr(screen, "HELP_GROUP", type(screen).__name__)
        self.push_screen(HelpScreen(keys_of(screen), title))

    async def inspector_buttons(self) -> list:
        """TOKEN INSPECTOR's buttons (for the palette), mounting the tab's content if need be."""
        from textual.widgets import Button

        return list((await self._mounted_inspector()).query(Button))

    async def run_console_command(self, command: ConsoleCommand) -> None:
        """A command from the palette: refuse changes in read-only mode out loud, then run the
        same action the key would."""
        if command.mutating and self.read_only:
            self.refuse_read_only(command.action)
            return
        if not command.tab:
            await self.run_action(command.action)
            return
        await self.action_show_tab(command.tab)
        if command.tab == "inspector":
            inspector = await self._mounted_inspector()
            if command.button:
                inspector.query_one(f"#{command.button}").press()  # as a click would
            else:
                await self.run_action(command.action, inspector)
            return
        views: dict[str, AppRegistrationsView | RootPrincipalsView | AccessPoliciesView] = {
            "apps": self.apps_view,
            "principals": self.principals_view,
            "policies": self.policies_view,
        }
        view = views[command.tab]
        if view.refuse_if_turned_off(command.action):
            return
        state = view.check_action(command.action, ())
        if state is False:  # hidden: e.g. root principals where access is managed by roles
            self.notify(f"{command.title}: not available here.", severity="warning", markup=False)
            return
        if not state:
            what = {"apps": "registration", "principals": "root principal"}.get(command.tab, "access policy")
            self.notify(
                f"{command.title}: select a {what} first (or wait for the list to load).",
                severity="warning",
                markup=False,
            )
            return
        await self.run_action(command.action, view)
