"""On start: the registrations an earlier console left with a secret nobody recorded.

A console that is killed, or whose terminal closes, while a one-time secret is on screen
cannot ask "Have you recorded the secret?"; its journal entry (api/secret_journal.py)
stays behind. This screen names those registrations (after checking they still exist:
one deleted meanwhile needs nothing) and offers, for each: regenerate its secret (the new
one is shown once, in the reveal), delete it, say it was recorded after all, or decide
later (the next start asks again).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from rkvst_tui.api import errors as api_errors
from rkvst_tui.api.terminal_safe import terminal_safe
from rkvst_tui.tui.problems import describe
from rkvst_tui.tui.screens.confirm import ConfirmScreen
from rkvst_tui.tui.widgets.footer import ConsoleFooter

if TYPE_CHECKING:
    from rkvst_tui.api.client import RkvstClient
    from rkvst_tui.api.models import Application
    from rkvst_tui.api.secret_journal import UnrecordedSecret

TITLE = "Secrets that were never recorded"
INTRO = (
    "A console closed (it was stopped, or its terminal or SSH session went away) while the new SECRET of "
    "these registrations was on screen, before anyone said it was recorded. If nobody took note of it, "
    "nothing can sign in with it: regenerate the secret to see a new one (once), or delete the registration."
)


class Left:
    """One entry of the journal and what the server says about it now."""

    def __init__(self, entry: UnrecordedSecret) -> None:
        self.entry = entry
        self.application: Application | None = None
        self.check_failed = ""

    @property
    def client_id(self) -> str:
        return self.entry.client_id

    @property
    def name(self) -> str:
        current = self.application.display_name if self.application is not None else self.entry.display_name
        return terminal_safe(current or "(no name)", 80)

    def line(self) -> Text:
        moment = self.entry.shown_time
        when = moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "at an unknown time"
        what = "created" if self.entry.reason == "created" else "secret regenerated"
        text = Text()
        text.append(self.name, style="bold")
        text.append(f"  ·  {what} {when}\n  client id {terminal_safe(self.client_id, 60)}")
        if self.check_failed:
            text.append(f"\n  not checked: {self.check_failed}", style="yellow")
        return text


class UnrecordedSecretsScreen(ModalScreen[None]):
    CSS_PATH = "unrecorded.tcss"

    HELP_GROUP = "Secrets never recorded"
    BINDINGS = [
        Binding("r", "regenerate", "Regenerate secret"),
        Binding("d", "delete", "Delete it"),
        Binding("a", "recorded", "It was recorded"),
        Binding("escape", "later", "Decide later"),
    ]

    def __init__(
        self,
        client: RkvstClient,
        entries: list[UnrecordedSecret],
        *,
        settle: Callable[[str], None],
        reveal: Callable[[Application], None],
        deleted: Callable[[str], None] = lambda client_id: None,
        read_only: bool = False,
    ) -> None:
        """`settle(client_id)` ends a journal entry; `reveal(application)` shows a regenerated
        secret; `deleted(client_id)` tells the console a registration is gone."""
        super().__init__()
        self.client = client
        self.left = [Left(entry) for entry in entries]
        self._settle = settle
        self._reveal = reveal
        self._deleted = deleted
        self.read_only = read_only
        self._checking = True  # the actions work meanwhile: the check only drops the ones deleted since
        self._working = False  # a regenerate or delete is out

    def compose(self) -> ComposeResult:
        dialog = Vertical(id="unrecorded-dialog")
        dialog.border_title = TITLE
        with dialog:
            yield Static(INTRO, id="unrecorded-intro")
            yield OptionList(*(Option(item.line()) for item in self.left), id="unrecorded-list")
            yield Static("", id="unrecorded-error")
            with Horizontal(id="unrecorded-buttons"):
                yield Button("Later (esc)", id="unrecorded-later", compact=True)
                yield Button("Was recorded (a)", id="unrecorded-recorded", compact=True)
                yield Button("Delete (d)", id="unrecorded-delete", variant="error", compact=True)
                yield Button("Regenerate (r)", id="unrecorded-regenerate", variant="primary", compact=True)
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.query_one("#unrecorded-list", OptionList).focus()
        self._check()

    # ------------------------------------------------------------------ view

    def _show_error(self, text: str) -> None:
        box = self.query_one("#unrecorded-error", Static)
        box.update(Text(text))
        box.set_class(bool(text), "-shown")

    def _show_list(self) -> None:
        options = self.query_one("#unrecorded-list", OptionList)
        highlighted = options.highlighted or 0
        options.clear_options()
        options.add_options([Option(item.line()) for item in self.left])
        if self.left:
            options.highlighted = min(highlighted, len(self.left) - 1)

    def _selected(self) -> Left | None:
        if self._working or not self.left:
            return None
        index = self.query_one("#unrecorded-list", OptionList).highlighted
        return self.left[index if index is not None else 0]

    def _drop(self, item: Left) -> None:
        self._settle(item.client_id)
        if item in self.left:
            self.left.remove(item)
        self._show_list()

    def _set_working(self, working: bool) -> None:
        self._working = working
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("regenerate", "delete", "recorded"):
            return None if self._working else True
        return True

    # ------------------------------------------------------------------ checking

    @work(exclusive=True, exit_on_error=False, group="unrecorded-check", description="check the registrations left")
    async def _check(self) -> None:
        gone = 0
        for item in list(self.left):
            try:
                item.application = await self.client.get_application(item.client_id)
            except api_errors.NotFound:
                gone += 1
                self._drop(item)
            except Exception as exc:  # noqa: BLE001 - offered anyway; the action says what the server does
                item.check_failed = describe(exc, "check").message
        if gone:
            self.notify(
                f"Left with an unrecorded secret, but deleted since: {gone} registration(s). Nothing to do for them.",
                markup=False,
            )
        self._checking = False
        if not self.left:
            if self.is_active:
                self.dismiss(None)
            return
        self._show_list()

    # ------------------------------------------------------------------ actions

    def _refused_read_only(self, action: str) -> bool:
        if not self.read_only:
            return False
        self._show_error(
            f"read-only: {action} is turned off. Start rkvst-tui without --read-only to fix it, or decide later."
        )
        return True

    def action_regenerate(self) -> None:
        item = self._selected()
        if item is None or self._refused_read_only("regenerating secrets"):
            return
        self._set_working(True)
        self._show_error("")
        self._regenerate(item)

    @work(
        exclusive=True,
        exit_on_error=False,
        group="unrecorded-change",
        description="regenerate a secret left unrecorded",
    )
    async def _regenerate(self, item: Left) -> None:
        try:
            fresh = await self.client.regenerate_secret(item.client_id)
        except api_errors.NotFound:
            self._set_working(False)
            self._show_error(f"{item.name} no longer exists: nothing to do for it.")
            self._after(item)
            return
        except Exception as exc:  # noqa: BLE001 - shown; try again, delete, or decide later
            self._set_working(False)
            self._show_error(describe(exc, f"Could not regenerate the secret of {item.name}").text())
            return
        self._set_working(False)
        if item in self.left:
            self.left.remove(item)  # the reveal notes the new secret in the journal in its place
        self._show_list()
        if not self.left:
            self.dismiss(None)
        self._reveal(fresh)

    def action_delete(self) -> None:
        item = self._selected()
        if item is None or self._refused_read_only("deleting registrations"):
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._set_working(True)
                self._show_error("")
                self._delete(item)

        self.app.push_screen(
            ConfirmScreen(
                f"Delete {item.name}?",
                f"Client id {item.client_id}. Its secret was never recorded, so nothing should be using it. "
                "Tokens already issued to it stop working too.",
                confirm_label="Delete",
                cancel_label="Keep",
            ),
            answered,
        )

    @work(
        exclusive=True,
        exit_on_error=False,
        group="unrecorded-change",
        description="delete a registration left unrecorded",
    )
    async def _delete(self, item: Left) -> None:
        try:
            await self.client.delete_application(item.client_id)
        except api_errors.NotFound:
            pass  # gone already: the outcome is the same
        except Exception as exc:  # noqa: BLE001 - shown; try again or decide later
            self._set_working(False)
            self._show_error(describe(exc, f"Could not delete {item.name}").text())
            return
        self._set_working(False)
        self.notify(f"Deleted {item.name}.", markup=False)
        self._deleted(item.client_id)
        self._after(item)

    def action_recorded(self) -> None:
        item = self._selected()
        if item is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._after(item)

        self.app.push_screen(
            ConfirmScreen(
                f"Was the secret of {item.name} recorded?",
                "Then it works and nothing needs doing: the console stops reminding you of it.",
                confirm_label="It was recorded",
                cancel_label="Back",
                destructive=False,
                focus_confirm=False,
            ),
            answered,
        )

    def _after(self, item: Left) -> None:
        self._drop(item)
        if not self.left:
            self.dismiss(None)

    def action_later(self) -> None:
        if self._working:
            return
        self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {
            "unrecorded-regenerate": self.action_regenerate,
            "unrecorded-delete": self.action_delete,
            "unrecorded-recorded": self.action_recorded,
            "unrecorded-later": self.action_later,
        }
        action = actions.get(event.button.id or "")
        if action is not None:
            action()
