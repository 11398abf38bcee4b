"""When the answer to a create is lost: find the registration the server made and fix it.

A create answered by a dropped connection or a time-out after the request went out, by
an answer that cannot be read, or by a 5xx (a gateway's 502/503/504 can come after the
service made the registration) may have happened: the server then holds a registration
whose secret nobody saw, which no one can use. `LostCreateScreen` looks the registration up by display name (the ids that
existed before the create are known, so an older namesake is never touched) and offers
to regenerate its secret (the new one is then shown once, like after a create) or to
delete it. When nothing was made, it says so and the form stays open to retry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from rkvst_tui.api import errors as api_errors
from rkvst_tui.api.lost_create import answer_fate, lost_candidates, status_words
from rkvst_tui.api.time_words import utc_stamp
from rkvst_tui.tui.formatting import safe, safe_lines
from rkvst_tui.tui.problems import describe
from rkvst_tui.tui.screens.confirm import ConfirmScreen
from rkvst_tui.tui.widgets.footer import ConsoleFooter

if TYPE_CHECKING:
    from rkvst_tui.api.client import RkvstClient
    from rkvst_tui.api.models import Application

OutcomeKind = Literal["regenerated", "deleted", "not-created", "unknown", "left"]


@dataclass
class RecoveryOutcome:
    """What became of a lost create.

    regenerated: `application` carries the new clear-text secret (show it once);
    deleted: the registration the server made is gone; not-created: nothing was made;
    unknown: the check itself failed; left: the user kept it without a known secret.
    `message` is one sentence for the form.
    """

    kind: OutcomeKind
    application: Application | None = None
    message: str = ""


def _title(cause: BaseException) -> str:
    if isinstance(cause, api_errors.ApiError):
        return f"The create was answered {status_words(cause.status)}"
    if isinstance(cause, api_errors.InvalidResponse):
        return "The create answer could not be read"
    return "The create answer was lost"


def _intro(cause: BaseException, display_name: str) -> str:
    may_exist = "The registration may exist, with a SECRET nobody has seen."
    if isinstance(cause, api_errors.ApiError):
        said = f"; it said: {cause.server_message}" if cause.server_message else ""
        return (
            f"The server answered {status_words(cause.status)} to the request to create '{display_name}'{said}. "
            "A gateway can answer so after the service made the registration (and a service error can come "
            f"half-way through). {may_exist}"
        )
    if isinstance(cause, api_errors.InvalidResponse):
        return (
            f"The server answered the request to create '{display_name}', but the answer could not be read "
            f"({cause.message}). {may_exist}"
        )
    said = cause.message if isinstance(cause, api_errors.RkvstError) else str(cause)
    return f"After the request to create '{display_name}' went out, the answer was lost ({said}). {may_exist}"


def _when(app: Application) -> str:
    moment = app.valid_from
    return utc_stamp(moment) if moment else "unknown time"


class LostCreateScreen(ModalScreen[RecoveryOutcome]):
    """Explains the lost answer, finds the registration, and regenerates or deletes it."""

    CSS_PATH = "lost_create.tcss"

    HELP_GROUP = "Lost create answer"

    BINDINGS = [
        Binding("r", "regenerate", "Regenerate secret"),
        Binding("d", "delete", "Delete it"),
        Binding("c", "check", "Check again"),
        Binding("escape", "later", "Decide later"),
    ]

    def __init__(
        self,
        client: RkvstClient,
        *,
        display_name: str,
        custom_claims: Mapping[str, object],
        known_client_ids: set[str] | None,
        cause: api_errors.RkvstError,
    ) -> None:
        super().__init__()
        self.client = client
        self.display_name = display_name
        self.custom_claims = dict(custom_claims)
        self.known_client_ids = known_client_ids
        self.cause = cause
        self.candidates: list[Application] = []
        self._state: Literal["checking", "found", "check-failed", "working"] = "checking"

    def compose(self) -> ComposeResult:
        dialog = Vertical(id="recovery-dialog")
        dialog.border_title = _title(self.cause)
        with dialog:
            yield Static(Text(safe_lines(_intro(self.cause, self.display_name))), id="recovery-intro")
            yield Static(Text(f"Looking for '{safe(self.display_name)}'…"), id="recovery-state")
            yield OptionList(id="recovery-candidates")
            yield Static("", id="recovery-error")
            with Horizontal(id="recovery-buttons"):
                yield Button("Decide later (esc)", id="recovery-later")
                yield Button("Check again (c)", id="recovery-check")
                yield Button("Delete it (d)", id="recovery-delete", variant="error")
                yield Button("Regenerate secret (r)", id="recovery-regenerate", variant="primary")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self._show_buttons()
        self.action_check()

    # ------------------------------------------------------------------ view

    def _show_buttons(self) -> None:
        found = self._state == "found"
        self.query_one("#recovery-regenerate").display = found
        self.query_one("#recovery-delete").display = found
        self.query_one("#recovery-check").display = self._state == "check-failed"
        self.query_one("#recovery-later").display = self._state in ("found", "check-failed")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("regenerate", "delete"):
            return self._state == "found"
        if action == "check":
            return self._state == "check-failed"
        if action == "later":
            return self._state in ("found", "check-failed")  # not while a request is out
        return True

    def _show_error(self, text: str | Text | None) -> None:
        box = self.query_one("#recovery-error", Static)
        box.update(text or "")
        box.set_class(bool(text), "-shown")

    def _selected(self) -> Application | None:
        if not self.candidates:
            return None
        index = self.query_one("#recovery-candidates", OptionList).highlighted
        return self.candidates[index if index is not None else 0]

    # ------------------------------------------------------------------ actions

    def action_check(self) -> None:
        if self._state == "working":
            return
        self._state = "checking"
        self._show_buttons()
        self._show_error(None)
        self.query_one("#recovery-state", Static).update(Text(f"Looking for '{safe(self.display_name)}'…"))
        self._look_up()

    @work(exclusive=True, exit_on_error=False, group="recovery", description="look up the lost registration")
    async def _look_up(self) -> None:
        try:
            found = await self.client.find_applications_by_name(self.display_name)
        except Exception as exc:  # noqa: BLE001 - shown, with a way to try again
            self._state = "check-failed"
            problem = describe(exc, "Could not check whether it was created")
            self.query_one("#recovery-state", Static).update(
                Text(
                    "Could not tell whether the registration was created. Check again when the server answers; "
                    "if you decide later, look for it in the list before creating it again."
                )
            )
            self._show_error(Text(problem.text()))
            self._show_buttons()
            return
        self.candidates = lost_candidates(found, self.custom_claims, self.known_client_ids)
        if not self.candidates:
            self.dismiss(
                RecoveryOutcome(
                    "not-created",
                    message=(
                        f"The create did not happen: {answer_fate(self.cause)}, and there is no new registration "
                        f"named '{self.display_name}'. Your form is as you left it: press ctrl+s to try again."
                    ),
                )
            )
            return
        self._state = "found"
        options = self.query_one("#recovery-candidates", OptionList)
        options.clear_options()
        for app in self.candidates:
            options.add_option(
                Option(Text(f"{safe(app.display_name)}  ·  client id {safe(app.client_id)}  ·  made {_when(app)}"))
            )
        options.highlighted = len(self.candidates) - 1
        options.set_class(True, "-shown")
        several = len(self.candidates) > 1
        ambiguity = (
            " Several match and cannot be told apart by name: pick one by its client id and time." if several else ""
        )
        self.query_one("#recovery-state", Static).update(
            Text(
                f"It was created: '{safe(self.display_name)}' is on the server, but its SECRET was never shown, so no one "
                "can get a token with it. Regenerate the secret now to see a new one (once), or delete the "
                f"registration and create it again.{ambiguity}"
            )
        )
        self._show_buttons()
        self.query_one("#recovery-regenerate", Button).focus()

    def action_regenerate(self) -> None:
        app = self._selected()
        if app is None or self._state != "found":
            return
        self._state = "working"
        self._show_buttons()
        self._regenerate(app)

    @work(exclusive=True, exit_on_error=False, group="recovery", description="regenerate a secret")
    async def _regenerate(self, app: Application) -> None:
        try:
            regenerated = await self.client.regenerate_secret(app.identity)
        except Exception as exc:  # noqa: BLE001 - shown; the user can try again or delete
            self._state = "found"
            self._show_error(Text(describe(exc, f"Could not regenerate the secret of {app.display_name}").text()))
            self._show_buttons()
            return
        self.dismiss(RecoveryOutcome("regenerated", regenerated, message="Secret regenerated."))

    def action_delete(self) -> None:
        app = self._selected()
        if app is None or self._state != "found":
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._state = "working"
                self._show_buttons()
                self._delete(app)

        self.app.push_screen(
            ConfirmScreen(
                f"Delete {app.display_name}?",
                f"Client id {app.client_id}, made just now by the create ({answer_fate(self.cause)}). "
                "Nothing can use it yet. The form stays open to create it again.",
                confirm_label="Delete",
                cancel_label="Keep",
            ),
            answered,
        )

    @work(exclusive=True, exit_on_error=False, group="recovery", description="delete the lost registration")
    async def _delete(self, app: Application) -> None:
        try:
            await self.client.delete_application(app.identity)
        except api_errors.NotFound:
            pass  # already gone: the outcome is the same
        except Exception as exc:  # noqa: BLE001 - shown; the user can try again
            self._state = "found"
            self._show_error(Text(describe(exc, f"Could not delete {app.display_name}").text()))
            self._show_buttons()
            return
        self.dismiss(
            RecoveryOutcome(
                "deleted",
                app,
                message=(
                    f"Deleted the registration the create had made (client id {app.client_id}). "
                    "Your form is as you left it: press ctrl+s to create it again."
                ),
            )
        )

    def action_later(self) -> None:
        if self._state == "working":
            return
        if self._state == "checking":
            return  # the look-up answers in a moment; leaving now would hide its result
        if self._state == "check-failed":
            self.dismiss(
                RecoveryOutcome(
                    "unknown",
                    message=(
                        f"Could not tell whether '{self.display_name}' was created. Look for it in the list "
                        "before creating it again: if it is there, regenerate its secret (g) or delete it (d)."
                    ),
                )
            )
            return
        app = self._selected()

        def answered(yes: bool | None) -> None:
            if yes and app is not None:
                self.dismiss(
                    RecoveryOutcome(
                        "left",
                        app,
                        message=(
                            f"'{app.display_name}' (client id {app.client_id}) exists without a known secret: "
                            "select it in the list and regenerate its secret (g) before using it."
                        ),
                    )
                )

        self.app.push_screen(
            ConfirmScreen(
                "Leave it without a usable secret?",
                "Nobody has seen its secret, so nothing can sign in with it until you regenerate the secret "
                "from the list (g).",
                confirm_label="Leave it",
                cancel_label="Back",
                destructive=False,
            ),
            answered,
        )

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {
            "recovery-regenerate": self.action_regenerate,
            "recovery-delete": self.action_delete,
            "recovery-check": self.action_check,
            "recovery-later": self.action_later,
        }
        action = actions.get(event.button.id or "")
        if action is not None:
            action()
