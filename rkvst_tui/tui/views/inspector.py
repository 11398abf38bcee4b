"""The TOKEN INSPECTOR tab: paste, open or fetch a token and see what it says and whether it holds.

The decoding, checking and verifying is `rkvst_tui.api.inspection`; this widget only gathers
the input, asks the connected backend for its key set, a fresh token or an access test,
and shows the report. Everything a token or a server says is shown as `rich.text.Text`
(never markup), and nothing pasted outlives a Clear or the app, unless the user saves it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Label, Static, TextArea

from rkvst_tui.api import errors as api_errors
from rkvst_tui.api.files import write_bearer_token_file
from rkvst_tui.api.inspection import (
    INVALID,
    NOT_CHECKED,
    TIME_CLAIMS,
    TIME_WARNING_CODES,
    UNSECURED,
    VERIFIED,
    TokenReport,
    claim_times,
    inspect_token,
    shorten,
    time_warnings,
)
from rkvst_tui.api.shell import guide_word
from rkvst_tui.tui import actions
from rkvst_tui.tui.access_test import access_test_text
from rkvst_tui.tui.formatting import FIELD_LIMIT, plain, safe, safe_lines, safe_text
from rkvst_tui.tui.problems import describe
from rkvst_tui.tui.widgets.fixed_table import FittedColumn, FixedColumnsTable

if TYPE_CHECKING:
    from rkvst_tui.api.client import RkvstClient

MAX_FILE_BYTES = 2 * 1024 * 1024  # a token file is a few kB; refuse to slurp a disk image
AUTO_INSPECT_DELAY = 0.3  # seconds of quiet after typing or pasting before inspecting

STATE_CLASSES = {
    VERIFIED: "-verified",
    INVALID: "-invalid",
    NOT_CHECKED: "-not-checked",
    UNSECURED: "-unsecured",
}

TIMES_COLUMNS = (
    FittedColumn("Claim", "name", 5, rank=6),
    FittedColumn("UTC", "utc", 23, rank=5),
    FittedColumn("Local", "local", 23, rank=8, hideable=False),
    FittedColumn("Relative", "relative", 21, least=18, rank=9, hideable=False),
)
DEFAULT_DETAILS_WIDTH = 85  # the details pane at 120 columns, until it has a size
WIDE_ENOUGH_FOR_KIND = 60  # narrower, the payload's Kind column goes (Meaning says it too)
NAME_WIDTH_LIMIT = 24  # a claim name longer than this wraps


def _name_width(names: list[str], label: str) -> int:
    return min(NAME_WIDTH_LIMIT, max([len(label), *(len(name) for name in names)]))


def _set_columns(table: DataTable, columns: list[tuple[str, str, int]]) -> None:
    """Give an emptied table these columns, unless it has them already."""
    if [(str(column.label), column.key.value, column.width) for column in table.ordered_columns] == columns:
        return
    table.clear(columns=True)
    for label, key, width in columns:
        table.add_column(label, key=key, width=width)


ACCESS_NOT_RUN = "Not run: Test access (ctrl+t) calls GET /archivist/v2/assets with this token."


class _PasteBox(TextArea):
    """The paste box: a paste over a token already inspected replaces it instead of gluing two together."""

    inspected_text = ""
    typed_since_paste = False  # keys typed into the box make its text the user's own

    def on_key(self, event: events.Key) -> None:
        if event.is_printable or event.key in ("backspace", "delete", "enter", "tab"):
            self.typed_since_paste = True

    def load_text(self, text: str) -> None:
        super().load_text(text)  # put there by the inspector (a file, a token it got, clear)
        self.typed_since_paste = False

    def _on_paste(self, event: events.Paste) -> None:  # type: ignore[override]  # runs before TextArea's own (async) one
        # Textual runs TextArea's own paste handler after this one (handlers run down the
        # MRO), and it replaces the selection: selecting everything is all this needs to do.
        if self.text and self.text == self.inspected_text and not self.typed_since_paste:
            self.select_all()
        self.typed_since_paste = False


class _InputPane(VerticalScroll, can_focus=False):
    """The input column: not a focus stop itself, so focus lands on the paste box first."""


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class TokenInspector(Widget):
    """The third tab's content. `client_getter()` is None until (or unless) connected."""

    DEFAULT_CSS = """
    TokenInspector { height: 1fr; layout: horizontal; }
    TokenInspector #ti-inputs { width: 34; padding: 0 1 0 0; scrollbar-size-vertical: 1; }
    TokenInspector #ti-report { width: 1fr; }
    TokenInspector #ti-details { height: 1fr; scrollbar-size-vertical: 1; }
    TokenInspector .ti-title { text-style: bold; margin: 1 0 0 0; color: $text-accent; }
    TokenInspector .ti-row { height: auto; margin: 0 0 0 0; }
    TokenInspector .ti-row Input { width: 1fr; }
    TokenInspector .ti-row Button { margin: 0 1 0 0; width: auto; min-width: 0; }
    TokenInspector Input { margin: 0 0 0 0; }
    TokenInspector #ti-inputs > Input { margin: 0 0 1 0; }
    TokenInspector #ti-paste { height: 5; scrollbar-size-horizontal: 0; }
    TokenInspector #ti-key { height: 3; }
    TokenInspector #ti-signature { padding: 0 1; height: auto; }
    TokenInspector #ti-signature.-verified { background: $success 30%; }
    TokenInspector #ti-signature.-invalid { background: $error 40%; }
    TokenInspector #ti-signature.-unsecured { background: $error 40%; }
    TokenInspector #ti-signature.-not-checked { background: $warning 25%; }
    TokenInspector #ti-errors { color: $text-error; height: auto; }
    TokenInspector #ti-warnings { color: $text-warning; height: auto; }
    TokenInspector DataTable { height: auto; }
    TokenInspector .ti-raw { height: auto; max-height: 12; }
    TokenInspector #ti-access { height: auto; }
    """

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
        self._fitted_width = 0  # the details pane's width the tables were laid out for

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with _InputPane(id="ti-inputs"):
            yield Label("Paste a token", classes="ti-title")
            yield _PasteBox(
                id="ti-paste",
                soft_wrap=False,  # a megabyte on one line must stay cheap to draw
                show_line_numbers=False,
                compact=True,
                placeholder="JWT, Bearer line, Authorization header or HTTP request",
            )
            with Horizontal(classes="ti-row"):
                yield Button("Inspect", id="ti-inspect", variant="primary", compact=True)
                yield Button(
                    "My token", id="ti-mine", compact=True, tooltip="Inspect the signed-in identity's current token"
                )
                yield Button("Clear", id="ti-clear", compact=True, tooltip="Forget everything on this tab (ctrl+l)")
            yield Label("Open a file", classes="ti-title")
            with Horizontal(classes="ti-row"):
                yield Input(placeholder="bearer_token file path", id="ti-file", compact=True)
                yield Button("Open", id="ti-open", compact=True)
            yield Label("Get a token from the backend", classes="ti-title")
            yield Input(placeholder="client id", id="ti-client-id", compact=True)
            with Horizontal(classes="ti-row"):
                yield Input(placeholder="secret", password=True, id="ti-secret", compact=True)
                yield Button("Get", id="ti-get", compact=True)
            yield Label("Verify with a key (optional)", classes="ti-title")
            yield TextArea(
                id="ti-key",
                soft_wrap=True,
                show_line_numbers=False,
                compact=True,
                placeholder="the issuer's public key: PEM, JWK or JWKS",
            )
            yield Label("Save as a bearer_token file", classes="ti-title")
            with Horizontal(classes="ti-row"):
                yield Input(placeholder="path, e.g. ~/bearer_token", id="ti-save-path", compact=True)
                yield Button("Save", id="ti-save", compact=True)
            yield Label("Use it", classes="ti-title")
            with Horizontal(classes="ti-row"):
                yield Button(
                    "Test access",
                    id="ti-test",
                    compact=True,
                    tooltip="GET /archivist/v2/assets with this token (ctrl+t)",
                )
                yield Button("Copy token", id="ti-copy-token", compact=True)
            with Horizontal(classes="ti-row"):
                yield Button("Copy header", id="ti-copy-header", compact=True)
                yield Button("Copy payload", id="ti-copy-payload", compact=True)
            with Horizontal(classes="ti-row"):
                yield Button("Copy signature", id="ti-copy-signature", compact=True)
        with Vertical(id="ti-report"):
            # Outside the scrolling part: the signature state stays in view however far one scrolls.
            yield Static(Text("SIGNATURE  —  nothing inspected yet"), id="ti-signature", classes="-not-checked")
            with VerticalScroll(id="ti-details"):
                yield from self._compose_details()

    def _compose_details(self) -> ComposeResult:
        yield Static(Text(""), id="ti-source")
        yield Static(Text(""), id="ti-errors")
        yield Static(Text(""), id="ti-warnings")
        # "Is it still valid, and does it get in?" are the first questions about a token.
        yield Label("TIMES", classes="ti-title")
        yield FixedColumnsTable(id="ti-times", cursor_type="row")
        yield Label("ACCESS TEST", classes="ti-title")
        yield Static(Text(ACCESS_NOT_RUN), id="ti-access")
        yield Label("HEADER", classes="ti-title")
        yield DataTable(id="ti-header", cursor_type="row", zebra_stripes=True)
        yield Label("PAYLOAD", classes="ti-title")
        yield DataTable(id="ti-payload", cursor_type="row", zebra_stripes=True)
        yield Label("RAW HEADER", classes="ti-title")
        yield TextArea(
            id="ti-raw-header",
            read_only=True,
            soft_wrap=True,
            compact=True,
            highlight_cursor_line=False,
            classes="ti-raw",
        )
        yield Label("RAW PAYLOAD", classes="ti-title")
        yield TextArea(
            id="ti-raw-payload",
            read_only=True,
            soft_wrap=True,
            compact=True,
            highlight_cursor_line=False,
            classes="ti-raw",
        )
        yield Label("SIGNATURE PART", classes="ti-title")
        yield TextArea(
            id="ti-raw-signature",
            read_only=True,
            soft_wrap=True,
            compact=True,
            highlight_cursor_line=False,
            classes="ti-raw",
        )

    def on_mount(self) -> None:
        # Widths that follow the pane's width: the times give up UTC, then the claim's name
        # (the relative time names it: "expires in…"), never Local and the live countdown.
        self.query_one("#ti-times", FixedColumnsTable).add_fitted_columns(TIMES_COLUMNS)
        self._fit_claim_tables(None)

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._refit)  # the panes have their new sizes after the layout

    def _refit(self) -> None:
        if self.is_attached and self._details_width() != self._fitted_width:
            self._show(self.report)

    def _details_width(self) -> int:
        return self.query_one("#ti-details", VerticalScroll).scrollable_content_region.width or DEFAULT_DETAILS_WIDTH

    def _fit_claim_tables(self, report: TokenReport | None) -> None:
        """Header and payload columns for the pane's width, the name column as wide as the
        longest name (up to a limit): a claim name never wraps mid-word, and nothing scrolls
        sideways. Long values and meanings wrap in their cells."""
        width = self._details_width()
        self._fitted_width = width
        rows = report.claims if report is not None else ()
        header_names = [row.name for row in rows if row.kind == "header"]
        payload_names = [row.name for row in rows if row.kind != "header"]
        entry = _name_width(header_names, "Entry")
        rest = max(20, width - (entry + 2) - 4)
        value = max(10, min(22, rest * 2 // 5))
        _set_columns(
            self.query_one("#ti-header", DataTable),
            [("Entry", "name", entry), ("Value", "value", value), ("Meaning", "meaning", rest - value)],
        )
        claim = _name_width(payload_names, "Claim")
        kind = 10 if width >= WIDE_ENOUGH_FOR_KIND else 0
        rest = max(20, width - (claim + 2) - (kind + 2 if kind else 0) - 4)
        value = max(10, min(36, rest // 2))
        columns = [("Claim", "name", claim), ("Value", "value", value)]
        if kind:
            columns.append(("Kind", "kind", kind))
        columns.append(("Meaning", "meaning", rest - value))
        _set_columns(self.query_one("#ti-payload", DataTable), columns)

    def on_unmount(self) -> None:
        self._forget()

    # ------------------------------------------------------------------ public API

    def inspect_text(self, text: str, origin: str = "handed to the inspector") -> None:
        """Inspect `text` as if it had been pasted (used by other screens: "inspect this token")."""
        paste = self.query_one("#ti-paste", TextArea)
        paste.load_text(safe_lines(text, None))
        self._start(text, origin)

    @property
    def current_token(self) -> str:
        return self.report.token if self.report is not None else ""

    # ------------------------------------------------------------------ input paths

    @on(TextArea.Changed, "#ti-paste")
    def _pasted(self) -> None:
        if self.query_one("#ti-paste", TextArea).text in (self._source_text, safe_lines(self._source_text, None)):
            return  # our own load_text of what is already inspected (or cleared)
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(AUTO_INSPECT_DELAY, self._inspect_paste)

    def _inspect_paste(self) -> None:
        text = self.query_one("#ti-paste", TextArea).text
        if text.strip():
            self._start(text, "pasted")

    @on(Button.Pressed, "#ti-inspect")
    def _inspect_pressed(self) -> None:
        text = self.query_one("#ti-paste", TextArea).text
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
        raw_path = self.query_one("#ti-file", Input).value.strip()
        if not raw_path:
            self.notify(
                "Type the path of a file that holds a token (such as a bearer_token file).",
                severity="warning",
                markup=False,
            )
            return
        path = Path(raw_path).expanduser()
        try:
            size = path.stat().st_size
            if path.is_dir():
                raise IsADirectoryError
            if size > MAX_FILE_BYTES:
                self._show_problem(
                    f"Could not open {path}",
                    f"it is {size:,} bytes: a token file is a few kilobytes. Choose the token file.",
                )
                return
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self._show_problem(f"Could not open {path}", "no such file: check the path.")
            return
        except IsADirectoryError:
            self._show_problem(f"Could not open {path}", "it is a directory: give the path of a file.")
            return
        except PermissionError:
            self._show_problem(f"Could not open {path}", "permission denied: check the file's owner and mode.")
            return
        except UnicodeDecodeError:
            self._show_problem(f"Could not open {path}", "it is not UTF-8 text, so it holds no token.")
            return
        except OSError as exc:
            self._show_problem(f"Could not open {path}", f"{exc.strerror or exc}.")
            return
        # A file's text (and a server's token, below) is shown terminal-safe; the raw text is inspected.
        self.query_one("#ti-paste", TextArea).load_text(safe_lines(text, None))
        self._start(text, f"from the file {path}")

    @on(Button.Pressed, "#ti-get")
    @on(Input.Submitted, "#ti-secret")
    def _get_pressed(self) -> None:
        client_id = self.query_one("#ti-client-id", Input).value.strip()
        secret = self.query_one("#ti-secret", Input).value.strip()
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
        self.query_one("#ti-secret", Input).value = ""
        self.query_one("#ti-paste", TextArea).load_text(safe_lines(answer.access_token, None))
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
        self.query_one("#ti-paste", TextArea).load_text(safe_lines(token, None))
        self._start(token, "the signed-in identity's current token")

    # ------------------------------------------------------------------ inspection

    def _start(self, text: str, origin: str) -> None:
        self._generation += 1
        self._source_text = text
        self.query_one("#ti-paste", _PasteBox).inspected_text = text
        self._origin = origin
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        self._set_access(Text(ACCESS_NOT_RUN))
        client = self._client_getter()
        if client is None or self._user_key():
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

    def _user_key(self) -> str:
        return self.query_one("#ti-key", TextArea).text.strip()

    def _make_report(self, client: RkvstClient | None, *, pending: bool = False) -> TokenReport:
        key = self._user_key() or None
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
        self._show(report)

    def _show(self, report: TokenReport | None) -> None:
        signature = self.query_one("#ti-signature", Static)
        for css_class in STATE_CLASSES.values():
            signature.remove_class(css_class)
        header_table = self.query_one("#ti-header", DataTable)
        payload_table = self.query_one("#ti-payload", DataTable)
        times_table = self.query_one("#ti-times", DataTable)
        for table in (header_table, payload_table, times_table):
            table.clear()
        self._fit_claim_tables(report)
        raw = {name: self.query_one(f"#ti-raw-{name}", TextArea) for name in ("header", "payload", "signature")}
        if report is None:
            signature.add_class(STATE_CLASSES[NOT_CHECKED])
            signature.update(Text("SIGNATURE  —  nothing inspected yet"))
            for widget_id in ("#ti-source", "#ti-errors", "#ti-warnings"):
                self.query_one(widget_id, Static).update(Text(""))
            for area in raw.values():
                area.load_text("")
            self._stop_ticker()
            return

        signature.add_class(STATE_CLASSES.get(report.signature_state, "-not-checked"))
        line = Text()
        line.append("SIGNATURE  ", style="bold")
        line.append(f" {report.signature_state} ", style="bold reverse")
        line.append(f"\n{safe_lines(report.signature_reason)}")  # may quote the token's kid or alg
        if report.ignored_header_keys:
            line.append(
                f"\nIgnored (the key never comes from the token): {', '.join(map(safe, report.ignored_header_keys))}",
                style="italic",
            )
        signature.update(line)

        where = self._origin if report.input_note == "as given" else f"{report.input_note} ({self._origin})"
        source = Text(
            f"{safe(where[:1].upper() + where[1:], FIELD_LIMIT)}: {len(report.token):,} characters, "
            f"fingerprint {report.fingerprint}.",
            style="dim",
        )
        self.query_one("#ti-source", Static).update(source)

        # Errors and warnings quote the token's own text: each made terminal-safe.
        errors = Text("\n".join(f"✗ {safe(error, FIELD_LIMIT)}" for error in report.errors))
        self.query_one("#ti-errors", Static).update(errors)
        self._show_warnings(report, report.warnings)

        for row in report.claims:
            # Claim names and values are the token's: terminal-safe and bounded.
            name, value = plain(row.name), plain(row.shown_value, limit=FIELD_LIMIT)
            if row.kind == "header":
                header_table.add_row(name, value, Text(row.meaning), key=f"h:{row.name}", height=None)
            else:
                cells: tuple[Text, ...] = (name, value, Text(row.kind), Text(row.meaning))
                if "kind" not in payload_table.columns:
                    cells = cells[:2] + cells[3:]
                payload_table.add_row(*cells, key=f"p:{row.name}", height=None)
                if row.times is not None:
                    times_table.add_row(
                        name,
                        Text(row.times.utc),
                        Text(row.times.local),
                        Text(row.times.relative),
                        key=row.name,
                    )
        if report.omitted_claims:
            more = [Text("…"), Text(f"{report.omitted_claims} more not shown")]
            payload_table.add_row(*more, *[Text("")] * (len(payload_table.columns) - 2))

        for part_name, area in raw.items():
            part = report.part(part_name)
            if part is None:
                area.load_text(f"({part_name} missing)")  # below: the token's text, terminal-safe
            elif part_name == "signature":
                size = len(part.decoded) if isinstance(part.decoded, bytes) else 0
                text = part.error or f"{size} bytes, {report.signature_algorithm or 'no alg'}"
                area.load_text(safe_lines(f"{text}\n{shorten(part.raw, 8192)}", None))
            elif part.error:
                area.load_text(safe_lines(f"{part.error}\n{part.shown_json or shorten(part.raw, 8192)}", None))
            else:
                area.load_text(safe_lines(part.shown_json or "", None))
        if any(row.times for row in report.claims):
            self._start_ticker()
        else:
            self._stop_ticker()

    def _show_warnings(self, report: TokenReport, warnings: Sequence[str]) -> None:
        if warnings:
            # Warnings quote the token's own text: each made terminal-safe.
            text = Text("\n".join(f"⚠ {safe(warning, FIELD_LIMIT)}" for warning in warnings))
        elif report.ok:
            text = Text("No warnings.", style="dim")
        else:
            text = Text("")
        self.query_one("#ti-warnings", Static).update(text)

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
            self._show_warnings(
                report, [next(fresh) if warning.code in TIME_WARNING_CODES else warning for warning in report.warnings]
            )
        table = self.query_one("#ti-times", DataTable)
        for name in TIME_CLAIMS:
            value = report.payload.get(name)
            times = claim_times(value, now, name, self._local_tz)
            if times is None or name not in {row.key.value for row in table.rows.values()}:
                continue
            table.update_cell(name, "relative", Text(times.relative))

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
        raw_path = self.query_one("#ti-save-path", Input).value.strip()
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
            access = self.query_one("#ti-access", Static)
            self.query_one("#ti-details", VerticalScroll).scroll_to_widget(access, animate=False)

    def _set_access(self, text: Text) -> None:
        self.query_one("#ti-access", Static).update(safe_text(text))  # quotes the server and asset names

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
            self.query_one("#ti-paste", _PasteBox).inspected_text = ""
            # load_text also drops the undo history, which would otherwise keep the paste.
            self.query_one("#ti-paste", TextArea).load_text("")
            self.query_one("#ti-key", TextArea).load_text("")
            for input_id in ("#ti-file", "#ti-client-id", "#ti-secret", "#ti-save-path"):
                self.query_one(input_id, Input).value = ""
            self._set_access(Text(ACCESS_NOT_RUN))
        except Exception:  # noqa: BLE001 - while unmounting the children may already be gone
            pass
        # The app keeps the last copied text for its own paste; a copied token must not outlive the tab.
        if (
            getattr(self.app, "_clipboard", "")
            and self.report is not None
            and self.report.token
            and (self.report.token in getattr(self.app, "_clipboard", ""))
        ):
            self.app._clipboard = ""
        if self.is_mounted and self.children:
            try:
                self.report = None
            except Exception:  # noqa: BLE001 - while unmounting the children may already be gone
                pass
        self._stop_ticker()

    def _show_problem(self, title: str, message: str) -> None:
        self.notify(message, title=title, severity="error", markup=False)


__all__ = ["TokenInspector"]
