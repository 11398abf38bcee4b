"""The create / edit form of an App Registration: DISPLAY NAME and a CUSTOM CLAIMS table.

Mirrors the seed guide's "CREATE APP REGISTRATION" dialog, keyboard first:

- every claim row is checked as it is typed with `rkvst_tui.api.claims` (the rules the
  server applies too): errors are shown on their row and block submit, warnings are
  shown and do not;
- the claims (and the name) can be loaded from an application JSON file such as the one
  the guide posts with curl;
- `ctrl+s` submits, `escape` cancels (asking first when something was typed); a refusal
  from the server is shown on the form, which keeps what was typed.

The screen makes the create or update call itself and dismisses with an `AppFormResult`
(or None when cancelled). When the answer to a create is lost on the way back (the
server may have acted), `lost_create.LostCreateScreen` finds the registration and lets the
user regenerate its secret or delete it, so no registration is left with a secret that
nobody saw. How the console uses it:

    def after_form(result: AppFormResult | None) -> None:
        if result is None:
            return                                   # cancelled
        if result.needs_reveal:                      # create, or recovery regenerated
            app.push_screen(SecretRevealScreen(result.application, client,
                            default_save_dir=..., reason=result.reveal_reason), ...)
        ...refresh the list, select result.application...

    app.push_screen(AppFormScreen(client, existing=None_or_application), after_form)

"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Static

from rkvst_tui.api import claims as claim_rules
from rkvst_tui.api import errors as api_errors
from rkvst_tui.api.application_file import ApplicationFileError, LoadedApplication, read_application_file
from rkvst_tui.api.lost_create import ids_named, may_have_acted
from rkvst_tui.api.service import application_caps, owner_roles
from rkvst_tui.api.terminal_safe import terminal_safe
from rkvst_tui.tui.formatting import safe_lines, safe_text
from rkvst_tui.tui.problems import describe
from rkvst_tui.tui.screens.confirm import close_form
from rkvst_tui.tui.widgets.footer import ConsoleFooter
from rkvst_tui.tui.widgets.path_input import PathSuggester, unquote_path

if TYPE_CHECKING:
    from rkvst_tui.api.client import RkvstClient
    from rkvst_tui.api.models import Application

log = logging.getLogger(__name__)

# The row's value is what its Input shows (as opposed to a non-string loaded from a file).
_TYPED: Any = object()


@dataclass
class AppFormResult:
    """What the form did. For a create, `application` carries the clear-text secret."""

    application: Application
    created: bool
    # "created", or "regenerated" when the create's answer was lost (or unreadable, or a 5xx) and the recovery
    # regenerated the secret of the registration the server had made.
    reveal_reason: str = "created"

    @property
    def needs_reveal(self) -> bool:
        """True when `application` holds a secret that must be shown once (SecretRevealScreen)."""
        return bool(self.application.secret)


def _value_text(value: object) -> str:
    """A claim value as it is shown in its Input: strings as typed, anything else as JSON."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return str(value)


class KeptInput(Input):
    """An Input prefilled with text that did not come from us (the server's name or claim, a
    file's): shown terminal-safe (`\\x1b`, never ESC), and while that shown text is untouched
    `kept_value` is the original, so saving an edit elsewhere sends the value back unchanged."""

    def __init__(self, value: str = "", **kwargs) -> None:
        shown = terminal_safe(value)
        super().__init__(shown, **kwargs)
        self._kept = (shown, value)

    def keep(self, value: str) -> None:
        """Show a new untrusted value (a file loaded)."""
        shown = terminal_safe(value)
        self._kept = (shown, value)
        self.value = shown

    @property
    def kept_value(self) -> str:
        shown, original = self._kept
        return original if self.value == shown else self.value


