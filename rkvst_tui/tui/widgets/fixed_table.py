"""FixedColumnsTable: a DataTable for many one-line rows in fixed-width columns.

DataTable's costs grow with the whole table, not with what is on screen (the figures are in
tests/benchmarks/README.md, measured by bench_scale.py):

- it measures every cell of every new row (rich's measure) to size auto-width columns, and
  re-measures a whole column when an updated cell got narrower: quadratic for a column-wide
  update_cell;
- every change (a page appended off screen, a filter) invalidates every cached cell
  rendering, so each frame re-renders all visible cells, and rebuilds a list of every
  row's line offsets;
- replacing the rows (a filter keystroke) means clear() plus one add_row per row.

When every column has a fixed width and every row is one line without a label, none of
that changes what is shown. This table then skips the measuring, lays out each cell's
text once per content (a row that moves, changes stripe or passes under the cursor is
only restyled), answers line offsets and regions arithmetically, and replaces all rows
in one pass (`replace_rows`). A one-line Text cell is laid out without rich's general
renderer (Padding, wrapping, line splitting) by `_one_line_cell`, which gives the same
segments for a fraction of the work. Anything else takes DataTable's own path. It relies on
DataTable internals of the pinned Textual minor version; tests/tui/test_fixed_table.py
compares what it shows with a plain DataTable's.

Drawing then skips DataTable's `_render_line`/`_render_line_in_row`/`_render_cell` path,
which per line reads a dozen reactives and the widget's and two component rich styles
(each a walk up the DOM) and per cell pickles the mouse metadata and adds four Styles per
segment: most of a paint's time, even with the text layout already kept. Here (`render_line`, `_draw_line`) what the lines of one paint share (stripe, header,
cursor and hover styles, column widths, scroll offset) is read once per paint (`_Paint`);
a segment's style is its plain style (row, component, segment and post styles, combined
once per paint) with the cell's metadata set on it, which changes no other field; a cell's
equal neighbours are joined as Strip.simplify joins them. The Strips have the same
segments, styles, metadata and lengths as DataTable's (the tests compare them line by line).

A drawn line is kept (LRU, `LINE_CACHE_LIMIT` lines) while everything it depends on is the
same: the paint's stamp, the row's index and cursor/hover state, and its cell objects. A
page appended off screen bumps DataTable's update count, which drops all of DataTable's own
caches; here the visible rows repaint from the kept lines (what is left is mostly Textual's own
per-line work). A cell is known by its object: replace it, or put an
object edited in place back with update_cell. The one-line header is drawn the same way but
redrawn after every table change, as DataTable redraws it (a label may be edited in place).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual._segment_tools import line_crop
from textual._two_way_dict import TwoWayDict
from textual.binding import Binding
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets._data_table import _EMPTY_TEXT, Column, ColumnKey, Row, RowKey, default_cell_formatter

from rkvst_tui.tui.formatting import safe_text

# Drawn data lines kept (a few screens: scrolling back and forth, the cursor row's two looks).
LINE_CACHE_LIMIT = 1_000
# Mouse metadata styles kept per (row, column) position: pickling the dict is most of making one.
META_CACHE_LIMIT = 8_192
# Rows whose cells' layout is kept for drawing lines (restyled, not laid out, when they move).
ROW_LAYOUT_LIMIT = 2_000
_NULL_STYLE = Style()
_LINE_BREAK = Text("\n")


ELLIPSIS = "…"


@dataclass(frozen=True)
class FittedColumn:
    """A column whose width follows the table's: what it wants, how narrow it may get, how it
    shortens its text, and how important it is (`fit_widths`)."""

    label: str
    key: str
    width: int  # the width it wants
    least: int | None = None  # the narrowest it gets before it is hidden (None: width)
    rank: int = 0  # higher: gets its width sooner and is hidden later
    hideable: bool = True
    overflow: str = "ellipsis"  # "ellipsis" (cut at the end) or "middle" (5b72…8a1f)

    @property
    def narrowest(self) -> int:
        return self.width if self.least is None else min(self.least, self.width)


def fit_widths(columns: Sequence[FittedColumn], available: int, padding: int = 1) -> dict[str, int]:
    """Each column's width (0: hidden) in `available` cells, `padding` each side of a column.

    While even the narrowest widths do not fit, the least important hideable column is
    hidden (of equal ranks the rightmost); then every shown column starts at its narrowest
    and the room left goes to the most important first, up to what each wants."""
    pad = 2 * padding
    shown = list(columns)
    while sum(column.narrowest + pad for column in shown) > available:
        hideable = [(column.rank, -index, column) for index, column in enumerate(shown) if column.hideable]
        if not hideable:
            break  # the essential columns alone are too wide: the table scrolls sideways
        shown.remove(min(hideable, key=lambda item: item[:2])[2])
    widths = {column.key: column.narrowest for column in shown}
    spare = available - sum(width + pad for width in widths.values())
    for column in sorted(shown, key=lambda column: -column.rank):  # stable: equal ranks left to right
        if spare <= 0:
            break
        grow = min(spare, column.width - widths[column.key])
        widths[column.key] += grow
        spare -= grow
    return {column.key: widths.get(column.key, 0) for column in columns}


def shorten_text(text: Text, width: int, overflow: str) -> Text:
    """`text` in at most `width` cells, ending in `…` (or with `…` in the middle) when cut:
    a cut value must never read as another real value ("TrafficLight1" for TrafficLight101)."""
    plain = text.plain
    if cell_len(plain) <= width or width < 1:
        return text
    if overflow == "middle" and width >= 3 and cell_len(plain) == len(plain):
        keep = width - 1
        head, tail = (keep + 1) // 2, keep // 2
        shortened = text[:head]
        shortened.append(ELLIPSIS)
        shortened.append_text(text[len(plain) - tail :])
        return shortened
    shortened = text.copy()
    shortened.truncate(width, overflow="ellipsis")
    return shortened


@dataclass
class _HideableColumn(Column):
    """A DataTable column that takes no room at all while hidden."""

    hidden: bool = False

    def get_render_width(self, data_table) -> int:
        return 0 if self.hidden else super().get_render_width(data_table)


def _one_line_cell(cell: object, width: int, padding: int, console) -> list[list[Segment]] | None:
    """The segments rich renders for `Padding(cell, (0, padding))` in `width` cells, one line,
    no wrap, for a Text of one line: its base style and spans, cropped (or ellipsed) as
    Text.truncate does, padded with unstyled spaces. None for anything else (a renderable,
    a line break or tab, a justified or `ignore`-overflow text): rich lays those out."""
    if type(cell) is not Text:
        return None
    plain = cell.plain
    if "\n" in plain or "\t" in plain or cell.justify not in (None, "default") or cell.overflow == "ignore":
        return None
    inner = width - 2 * padding
    if inner < 1:
        return None
    length = cell_len(plain)
    if length > inner:
        cell = cell.copy()
        cell.truncate(inner, overflow=cell.overflow or "fold")
        length = cell_len(cell.plain)
    line = [Segment(" " * padding, _NULL_STYLE)] if padding else []
    style = cell.style
    text_style = None if cell._spans or not style else console.get_style(style, default=_NULL_STYLE)
    if cell._spans or (text_style is not None and text_style.link):
        # Joined as rich's Text rendering joins its lines: that turns the base style into a span.
        line.extend(_LINE_BREAK.join((cell,)).render(console, end=""))
    elif text_style is None:
        line.append(Segment(cell.plain))  # no style, no spans: what Text.render gives
    elif cell.plain:
        line.append(Segment(cell.plain, text_style))  # the one span the base style became
    filler = inner - length + padding
    if filler:
        line.append(Segment(" " * filler, _NULL_STYLE))
    return [line]


def _with_meta(style: Style, meta: bytes | None, link_id: str) -> Style:
    """`style` with the mouse metadata `meta`: what adding a metadata-only Style to `style`
    (or `style` to it) gives, field for field, without the addition's lookups."""
    new = Style.__new__(Style)
    new._ansi = style._ansi
    new._style_definition = None
    new._color = style._color
    new._bgcolor = style._bgcolor
    new._attributes = style._attributes
    new._set_attributes = style._set_attributes
    new._link = None
    new._link_id = link_id
    new._meta = meta
    new._hash = None
    new._null = False
    return new


