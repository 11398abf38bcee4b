"""The TOKEN INSPECTOR tab: paste, open or fetch a token and see what it says and whether it holds.

The decoding, checking and verifying is `rkvst_tui.api.inspection`; this pane composes the
input column (widgets/token_input.py) and the report (widgets/token_report.py), asks the
connected backend for its key set, a fresh token or an access test, and does what the buttons
say. Everything a token or a server says is shown as `rich.text.Text` (never markup), and
nothing pasted outlives a Clear or the app, unless the user saves it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Input, TextArea

from rkvst_tui.api import errors as api_errors
from rkvst_tui.api.files import write_bearer_token_file
from rkvst_tui.api.inspection import (
    TIME_CLAIMS,
    TIME_WARNING_CODES,
    TokenReport,
    claim_times,
    inspect_token,
    time_warnings,
)
from rkvst_tui.api.shell import guide_word
from rkvst_tui.tui import actions
from rkvst_tui.tui.access_test import access_test_text
from rkvst_tui.tui.clipboard import forget_copy
from rkvst_tui.tui.formatting import safe_lines
from rkvst_tui.tui.problems import describe
from rkvst_tui.tui.widgets.token_input import TokenFileError, TokenInput, read_token_file
from rkvst_tui.tui.widgets.token_report import ACCESS_NOT_RUN, TokenReportView

if TYPE_CHECKING:
    from rkvst_tui.api.client import RkvstClient

AUTO_INSPECT_DELAY = 0.3  # seconds of quiet after typing or pasting before inspecting


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class TokenInspector(Widget):
    """The third tab's content. `client_getter()` is None until (or unless) connected."""

    BINDINGS = [
        *actions.bindings("inspector"),  # tui/actions.py
    ]

    report: reactive[TokenReport | None] = reactive(None, init=False, always_update=True)

    def __init__(
        self,
        client_getter: Callable[[], RkvstClient | None] | None = None,
        clock: Callable[[], datetime] | None = None,
        *,
        local_tz: tzinfo | None = None,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's name
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._client_getter = client_getter or (lambda: None)
        self._clock = clock or _utc_now
        self._local_tz = local_tz
        self._source_text = ""  # what was inspected (pasted text, file content or a fetched token)
        self._origin = ""  # how it got here: "pasted", "from file x", ...
        self._jwks: dict | None = None
        self._jwks_client: object | None = None  # the client self._jwks came from
        self._ticker: Timer | None = None
        self._debounce: Timer | None = None
        self._generation = 0  # bumps on every new input; late answers for old input are dropped

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield TokenInput(id="ti-inputs")
        yield TokenReportView(id="ti-report")

    @property
    def _inputs(self) -> TokenInput:
        return self.query_one(TokenInput)

    @property
    def _report_view(self) -> TokenReportView:
        return self.query_one(TokenReportView)

    def on_unmount(self) -> None:
        self._forget()

    # ------------------------------------------------------------------ public API

    def inspect_text(self, text: str, origin: str = "handed to the inspector") -> None:
        """Inspect `text` as if it had been pasted (used by other screens: "inspect this token")."""
        self._inputs.show_source(text)
        self._start(text, origin)

    @property
    def current_token(self) -> str:
        return self.report.token if self.report is not None else ""

    # ------------------------------------------------------------------ input paths

    @on(TextArea.Changed, "#ti-paste")
    def _pasted(self) -> None:
        if self._inputs.pasted in (self._source_text, safe_lines(self._source_text, None)):
            return  # our own load_text of what is already inspected (or cleared)
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(AUTO_INSPECT_DELAY, self._inspect_paste)

    def _inspect_paste(self) -> None:
        text = self._inputs.pasted
        if text.strip():
            self._start(text, "pasted")

    @on(Button.Pressed, "#ti-inspect")
    def _inspect_pressed(self) -> None:
        text = self._inputs.pasted
        if not text.strip():
            self.notify(
                "Paste a token first (or open a file, or get one with a client id and secret).",
                severity="warning",
                markup=False,
            )
            return
        self._start(text, "pasted")

    @on(TextArea.Changed, "#ti-key")
    def _key_changed(self) -> None:
        if self._source_text:
            if self._debounce is not None:
                self._debounce.stop()
            self._debounce = self.set_timer(AUTO_INSPECT_DELAY, lambda: self._start(self._source_text, self._origin))

    @on(Button.Pressed, "#ti-open")
    @on(Input.Submitted, "#ti-file")
    def _open_file(self) -> None:
        raw_path = self._inputs.field("#ti-file")
        if not raw_path:
            self.notify(
                "Type the path of a file that holds a token (such as a bearer_token file).",
                severity="warning",
                markup=False,
            )
            return
        path = Path(raw_path).expanduser()
        try:
            text = read_token_file(path)
        except TokenFileError as exc:
            self._show_problem(f"Could not open {path}", str(exc))
            return
        # A file's text (and a server's token, below) is shown terminal-safe; the raw text is inspected.
        self._inputs.show_source(text)
        self._start(text, f"from the file {path}")

    @on(Button.Pressed, "#ti-get")
    @on(Input.Submitted, "#ti-secret")
    def _get_pressed(self) -> None:
        client_id = self._inputs.field("#ti-client-id")
        secret = self._inputs.field("#ti-secret")
        if not client_id or not secret:
            missing = "client id" if not client_id else "secret"
            self.notify(f"Type the {missing} of the app registration first.", severity="warning", markup=False)
            return
        client = self._client_getter()
        if client is None:
            self._show_problem("Could not get a token", "not connected to a backend yet: wait for the connection.")
            return
        self._get_token(client, client_id, secret)

    @work(exclusive=True, group="inspector-fetch", exit_on_error=False)
    async def _get_token(self, client: RkvstClient, client_id: str, secret: str) -> None:
        try:
            answer = await client.request_token(client_id, secret)
        except api_errors.Unauthenticated as exc:
            problem = describe(exc, "Could not get a token")
            self._show_problem(
                problem.title,
                f"{problem.message}. The client id or secret is wrong, or the secret was regenerated since.",
            )
            return
        except Exception as exc:  # noqa: BLE001 - every failure becomes words on screen, never a traceback
            problem = describe(exc, "Could not get a token")
            self._show_problem(problem.title, problem.message + (f" {problem.hint}" if problem.hint else ""))
            return
        # The secret did its job: do not leave it lying in the form.
        self._inputs.forget_secret()
        self._inputs.show_source(answer.access_token)
        self._start(answer.access_token, f"from the token endpoint for {client_id}")

    @on(Button.Pressed, "#ti-mine")
    def _mine_pressed(self) -> None:
        client = self._client_getter()
        if client is None:
            self._show_problem("No current token", "not connected to a backend yet: wait for the connection.")
            return
        self._fetch_mine(client)

    @work(exclusive=True, group="inspector-fetch", exit_on_error=False)
    async def _fetch_mine(self, client: RkvstClient) -> None:
        try:
            token = await client.access_token()
        except Exception as exc:  # noqa: BLE001 - shown in the inspector (describe), never a traceback
            problem = describe(exc, "Could not get the current token")
            self._show_problem(problem.title, problem.message + (f" {problem.hint}" if problem.hint else ""))
            return
        self._inputs.show_source(token)
        self._start(token, "the signed-in identity's current token")

    # ------------------------------------------------------------------ inspection

    def _start(self, text: str, origin: str) -> None:
        self._generation += 1
        self._source_text = text
        self._inputs.mark_inspected(text)
        self._origin = origin
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        self._set_access(Text(ACCESS_NOT_RUN))
        client = self._client_getter()
        if client is None or self._inputs.key:
            self.report = self._make_report(client)
            return
        # Show the decoded token at once; the signature state follows the key set.
        self.report = self._make_report(client, pending=self._jwks_client is not client)
        self._check_with_backend(client, self._generation)

    @work(exclusive=True, group="inspector-jwks", exit_on_error=False)
    async def _check_with_backend(self, client: RkvstClient, generation: int) -> None:
        report = self.report
        kid = report.header.get("kid") if report is not None and report.header else None
        known = {k.get("kid") for k in (self._jwks or {}).get("keys", []) if isinstance(k, dict)}
        # Fetch once per client, and again when the token names a key we have not seen
        # (the backend may have rotated its key since).
        if self._jwks_client is not client or (kid is not None and kid not in known):
            try:
                self._jwks = await client.fetch_jwks()
            except Exception:  # noqa: BLE001 - no key set: the signature is reported NOT CHECKED
                self._jwks = None
            self._jwks_client = client
        if generation == self._generation:
            self.report = self._make_report(client)

    def _make_report(self, client: RkvstClient | None, *, pending: bool = False) -> TokenReport:
        key = self._inputs.key or None
        connection = getattr(client, "connection", None)
        if pending:
            reason = "checking with the connected backend's key set…"
        elif client is None:
            reason = (
                "no key to check it with: not connected to a backend, and no PEM or JWK given "
                "(paste the issuer's public key under Verify with a key)"
            )
        else:
            reason = (
                "no key to check it with: the connected backend publishes no key set (the real RKVST "
                "service does not) or it could not be fetched; paste the issuer's public key under "
                "Verify with a key"
            )
        return inspect_token(
            self._source_text,
            now=self._clock(),
            expected_issuer=getattr(connection, "issuer", None),
            expected_audience=getattr(connection, "audience", None),
            jwks=None if (pending or key) else self._jwks if self._jwks_client is client else None,
            key=key,
            no_key_reason=reason,
            local_tz=self._local_tz,
        )

    # ------------------------------------------------------------------ showing the report

    def watch_report(self, report: TokenReport | None) -> None:
        self._report_view.show(report, self._origin)
        if report is not None and any(row.times for row in report.claims):
            self._start_ticker()
        else:
            self._stop_ticker()

    def _start_ticker(self) -> None:
        if self._ticker is None:
            self._ticker = self.set_interval(1, self._tick)

    def _stop_ticker(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    def _tick(self) -> None:
        """Count down: the Relative cells and the warnings about times ("expired 5s ago") change;
        everything is redrawn only when one of those warnings comes or goes (the token expired)."""
        report = self.report
        if report is None or report.payload is None:
            return
        now = self._clock()
        was = [warning for warning in report.warnings if warning.code in TIME_WARNING_CODES]
        now_true = time_warnings(report.payload, now)
        if [warning.code for warning in now_true] != [warning.code for warning in was]:
            self.report = self._make_report(self._client_getter())  # warnings change: redraw everything
            return
        if now_true != was:
            fresh = iter(now_true)
            self._report_view.show_warnings(
                report, [next(fresh) if warning.code in TIME_WARNING_CODES else warning for warning in report.warnings]
            )
        for name in TIME_CLAIMS:
            times = claim_times(report.payload.get(name), now, name, self._local_tz)
            if times is not None:
                self._report_view.show_relative(name, times.relative)

    # ------------------------------------------------------------------ actions

    def _require_token(self, doing: str) -> str | None:
        token = self.current_token
        if not token:
            self.notify(f"Nothing to {doing}: inspect a token first.", severity="warning", markup=False)
            return None
        return token

    @on(Button.Pressed, "#ti-copy-token")
    def action_copy_token(self) -> None:
        token = self._require_token("copy")
        if token:
            self._copy(token, "The token")

    @on(Button.Pressed, "#ti-copy-header")
    def _copy_header(self) -> None:
        self._copy_part("header")

    @on(Button.Pressed, "#ti-copy-payload")
    def _copy_payload(self) -> None:
        self._copy_part("payload")

    @on(Button.Pressed, "#ti-copy-signature")
    def _copy_signature(self) -> None:
        self._copy_part("signature")

    def _copy_part(self, name: str) -> None:
        if self._require_token("copy") is None:
            return
        part = self.report.part(name) if self.report else None
        if part is None or not part.raw:
            self.notify(f"This token has no {name} part to copy.", severity="warning", markup=False)
            return
        # Decoded JSON is what a person wants from header and payload; the signature stays base64url.
        if name != "signature" and isinstance(part.decoded, dict) and not part.truncated and part.shown_json:
            self._copy(part.shown_json, f"The {name} (decoded JSON)")
        else:
            self._copy(part.raw, f"The {name} part")

    def _copy(self, text: str, what: str) -> None:
        self.app.copy_to_clipboard(text)
        # OSC 52 is fire-and-forget: the terminal may ignore it, so never claim it arrived.
        self.notify(
            f"{what} was sent to your terminal's clipboard (OSC 52). If it does not paste, your terminal "
            "ignores OSC 52: select it from the raw view instead.",
            markup=False,
        )

    @on(Button.Pressed, "#ti-save")
    @on(Input.Submitted, "#ti-save-path")
    def _save_pressed(self) -> None:
        token = self._require_token("save")
        if token is None:
            return
        raw_path = self._inputs.field("#ti-save-path")
        if not raw_path:
            self.notify("Type the path to save the bearer_token file to.", severity="warning", markup=False)
            return
        self._save(Path(raw_path).expanduser(), token, overwrite=False)

    def _save(self, path: Path, token: str, *, overwrite: bool) -> None:
        try:
            saved = write_bearer_token_file(path, token, overwrite=overwrite)
        except api_errors.TargetExists:
            self._confirm_overwrite(path, token)
            return
        except api_errors.RkvstError as exc:
            self._show_problem(f"Could not save {path}", f"{exc.message}. {exc.hint}".strip())
            return
        except OSError as exc:
            self._show_problem(f"Could not save {path}", f"{exc.strerror or exc}: choose another path.")
            return
        self.notify(
            f"Saved {saved} (mode 0600) as 'Authorization: Bearer <token>', ready for curl -H {guide_word(f'@{saved}')}.",
            title="Bearer token file saved",
            markup=False,
        )

    def _confirm_overwrite(self, path: Path, token: str) -> None:
        from rkvst_tui.tui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self._save(path, token, overwrite=True)
            else:
                self.notify(f"Kept {path} as it was; nothing saved.", markup=False)

        self.app.push_screen(
            ConfirmScreen(
                "Overwrite the file?",
                Text(f"{path} already exists. Replace it with this token?"),
                confirm_label="Overwrite",
            ),
            answered,
        )

    @on(Button.Pressed, "#ti-test")
    def action_test_access(self) -> None:
        token = self._require_token("test")
        if token is None:
            return
        client = self._client_getter()
        if client is None:
            self._set_access(Text("Not connected to a backend yet: the access test needs one.", style="bold"))
            return
        self._set_access(Text("Calling GET /archivist/v2/assets with this token…", style="dim"))
        self._test_access(client, token, self.report, self._generation)

    @work(exclusive=True, group="inspector-access", exit_on_error=False)
    async def _test_access(self, client: RkvstClient, token: str, report: TokenReport | None, generation: int) -> None:
        result = await access_test_text(client, token, report)
        if generation == self._generation:
            self._set_access(result)
            self._report_view.scroll_to_access()

    def _set_access(self, text: Text) -> None:
        self._report_view.set_access(text)

    @on(Button.Pressed, "#ti-clear")
    def action_clear(self) -> None:
        self._forget()
        self.notify("Inspector cleared: nothing pasted is kept.", markup=False)

    def _forget(self) -> None:
        """Drop every copy of the token and of the secret this tab holds."""
        self._generation += 1
        for group in ("inspector-fetch", "inspector-jwks", "inspector-access"):
            self.workers.cancel_group(self, group)
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        self._source_text = ""
        self._origin = ""
        try:
            self._inputs.clear()
            self._set_access(Text(ACCESS_NOT_RUN))
        except Exception:  # noqa: BLE001 - while unmounting the children may already be gone
            pass
        if self.report is not None:
            forget_copy(self.app, self.report.token)  # a copied token must not outlive the tab
        if self.is_mounted and self.children:
            try:
                self.report = None
            except Exception:  # noqa: BLE001 - while unmounting the children may already be gone
                pass
        self._stop_ticker()

    def _show_problem(self, title: str, message: str) -> None:
        self.notify(message, title=title, severity="error", markup=False)


__all__ = ["TokenInspector"]
