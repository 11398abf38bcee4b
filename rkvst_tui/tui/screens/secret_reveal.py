"""The one-time secret reveal, after a create or a regenerate.

Shows the display name, CLIENT_ID, SECRET and expiry date with the seed guide's caution,
as selectable text, and offers what a person needs to keep the secret and prove it works:
copy (OSC 52: the console never claims the copy arrived), save to a 0600 file the user
picks (written atomically, never over a file without asking), and get a token with the
new credentials right now (time left, and the claims it carries, custom claims included),
then open that token in the TOKEN INSPECTOR (`i`: the token goes there, never the secret).

Safety:
- the secret is shown by default, as the guide does; `h` hides it (and shows it again);
- it cannot be dismissed by a stray key: escape, q, Done, a click outside or "Open in
  inspector" first ask "Have you recorded the secret?" (the safe answer is the default),
  and so does quitting the console while it is open (`ask_before_quitting`);
- nothing is done by a stray enter: the focus starts on the dialog, not on a button;
- `on_recorded` is called once the secret is recorded (saved, copied, or the question
  answered yes): the console's journal (api/secret_journal.py) then forgets it;
- the secret is never logged or put in a notification; when the screen closes it blanks
  the widgets, blanks the secret in the Application it was given (so no caller keeps it
  by accident) and forgets the Textual clipboard copy. Only a file the user saved keeps it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from rich.table import Table
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from rkvst_tui.api import errors as api_errors
from rkvst_tui.api.files import shared_directory_warning, write_credentials_file
from rkvst_tui.api.service import facts_of
from rkvst_tui.api.terminal_safe import terminal_safe
from rkvst_tui.api.time_words import utc_stamp
from rkvst_tui.tui.clipboard import forget_copy
from rkvst_tui.tui.formatting import FIELD_LIMIT, plain, safe_lines, safe_text
from rkvst_tui.tui.messages import OpenInInspector
from rkvst_tui.tui.problems import describe
from rkvst_tui.tui.screens.confirm import ConfirmScreen
from rkvst_tui.tui.widgets.footer import ConsoleFooter
from rkvst_tui.tui.widgets.path_input import PathSuggester, unquote_path

if TYPE_CHECKING:
    from rkvst_tui.api.client import RkvstClient
    from rkvst_tui.api.models import Application

CAUTION = "You must take note of the SECRET now: it can not be viewed again later."
SECRET_COPIED = "Secret sent to your terminal's clipboard (OSC 52) — paste it to check."
CLIENT_ID_COPIED = "Client id sent to your terminal's clipboard (OSC 52) — paste it to check."
HIDDEN = "•" * 16 + "  (hidden: press h to show)"
NO_SECRET = "(this answer held no secret: regenerate the secret from the list, g)"


def credentials_slug(display_name: str, fallback: str) -> str:
    """A file-name-safe form of the display name ("Traffic Light #1" -> "traffic-light-1")."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", display_name.lower()).strip("-._")[:60]
    return slug or fallback


def default_credentials_path(save_dir: Path, application: Application) -> Path:
    """`<save_dir>/<display-name-slug>.env`, or a name with the client id when that one is taken."""
    slug = credentials_slug(application.display_name, application.client_id or "app-registration")
    first = save_dir / f"{slug}.env"
    if not first.exists():
        return first
    return save_dir / f"{slug}-{application.client_id[:8]}.env"


def _utc(moment: datetime | None) -> str:
    return "unknown" if moment is None else utc_stamp(moment)


SAVE_HELP = (
    "CLIENT_ID=... and SECRET=... lines (JSON when the name ends in .json). The file is readable by "
    "you alone (mode 0600) and is never replaced without asking."
)