def _plain(style: Style | None) -> bool:
    """No metadata and no link: adding it never merges metadata or copies a link."""
    return style is None or (style._meta is None and style._link is None)


class _Paint:
    """What every line of one paint shares, read from the widget once per paint.

    `stamp` stands for every one of those that can change a line's look (a new number when
    one of them changes): lines drawn under the same stamp, for the same row, cell objects
    and cursor/hover state, are the same.
    """

    __slots__ = (
        "base_style",
        "width",
        "x1",
        "x2",
        "scroll_y",
        "header_height",
        "unscrolled_height",
        "column_keys",
        "widths",
        "fixed_columns",
        "fixed_width",
        "fixed_rows",
        "table_width",
        "cursor_type",
        "cursor",
        "hover",
        "even_style",
        "odd_style",
        "fixed_row_style",
        "fixed_cell_style",
        "cell_styles",
        "extend_styles",
        "background",
        "zebra",
        "stamp",
        "styled",
        "extend_plain",
        "layout",
        "overflows",
        "header_style",
        "header_styles",
        "header_extend_styles",
        "labels",
    )


def _joined(line: list[Segment]) -> tuple[list[Segment], bool]:
    """A cell's laid-out line for drawing, and whether it is plain (no segment with
    metadata, a link or a control code). A plain line's None styles are made null and
    equal neighbours joined, as Segment.simplify joins them: drawing styles equal
    styles alike, and the drawn line would be simplified anyway."""
    joined: list[Segment] = []
    previous = None
    for segment in line:
        text, style, control = segment
        if control or not _plain(style):
            return line, False
        if style is None:
            style = _NULL_STYLE
            segment = Segment(text, style)
        if previous is not None and (style is previous or style == previous):
            joined[-1] = Segment(joined[-1].text + text, previous)
        else:
            joined.append(segment)
            previous = style
    return joined, True


