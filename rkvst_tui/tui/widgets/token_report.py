"""The token inspector's report column: the signature state, where the token came from, its
errors and warnings, the times, the access test, the header and payload claims and the raw parts.

It only shows a `TokenReport` (rkvst_tui.api.inspection); everything in one is the token's own
text and is shown as `rich.text.Text`, terminal-safe and bounded, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Label, Static, TextArea

from rkvst_tui.api.inspection import INVALID, NOT_CHECKED, UNSECURED, VERIFIED, TokenReport, shorten
from rkvst_tui.tui.formatting import FIELD_LIMIT, plain, safe, safe_lines, safe_text
from rkvst_tui.tui.widgets.fixed_table import FittedColumn, FixedColumnsTable

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
RAW_PARTS = ("header", "payload", "signature")
RAW_LIMIT = 8192  # characters of a part shown when it does not decode

ACCESS_NOT_RUN = "Not run: Test access (ctrl+t) calls GET /archivist/v2/assets with this token."
NOTHING_INSPECTED = "SIGNATURE  —  nothing inspected yet"


def _name_width(names: list[str], label: str) -> int:
    return min(NAME_WIDTH_LIMIT, max([len(label), *(len(name) for name in names)]))


def _set_columns(table: DataTable, columns: list[tuple[str, str, int]]) -> None:
    """Give an emptied table these columns, unless it has them already."""
    if [(str(column.label), column.key.value, column.width) for column in table.ordered_columns] == columns:
        return
    table.clear(columns=True)
    for label, key, width in columns:
        table.add_column(label, key=key, width=width)


def _raw_area(part: str) -> TextArea:
    return TextArea(
        id=f"ti-raw-{part}",
        read_only=True,
        soft_wrap=True,
        compact=True,
        highlight_cursor_line=False,
        classes="ti-raw",
    )


def _raw_text(report: TokenReport, part_name: str) -> str:
    """What the raw view of one part shows: the token's text, terminal-safe."""
    part = report.part(part_name)
    if part is None:
        return f"({part_name} missing)"
    if part_name == "signature":
        size = len(part.decoded) if isinstance(part.decoded, bytes) else 0
        text = part.error or f"{size} bytes, {report.signature_algorithm or 'no alg'}"
        return safe_lines(f"{text}\n{shorten(part.raw, RAW_LIMIT)}", None)
    if part.error:
        return safe_lines(f"{part.error}\n{part.shown_json or shorten(part.raw, RAW_LIMIT)}", None)
    return safe_lines(part.shown_json or "", None)


def _signature_line(report: TokenReport) -> Text:
    line = Text()
    line.append("SIGNATURE  ", style="bold")
    line.append(f" {report.signature_state} ", style="bold reverse")
    line.append(f"\n{safe_lines(report.signature_reason)}")  # may quote the token's kid or alg
    if report.ignored_header_keys:
        line.append(
            f"\nIgnored (the key never comes from the token): {', '.join(map(safe, report.ignored_header_keys))}",
            style="italic",
        )
    return line


