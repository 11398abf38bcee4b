"""New secrets from APP REGISTRATIONS: `g` for the registration under the cursor, `G` for the
marked ones (or the one under the cursor).

Each asks first, saying what a new secret breaks; a batch notes each secret in the journal
before asking the server for it and stops at the first failure; the new secrets go to a
one-time reveal. The view (views/registrations.py) keeps the marks and the list.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any

from rich.text import Text

from rkvst_tui.api import errors as api_errors
from rkvst_tui.api.state_dirs import credentials_dir
from rkvst_tui.tui import messages
from rkvst_tui.tui.formatting import safe
from rkvst_tui.tui.problems import describe, report
from rkvst_tui.tui.screens import confirm_screen

if TYPE_CHECKING:
    from textual.widget import Widget

    from rkvst_tui.api.models import Application
    from rkvst_tui.tui.session import ConsoleSession

ROTATE_LIST_LIMIT = 12  # names listed in the batch rotation's question; then "… and N more"


class SecretRotation:
    """The `g` and `G` flows of one registrations view: `session` answers who is signed in and
    keeps the journal; `remember` puts a changed registration back in the list; `clear_marks`
    unmarks the rotated."""

    def __init__(
        self,
        view: Widget,
        session: ConsoleSession,
        *,
        remember: Callable[[Application], None],
        clear_marks: Callable[[Iterable[str]], None],
    ) -> None:
        self.view = view
        self.session = session
        self.remember = remember
        self.clear_marks = clear_marks

    def _start(self, flow: Coroutine[Any, Any, None]) -> None:
        """Run a change in the view's "apps-change" workers (several may run; none is cancelled)."""
        self.view.run_worker(flow, group="apps-change", exit_on_error=False)

    def _ask(self, title: str, body: Text, then: Callable[[], Coroutine[Any, Any, None]], **labels: Any) -> None:
        """Ask `title` (confirm_screen with `labels`); on yes, start the change `then()` makes."""

        def answered(yes: bool | None) -> None:
            if yes:
                self._start(then())

        self.view.app.push_screen(confirm_screen(title, body, **labels), answered)

    def ask_to_rotate(self, chosen: list[Application]) -> None:
        """`G`: ask (saying what rotation breaks, naming each), then rotate them one by one."""
        if not chosen:
            return
        count = len(chosen)
        body = Text()
        if count == 1:
            body.append("Make a new secret for this app registration:\n")
        else:
            body.append("Make a new secret for each of these ")
            body.append(f"{count} app registrations", style="bold")
            body.append(", one by one:\n")
        for application in chosen[:ROTATE_LIST_LIMIT]:
            body.append(f"  • {safe(application.display_name or '(no name)', 60)}", style="bold")
            body.append(f"  {safe(application.client_id, 40)}\n", style="dim")
        if count > ROTATE_LIST_LIMIT:
            body.append(f"  … and {count - ROTATE_LIST_LIMIT:,} more\n")
        body.append("\nWhat rotation breaks: ", style="bold yellow")
        body.append(
            "every program that holds the old secret stops getting tokens at once; "
            "tokens already issued run until they expire (up to an hour).\n"
        )
        body.append(
            "The new secrets are shown once, together: save them to a folder or copy them one by one."
            if count != 1
            else "The new secret is shown once: save it to a folder or copy it."
        )
        if any(a.client_id == self.session.signed_in_client_id() for a in chosen):
            body.append(
                "\n\nIt includes the identity this console is signed in as (rotated last): its configured "
                "secret stops working, so replace it before the console's next start.",
                style="bold red",
            )
        self._ask(
            f"Rotate {count} secret{'s' if count != 1 else ''}?",
            body,
            lambda: self._rotate_each(chosen),
            confirm_label=f"Rotate {count}",
        )

    async def _rotate_each(self, chosen: list[Application]) -> None:
        """Regenerate each in turn, noting each in the journal first; stop at the first failure.
        One reveal shows every new secret, and what was not rotated."""
        from rkvst_tui.tui.screens.rotation_reveal import NotRotated, RotationRevealScreen

        session = self.session
        rotated: list[tuple[Application, Callable[[], None] | None]] = []
        stopped: NotRotated | None = None
        for index, application in enumerate(chosen):
            settle, warning = session.note_secret(application, "rotated", before=True)
            if warning:
                self.view.notify(warning, title="Record the secret now", severity="warning", markup=False, timeout=15)
            try:
                fresh = await session.connected_client().regenerate_secret(application.client_id)
            except Exception as exc:  # noqa: BLE001 - the reveal (or a notification) says what happened
                lost = api_errors.may_have_acted(exc)
                if not lost and settle is not None:
                    settle()  # refused or never sent: no new secret exists, its old one still works
                stopped = NotRotated(
                    application,
                    describe(exc, f"Could not rotate the secret of {application.display_name}"),
                    answer_lost=lost,
                    left=chosen[index + 1 :],
                )
                break
            rotated.append((fresh, settle))
            self.remember(fresh)  # the list keeps no secret; the reveal has it
        self.clear_marks([fresh.client_id for fresh, _ in rotated])  # the others stay marked: G goes on
        if not rotated:
            assert stopped is not None
            report(self.view, stopped.problem, extra_hint=stopped.hint())
            return
        # The one reveal of the batch: every new secret, and what was not rotated.
        self.view.app.push_screen(
            RotationRevealScreen(rotated, default_save_dir=credentials_dir(), stopped=stopped, clock=session.now)
        )

    def ask_to_regenerate(self, application: Application) -> None:
        """`g`: ask (saying what a new secret breaks), then regenerate the secret."""
        session = self.session
        body = Text()
        body.append("Make a new secret for ")
        body.append(safe(application.display_name or "(no name)"), style="bold")
        body.append(f" ({safe(application.client_id)}).\n\n")
        body.append("The old secret stops working at once. ", style="bold yellow")
        body.append(
            "Tokens already issued with it live on until they expire (up to an hour). The new secret is shown once."
        )
        if application.client_id == session.signed_in_client_id():
            body.append(
                "\n\nThis is the identity this console is signed in as: its configured secret "
                "stops working, so the next token request of this console will fail.",
                style="bold red",
            )
        self._ask(
            f"Regenerate the secret of {application.display_name}?",
            body,
            lambda: self._regenerate(application),
            confirm_label="Regenerate",
        )

    async def _regenerate(self, application: Application) -> None:
        """Regenerate one secret and reveal it; a lost answer offers a new one at once."""
        session = self.session
        try:
            fresh = await session.connected_client().regenerate_secret(application.client_id)
        except api_errors.ConnectionLost as exc:
            if getattr(exc, "request_sent", True):
                report(
                    self.view,
                    describe(exc, f"The answer to regenerating {application.display_name} was lost"),
                    extra_hint="The server may have replaced the secret: regenerate again (g) to get a secret you can see.",
                )
                self._offer_regenerate_again(application)
            else:
                report(self.view, describe(exc, f"Could not regenerate the secret of {application.display_name}"))
            return
        except Exception as exc:  # noqa: BLE001 - shown as a notification (describe), the list stays as it was
            report(self.view, describe(exc, f"Could not regenerate the secret of {application.display_name}"))
            return
        self.view.post_message(messages.RevealSecret(fresh, "regenerated"))
        self.remember(fresh)

    def _offer_regenerate_again(self, application: Application) -> None:
        """A secret nobody saw is as good as lost: offer a new one straight away."""
        body = Text()
        body.append("The answer to regenerating the secret of ")
        body.append(safe(application.display_name or application.client_id), style="bold")
        body.append(" did not arrive. The server may have replaced the secret, and nobody has seen the new one.\n\n")
        body.append("Regenerate again now to get a secret you can record?")
        self._ask(
            "The new secret was lost on the way",
            body,
            lambda: self._regenerate(application),
            confirm_label="Regenerate again",
            cancel_label="Not now",
            destructive=False,
        )