class SaveCredentialsScreen(ModalScreen["Path | None"]):
    """Pick where the credentials file goes (or, given a `title` and `help_text` that say so, the
    folder of several: tui/screens/rotation_reveal.py); `write(path, overwrite)` does the writing.

    The secret stays with the caller: this screen only holds the writer.
    """

    CSS_PATH = "secret_reveal.tcss"

    HELP_GROUP = "Save credentials"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        default_path: Path,
        write: Callable[[Path, bool], Path],
        *,
        title: str = "Save the credentials to a file",
        help_text: str = SAVE_HELP,
        prefer: str = ".env",
    ) -> None:
        super().__init__()
        self._default_path = default_path
        self._write = write
        self._title = title
        self._help_text = help_text
        self._prefer = prefer

    def compose(self) -> ComposeResult:
        dialog = Vertical(id="save-dialog")
        dialog.border_title = self._title
        with dialog:
            yield Static(self._help_text, id="save-help")
            yield Input(str(self._default_path), id="save-path", suggester=PathSuggester(prefer=self._prefer))
            yield Static("", id="save-error")
            with Horizontal(id="save-buttons"):
                yield Button("Cancel", id="save-cancel")
                yield Button("Save", id="save-ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#save-path", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#save-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._save()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save-ok":
            self._save()
        else:
            self.dismiss(None)

    def _error(self, message: str) -> None:
        self.query_one("#save-error", Static).update(Text(message))

    def _save(self, overwrite: bool = False) -> None:
        raw = unquote_path(self.query_one("#save-path", Input).value)
        if not raw:
            self._error("✗ Type the path of the file to write.")
            return
        path = Path(raw).expanduser()
        try:
            written = self._write(path, overwrite)
        except FileExistsError:
            if path.is_dir():
                self._error(f"✗ {path} is a directory: add a file name, e.g. {path / 'credentials.env'}")
                return

            def answered(replace: bool | None) -> None:
                if replace:
                    self._save(overwrite=True)

            self.app.push_screen(
                ConfirmScreen(
                    f"Replace {path.name}?",
                    f"{path} already exists. Replacing it loses what it holds.",
                    confirm_label="Replace",
                    cancel_label="Keep it",
                ),
                answered,
            )
            return
        except (OSError, api_errors.RkvstError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            self._error(f"✗ Could not write {path}: {reason}. Choose another place.")
            return
        self.dismiss(written)


RECORDED_QUESTION = "Have you recorded the secret?"


class RecordedQuestion(ConfirmScreen):
    """ "Have you recorded the secret?", with a footer of its own: the reveal's keys below it
    do nothing while it is open, so they must not be what the footer shows."""

    HELP_GROUP = "Have you recorded the secret?"

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield ConsoleFooter()


class SecretRevealScreen(ModalScreen[None]):
    """CLIENT_ID and SECRET, shown once."""

    CSS_PATH = "secret_reveal.tcss"

    HELP_GROUP = "Record the secret"

    BINDINGS = [
        Binding("c", "copy_client_id", "Copy client id"),
        Binding("s", "copy_secret", "Copy secret"),
        Binding("f", "save", "Save to file"),
        Binding("t", "get_token", "Get a token"),
        Binding("i", "open_in_inspector", "Open in inspector"),
        Binding("h", "toggle_secret", "Hide/show secret"),
        Binding("escape,q", "close", "Done"),
    ]

    def __init__(
        self,
        application_with_secret: Application,
        client: RkvstClient,
        *,
        default_save_dir: Path,
        reason: Literal["created", "regenerated"] | str = "created",
        on_recorded: Callable[[], object] | None = None,
    ) -> None:
        super().__init__()
        self._on_recorded = on_recorded
        self._application: Application | None = application_with_secret
        self._client = client
        self._default_save_dir = Path(default_save_dir)
        self.reason = reason
        self._secret = application_with_secret.secret
        self._client_id = application_with_secret.client_id
        self._display_name = application_with_secret.display_name
        self._custom_claims = dict(application_with_secret.custom_claims)
        self._valid_from = application_with_secret.valid_from
        self._valid_until = application_with_secret.valid_until
        self.secret_hidden = False
        self.saved_to: Path | None = None
        self._close_confirmed = False
        # The token the credentials got (for "Open in inspector"); dropped with the secret.
        self._token = ""

    # ------------------------------------------------------------------ layout

    def _access_note(self) -> str:
        """What a new registration's tokens can see, in the words of the service's access model
        (root principals, or the Owner role where access is managed by roles)."""
        if self.reason != "created":
            return ""
        if self._client is None or not facts_of(self._client).roles_only:
            return (
                "Note: its tokens see no assets (an empty list, not an error) until an access policy "
                "shares some (s in the list) or m makes it root."
            )
        if self._application is not None and self._application.is_owner:
            return "Note: it has the Owner role: its tokens administer the tenancy and see every asset."
        return (
            "Note: its tokens see no assets (an empty list, not an error) until an access policy "
            "shares some (s in the list) or m gives it the Owner role."
        )

    def compose(self) -> ComposeResult:
        dialog = VerticalScroll(id="reveal-dialog")
        dialog.border_title = (
            "App Registration created" if self.reason == "created" else "New secret for this App Registration"
        )
        with dialog:
            yield Static(Text(f"⚠ Caution: {CAUTION}"), id="reveal-caution")
            if self.reason == "regenerated":
                yield Static(
                    "The old secret stopped working at once; tokens already issued with it live on until they expire.",
                    id="reveal-regenerated",
                )
            claims = ", ".join(f"{k}={v}" for k, v in self._custom_claims.items()) or "none"
            fields = [
                ("DISPLAY NAME", "reveal-display-name", self._display_name),
                ("CLIENT_ID", "reveal-client-id", self._client_id),
                ("SECRET", "reveal-secret", self._secret or NO_SECRET),
                ("EXPIRY DATE", "reveal-expiry", f"{_utc(self._valid_until)}   (valid from {_utc(self._valid_from)})"),
                ("CUSTOM CLAIMS", "reveal-claims", claims),
            ]
            with Vertical(id="reveal-fields"):
                for label, value_id, value in fields:
                    with Horizontal(classes="field-row", id=f"{value_id}-row"):
                        yield Label(label, classes="field-label")
                        yield Static(plain(value, limit=FIELD_LIMIT), id=value_id, classes="field-value")
            note = self._access_note()
            if note:
                yield Static(note, id="reveal-root-note")
            with Horizontal(id="reveal-actions"):
                yield Button("Copy id (c)", id="copy-client-id", action="screen.copy_client_id", compact=True)
                yield Button("Copy secret (s)", id="copy-secret", action="screen.copy_secret", compact=True)
                yield Button("Save (f)", id="save", action="screen.save", compact=True)
                yield Button("Get token (t)", id="get-token", action="screen.get_token", compact=True)
                yield Button("Hide (h)", id="toggle-secret", action="screen.toggle_secret", compact=True)
            yield Static("", id="reveal-status")
            yield Static("", id="reveal-token")
            with Horizontal(id="reveal-token-actions"):
                yield Button(
                    "Open in inspector (i)",
                    id="open-inspector",
                    action="screen.open_in_inspector",
                    compact=True,
                    tooltip="Close this screen (after asking) and inspect the token, not the secret",
                )
            with Horizontal(id="reveal-done-row"):
                yield Button("Done (esc)", id="done", action="screen.close", variant="primary")
        yield ConsoleFooter()

    def _fit_secret(self, width: int) -> None:
        # label column 16, the secret 64, the dialog's border and padding 6, a scrollbar 2
        self.query_one("#reveal-secret-row").set_class(width < 16 + 64 + 8, "-narrow")

    def on_resize(self, event: events.Resize) -> None:
        self._fit_secret(event.size.width)

    def on_mount(self) -> None:
        self._fit_secret(self.app.size.width)
        if not self._secret:
            for button_id in ("#copy-secret", "#save", "#get-token", "#toggle-secret"):
                self.query_one(button_id, Button).disabled = True
            self.query_one("#done", Button).focus()
            return
        # Not a button: a stray enter would press it (it used to copy the secret).
        self.query_one("#reveal-dialog").focus()

    def _status(self, text: Text | str) -> None:
        self.query_one("#reveal-status", Static).update(
            safe_text(text) if isinstance(text, Text) else Text(safe_lines(text))
        )

    # ------------------------------------------------------------------ actions

    def action_copy_client_id(self) -> None:
        self.app.copy_to_clipboard(self._client_id)
        self.notify(CLIENT_ID_COPIED, markup=False)

    def action_copy_secret(self) -> None:
        if not self._secret:
            return
        self.app.copy_to_clipboard(self._secret)
        self.notify(SECRET_COPIED, markup=False)
        self._recorded()

    def _recorded(self) -> None:
        """The secret has left the screen (saved, copied, or the user says it is recorded)."""
        callback, self._on_recorded = self._on_recorded, None
        if callback is not None:
            callback()

    def action_toggle_secret(self) -> None:
        if not self._secret:
            return
        self.secret_hidden = not self.secret_hidden
        shown = HIDDEN if self.secret_hidden else self._secret
        self.query_one("#reveal-secret", Static).update(plain(shown, limit=FIELD_LIMIT))
        self.query_one("#toggle-secret", Button).label = "Show (h)" if self.secret_hidden else "Hide (h)"

    def action_save(self) -> None:
        if not self._secret:
            return
        client_id, secret = self._client_id, self._secret

        def write(path: Path, overwrite: bool) -> Path:
            return write_credentials_file(path, client_id, secret, overwrite=overwrite)

        def saved(path: Path | None) -> None:
            if path is None:
                return
            self.saved_to = path
            self._recorded()
            message = Text(f"✓ Saved CLIENT_ID and SECRET to {terminal_safe(path)} (mode 0600).", style="green")
            warning = shared_directory_warning(path)
            if warning:
                message.append(f"\n! {terminal_safe(warning)}.", style="bold yellow")
            self._status(message)
            self.notify(f"Saved the credentials to {terminal_safe(path)}", markup=False)
            if warning:
                self.notify(
                    terminal_safe(warning), title="Others can write there", severity="warning", markup=False, timeout=10
                )

        self.app.push_screen(
            SaveCredentialsScreen(default_credentials_path(self._default_save_dir, self._app_view()), write), saved
        )

    def _app_view(self) -> Application:
        """The registration without its secret (for names and paths)."""
        assert self._application is not None
        return self._application.without_secret()

    def action_get_token(self) -> None:
        if not self._secret:
            return
        self._status(Text("Asking the token endpoint for a token with these credentials…"))
        self._get_token()

    # The description is fixed: Textual would otherwise build one from the arguments.
    @work(exclusive=True, exit_on_error=False, group="reveal-token", description="get a token with new credentials")
    async def _get_token(self) -> None:
        try:
            answer = await self._client.request_token(self._client_id, self._secret)
        except Exception as exc:  # noqa: BLE001 - shown in the modal, never a traceback
            problem = describe(exc, "These credentials did not get a token")
            self._status(Text(problem.text(), style="red"))
            return
        try:
            jwks = await self._client.fetch_jwks()
        except Exception:  # noqa: BLE001 - without a key set the signature is simply not checked
            jwks = None
        self._show_token(answer.access_token, answer.expires_in, jwks)

    def _show_token(self, access_token: str, expires_in: int, jwks: dict | None) -> None:
        from rkvst_tui.api.inspection import inspect_token

        connection = self._client.connection
        report = inspect_token(
            access_token,
            expected_issuer=connection.issuer,
            expected_audience=connection.audience,
            jwks=jwks,
            no_key_reason="the server publishes no key set",
        )
        exp = report.claim("exp")
        left = exp.times.relative if exp is not None and exp.times is not None else f"expires in {expires_in}s"
        status = Text()
        status.append("✓ These credentials work: ", style="bold green")
        status.append(f"the token endpoint issued a token that {left} (expires_in {expires_in}s). ")
        status.append(f"Signature: {report.signature_state}. ")
        custom = [row for row in report.claims if row.kind == "custom"]
        missing = [name for name in self._custom_claims if report.claim(name, "custom") is None]
        if self._custom_claims and not missing:
            status.append("Every custom claim is in the token.", style="green")
        elif missing:
            status.append(f"Missing from the token: {', '.join(missing)}.", style="bold red")
        for warning in report.warnings:
            status.append(f"\n! {warning}", style="yellow")
        self._status(status)
        table = Table(box=None, show_edge=False, pad_edge=False, expand=True)
        table.add_column("Claim", style="bold", no_wrap=True)
        table.add_column("Value", overflow="fold")
        table.add_column("Kind", no_wrap=True)
        for row in report.claims:
            if row.kind == "header":
                continue
            value = row.shown_value
            if row.times is not None:
                value = f"{value}  ({row.times.utc}, {row.times.relative})"
            style = "bold green" if row.kind == "custom" else ""
            table.add_row(plain(row.name, style), plain(value, limit=FIELD_LIMIT), plain(row.kind, style))
        token_box = self.query_one("#reveal-token", Static)
        token_box.update(table)
        token_box.set_class(True, "-shown")
        del report, custom
        if self._can_open_inspector():
            # Kept only for "Open in inspector": it goes with the secret when the screen closes.
            self._token = access_token
            self.query_one("#reveal-token-actions").set_class(True, "-shown")
            self.refresh_bindings()

    def _can_open_inspector(self) -> bool:
        """The console can show a token in its inspector (a bare host App cannot)."""
        return callable(getattr(self.app, "open_in_inspector", None))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_in_inspector":
            if not self._can_open_inspector():
                return False  # no inspector to open: no key, no footer entry
            return True if self._token else None  # greyed until a token was got (t)
        return True

    def action_open_in_inspector(self) -> None:
        """After asking "Have you recorded the secret?": close, and inspect the token (never the secret)."""
        if not self._token or not self._can_open_inspector():
            return
        token = self._token
        origin = (
            f"the token got with the new credentials of {self._display_name} "
            f"(client id {self._client_id}) on the secret screen"
        )
        app = self.app  # the screen is gone when the answer comes: the App shows the tab
        self._ask_to_close(
            lambda: app.post_message(OpenInInspector(token, origin)),
            confirm_label="Yes, close and inspect",
            note="The token opens in the TOKEN INSPECTOR; the secret does not go there. ",
        )

    def action_close(self) -> None:
        self._ask_to_close()

    @property
    def display_name(self) -> str:
        return self._display_name

    @property
    def holds_unrecorded_secret(self) -> bool:
        """The secret is on this screen and nobody has said it is recorded: leaving must ask."""
        return bool(self._secret) and not self._close_confirmed

    def ask_before_quitting(self, quit_console: Callable[[], object]) -> None:
        """Quitting the console with this screen open: ask first; on yes, forget and quit."""
        if any(isinstance(screen, RecordedQuestion) for screen in self.app.screen_stack):
            self.app.bell()  # the question is on screen already: answer it first
            return

        def recorded() -> None:
            self.forget_secret()
            quit_console()

        self._ask_recorded(recorded, confirm_label="Yes, quit", note="The console quits after this. ")

    def _ask_to_close(
        self, then: Callable[[], object] | None = None, *, confirm_label: str = "Yes, close", note: str = ""
    ) -> None:
        """Ask "Have you recorded the secret?"; on yes, forget it, close, and call `then`."""

        def recorded() -> None:
            self.forget_secret()
            self.dismiss(None)
            if then is not None:
                then()

        self._ask_recorded(recorded, confirm_label=confirm_label, note=note)

    def _ask_recorded(self, on_yes: Callable[[], object], *, confirm_label: str, note: str) -> None:
        if self._close_confirmed:
            return
        body = (
            "It can not be viewed again later. If it is lost, regenerate the secret (g in the list): "
            "the old one then stops working at once."
        )
        if self.saved_to is not None:
            body = f"It is saved in {self.saved_to}. " + body
        body = note + body

        def answered(recorded: bool | None) -> None:
            if recorded and not self._close_confirmed:
                self._close_confirmed = True
                self._recorded()
                on_yes()

        self.app.push_screen(
            RecordedQuestion(RECORDED_QUESTION, body, confirm_label=confirm_label, cancel_label="Back"),
            answered,
        )

    def forget_secret(self) -> None:
        """Drop every copy this screen made or was given; the file the user saved is the only one left."""
        forget_copy(self.app, self._secret)
        for widget_id in ("#reveal-secret", "#reveal-token"):
            self.query_one(widget_id, Static).update("")
        if self._application is not None:
            for credential in self._application.credentials:
                credential.secret = ""
        self._application = None
        self._secret = ""
        self._token = ""

    # ------------------------------------------------------------------ events

    def on_click(self, event: events.Click) -> None:
        # A click on the dimmed background (outside the dialog) asks before closing.
        if event.widget is self:
            event.stop()
            self.action_close()
