"""FixedColumnsTable: a DataTable for many one-line rows in fixed-width columns.

Profiling the registrations table at 10,000 rows (tests/benchmarks/bench_scale.py) found
DataTable's costs grow with the whole table, not with what is on screen:

- it measures every cell of every new row (rich's measure, ~50 µs a cell) to size
  auto-width columns, and re-measures a whole column when an updated cell got narrower:
  1.15 s to paint 10,000 fresh rows, quadratic for a column-wide update_cell;
- every change (a page appended off screen, a filter) invalidates every cached cell
  rendering, so each frame re-renders all visible cells (~90-180 ms at 120x40), and
  rebuilds a list of every row's line offsets;
- replacing the rows (a filter keystroke) means clear() plus one add_row per row.

When every column has a fixed width and every row is one line without a label, none of
that changes what is shown. This table then skips the measuring, lays out each cell's
text once per content (a row that moves, changes stripe or passes under the cursor is
only restyled), answers line offsets and regions arithmetically, and replaces all rows
in one pass (`replace_rows`). A one-line Text cell is laid out without rich's general
renderer (Padding, wrapping, line splitting: ~60 µs a cell, ~14 ms of the console's
first rows at 120x40) by `_one_line_cell`, which gives the same segments in ~8 µs. Anything else takes DataTable's own path. It relies on
DataTable internals of the pinned Textual minor version; tests/tui/test_fixed_table.py
compares what it shows with a plain DataTable's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.geometry import Region, Size
from textual.widgets import DataTable
from textual.widgets._data_table import _EMPTY_TEXT, Row, RowKey, default_cell_formatter

CELL_CACHE_LIMIT = 20_000
_NULL_STYLE = Style()
_LINE_BREAK = Text("\n")


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
    # Joined as rich's Text rendering joins its lines: that turns the base style into a span.
    line = [Segment(" " * padding, _NULL_STYLE)] if padding else []
    line.extend(_LINE_BREAK.join((cell,)).render(console, end=""))
    filler = inner - length + padding
    if filler:
        line.append(Segment(" " * filler, _NULL_STYLE))
    return [line]


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


class FixedColumnsTable(DataTable):
    _one_line_checked: tuple[int, bool] = (-1, False)  # (update count, answer)

    def __init__(self, *args, **kwargs) -> None:
        self._shapes: dict[tuple, tuple[object, list]] = {}
        self._row_parts: dict[str, tuple[RowKey, Row, dict, tuple]] = {}
        super().__init__(*args, **kwargs)

    # -- layout -------------------------------------------------------------------------

    def _fixed_layout(self) -> bool:
        return bool(self.columns) and not self._labelled_row_exists and not any(
            column.auto_width for column in self.columns.values()
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

    # -- rendering -----------------------------------------------------------------------

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False):
        """DataTable's rendering of a data cell, in two steps: the cell's text laid out in
        its width (kept per cell content: the costly part), then the styles of where it is
        drawn (row stripe, cursor, hover, the row/column mouse metadata). Rows that move,
        change stripe or pass under the cursor only redo the second step."""
        if row_index < 0 or column_index < 0 or not self._fixed_layout() or not self._one_line_rows():
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        value = self._data.get(row_key, {}).get(column_key)
        shape_key = (row_key, column_key, width, self.cell_padding)
        shape = self._shapes.get(shape_key)
        if shape is None or shape[0] is not value:
            cell = _EMPTY_TEXT if value is None else (default_cell_formatter(value, wrap=False, height=1) or _EMPTY_TEXT)
            console = self.app.console
            lines = _one_line_cell(cell, width, self.cell_padding, console)
            if lines is None:
                options = self.app.console_options.update_dimensions(width, 1).update(no_wrap=True)
                lines = console.render_lines(Padding(cell, (0, self.cell_padding)), options)
            if len(self._shapes) >= CELL_CACHE_LIMIT:
                self._shapes.clear()
            shape = (value, lines)
            self._shapes[shape_key] = shape
        component_style, post_style = self._get_styles_to_render_cell(
            False, False, row_index < self.fixed_rows or column_index < self.fixed_columns, hover, cursor,
            self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css",
        )
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
        return [list(Segment.apply_style(line, pre_style, post_style)) for line in shape[1]]

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
        self._row_parts.pop(key, None)
        return super().add_row(*cells, height=height, key=key, label=label)