class TokenReportView(Vertical):
    """Shows one report (or none). `show()` redraws it; the owner keeps the report and its origin."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._report: TokenReport | None = None
        self._origin = ""
        self.fitted_width = 0  # the details pane's width the tables were laid out for

    def compose(self) -> ComposeResult:
        # Outside the scrolling part: the signature state stays in view however far one scrolls.
        yield Static(Text(NOTHING_INSPECTED), id="ti-signature", classes="-not-checked")
        with VerticalScroll(id="ti-details"):
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
            yield _raw_area("header")
            yield Label("RAW PAYLOAD", classes="ti-title")
            yield _raw_area("payload")
            yield Label("SIGNATURE PART", classes="ti-title")
            yield _raw_area("signature")

    def on_mount(self) -> None:
        # Widths that follow the pane's width: the times give up UTC, then the claim's name
        # (the relative time names it: "expires in…"), never Local and the live countdown.
        self.query_one("#ti-times", FixedColumnsTable).add_fitted_columns(TIMES_COLUMNS)
        self._fit_claim_tables(None)

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._refit)  # the panes have their new sizes after the layout

    def _refit(self) -> None:
        if self.is_attached and self.details_width() != self.fitted_width:
            self.show(self._report, self._origin)

    def details_width(self) -> int:
        return self.query_one("#ti-details", VerticalScroll).scrollable_content_region.width or DEFAULT_DETAILS_WIDTH

    def _fit_claim_tables(self, report: TokenReport | None) -> None:
        """Header and payload columns for the pane's width, the name column as wide as the
        longest name (up to a limit): a claim name never wraps mid-word, and nothing scrolls
        sideways. Long values and meanings wrap in their cells."""
        width = self.details_width()
        self.fitted_width = width
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

    def show(self, report: TokenReport | None, origin: str) -> None:
        """Redraw for `report`; `origin` says where its token came from ("pasted", "from the file x")."""
        self._report, self._origin = report, origin
        signature = self.query_one("#ti-signature", Static)
        for css_class in STATE_CLASSES.values():
            signature.remove_class(css_class)
        header_table = self.query_one("#ti-header", DataTable)
        payload_table = self.query_one("#ti-payload", DataTable)
        times_table = self.query_one("#ti-times", DataTable)
        for table in (header_table, payload_table, times_table):
            table.clear()
        self._fit_claim_tables(report)
        raw = {name: self.query_one(f"#ti-raw-{name}", TextArea) for name in RAW_PARTS}
        if report is None:
            signature.add_class(STATE_CLASSES[NOT_CHECKED])
            signature.update(Text(NOTHING_INSPECTED))
            for widget_id in ("#ti-source", "#ti-errors", "#ti-warnings"):
                self.query_one(widget_id, Static).update(Text(""))
            for area in raw.values():
                area.load_text("")
            return

        signature.add_class(STATE_CLASSES.get(report.signature_state, "-not-checked"))
        signature.update(_signature_line(report))

        where = origin if report.input_note == "as given" else f"{report.input_note} ({origin})"
        source = Text(
            f"{safe(where[:1].upper() + where[1:], FIELD_LIMIT)}: {len(report.token):,} characters, "
            f"fingerprint {report.fingerprint}.",
            style="dim",
        )
        self.query_one("#ti-source", Static).update(source)

        # Errors and warnings quote the token's own text: each made terminal-safe.
        errors = Text("\n".join(f"✗ {safe(error, FIELD_LIMIT)}" for error in report.errors))
        self.query_one("#ti-errors", Static).update(errors)
        self.show_warnings(report, report.warnings)

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
            area.load_text(_raw_text(report, part_name))

    def show_warnings(self, report: TokenReport, warnings: Sequence[str]) -> None:
        if warnings:
            # Warnings quote the token's own text: each made terminal-safe.
            text = Text("\n".join(f"⚠ {safe(warning, FIELD_LIMIT)}" for warning in warnings))
        elif report.ok:
            text = Text("No warnings.", style="dim")
        else:
            text = Text("")
        self.query_one("#ti-warnings", Static).update(text)

    def show_relative(self, claim: str, relative: str) -> None:
        """Update one time claim's Relative cell (the countdown), if the claim has a row."""
        table = self.query_one("#ti-times", DataTable)
        if claim in {row.key.value for row in table.rows.values()}:
            table.update_cell(claim, "relative", Text(relative))

    def set_access(self, text: Text) -> None:
        self.query_one("#ti-access", Static).update(safe_text(text))  # quotes the server and asset names

    def scroll_to_access(self) -> None:
        access = self.query_one("#ti-access", Static)
        self.query_one("#ti-details", VerticalScroll).scroll_to_widget(access, animate=False)


__all__ = ["ACCESS_NOT_RUN", "STATE_CLASSES", "TokenReportView"]
