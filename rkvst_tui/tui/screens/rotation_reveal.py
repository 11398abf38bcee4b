"""The one reveal of a batch rotation (`G` on APP REGISTRATIONS): every new secret, once.

It keeps the single reveal's safeguards (tui/screens/secret_reveal.py, whose parts it uses):
- each SECRET is shown, selectable, with the client id; `h` hides them all (and shows them);
- `f` saves them all to a folder the user picks, each to its own file (`<name>.env`, mode
  0600, written atomically, never over a file: api/files.py); `s` and `c` copy the secret or
  the client id of the highlighted one (OSC 52; the notification never holds the secret);
- leaving it (escape, q, Done, a click outside) or quitting the console (ctrl+q) first asks
  "Have you recorded the secrets?";
- each secret was noted in the journal of unrecorded secrets before it was regenerated
  (api/secret_journal.py); saving or copying one, or the answer yes, ends its entry, so a
  console killed with this screen open offers, on the next start, to fix each one left;
- a rotation stopped by a failure says which one failed, what that means for its old secret,
  and which were not attempted;
- on closing, every copy of the secrets is dropped (widgets, the Applications it was given,
  Textual's clipboard copy); only the files the user saved keep them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, ListItem, ListView, Static

from rkvst_tui.api.errors import TargetExists
from rkvst_tui.api.files import SaveFailed, shared_directory_warning, write_credentials_file
from rkvst_tui.api.terminal_safe import terminal_safe
from rkvst_tui.tui.clipboard import forget_copy
from rkvst_tui.tui.formatting import FIELD_LIMIT, plain, safe, safe_lines, safe_text
from rkvst_tui.tui.screens.secret_reveal import (
    HIDDEN,
    RecordedQuestion,
    SaveCredentialsScreen,
    default_credentials_path,
)
from rkvst_tui.tui.widgets.footer import ConsoleFooter

if TYPE_CHECKING:
    from rkvst_tui.api.models import Application
    from rkvst_tui.tui.problems import Problem

CAUTION = "You must take note of each SECRET now: they can not be viewed again later."
BROKEN = (
    "The old secrets stopped working at once: every program that holds one stops getting tokens "
    "until it is given the new one; tokens already issued run until they expire."
)
RECORDED_QUESTION = "Have you recorded the secrets?"
SAVE_ALL_HELP = (
    "Each registration's CLIENT_ID=... and SECRET=... go to a file of their own in this folder, "
    "named after the registration (<name>.env), readable by you alone (mode 0600). No file is "
    "ever replaced; the folder is made (mode 0700) if it does not exist."
)


@dataclass
class NotRotated:
    """Where a batch rotation stopped: the registration that failed, why, and those not tried."""

    application: Application
    problem: Problem
    answer_lost: bool  # the service may have replaced its secret: nobody has seen the new one
    left: list[Application] = field(default_factory=list)

    def hint(self) -> str:
        if self.answer_lost:
            return (
                "The answer was lost: its old secret may no longer work, and nobody has seen a new one. "
                "Rotate it again (it stays marked: G) to get a secret you can record."
            )
        return "Its old secret still works. It stays marked: fix the cause and press G to go on."

    def words(self) -> Text:
        text = Text()
        text.append("✗ Stopped at ", style="bold red")
        text.append(safe(self.application.display_name or self.application.client_id, 80), style="bold")
        text.append(f": {safe_lines(self.problem.message)}\n", style="red")
        text.append(self.hint())
        if self.left:
            names = ", ".join(safe(a.display_name or a.client_id, 40) for a in self.left[:10])
            more = f" and {len(self.left) - 10} more" if len(self.left) > 10 else ""
            text.append(f"\nNot rotated (their old secrets still work; still marked): {names}{more}.")
        return text


class Rotated:
    """One new secret on the screen, and how it was recorded (if it was)."""

    def __init__(self, application: Application, on_recorded: Callable[[], object] | None) -> None:
        self.application: Application | None = application
        self.client_id = application.client_id
        self.display_name = application.display_name
        self.secret = application.secret
        self._on_recorded = on_recorded
        self.saved_to: Path | None = None
        self.copied = False

    @property
    def recorded(self) -> bool:
        return self.saved_to is not None or self.copied

    def settle(self) -> None:
        """Its secret has left the screen: the journal forgets it (once)."""
        callback, self._on_recorded = self._on_recorded, None
        if callback is not None:
            callback()

    def heading(self) -> Text:
        text = Text()
        text.append(safe(self.display_name or "(no name)", 60), style="bold")
        text.append(f"   {safe(self.client_id, 60)}", style="dim")
        if self.saved_to is not None:
            text.append(f"   ✓ saved: {terminal_safe(self.saved_to.name, 60)}", style="green")
        elif self.copied:
            text.append("   ✓ copied", style="green")
        return text

    def forget(self) -> None:
        if self.application is not None:
            for credential in self.application.credentials:
                credential.secret = ""
        self.application = None
        self.secret = ""


class RotationRevealScreen(ModalScreen[None]):
    """Every new secret of a batch rotation, shown once."""

    CSS_PATH = "rotation_reveal.tcss"

    HELP_GROUP = "Record the new secrets"

    BINDINGS = [
        Binding("s", "copy_secret", "Copy secret"),
        Binding("c", "copy_client_id", "Copy client id"),
        Binding("f", "save_all", "Save all"),
        Binding("h", "toggle_secrets", "Hide/show"),
        Binding("escape,q", "close", "Done"),
    ]

    def __init__(
        self,
        rotated: Sequence[tuple[Application, Callable[[], object] | None]],
        *,
        default_save_dir: Path,
        stopped: NotRotated | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self.entries = [Rotated(application, on_recorded) for application, on_recorded in rotated]
        self.stopped = stopped
        self._default_save_dir = Path(default_save_dir)
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self.secrets_hidden = False
        self.saved_in: Path | None = None
        self._close_confirmed = False

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        count = len(self.entries)
        dialog = Vertical(id="rotation-dialog")
        dialog.border_title = f"New secrets for {count} App Registration{'s' if count != 1 else ''}"
        with dialog:
            yield Static(Text(f"⚠ Caution: {CAUTION}"), id="rotation-caution")
            yield Static(BROKEN, id="rotation-broken")
            if self.stopped is not None:
                yield Static(safe_text(self.stopped.words()), id="rotation-stopped")
            with ListView(id="rotation-list"):
                for index, entry in enumerate(self.entries):
                    with ListItem(id=f"rotated-{index}"):
                        yield Static(entry.heading(), classes="rotated-heading")
                        yield Static(self._secret_text(entry), classes="rotated-secret")
            with Horizontal(id="rotation-actions"):
                yield Button("Copy secret (s)", id="copy-secret", action="screen.copy_secret", compact=True)
                yield Button("Copy id (c)", id="copy-client-id", action="screen.copy_client_id", compact=True)
                yield Button(
                    "Save all (f)",
                    id="save-all",
                    action="screen.save_all",
                    compact=True,
                    tooltip="Save every new secret to a folder, one 0600 file each",
                )
                yield Button("Hide (h)", id="toggle-secrets", action="screen.toggle_secrets", compact=True)
                yield Button("Done (esc)", id="done", action="screen.close", variant="primary", compact=True)
            yield Static("", id="rotation-status")
        yield ConsoleFooter()

    def _secret_text(self, entry: Rotated) -> Text:
        return plain(HIDDEN if self.secrets_hidden else entry.secret, limit=FIELD_LIMIT)

    def on_mount(self) -> None:
        # Not a button: a stray enter would press it. The list: up and down pick the secret to copy.
        self.query_one("#rotation-list", ListView).focus()

    def _refresh_entries(self) -> None:
        for index, entry in enumerate(self.entries):
            item = self.query_one(f"#rotated-{index}", ListItem)
            item.query_one(".rotated-heading", Static).update(entry.heading())
            item.query_one(".rotated-secret", Static).update(self._secret_text(entry))

    def _status(self, text: Text) -> None:
        self.query_one("#rotation-status", Static).update(safe_text(text))

    @property
    def highlighted(self) -> Rotated | None:
        index = self.query_one("#rotation-list", ListView).index
        return self.entries[index] if index is not None and 0 <= index < len(self.entries) else None

    # ------------------------------------------------------------------ actions

    def action_copy_secret(self) -> None:
        entry = self.highlighted
        if entry is None or not entry.secret:
            return
        self.app.copy_to_clipboard(entry.secret)
        self.notify(
            f"Secret of {safe(entry.display_name, 60)} sent to your terminal's clipboard (OSC 52) — paste it to check.",
            markup=False,
        )
        entry.copied = True
        entry.settle()
        self._refresh_entries()

    def action_copy_client_id(self) -> None:
        entry = self.highlighted
        if entry is None:
            return
        self.app.copy_to_clipboard(entry.client_id)
        self.notify(
            f"Client id of {safe(entry.display_name, 60)} sent to your terminal's clipboard (OSC 52).", markup=False
        )

    def action_toggle_secrets(self) -> None:
        if not any(entry.secret for entry in self.entries):
            return
        self.secrets_hidden = not self.secrets_hidden
        self.query_one("#toggle-secrets", Button).label = "Show (h)" if self.secrets_hidden else "Hide (h)"
        self._refresh_entries()

    def default_folder(self) -> Path:
        return self._default_save_dir / f"rotated-{self._clock().strftime('%Y%m%d-%H%M%S')}"

    def action_save_all(self) -> None:
        if not any(entry.secret for entry in self.entries):
            return
        self.app.push_screen(
            SaveCredentialsScreen(
                self.default_folder(),
                self._write_all,
                title="Save every new secret to a folder",
                help_text=SAVE_ALL_HELP,
                prefer="/",
            ),
            self._saved,
        )

    def _write_all(self, folder: Path, _overwrite: bool) -> Path:
        """Write each secret not saved yet to its own file in `folder`; the ones written count
        as recorded even when a later one fails (the error names the file that failed)."""
        if folder.exists() and not folder.is_dir():
            raise SaveFailed(folder, "it is a file: give the name of a folder")
        for entry in self.entries:
            if not entry.secret or entry.saved_to is not None:
                continue
            assert entry.application is not None
            path = default_credentials_path(folder, entry.application.without_secret())
            try:
                entry.saved_to = write_credentials_file(path, entry.client_id, entry.secret)
            except TargetExists:
                raise SaveFailed(path, f"{path.name} exists already in it (no file is ever replaced)") from None
            finally:
                self._refresh_entries()
            self.saved_in = folder
            entry.settle()
        return folder

    def _saved(self, folder: Path | None) -> None:
        saved = [entry for entry in self.entries if entry.saved_to is not None]
        if not saved:
            return
        message = Text(
            f"✓ Saved {len(saved)} of {len(self.entries)} to {terminal_safe(self.saved_in)}: one file each, mode 0600.",
            style="green",
        )
        first = saved[0].saved_to if saved else None
        warning = shared_directory_warning(first) if first is not None else None
        if warning:
            message.append(f"\n! {terminal_safe(warning)}.", style="bold yellow")
        self._status(message)
        if folder is not None:
            self.notify(f"Saved {len(saved)} credentials files to {terminal_safe(folder)}", markup=False)
        self._refresh_entries()

    # ------------------------------------------------------------------ leaving

    @property
    def holds_unrecorded_secret(self) -> bool:
        """A secret is on this screen and nobody has said they are recorded: leaving must ask."""
        return any(entry.secret for entry in self.entries) and not self._close_confirmed

    @property
    def display_name(self) -> str:
        return ", ".join(entry.display_name for entry in self.entries)

    @property
    def unrecorded_words(self) -> str:
        """For the console's last words when a signal stops it with this screen open."""
        names = ", ".join(f"'{terminal_safe(entry.display_name, 60)}'" for entry in self.entries if not entry.recorded)
        return f"the new secrets of {names or 'every rotated registration'}"

    def action_close(self) -> None:
        self._ask_recorded(self._close, confirm_label="Yes, close", note="")

    def _close(self) -> None:
        self.forget_secrets()
        self.dismiss(None)

    def ask_before_quitting(self, quit_console: Callable[[], object]) -> None:
        """Quitting the console with this screen open: ask first; on yes, forget and quit."""
        if any(isinstance(screen, RecordedQuestion) for screen in self.app.screen_stack):
            self.app.bell()  # the question is on screen already: answer it first
            return

        def recorded() -> None:
            self.forget_secrets()
            quit_console()

        self._ask_recorded(recorded, confirm_label="Yes, quit", note="The console quits after this. ")

    def _ask_recorded(self, on_yes: Callable[[], object], *, confirm_label: str, note: str) -> None:
        if self._close_confirmed:
            return
        saved = sum(1 for entry in self.entries if entry.saved_to is not None)
        copied = sum(1 for entry in self.entries if entry.copied and entry.saved_to is None)
        left = [entry for entry in self.entries if not entry.recorded]
        body = note
        if saved:
            body += f"{saved} {'are' if saved != 1 else 'is'} saved in {self.saved_in}. "
        if copied:
            body += f"{copied} {'were' if copied != 1 else 'was'} copied. "
        if left:
            names = ", ".join(safe(entry.display_name or entry.client_id, 40) for entry in left)
            body += f"Not saved or copied: {names}. "
        body += (
            "They can not be viewed again later. If one is lost, regenerate its secret (g in the list): "
            "the old one then stops working at once."
        )

        def answered(recorded: bool | None) -> None:
            if recorded and not self._close_confirmed:
                self._close_confirmed = True
                for entry in self.entries:
                    entry.settle()
                on_yes()

        self.app.push_screen(
            RecordedQuestion(RECORDED_QUESTION, body, confirm_label=confirm_label, cancel_label="Back"),
            answered,
        )

    def forget_secrets(self) -> None:
        """Drop every copy this screen made or was given; the files the user saved are all that is left."""
        for entry in self.entries:
            forget_copy(self.app, entry.secret)
            entry.forget()
        for widget in self.query(".rotated-secret").results(Static):
            widget.update("")

    # ------------------------------------------------------------------ events

    @on(ListView.Selected)
    def _selected(self, event: ListView.Selected) -> None:
        event.stop()  # enter on a secret does nothing (a stray enter must not act)

    def on_click(self, event: events.Click) -> None:
        # A click on the dimmed background (outside the dialog) asks before closing.
        if event.widget is self:
            event.stop()
            self.action_close()