class ClaimInputRow(Vertical):
    """One `claim | value` row of the CUSTOM CLAIMS table, with its verdicts underneath."""

    DEFAULT_CSS = """
    ClaimInputRow { height: auto; }
    ClaimInputRow > .claim-cells { height: 1; margin-bottom: 0; }
    ClaimInputRow .claim-number { width: 4; color: $text-muted; text-align: right; padding-right: 1; }
    ClaimInputRow Input.claim-name { width: 32; margin-right: 1; }
    ClaimInputRow Input.claim-value { width: 1fr; margin-right: 1; }
    ClaimInputRow .claim-remove { width: 5; min-width: 5; }
    ClaimInputRow > .claim-issues { height: auto; padding-left: 5; display: none; }
    ClaimInputRow > .claim-issues.-shown { display: block; }
    """

    def __init__(self, name: str = "", value: object = "") -> None:
        super().__init__()
        self._raw_value = _TYPED if isinstance(value, str) else value
        self._name_input = KeptInput(name, placeholder="claim name", classes="claim-name", compact=True)
        self._value_input = KeptInput(_value_text(value), placeholder="value", classes="claim-value", compact=True)
        self._number = Static("", classes="claim-number")
        self._issues = Static("", classes="claim-issues")
        self.issues: list[claim_rules.ClaimIssue] = []
        self._issues_shown = False

    def compose(self) -> ComposeResult:
        with Horizontal(classes="claim-cells"):
            yield self._number
            yield self._name_input
            yield self._value_input
            remove = Button("✕", classes="claim-remove", compact=True, tooltip="Remove this claim (ctrl+r)")
            remove.can_focus = False  # tab moves between cells; ctrl+r removes the focused row
            yield remove
        yield self._issues

    @property
    def name_input(self) -> KeptInput:
        return self._name_input

    @property
    def value_input(self) -> KeptInput:
        return self._value_input

    @property
    def claim_name(self) -> str:
        return self._name_input.kept_value

    @property
    def claim_value(self) -> object:
        """The value to send: the text typed, or the non-string a file gave until it is edited."""
        return self._value_input.kept_value if self._raw_value is _TYPED else self._raw_value

    @property
    def is_blank(self) -> bool:
        return self.claim_name == "" and self.claim_value == ""

    @property
    def has_loaded_non_string(self) -> bool:
        return self._raw_value is not _TYPED

    def value_edited(self) -> None:
        """The value cell changed: once its text differs from what the file gave, the value is the text."""
        if self._raw_value is not _TYPED and self._value_input.kept_value != _value_text(self._raw_value):
            self._raw_value = _TYPED

    def set_number(self, number: int) -> None:
        self._number.update(f"{number}")

    def show_issues(self, issues: list[claim_rules.ClaimIssue]) -> None:
        if issues == self.issues and self._issues_shown:
            return  # most keystrokes change nothing here: skip the re-layout
        self._issues_shown = True
        self.issues = issues
        has_error = any(issue.is_error for issue in issues)
        has_warning = bool(issues) and not has_error
        for cell in (self._name_input, self._value_input):
            cell.set_class(has_error, "-error")
            cell.set_class(has_warning, "-warning")
        text = Text()
        for issue in issues:
            if text:
                text.append("\n")
            if issue.is_error:
                text.append("✗ ", style="bold red")
                text.append(safe_lines(issue.message), style="red")  # issues quote claim names
            else:
                text.append("! ", style="bold yellow")
                text.append(safe_lines(issue.message), style="yellow")
        self._issues.update(text)
        self._issues.set_class(bool(issues), "-shown")


