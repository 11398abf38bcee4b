"""The audit trail (palette: "Audit trail"): every change made with rkvst-tui on this machine,
newest first, read from audit.jsonl through api/audit.py (as `rkvst-tui audit` reads it).

The file is ours but anything can write to it: every field is escaped (api/terminal_safe.py)
and cut to its column, and only the newest `SHOWN` entries are drawn. It never holds a secret
(api/audit.py writes ids, names, statuses and error class names only).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from rkvst_tui.api.audit import DONE, REFUSED, UNKNOWN
from rkvst_tui.api.terminal_safe import terminal_safe
from rkvst_tui.tui.formatting import plain
from rkvst_tui.tui.widgets.fixed_table import FittedColumn, FixedColumnsTable
from rkvst_tui.tui.widgets.footer import ConsoleFooter

if TYPE_CHECKING:
    from rkvst_tui.api.audit import AuditEntry, AuditTrail

SHOWN = 1000  # the newest entries drawn; `rkvst-tui audit` prints them all
OUTCOME_STYLES = {DONE: "green", REFUSED: "bold red", UNKNOWN: "bold yellow"}
# At 80 columns the action and the target are cut (ending in …); the time is never.
COLUMNS = (
    FittedColumn("Time (UTC)", "time", 20, rank=5, hideable=False),
    FittedColumn("Action", "action", 22, least=14, rank=3, hideable=False),
    FittedColumn("Target", "target", 48, least=16, rank=4, hideable=False),
    FittedColumn("Outcome", "outcome", 28, least=10, rank=2, hideable=False),
)


class AuditLogScreen(ModalScreen[None]):
    """The trail's entries, newest first; `r` reads the file again."""

    CSS_PATH = "audit_log.tcss"

    HELP_GROUP = "Audit trail"
    BINDINGS = [
        Binding("r", "reload", "Reload"),
        Binding("escape,q", "close", "Close"),
    ]

    def __init__(self, trail: AuditTrail) -> None:
        super().__init__()
        self.trail = trail
        self.entries: list[AuditEntry] = []
        self.skipped = 0

    def compose(self) -> ComposeResult:
        dialog = Vertical(id="audit-dialog")
        dialog.border_title = "Audit trail: every change made with rkvst-tui here"
        with dialog:
            yield Static(
                Text(
                    f"{terminal_safe(str(self.trail.path), 200)} (and its rotated files). The console's and the "
                    "command line's changes, newest first; no secret or token is ever written there. "
                    "rkvst-tui audit prints it all (--since, --json)."
                ),
                id="audit-about",
            )
            yield FixedColumnsTable(id="audit-table", cursor_type="row", zebra_stripes=True)
            yield Static(Text("Reading…"), id="audit-status")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        table = self.query_one("#audit-table", FixedColumnsTable)
        table.add_fitted_columns(COLUMNS)
        table.focus()
        self.action_reload()

    def action_reload(self) -> None:
        self._read()

    @work(exclusive=True, group="audit-read", exit_on_error=False)
    async def _read(self) -> None:
        try:
            entries, skipped = await asyncio.to_thread(self.trail.read)
        except Exception as exc:  # noqa: BLE001 - read() skips what it can not parse; this is the rest
            self._show_status(Text(f"Could not read the audit trail: {terminal_safe(str(exc), 200)}", style="red"))
            return
        self.entries, self.skipped = entries, skipped
        self._fill()

    def _fill(self) -> None:
        newest = list(reversed(self.entries[-SHOWN:]))
        self.query_one("#audit-table", FixedColumnsTable).replace_rows(
            [
                (
                    str(number),
                    (
                        plain(entry.time, limit=25),
                        plain(entry.action, limit=40),
                        Text(entry.target_words(60)),  # escaped by the entry (terminal_safe)
                        Text(entry.outcome_words(), style=OUTCOME_STYLES.get(entry.outcome, "")),
                    ),
                )
                for number, entry in enumerate(newest)
            ]
        )
        total = len(self.entries)
        if not total:
            words = "No changes recorded yet."
        elif total > SHOWN:
            words = f"The newest {SHOWN:,} of {total:,} changes (rkvst-tui audit prints them all)."
        else:
            words = f"{total:,} change{'s' if total != 1 else ''}."
        if self.skipped:
            words += (
                f" {self.skipped:,} line{'s' if self.skipped != 1 else ''} could not be read "
                "(a write cut short by a crash, or not written by rkvst-tui)."
            )
        self._show_status(Text(words))

    def _show_status(self, text: Text) -> None:
        self.query_one("#audit-status", Static).update(text)

    def action_close(self) -> None:
        self.dismiss(None)
