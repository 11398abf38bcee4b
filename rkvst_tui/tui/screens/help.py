"""`?`: every key that works on the screen below, read from its active bindings.

Nothing here is a hard-coded list: a key added to any widget shows up, and a key that
`check_action` hides (read-only mode) does not.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Static


@dataclass(frozen=True)
class KeyHelp:
    keys: str  # "d" or "up / k"
    description: str
    where: str  # the widget or screen that owns the key
    enabled: bool


def _owner_name(node: object) -> str:
    name = getattr(node, "HELP_GROUP", None)
    if name:
        return str(name)
    if isinstance(node, App):
        return "Console"
    if isinstance(node, Screen):
        return "Screen"
    if isinstance(node, ScrollableContainer):
        return "Scrolling"  # Textual's scroll keys: after the keys of the screen itself
    return type(node).__name__


def keys_of(screen: Screen) -> list[KeyHelp]:
    """The screen's active bindings, one row per action, keys for the same action joined."""
    app = screen.app
    grouped: dict[tuple[int, str], list] = {}
    order: list[tuple[int, str]] = []
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not (binding.description or binding.tooltip):
            continue
        group = (id(active.node), binding.action)
        if group not in grouped:
            grouped[group] = [active, []]
            order.append(group)
        grouped[group][1].append(app.get_key_display(binding) or key)
    rows = []
    for group in order:
        active, keys = grouped[group]
        rows.append(
            KeyHelp(
                keys=" / ".join(dict.fromkeys(keys)),
                description=active.binding.tooltip or active.binding.description,
                where=_owner_name(active.node),
                enabled=active.enabled,
            )
        )
    # The screen's own keys first (most specific), the console-wide ones last.
    rank = {"Table": 1, "Screen": 2, "Scrolling": 3, "Console": 4}
    return sorted(rows, key=lambda row: rank.get(row.where, 0))


class HelpScreen(ModalScreen[None]):
    """The keys of the screen it was opened from."""

    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close"),
    ]

    def __init__(self, rows: list[KeyHelp], screen_title: str) -> None:
        super().__init__()
        self.rows = rows
        self.screen_title = screen_title

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog", classes="dialog"):
            yield Label(Text(f"Keys: {self.screen_title}"), classes="dialog-title")
            yield DataTable(id="help-table", cursor_type="row", zebra_stripes=True)
            yield Static(
                Text("Dimmed keys are unavailable right now. escape closes this help.", style="dim"),
                id="help-footnote",
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Key", width=14)
        table.add_column("Action")
        group = None
        for row in self.rows:
            if row.where != group:
                group = row.where
                table.add_row(Text(""), Text(group.upper(), style="bold underline"))
            style = "" if row.enabled else "dim"
            table.add_row(
                Text(row.keys, style="bold " + style if style else "bold"),
                Text(row.description, style=style),
            )
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