class AppFormScreen(ModalScreen["AppFormResult | None"]):
    """Create a registration (existing=None) or edit one (existing=the Application)."""

    CSS_PATH = "app_form.tcss"

    HELP_GROUP = "App registration form"

    BINDINGS = [
        Binding("ctrl+s", "submit", "Submit"),
        Binding("ctrl+n", "add_claim", "Add claim"),
        Binding("ctrl+r", "remove_claim", "Remove claim"),
        Binding("escape", "cancel", "Cancel"),
        Binding("up", "move_row(-1)", "Previous row", show=False),
        Binding("down", "move_row(1)", "Next row", show=False),
    ]

    def __init__(self, client: RkvstClient, *, existing: Application | None = None) -> None:
        super().__init__()
        self.client = client
        self.existing = existing
        self._busy = False
        self._show_name_error = False
        self._blocked_shown = False
        # The Owner role is offered where the service has roles (DataTrails), known by its answers.
        self.offers_owner = bool(getattr(getattr(client, "service", None), "has_roles", False))
        self._initial_owner = bool(existing is not None and existing.is_owner)
        if existing is not None:
            self._initial_name = existing.display_name
            self._initial_rows: list[tuple[str, object]] = list(existing.custom_claims.items())
        else:
            self._initial_name = ""
            self._initial_rows = []

    @property
    def is_create(self) -> bool:
        return self.existing is None

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        submit_label = "Create App Registration" if self.is_create else "Save changes"
        dialog = Vertical(id="form-dialog")
        dialog.border_title = (
            "Create App Registration" if self.existing is None else f"Edit App Registration · {self.existing.client_id}"
        )
        with dialog:
            with VerticalScroll(id="form-body") as body:
                body.can_focus = False
                yield Label("DISPLAY NAME", classes="form-section")
                yield KeptInput(
                    self._initial_name,
                    placeholder="any name you like, e.g. TrafficLight101",
                    id="display-name",
                    compact=True,
                )
                yield Static("", id="display-name-error")
                if self.offers_owner:
                    yield Checkbox(
                        "Owner role: administers the tenancy (every app registration)",
                        self._initial_owner,
                        id="owner-role",
                        compact=True,
                    )
                if self.is_create:
                    yield Static("", id="quota-note")
                yield Label(
                    "CUSTOM CLAIMS (optional: added to every token of this registration)", classes="form-section"
                )
                with Horizontal(id="claims-header"):
                    yield Static("#", classes="claim-number")
                    yield Static("Claim", classes="claims-header-name")
                    yield Static("Value")
                with VerticalScroll(id="claims") as claims:
                    claims.can_focus = False
                    for name, value in self._initial_rows:
                        yield ClaimInputRow(name, value)
                yield Static("No custom claims. Press ctrl+n or + Add claim to add one.", id="claims-empty")
                yield Static("", id="claims-level")
                with Horizontal(id="claims-tools"):
                    add = Button("+ Add claim (ctrl+n)", id="add-claim", compact=True)
                    yield add
                yield Label("OR LOAD FROM AN APPLICATION JSON FILE", classes="form-section")
                with Horizontal(id="json-row"):
                    yield Input(
                        placeholder="path of a JSON file like the guide's (→ completes)",
                        id="json-path",
                        compact=True,
                        suggester=PathSuggester(),
                    )
                    yield Button("Load", id="load-json", compact=True)
                yield Static("", id="load-status")
                yield Static("", id="form-summary")
                yield Static("", id="form-error")
            # Outside the scrolling body: always on screen, however small the terminal.
            with Horizontal(id="form-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(f"{submit_label} (ctrl+s)", id="submit", variant="primary")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self._renumber()
        self._validate()
        self.query_one("#display-name", Input).focus()
        if self.is_create:
            self._check_quota()

    @property
    def owner(self) -> bool:
        """The Owner role box, ticked (False where the service has no roles)."""
        return self.offers_owner and self.query_one("#owner-role", Checkbox).value

    @work(exclusive=True, exit_on_error=False, group="quota", description="read the app registration quota")
    async def _check_quota(self) -> None:
        """Warn before the last registration the quota allows, and when none is left (a 402)."""
        try:
            caps = await application_caps(self.client)
        except Exception:  # noqa: BLE001 - no quota shown is no harm; the create still answers 402
            return
        if caps is None or caps.remaining > 1:
            return
        note = self.query_one("#quota-note", Static)
        if caps.remaining == 1:
            note.update(f"This is the last app registration the quota allows ({caps.words()}).")
        else:
            note.update(
                f"The quota is used up ({caps.words()}): the service will refuse the create "
                "(402). Delete registrations no longer needed first."
            )
        note.display = True

    # ------------------------------------------------------------------ state

    @property
    def rows(self) -> list[ClaimInputRow]:
        return list(self.query_one("#claims").query_children(ClaimInputRow))

    @property
    def display_name(self) -> str:
        return self.query_one("#display-name", KeptInput).kept_value

    def claims_to_send(self) -> dict[str, object]:
        return {row.claim_name: row.claim_value for row in self.rows if not row.is_blank}

    def is_dirty(self) -> bool:
        """Anything typed or loaded that differs from what the form opened with."""
        current_rows = [(row.claim_name, row.claim_value) for row in self.rows if not row.is_blank]
        return (
            self.display_name != self._initial_name
            or current_rows != self._initial_rows
            or self.owner != self._initial_owner
        )

    def _renumber(self) -> None:
        rows = self.rows
        for number, row in enumerate(rows, 1):
            row.set_number(number)
        self.query_one("#claims-empty").display = not rows

    def _validate(self) -> tuple[list[str], list[claim_rules.ClaimIssue]]:
        """Check the name and every row; show each verdict where it belongs.

        Returns (form-level blocking problems, every claim issue).
        """
        rows = self.rows
        pairs = [(row.claim_name, row.claim_value) for row in rows]
        blank = {index for index, row in enumerate(rows) if row.is_blank}
        # A blank row is simply not sent: no verdicts on it. The count limit is on the
        # rows that are sent.
        issues = [
            issue
            for issue in claim_rules.check_rows(pairs)
            if issue.rule != claim_rules.RULE_TOO_MANY and issue.row not in blank
        ]
        issues += [
            issue
            for issue in claim_rules.check_rows([pair for index, pair in enumerate(pairs) if index not in blank])
            if issue.rule == claim_rules.RULE_TOO_MANY
        ]
        per_row: dict[int, list[claim_rules.ClaimIssue]] = {}
        form_level: list[claim_rules.ClaimIssue] = []
        for issue in issues:
            if issue.row is None:
                form_level.append(issue)
            else:
                per_row.setdefault(issue.row, []).append(issue)
        for index, row in enumerate(rows):
            row_issues = per_row.get(index, [])
            if row.has_loaded_non_string and any(i.rule == claim_rules.RULE_VALUE_NOT_STRING for i in row_issues):
                row_issues = row_issues + [
                    claim_rules.ClaimIssue(
                        row.claim_name,
                        "loaded-from-file",
                        claim_rules.Severity.ERROR,
                        "loaded from the file as it is: retype the value to send it as text",
                        index,
                    )
                ]
            row.show_issues(row_issues)
        level = self.query_one("#claims-level", Static)
        level.update(Text("\n".join(f"✗ {safe_lines(issue.message)}" for issue in form_level), style="red"))
        level.display = bool(form_level)

        blocking: list[str] = []
        name = self.display_name
        name_error = self.query_one("#display-name-error", Static)
        display_input = self.query_one("#display-name", Input)
        if not name.strip():
            blocking.append("the display name is empty")
            name_error.update("✗ Give the registration a display name (any name you like).")
        else:
            name_error.update("")
        shown = bool(not name.strip() and self._show_name_error)
        name_error.set_class(shown, "-shown")
        display_input.set_class(shown, "-error")

        claim_errors = claim_rules.errors(issues)
        claim_warnings = claim_rules.warnings(issues)
        summary = Text()
        if claim_errors:
            bad_rows = sorted({issue.row + 1 for issue in claim_errors if issue.row is not None})
            where = f" (row{'s' if len(bad_rows) > 1 else ''} {', '.join(map(str, bad_rows))})" if bad_rows else ""
            summary.append(
                f"✗ {len(claim_errors)} claim error{'s' if len(claim_errors) > 1 else ''}{where} "
                f"must be fixed before {'create' if self.is_create else 'save'}.",
                style="red",
            )
        if claim_warnings:
            if summary:
                summary.append("\n")
            one = len(claim_warnings) == 1
            summary.append(
                f"! {len(claim_warnings)} warning{'' if one else 's'}: allowed, but read {'it' if one else 'them'}.",
                style="yellow",
            )
        summary_box = self.query_one("#form-summary", Static)
        summary_box.update(summary)
        summary_box.set_class(not summary, "-empty")
        if self._blocked_shown and not blocking and not claim_errors:
            self._show_form_error(None)  # "Not sent: ..." no longer holds
        return blocking, issues

    def _show_form_error(self, text: Text | str | None, *, blocked: bool = False) -> None:
        self._blocked_shown = blocked
        box = self.query_one("#form-error", Static)
        box.update((safe_text(text) if isinstance(text, Text) else safe_lines(text)) if text else "")
        box.set_class(bool(text), "-shown")
        if text:
            self.call_after_refresh(box.scroll_visible)

    def _set_busy(self, busy: bool, label: str = "") -> None:
        self._busy = busy
        submit = self.query_one("#submit", Button)
        submit.disabled = busy
        if busy:
            submit.label = label
        else:
            submit.label = f"{'Create App Registration' if self.is_create else 'Save changes'} (ctrl+s)"

    # ------------------------------------------------------------------ events

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if event.input.has_class("claim-value"):
            row = next((a for a in event.input.ancestors if isinstance(a, ClaimInputRow)), None)
            if row is not None:
                row.value_edited()
        if event.input.id == "display-name" and event.value == "" and event.input.has_focus:
            self._show_name_error = True  # cleared by hand: say so at once
        if event.input.id != "json-path":
            self._validate()

    @on(Input.Submitted)
    async def _submitted(self, event: Input.Submitted) -> None:
        """enter moves on like a spreadsheet: name -> first claim, claim -> value -> next row."""
        event.stop()
        widget = event.input
        if widget.id == "json-path":
            self.action_load_json()
            return
        if widget.id == "display-name":
            rows = self.rows
            if rows:
                rows[0].name_input.focus()
            else:
                self.query_one("#add-claim", Button).focus()
            return
        row = next((a for a in widget.ancestors if isinstance(a, ClaimInputRow)), None)
        if row is None:
            return
        if widget is row.name_input:
            row.value_input.focus()
            return
        rows = self.rows
        index = rows.index(row)
        if index + 1 < len(rows):
            rows[index + 1].name_input.focus()
        elif not row.is_blank:
            await self.action_add_claim()

    @on(Button.Pressed, "#add-claim")
    async def _add_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        await self.action_add_claim()

    @on(Button.Pressed, ".claim-remove")
    def _remove_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        row = next((a for a in event.button.ancestors if isinstance(a, ClaimInputRow)), None)
        if row is not None:
            self._remove_row(row)

    @on(Button.Pressed, "#load-json")
    def _load_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_load_json()

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    # ------------------------------------------------------------------ actions

    async def action_add_claim(self, name: str = "", value: object = "") -> ClaimInputRow:
        row = ClaimInputRow(name, value)
        await self.query_one("#claims", VerticalScroll).mount(row)
        self._renumber()
        self._validate()
        # At once, not through Widget.focus (a later turn of the app's queue): keys typed
        # right behind ctrl+n are released to the focus as soon as its binding has run.
        self.set_focus(row.name_input)
        row.scroll_visible()
        return row

    def _focused_row(self) -> ClaimInputRow | None:
        focused = self.focused
        if focused is None:
            return None
        return next((a for a in focused.ancestors_with_self if isinstance(a, ClaimInputRow)), None)

    def action_remove_claim(self) -> None:
        row = self._focused_row()
        if row is None:
            self.notify("Move to a claim row first (tab), then press ctrl+r to remove it.", markup=False)
            return
        self._remove_row(row)

    def _remove_row(self, row: ClaimInputRow) -> None:
        rows = self.rows
        index = rows.index(row)
        in_value = self.focused is row.value_input
        neighbour = rows[index + 1] if index + 1 < len(rows) else (rows[index - 1] if index > 0 else None)

        async def remove() -> None:
            await row.remove()
            self._renumber()
            self._validate()
            if neighbour is not None:
                (neighbour.value_input if in_value else neighbour.name_input).focus()
            else:
                self.query_one("#add-claim", Button).focus()

        self.call_later(remove)

    def action_move_row(self, step: int) -> None:
        """up/down move to the same column of the previous/next row (and to and from the name)."""
        focused = self.focused
        rows = self.rows
        if isinstance(focused, Input) and focused.id == "display-name":
            if step > 0 and rows:
                rows[0].name_input.focus()
            return
        row = self._focused_row()
        if row is None:
            return
        in_value = focused is row.value_input
        index = rows.index(row) + step
        if index < 0:
            self.query_one("#display-name", Input).focus()
        elif index < len(rows):
            target = rows[index].value_input if in_value else rows[index].name_input
            target.focus()
            target.scroll_visible()

    def action_load_json(self) -> None:
        raw = unquote_path(self.query_one("#json-path", Input).value)
        if not raw:
            self._load_message("✗ Type the path of an application JSON file first.", ok=False)
            return
        path = Path(raw).expanduser()
        try:
            loaded = read_application_file(path)
        except ApplicationFileError as exc:
            self._load_message(f"✗ {exc}", ok=False)
            return
        self._apply_loaded(loaded, path)

    def _load_message(self, message: str, *, ok: bool) -> None:
        status = self.query_one("#load-status", Static)
        status.update(Text(safe_lines(message)))  # quotes the file's keys and errors
        status.set_classes("-ok" if ok else "-error")
        status.display = True

    def _apply_loaded(self, loaded: LoadedApplication, path: Path) -> None:
        if loaded.display_name is not None:
            self.query_one("#display-name", KeptInput).keep(loaded.display_name)
        claims_box = self.query_one("#claims", VerticalScroll)

        async def replace_rows() -> None:
            if loaded.custom_claims is not None:
                await claims_box.remove_children()
                await claims_box.mount_all([ClaimInputRow(name, value) for name, value in loaded.custom_claims.items()])
            self._renumber()
            self._validate()

        self.call_later(replace_rows)
        parts = []
        if loaded.display_name is not None:
            parts.append("the display name")
        if loaded.custom_claims is not None:
            count = len(loaded.custom_claims)
            parts.append(f"{count} claim{'' if count == 1 else 's'}")
        message = f"✓ Loaded {' and '.join(parts)} from {path}."
        if loaded.ignored_keys:
            message += f" Ignored: {', '.join(loaded.ignored_keys)}."
        self._load_message(message, ok=True)

    def action_cancel(self) -> None:
        if self._busy:
            self.notify(
                "Waiting for the server's answer: the form closes when it arrives.",
                markup=False,
                severity="warning",
            )
            return
        close_form(self, dirty=self.is_dirty(), creating=self.is_create)

    def action_submit(self) -> None:
        if self._busy:
            return
        self._show_name_error = True
        blocking, issues = self._validate()
        claim_errors = claim_rules.errors(issues)
        if blocking or claim_errors:
            problems = list(blocking)
            if claim_errors:
                problems.append(f"{len(claim_errors)} claim error{'s' if len(claim_errors) > 1 else ''}")
            self._show_form_error(
                Text(f"Not sent: {'; '.join(problems)}. Fix what is marked ✗ and try again.", style="red"),
                blocked=True,
            )
            self._focus_first_problem(blocking, claim_errors)
            return
        name = self.display_name.strip()
        claims = {key: value for key, value in self.claims_to_send().items()}
        if (
            not self.is_create
            and name == self._initial_name
            and list(claims.items()) == self._initial_rows
            and self.owner == self._initial_owner
        ):
            self._show_form_error(Text("Nothing changed: edit the name or the claims, or press escape to close."))
            return
        self._show_form_error(None)
        if self.is_create:
            self._set_busy(True, "Creating…")
            self._create(name, claims)
        else:
            self._set_busy(True, "Saving…")
            self._update(name, claims)

    def _focus_first_problem(self, blocking: list[str], claim_errors: list[claim_rules.ClaimIssue]) -> None:
        if blocking:
            self.query_one("#display-name", Input).focus()
            return
        rows = self.rows
        for issue in claim_errors:
            if issue.row is not None and issue.row < len(rows):
                row = rows[issue.row]
                value_rule = issue.rule in (claim_rules.RULE_VALUE_NOT_STRING, claim_rules.RULE_VALUE_TOO_LONG)
                target: Widget = row.value_input if value_rule else row.name_input
                target.focus()
                target.scroll_visible()
                return

    # ------------------------------------------------------------------ server calls

    @work(exclusive=True, exit_on_error=False, group="app-form", description="create an app registration")
    async def _create(self, name: str, claims: dict[str, str]) -> None:
        # Which registrations of this name exist before the create: if its answer is lost,
        # the new one is the one that was not there before (names are not unique).
        known_ids = await ids_named(self.client, name)
        try:
            extra = {"owner": True} if self.owner else {}
            application = await self.client.create_application(name, claims, **extra)
        except Exception as exc:  # noqa: BLE001 - every failure is shown on the form, never a traceback
            # A lost or unreadable answer, or a 5xx (a gateway's 502 can follow a create the
            # service made): look the registration up before anything else.
            if may_have_acted(exc):
                self._start_recovery(name, claims, known_ids, exc)  # type: ignore[arg-type]
            elif isinstance(exc, (api_errors.RequestTimeout, api_errors.ConnectionLost)):
                self._refused(exc, "The create did not reach the server")
            else:
                self._refused(exc, "Could not create the app registration")
            return
        self._set_busy(False)
        self.dismiss(AppFormResult(application, created=True))

    @work(exclusive=True, exit_on_error=False, group="app-form", description="update an app registration")
    async def _update(self, name: str, claims: dict[str, str]) -> None:
        assert self.existing is not None
        try:
            extra = {"roles": owner_roles(self.existing, self.owner)} if self.owner != self._initial_owner else {}
            application = await self.client.update_application(
                self.existing.identity, display_name=name, custom_claims=claims, **extra
            )
        except Exception as exc:  # noqa: BLE001 - shown on the form, which keeps what was typed
            self._refused(exc, f"Could not save {self.existing.display_name}")
            return
        self._set_busy(False)
        self.dismiss(AppFormResult(application, created=False))

    def _refused(self, exc: BaseException, doing: str, *, checked: str = "") -> None:
        """The failure on the form; `checked`: what a look-up found out since (nothing was made)."""
        self._set_busy(False)
        if not isinstance(exc, api_errors.RkvstError):
            log.warning("app form: unexpected %s from the service layer", type(exc).__name__)
        problem = describe(exc, doing)
        text = Text()
        text.append(problem.title + "\n", style="bold red")
        text.append(problem.message)
        if checked:
            text.append("\n" + checked, style="yellow")
        if problem.hint:
            text.append("\nWhat to do: " + problem.hint, style="italic")
        text.append("\nThe form keeps what you typed.", style="dim")
        self._show_form_error(text)

    def _start_recovery(
        self, name: str, claims: dict[str, str], known_ids: set[str] | None, cause: api_errors.RkvstError
    ) -> None:
        from rkvst_tui.tui.screens.lost_create import LostCreateScreen, RecoveryOutcome

        def recovered(outcome: RecoveryOutcome | None) -> None:
            self._set_busy(False)
            if outcome is None:
                return
            if outcome.kind == "regenerated" and outcome.application is not None:
                self.dismiss(AppFormResult(outcome.application, created=True, reveal_reason="regenerated"))
            elif outcome.kind == "left" and outcome.application is not None:
                self.notify(outcome.message, severity="warning", markup=False, timeout=15)
                self.dismiss(AppFormResult(outcome.application, created=True))
            elif outcome.kind == "not-created" and isinstance(cause, api_errors.ApiError):
                # The server's refusal, as for any other failure, and that nothing was made.
                self._refused(
                    cause,
                    "Could not create the app registration",
                    checked=f"Checked: the create did not happen (there is no new registration named '{name}').",
                )
            else:
                self._show_form_error(Text(outcome.message, style="yellow" if outcome.kind != "deleted" else ""))

        self.app.push_screen(
            LostCreateScreen(
                self.client, display_name=name, custom_claims=claims, known_client_ids=known_ids, cause=cause
            ),
            recovered,
        )