def _same(a: object, b: object) -> bool:
    return a is b


class _OneLineOffsets(Sequence):
    """DataTable._y_offsets for one-line rows: line y is row y, offset 0, without a list."""

    def __init__(self, locations: TwoWayDict, count: int) -> None:
        self._locations = locations
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, y):
        if isinstance(y, slice):
            return [self[i] for i in range(*y.indices(self._count))]
        if y < 0:
            y += self._count
        if not 0 <= y < self._count:
            raise IndexError(y)
        return (self._locations.get_key(y), 0)

    def clear(self) -> None:  # DataTable.clear() clears the list it got
        pass


def row_bindings(enter: str, *, show_enter: bool = False) -> list[Binding | tuple[str, str] | tuple[str, str, str]]:
    """A table's row keys: enter (named `enter`), j/k, home/end."""
    return [
        Binding("enter", "select_cursor", enter, show=show_enter),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]


class FixedColumnsTable(DataTable):
    _one_line_checked: tuple[int, bool] = (-1, False)  # (update count, answer)

    def __init__(self, *args, **kwargs) -> None:
        self._row_parts: dict[str, tuple[RowKey, Row, dict, tuple]] = {}
        self._line_strips: LRUCache[tuple, tuple[tuple, Strip]] = LRUCache(LINE_CACHE_LIMIT)
        self._meta_styles: dict[tuple, Style] = {}
        self._row_layouts: dict[RowKey, tuple] = {}
        self._paint: _Paint | Literal[False] | None = None  # while render_lines runs (False: DataTable's path)
        self._painting = False
        self._last_stamp: tuple | None = None
        self._stamp_token = 0
        self._content_epoch = 0  # bumped by update_cell: a cell object may be edited and put back
        self._fitted: tuple[FittedColumn, ...] = ()
        self._overflow: dict[str, str] = {}
        super().__init__(*args, **kwargs)

    # -- columns that follow the table's width -------------------------------------------

    def add_fitted_columns(self, columns: Sequence[FittedColumn]) -> None:
        """Add columns whose widths follow the table's width (`fit_widths`), on every resize,
        and whose cut text ends in `…` (or has it in the middle)."""
        for fitted in columns:
            key = self.add_column(fitted.label, key=fitted.key, width=fitted.width)
            column = self.columns[key]
            self.columns[key] = _HideableColumn(
                column.key, column.label, column.width, column.content_width, column.auto_width
            )
            self._overflow[fitted.key] = fitted.overflow
        self._fitted += tuple(columns)
        self.fit_columns()

    def cursor_row_key(self) -> str | None:
        """The key of the row under the cursor; None when there is none."""
        if self.row_count == 0:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # noqa: BLE001 - the cursor can sit outside a table that just shrank
            return None

    def relabel_column(self, key: str, label: str) -> None:
        """Give column `key` a new heading (its width stays)."""
        column = self.columns[ColumnKey(key)]
        if column.label.plain != label:
            column.label = Text(label)
            self._clear_caches()
            self.refresh()

    def fit_columns(self) -> None:
        if not self._fitted or not self.size.width:
            return
        changed = False
        for key, width in fit_widths(self._fitted, self.size.width, self.cell_padding).items():
            column = self.columns[ColumnKey(key)]
            hidden = width == 0
            if column.hidden != hidden or (not hidden and column.width != width):
                column.hidden = hidden
                column.width = width or column.width
                changed = True
        if changed:
            self._clear_caches()
            self._update_count += 1
            self._require_update_dimensions = True
            self.check_idle()
            self.refresh()

    def visible_column_keys(self) -> list[str]:
        return [str(column.key.value) for column in self.ordered_columns if column.get_render_width(self)]

    def on_resize(self, event: events.Resize) -> None:
        self.fit_columns()

    # -- layout -------------------------------------------------------------------------

    def _fixed_layout(self) -> bool:
        return (
            bool(self.columns)
            and not self._labelled_row_exists
            and not any(column.auto_width for column in self.columns.values())
        )

    def _one_line_rows(self) -> bool:
        """Every row one line high and no row label (checked once per table change)."""
        if "rows" not in self.__dict__:  # still in DataTable.__init__
            return False
        update_count, answer = self._one_line_checked
        if update_count != self._update_count:
            answer = not self._labelled_row_exists and all(
                row.height == 1 and not row.auto_height and row.label is None for row in self.rows.values()
            )
            self._one_line_checked = (self._update_count, answer)
        return answer

    @property
    def _y_offsets(self):
        if self._one_line_rows():
            return _OneLineOffsets(self._row_locations, len(self.rows))
        return DataTable._y_offsets.fget(self)

    def _update_dimensions(self, new_rows: Iterable) -> None:
        new_rows = list(new_rows)
        rows = self.rows
        if not self._fixed_layout() or any(
            (row := rows.get(key)) is not None and (row.label is not None or row.auto_height) for key in new_rows
        ):
            super()._update_dimensions(new_rows)
            return
        width = sum(column.get_render_width(self) for column in self.columns.values())
        header_height = self.header_height if self.show_header else 0
        self.virtual_size = Size(width + self._row_label_column_width, self._total_row_height + header_height)

    def _update_column_widths(self, updated_cells: set) -> None:
        if not self._fixed_layout():
            super()._update_column_widths(updated_cells)
            return
        self._require_update_dimensions = True

    def _get_row_region(self, row_index: int) -> Region:
        # DataTable sums the heights of every row above (O(n) per cursor move or scroll);
        # with one-line rows the row index is the line.
        if not self._one_line_rows() or not self.is_valid_row_index(row_index):
            return super()._get_row_region(row_index)
        width = sum(column.get_render_width(self) for column in self.columns.values()) + self._row_label_column_width
        y = row_index + (self.header_height if self.show_header else 0)
        return Region(0, y, max(self.size.width, width), 1)

    def _get_cell_region(self, coordinate) -> Region:
        if not self._one_line_rows() or not self.is_valid_coordinate(coordinate):
            return super()._get_cell_region(coordinate)
        row_index, column_index = coordinate
        x = sum(column.get_render_width(self) for column in self.ordered_columns[:column_index])
        x += self._row_label_column_width
        width = self.ordered_columns[column_index].get_render_width(self)
        y = row_index + (self.header_height if self.show_header else 0)
        return Region(x, y, width, 1)

    # -- drawing lines -------------------------------------------------------------------

    def update_cell(self, row_key, column_key, value, *, update_width: bool = False) -> None:
        super().update_cell(row_key, column_key, value, update_width=update_width)
        # The kept layout and lines know a cell by its object: this one may have been
        # edited in place and put back.
        self._content_epoch += 1
        self._row_layouts.pop(row_key, None)

    def render_lines(self, crop: Region) -> list[Strip]:
        # One paint: what its lines share is read once (by the first line), then dropped.
        self._painting = True
        self._paint = None
        try:
            return super().render_lines(crop)
        finally:
            self._painting = False
            self._paint = None

    def render_line(self, y: int) -> Strip:
        paint = self._paint
        if paint is None:
            paint = self._read_paint()
            if self._painting:
                self._paint = paint or False
        if not paint:
            return super().render_line(y)
        if y >= paint.unscrolled_height:
            y += paint.scroll_y
        row_index = y - paint.header_height
        if row_index < 0:
            if paint.header_style is None:  # a header of several lines: DataTable's own path
                return self._render_line(y, paint.x1, paint.x2, paint.base_style)
            row_index = -1
            row_key = self._header_row_key
            data = paint.labels
            # Kept only while DataTable keeps its header: a label may be edited in place.
            content = (self._update_count,)
        else:
            found = self._row_locations.get_key(row_index)
            if found is None:
                return Strip.blank(paint.width, paint.base_style)
            row_key = found
            data = self._data.get(row_key) or {}
            content = (self._content_epoch,)
        values = tuple(data.values())  # the cells' objects: the same objects, the same content
        cursor_type = paint.cursor_type
        # Only the part of the cursor and hover positions that this row's look depends on.
        if cursor_type == "row":
            cursor_at, hover_at = paint.cursor.row == row_index, paint.hover.row == row_index
        elif cursor_type == "cell":
            cursor_at = paint.cursor.column if paint.cursor.row == row_index else -1
            hover_at = paint.hover.column if paint.hover.row == row_index else -1
        elif cursor_type == "column":
            cursor_at, hover_at = paint.cursor.column, paint.hover.column
        else:
            cursor_at = hover_at = None
        key = (paint.stamp, content, row_key, row_index, cursor_at, hover_at)
        cached = self._line_strips.get(key)
        if cached is not None and all(map(_same, cached[0], values)):
            return cached[1]
        strip = self._draw_line(paint, row_index, row_key, data, cursor_at, hover_at)
        self._line_strips[key] = (values, strip)
        return strip

    def _read_paint(self) -> _Paint | None:
        """What the data lines of a paint share, or None where DataTable's path draws."""
        if not self._fixed_layout() or not self._one_line_rows():
            return None
        fixed_rows = self.fixed_rows
        if fixed_rows > len(self.rows):
            return None  # DataTable's path (and its answer)
        paint = _Paint()
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        base_style = self.rich_style
        columns = self.ordered_columns
        widths = [column.get_render_width(self) for column in columns]
        fixed_columns = self.fixed_columns
        cursor_type = self.cursor_type
        show_cursor = self.show_cursor
        show_hover_cursor = self._show_hover_cursor
        css_foreground = self.cursor_foreground_priority == "css"
        css_background = self.cursor_background_priority == "css"
        zebra = self.zebra_stripes
        header_height = self.header_height if self.show_header else 0
        component = self.get_component_styles
        # As DataTable's _get_row_style reads them: fresh, not from a per-widget cache.
        even_style = component("datatable--even-row").rich_style if zebra else None
        odd_style = component("datatable--odd-row").rich_style if zebra else None
        fixed_row_style = component("datatable--fixed").rich_style if (fixed_rows or fixed_columns) else None
        fixed_cell_style = (fixed_row_style or Style()) + Style.from_meta({"fixed": True}) if fixed_columns else None
        get_styles = self._get_styles_to_render_cell
        cell_styles = {
            (fixed, hover, cursor): get_styles(
                False, False, fixed, hover, cursor, show_cursor, show_hover_cursor, css_foreground, css_background
            )
            for fixed in (False, True)
            for hover in (False, True)
            for cursor in (False, True)
        }
        # A one-line header is drawn here too (it is redrawn after every table change).
        header_style = component("datatable--header").rich_style if header_height == 1 else None
        header_styles = (
            {
                (False, hover, cursor): get_styles(
                    True, False, False, hover, cursor, show_cursor, show_hover_cursor, css_foreground, css_background
                )
                for hover in (False, True)
                for cursor in (False, True)
            }
            if header_style is not None
            else {}
        )
        if cursor_type == "row":
            extend_styles, header_extend_styles = (
                {
                    (hover, cursor): get_styles(
                        header, False, False, hover, cursor, show_cursor, show_hover_cursor, False, False
                    )[0]
                    for hover in (False, True)
                    for cursor in (False, True)
                }
                for header in (False, True)
            )
            background = None
        else:
            extend_styles = header_extend_styles = {}
            background = self.background_colors[1]
        shared = [
            base_style,
            even_style,
            odd_style,
            fixed_row_style,
            header_style,
            *extend_styles.values(),
            *header_extend_styles.values(),
        ]
        shared.extend(style for pair in (*cell_styles.values(), *header_styles.values()) for style in pair)
        if not all(map(_plain, shared)):
            return None  # metadata or links in the CSS styles: DataTable's additions merge them
        paint.base_style = base_style
        paint.width = width
        paint.x1, paint.x2 = scroll_x, scroll_x + width
        paint.scroll_y = scroll_y
        paint.header_height = header_height
        paint.unscrolled_height = header_height + fixed_rows  # one line a row
        paint.column_keys = [column.key for column in columns]
        paint.widths = widths
        paint.fixed_columns = fixed_columns
        paint.fixed_width = sum(widths[:fixed_columns])
        paint.fixed_rows = fixed_rows
        paint.table_width = sum(widths[fixed_columns:]) + self._row_label_column_width
        paint.cursor_type = cursor_type
        paint.cursor = self.cursor_coordinate
        paint.hover = self.hover_coordinate
        paint.even_style, paint.odd_style = even_style, odd_style
        paint.fixed_row_style, paint.fixed_cell_style = fixed_row_style, fixed_cell_style
        paint.cell_styles = cell_styles
        paint.extend_styles = extend_styles
        paint.header_style = header_style
        paint.header_styles = header_styles
        paint.header_extend_styles = header_extend_styles
        paint.labels = {column.key: column.label for column in columns}
        paint.background = background
        paint.zebra = zebra
        paint.styled = {}
        paint.extend_plain = {}
        paint.overflows = [self._overflow.get(key) for key in paint.column_keys]
        paint.layout = (tuple(widths), self.cell_padding, tuple(paint.overflows))
        stamp = (
            width,
            scroll_x,
            base_style,
            even_style,
            odd_style,
            fixed_row_style,
            fixed_cell_style,
            tuple(cell_styles.values()),
            tuple(extend_styles.values()),
            background,
            header_style,
            tuple(header_styles.values()),
            tuple(header_extend_styles.values()),
            tuple(zip(paint.column_keys, widths)),
            fixed_columns,
            fixed_rows,
            cursor_type,
            show_cursor,
            show_hover_cursor,
            self.cell_padding,
            self._pseudo_class_state,
            zebra,
        )
        # A small token stands for the stamp in the line keys: equal stamps, one token.
        if stamp != self._last_stamp:
            self._last_stamp = stamp
            self._stamp_token += 1
        paint.stamp = self._stamp_token
        return paint

    def _meta_style(self, key: tuple) -> Style:
        meta_style = self._meta_styles.get(key)
        if meta_style is None:
            if len(self._meta_styles) >= META_CACHE_LIMIT:
                self._meta_styles.clear()
            if len(key) == 2:
                meta_style = Style.from_meta({"row": key[0], "column": key[1]})
            else:
                meta_style = Style.from_meta({"row": key[0], "column": 0, "out_of_bounds": True})
            self._meta_styles[key] = meta_style
        return meta_style

    def _row_layout(self, paint: _Paint, row_key: RowKey, data: dict, header: bool = False) -> list[tuple[list, bool]]:
        """Each cell of the row laid out in its column, as (segments, plain): segments with
        None styles made null and equal neighbours joined (drawing joins them anyway), plain
        when none has metadata, a link or a control code. Kept per row and cell object."""
        values = [data.get(key) for key in paint.column_keys]
        layout = (paint.layout, self._update_count) if header else paint.layout
        kept = self._row_layouts.get(row_key)
        if kept is not None and kept[0] == layout:
            _, kept_values, cells = kept
            if all(map(_same, kept_values, values)):
                return cells
            cells = list(cells)
        else:
            kept_values, cells = (), [None] * len(values)
        console = self.app.console
        padding = self.cell_padding
        for column_index, value in enumerate(values):
            if column_index < len(kept_values) and kept_values[column_index] is value:
                continue
            width = paint.widths[column_index]
            if not width:  # a hidden column
                cells[column_index] = ([], True)
                continue
            if header:  # DataTable draws a column's label as it is
                cell = value
            else:
                cell = (
                    _EMPTY_TEXT
                    if value is None
                    else (default_cell_formatter(value, wrap=False, height=1) or _EMPTY_TEXT)
                )
                if type(cell) is Text and not cell.plain.isprintable():
                    cell = safe_text(cell)  # the net under `formatting.plain`: no raw ESC from a cell
            overflow = paint.overflows[column_index]
            if overflow is not None and isinstance(cell, Text):
                cell = shorten_text(cell, width - 2 * padding, overflow)
            lines = _one_line_cell(cell, width, padding, console)
            if lines is None:
                options = self.app.console_options.update_dimensions(width, 1).update(no_wrap=True)
                lines = console.render_lines(Padding(_EMPTY_TEXT if cell is None else cell, (0, padding)), options)
            cells[column_index] = _joined(lines[0])
        if len(self._row_layouts) >= ROW_LAYOUT_LIMIT:
            self._row_layouts.clear()
        self._row_layouts[row_key] = (layout, tuple(values), cells)
        return cells

    def _draw_line(self, paint: _Paint, row_index: int, row_key: RowKey, data: dict, cursor_at, hover_at) -> Strip:
        """DataTable._render_line for a data line of the fixed layout: the same Strip.

        A cell's segments are styled base + position metadata + component, + segment, +
        post style, as DataTable's _render_cell styles them; here the styles without the
        metadata are combined once per paint and segment style, and the metadata set on
        them (it changes no other field), and equal neighbours are joined as
        Strip.simplify would join them."""
        cursor_type = paint.cursor_type
        fixed_columns = paint.fixed_columns
        header = row_index < 0
        fixed_row = not header and row_index < paint.fixed_rows
        if header:
            row_style, kind = paint.header_style, 5
        elif fixed_row:
            row_style, kind = paint.fixed_row_style, 3
        elif paint.zebra:
            row_style, kind = (paint.odd_style, 2) if row_index % 2 else (paint.even_style, 1)
        else:
            row_style, kind = paint.base_style, 0
        cells = self._row_layout(paint, row_key, data, header)
        meta_styles = self._meta_styles
        styled = paint.styled
        cell_styles = paint.header_styles if header else paint.cell_styles
        _Segment = Segment
        simplify = False  # set where a cell took DataTable's own additions

        def draw(
            column_index: int, base_style: Style, plain_base: Style, kind: int, fixed: bool, out: list[Segment]
        ) -> None:
            nonlocal simplify
            if cursor_type == "row":
                hover, cursor = hover_at, cursor_at
            elif cursor_type == "cell" or cursor_type == "column":
                hover, cursor = hover_at == column_index, cursor_at == column_index
            else:
                hover = cursor = False
            line, plain_cell = cells[column_index]
            meta_style = meta_styles.get((row_index, column_index))
            if meta_style is None:
                meta_style = self._meta_style((row_index, column_index))
            component_style, post_style = cell_styles[fixed, hover, cursor]
            if not plain_cell:  # metadata, a link or a control code in the cell: DataTable's additions
                out.extend(Segment.apply_style(line, base_style + meta_style + component_style, post_style))
                simplify = True
                return
            if base_style._meta is None:
                meta, link_id = meta_style._meta, meta_style._link_id
            else:  # the fixed columns' base carries {"fixed": True}: merged as DataTable merges it
                merged = base_style + meta_style
                meta, link_id = merged._meta, merged._link_id
            look = (kind, fixed, hover, cursor)
            combined = styled.get(look)
            if combined is None:
                combined = styled[look] = {}
            previous = None
            for text, style, _ in line:
                plain = combined.get(style)
                if plain is None:
                    plain = plain_base + component_style + style
                    if post_style:
                        plain = plain + post_style
                    combined[style] = plain
                if previous is not None and (plain is previous or plain == previous):
                    last = out[-1]
                    out[-1] = _Segment(last.text + text, last.style)
                else:
                    out.append(_Segment(text, _with_meta(plain, meta, link_id)))
                    previous = plain

        scrollable: list[Segment] = []
        for column_index in range(fixed_columns, len(cells)):
            draw(column_index, row_style, row_style, kind, fixed_row, scrollable)
        # The row's look extended to the widget's right edge, as DataTable extends it.
        remaining = max(0, paint.width - paint.table_width)
        if cursor_type == "row":
            key = (kind, hover_at, cursor_at)
            extend_style = paint.extend_plain.get(key)
            if extend_style is None:
                extend_styles = paint.header_extend_styles if header else paint.extend_styles
                extend_style = row_style + extend_styles[hover_at, cursor_at]
                paint.extend_plain[key] = extend_style
        else:
            extend_style = paint.extend_plain.get(kind)
            if extend_style is None:
                if row_style.bgcolor is not None:
                    faded = Color.from_rich_color(row_style.bgcolor).blend(paint.background, factor=0.25)
                    extend_style = Style.from_color(color=row_style.color, bgcolor=faded.rich_color)
                else:
                    extend_style = Style.from_color(row_style.color, row_style.bgcolor)
                paint.extend_plain[kind] = extend_style
        extend_meta = meta_styles.get((row_index, 0, True))
        if extend_meta is None:
            extend_meta = self._meta_style((row_index, 0, True))
        scrollable.append(_Segment(" " * remaining, extend_style + extend_meta))

        width = paint.width
        if not fixed_columns and not paint.x1 and paint.table_width + remaining == width:
            # Unscrolled and exactly as wide as the widget: DataTable's crop keeps every
            # segment but empty leading ones, its length adjustment changes nothing.
            while scrollable and not scrollable[0].text:
                del scrollable[0]
            strip = Strip(scrollable, width)
            return strip.simplify() if simplify else strip
        fixed_width = paint.fixed_width
        if fixed_columns:
            segments: list[Segment] = []
            for column_index in range(fixed_columns):
                if header:  # DataTable's header keeps its style in the fixed columns
                    draw(column_index, row_style, row_style, kind, False, segments)
                else:
                    draw(column_index, paint.fixed_cell_style, paint.fixed_row_style, 4, True, segments)
            # DataTable crops a line of every column from the fixed columns' right edge on;
            # these are the same cells without the (always cropped) fixed ones.
            segments.extend(line_crop(scrollable, paint.x1, paint.x2 - fixed_width, width - fixed_width))
        else:
            segments = line_crop(scrollable, paint.x1, paint.x2, width)
        return Strip(segments).adjust_cell_length(width, paint.base_style).simplify()

    # -- rows ------------------------------------------------------------------------------

    def replace_rows(self, rows: Sequence[tuple[str, tuple]]) -> None:
        """Show exactly these rows, in this order: (key, cells) pairs, cells one per column.

        A row whose key and cells (the same tuple) were shown before is reused as it was;
        the cursor keeps its index (clamped), as after DataTable.clear() and add_row.
        """
        if not self._fixed_layout():
            self.clear()
            for key, cells in rows:
                self.add_row(*cells, key=key)
            return
        current = self._row_locations
        if len(rows) == len(self.rows) and all(
            (part := self._row_parts.get(key)) is not None and part[3] is cells and current.get(part[0]) == index
            for index, (key, cells) in enumerate(rows)
        ):
            return  # the same rows, in the same order: nothing to do
        column_keys = [column.key for column in self.ordered_columns]
        parts = self._row_parts
        find = parts.get
        chosen = []
        for key, cells in rows:
            part = find(key)
            if part is None or part[3] is not cells:
                row_key = RowKey(key)
                part = (row_key, Row(row_key, 1, None, False), dict(zip(column_keys, cells)), cells)
                parts[key] = part
            chosen.append(part)
        # Built by dict(zip()): a keystroke's filter rebuilds these for up to every row.
        row_keys = [part[0] for part in chosen]
        locations = dict(zip(row_keys, range(len(row_keys))))
        if len(locations) != len(row_keys):
            raise ValueError("a row key is given twice")
        data = dict(zip(row_keys, [part[2] for part in chosen]))
        metadata = dict(zip(row_keys, [part[1] for part in chosen]))
        if len(parts) > 4 * max(len(rows), 1000):  # forget rows long gone
            self._row_parts = {key: parts[key] for key, _ in rows}
        self._clear_caches()
        self._row_locations = TwoWayDict(locations)
        self._data = data
        self.rows = metadata
        self._new_rows.clear()
        self._updated_cells.clear()
        self._update_count += 1
        self._require_update_dimensions = True
        self.cursor_coordinate = self._clamp_cursor_coordinate(self.cursor_coordinate)
        if rows and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()  # the row under the cursor may be another one now
        self.check_idle()
        self.refresh()

    def add_row(self, *cells, height: int | None = 1, key: str | None = None, label=None) -> RowKey:
        if key is not None:
            self._row_parts.pop(key, None)
        return super().add_row(*cells, height=height, key=key, label=label)

    def add_keyed_rows(self, rows: list[tuple[str, tuple]]) -> None:
        """Add many rows at once: DataTable.add_row re-validates the cursor (a reactive with
        watchers) for every row; here the cursor is touched once per batch. DataTable's
        internals of the pinned Textual; add_row if they change."""
        if not rows:
            return
        try:
            self._add_rows_in_bulk(rows)
        except AttributeError:  # a Textual without these internals: the slow, public way
            for key, cells in rows:
                if key not in self.rows:
                    self.add_row(*cells, key=key)

    def _add_rows_in_bulk(self, rows: list[tuple[str, tuple]]) -> None:
        column_keys = [column.key for column in self.ordered_columns]
        was_empty = self.row_count == 0
        for key, cells in rows:
            row_key = RowKey(key)
            if row_key in self._row_locations:
                continue
            self._row_locations[row_key] = len(self.rows)
            self._data[row_key] = dict(zip(column_keys, cells))
            self.rows[row_key] = Row(row_key, 1, None, False)
            self._new_rows.add(row_key)
            self._update_count += 1
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if was_empty and self.row_count and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()
        self.check_idle()
        self.refresh()
