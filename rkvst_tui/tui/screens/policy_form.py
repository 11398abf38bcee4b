"""The create / edit form of an access policy: name, description, filters and one permission.

Filters and "who" are written one AND group a line, the ORed entries of a line separated by
`|`:

    attributes.arc_display_type=Traffic Light | attributes.arc_display_type=Lamp
    attributes.location=Cambridge

Everything is checked as it is typed with `access_rules.check_policy` (what the sandbox and
the API refuse: errors, shown under their field, Save disabled) and `access_rules.policy_warnings`
with the tenant's assets (read once when the form opens) and registrations (warnings, shown,
not blocking). A field prefilled from the server and left untouched is sent back exactly as it
was read (so a value holding `|`, a newline or a control character survives an edit elsewhere).
A policy with several permissions: the form edits the first and keeps the others unchanged (it
says so). The screen makes the call and dismisses with the saved Policy, or None.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from rkvst_tui.api import access_rules as rules
from rkvst_tui.api.policies import Permission, Policy, create_policy, update_policy
from rkvst_tui.api.terminal_safe import terminal_safe
from rkvst_tui.tui.formatting import safe, safe_lines
from rkvst_tui.tui.problems import describe
from rkvst_tui.tui.screens.confirm import close_form
from rkvst_tui.tui.widgets.footer import ConsoleFooter

if TYPE_CHECKING:
    from rkvst_tui.api.client import RkvstClient

SEPARATOR = "|"
FIELDS = ("name", "description", "filters", "who", "reads")


def groups_text(groups: Sequence[Sequence[str]]) -> str:
    """AND groups as the form shows them: a line each, the ORed entries separated by ` | `."""
    return "\n".join(f" {SEPARATOR} ".join(terminal_safe(entry) for entry in group) for group in groups)


def parse_groups(text: str) -> list[list[str]]:
    """The typed lines as AND groups; blank lines are skipped, an empty entry is kept (and refused)."""
    return [[entry.strip() for entry in line.split(SEPARATOR)] for line in text.splitlines() if line.strip()]


def names_text(names: Sequence[str]) -> str:
    return ", ".join(terminal_safe(name) for name in names)


def parse_names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


_ENTRY = re.compile(r"^\[(\d+)\]\.or\[(\d+)\]$")
_GROUP = re.compile(r"^\[(\d+)\](\.or)?$")
_ITEM = re.compile(r"^\[(\d+)\]$")


def where_in_words(rest: str) -> str:
    """`[1].or[0]` -> "line 2, entry 1: " (the rest of an Issue's `where` after its field)."""
    if match := _ENTRY.match(rest):
        return f"line {int(match[1]) + 1}, entry {int(match[2]) + 1}: "
    if match := _GROUP.match(rest):
        return f"line {int(match[1]) + 1}: "
    if match := _ITEM.match(rest):
        return f"name {int(match[1]) + 1}: "
    return ""


def field_of(issue: rules.Issue) -> tuple[str, str]:
    """Which of the form's fields an issue is about, and its place there in words."""
    where = issue.where
    first = "access_permissions[0]."
    for prefix, name in (
        ("display_name", "name"),
        ("description", "description"),
        ("filters", "filters"),
        (first + "user_attributes", "who"),
        (first + "asset_attributes_read", "reads"),
        (first + "include_attributes", "reads"),
    ):
        if where.startswith(prefix):
            return name, where_in_words(where[len(prefix) :])
    other = re.sub(r"^access_permissions\[(\d+)\]\.?", lambda m: f"permission {int(m[1]) + 1} ", where).strip()
    return "other", f"{other}: " if other else ""


class PolicyFormScreen(ModalScreen["Policy | None"]):
    """Create an access policy (existing=None) or edit one (existing=the Policy as read)."""

    CSS_PATH = "policy_form.tcss"

    HELP_GROUP = "Access policy form"
    BINDINGS = [
        Binding("ctrl+s", "submit", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(
        self,
        client: RkvstClient | None,
        *,
        existing: Policy | None = None,
        registrations: Sequence[rules.Who] | None = None,
        assets: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__()
        self.client = client
        self.existing = existing
        self.registrations = list(registrations) if registrations is not None else None
        self.assets: list[dict[str, Any]] | None = list(assets) if assets is not None else None
        self._busy = False
        policy = existing or Policy(identity="")
        self._first = policy.access_permissions[0] if policy.access_permissions else Permission()
        self._others = policy.access_permissions[1:]
        readable = self._first.readable
        # What each field shows at first, and what an untouched field sends back (exactly as read).
        self._initial = {
            "name": terminal_safe(policy.display_name),
            "description": terminal_safe(policy.description),
            "filters": groups_text(policy.filters),
            "who": groups_text(self._first.user_attributes),
            "reads": names_text(readable),
        }

    @property
    def is_create(self) -> bool:
        return self.existing is None

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        dialog = Vertical(id="policy-form-dialog")
        dialog.border_title = (
            "New access policy" if self.existing is None else f"Edit access policy · {safe(self.existing.identity)}"
        )
        with dialog:
            with VerticalScroll(id="policy-form-body") as body:
                body.can_focus = False
                yield Label("DISPLAY NAME", classes="form-section")
                yield Input(self._initial["name"], placeholder="e.g. Traffic lights in Cambridge", id="policy-name")
                yield Static("", id="name-issues", classes="field-issues")
                yield Label("DESCRIPTION (optional)", classes="form-section")
                yield Input(self._initial["description"], placeholder="what it shares and why", id="policy-description")
                yield Static("", id="description-issues", classes="field-issues")
                yield Label("ASSETS: FILTERS", classes="form-section")
                yield Static(
                    "Every line must match (AND); entries of a line separated by | are alternatives (OR). "
                    "attributes.NAME=VALUE or attributes.NAME!=VALUE; the value * matches any value.",
                    classes="field-hint",
                )
                yield TextArea(
                    self._initial["filters"],
                    id="policy-filters",
                    placeholder="attributes.arc_display_type=Traffic Light | attributes.arc_display_type=Lamp",
                )
                yield Static("", id="filters-issues", classes="field-issues")
                yield Static("", id="policy-assets-note")
                yield Label("WHO: USER ATTRIBUTES", classes="form-section")
                yield Static(
                    "Lines ANDed, | ORs: subject=<client id>, jwt_<claim>=<value> (a custom claim), email=<address>.",
                    classes="field-hint",
                )
                yield TextArea(self._initial["who"], id="policy-who", placeholder="jwt_serial_number=TL1000000101")
                yield Static("", id="who-issues", classes="field-issues")
                yield Label("READS: ASSET ATTRIBUTES", classes="form-section")
                yield Input(
                    self._initial["reads"],
                    placeholder="comma-separated, e.g. arc_display_name, location (* for all)",
                    id="policy-reads",
                )
                yield Static("", id="reads-issues", classes="field-issues")
                yield Static(self._kept_words(), id="policy-kept")
                yield Static("", id="other-issues", classes="field-issues")
                yield Static("", id="policy-summary")
                yield Static("", id="policy-form-error")
            with Horizontal(id="policy-form-buttons"):
                yield Button("Cancel", id="policy-cancel")
                yield Button(self._submit_label(), id="policy-submit", variant="primary")
        yield ConsoleFooter()

    def _submit_label(self) -> str:
        return f"{'Create' if self.is_create else 'Save'} (ctrl+s)"

    def _kept_words(self) -> str:
        parts = []
        if self._others:
            count = len(self._others)
            parts.append(
                f"This policy has {count} more permission{'s' if count > 1 else ''}: the form edits the first "
                f"and keeps the other{'s' if count > 1 else ''} unchanged (enter on the list shows them all)."
            )
        first = self._first
        kept = [
            key
            for key in ("asset_attributes_write", "behaviours", "subjects", "event_arc_display_type_read")
            + ("event_arc_display_type_write",)
            if getattr(first, key)
        ]
        if kept:
            parts.append(f"The first permission's {', '.join(kept)} are kept unchanged.")
        return " ".join(parts)

    def on_mount(self) -> None:
        self.query_one("#policy-kept", Static).set_class(bool(self._kept_words()), "-shown")
        self._assets_note()
        self._validate()
        self.query_one("#policy-name", Input).focus()
        if self.assets is None and self.client is not None:
            self._read_assets()

    @work(exclusive=True, exit_on_error=False, group="policy-form-assets")
    async def _read_assets(self) -> None:
        assert self.client is not None
        note = self.query_one("#policy-assets-note", Static)
        note.update("Reading the tenant's assets to check the filters against…")
        try:
            assets = await self.client.list_assets()
        except Exception as exc:  # noqa: BLE001 - the form works without them; said under the filters
            problem = describe(exc, "Could not read the tenant's assets")
            note.update(Text(f"{problem.message} The filters are checked without them.", style="yellow"))
            return
        self.assets = [asset.attributes for asset in assets]
        self._assets_note()
        self._validate()

    def _assets_note(self) -> None:
        if self.assets is not None:
            count = len(self.assets)
            self.query_one("#policy-assets-note", Static).update(
                f"Checked against the tenant's {count} asset{'' if count == 1 else 's'}."
            )

    # ------------------------------------------------------------------ the policy typed

    def _raw(self, field: str) -> str:
        if field == "name":
            return self.query_one("#policy-name", Input).value
        if field == "description":
            return self.query_one("#policy-description", Input).value
        if field == "filters":
            return self.query_one("#policy-filters", TextArea).text
        if field == "who":
            return self.query_one("#policy-who", TextArea).text
        return self.query_one("#policy-reads", Input).value

    def _untouched(self, field: str) -> bool:
        return self.existing is not None and self._raw(field) == self._initial[field]

    def is_dirty(self) -> bool:
        return any(self._raw(field) != self._initial[field] for field in FIELDS)

    def body(self) -> dict[str, Any]:
        """The create (or full replace) body the form holds now."""
        existing = self.existing
        name = existing.display_name if existing and self._untouched("name") else self._raw("name").strip()
        description = (
            existing.description if existing and self._untouched("description") else self._raw("description").strip()
        )
        filters = (
            [list(group) for group in existing.filters]
            if existing and self._untouched("filters")
            else parse_groups(self._raw("filters"))
        )
        first = self._first
        if not self._untouched("who"):
            first = replace(first, user_attributes=tuple(tuple(group) for group in parse_groups(self._raw("who"))))
        if not self._untouched("reads"):
            # One list holds what it shares (access_rules.readable reads both the same way).
            first = replace(first, include_attributes=(), asset_attributes_read=tuple(parse_names(self._raw("reads"))))
        permissions = [first, *self._others]
        if first == Permission() and not self._others:
            permissions = []  # nothing typed: no permission rather than one naming nobody
        return {
            "display_name": name,
            "description": description,
            "filters": [{"or": group} for group in filters],
            "access_permissions": [permission.to_wire() for permission in permissions],
        }

    def _validate(self) -> list[rules.Issue]:
        body = self.body()
        issues = rules.check_policy(body, creating=True)
        warnings = rules.policy_warnings(body, assets=self.assets, registrations=self.registrations)
        by_field: dict[str, Text] = {name: Text() for name in (*FIELDS, "other")}
        for issue in [*issues, *warnings]:
            name, place = field_of(issue)
            box = by_field[name]
            if box:
                box.append("\n")
            error = issue.severity == "error"
            box.append(
                ("✗ " if error else "! ") + safe_lines(place + issue.message), style="red" if error else "yellow"
            )
        for name, text in by_field.items():
            widget = self.query_one(f"#{name}-issues", Static)
            widget.update(text)
            widget.set_class(bool(text), "-shown")
        errored = {field_of(issue)[0] for issue in issues}
        for name, selector in (
            ("name", "#policy-name"),
            ("description", "#policy-description"),
            ("filters", "#policy-filters"),
            ("who", "#policy-who"),
            ("reads", "#policy-reads"),
        ):
            self.query_one(selector).set_class(name in errored, "-error")
        summary = Text()
        if issues:
            summary.append(
                f"✗ {len(issues)} error{'s' if len(issues) > 1 else ''}: fix what is marked ✗ to "
                f"{'create' if self.is_create else 'save'}.",
                style="red",
            )
        elif warnings:
            summary.append(f"! {len(warnings)} warning{'s' if len(warnings) > 1 else ''}: allowed, but read them.")
        self.query_one("#policy-summary", Static).update(summary)
        self.query_one("#policy-submit", Button).disabled = bool(issues) or self._busy
        if not issues and "Not sent" in str(self.query_one("#policy-form-error", Static).render()):
            self._show_error(None)  # no longer holds
        return issues

    # ------------------------------------------------------------------ events

    @on(Input.Changed)
    @on(TextArea.Changed)
    def _changed(self) -> None:
        self._validate()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    @on(Button.Pressed, "#policy-submit")
    def _submit_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#policy-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_cancel(self) -> None:
        if self._busy:
            self.notify("Waiting for the server's answer: the form closes when it arrives.", markup=False)
            return
        close_form(self, dirty=self.is_dirty(), creating=self.is_create)

    def action_submit(self) -> None:
        if self._busy:
            return
        if self._validate():
            self._show_error(Text("Not sent: fix what is marked ✗ and try again.", style="red"))
            return
        if not self.is_create and not self.is_dirty():
            self._show_error(Text("Nothing changed: edit a field, or press escape to close."))
            return
        self._show_error(None)
        self._busy = True
        submit = self.query_one("#policy-submit", Button)
        submit.disabled = True
        submit.label = "Creating…" if self.is_create else "Saving…"
        self._save(self.body())

    @work(exclusive=True, exit_on_error=False, group="policy-form")
    async def _save(self, body: dict[str, Any]) -> None:
        try:
            if self.existing is None:
                saved = await create_policy(self.client, body)  # type: ignore[arg-type]
            else:
                saved = await update_policy(self.client, self.existing, body)  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001 - shown on the form, which keeps what was typed
            self._busy = False
            submit = self.query_one("#policy-submit", Button)
            submit.label = self._submit_label()
            self._validate()
            doing = "Could not create the access policy" if self.is_create else "Could not save the access policy"
            problem = describe(exc, doing)
            text = Text()
            text.append(safe_lines(problem.title) + "\n", style="bold red")
            text.append(safe_lines(problem.message))
            if problem.hint:
                text.append("\nWhat to do: " + safe_lines(problem.hint), style="italic")
            text.append("\nThe form keeps what you typed.", style="dim")
            self._show_error(text)
            return
        self._busy = False
        self.dismiss(saved)

    def _show_error(self, text: Text | None) -> None:
        box = self.query_one("#policy-form-error", Static)
        box.update(text or "")
        box.set_class(bool(text), "-shown")
        if text:
            self.call_after_refresh(box.scroll_visible)


__all__ = ["PolicyFormScreen", "groups_text", "parse_groups"]
