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
that changes what is shown. This table then skips the measuring, keeps rendered cells
by content (re-tagging the row/column mouse metadata when a row moves), answers line
offsets arithmetically, and replaces all rows in one pass (`replace_rows`). Anything
else takes DataTable's own path. It relies on DataTable internals of the pinned Textual
minor version; tests/tui/test_fixed_table.py compares it with a plain DataTable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.segment import Segment
from rich.style import Style
from textual._two_way_dict import TwoWayDict
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets._data_table import Row, RowKey

CELL_CACHE_LIMIT = 20_000


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
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._stable_cells: dict[tuple, tuple[object, list, tuple[int, int]]] = {}
        self._row_parts: dict[str, tuple[RowKey, Row, dict, tuple]] = {}
        self._one_line_checked: tuple[int, bool] = (-1, False)

    # -- layout -------------------------------------------------------------------------

    def _fixed_layout(self) -> bool:
        return bool(self.columns) and not self._labelled_row_exists and not any(
            column.auto_width for column in self.columns.values()
        )

    def _one_line_rows(self) -> bool:
        """Every row one line high and no row label (checked once per table change)."""
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

    # -- rendering -----------------------------------------------------------------------

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False):
        if row_index < 0 or column_index < 0 or not self._fixed_layout() or not self._one_line_rows():
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        value = self._data.get(row_key, {}).get(column_key)
        key = (
            row_key, column_key, base_style, width, cursor, hover, self._show_hover_cursor,
            self.show_cursor, self.cursor_type, row_index < self.fixed_rows, column_index < self.fixed_columns,
            self.cursor_foreground_priority, self.cursor_background_priority, self._pseudo_class_state,
        )
        where = (row_index, column_index)
        entry = self._stable_cells.get(key)
        if entry is not None and entry[0] is value:
            lines, rendered_at = entry[1], entry[2]
            if rendered_at == where:
                return lines
            # The same cell moved (a filter, a removed row): only its click metadata differs.
            meta = Style.from_meta({"row": row_index, "column": column_index})
            moved = [[Segment(seg.text, seg.style + meta if seg.style else meta, seg.control) for seg in line]
                     for line in lines]
            self._stable_cells[key] = (value, moved, where)
            return moved
        lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        if len(self._stable_cells) >= CELL_CACHE_LIMIT:
            self._stable_cells.clear()
        self._stable_cells[key] = (value, lines, where)
        return lines

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
        locations: dict[RowKey, int] = {}
        data: dict[RowKey, dict] = {}
        metadata: dict[RowKey, Row] = {}
        for index, (key, cells) in enumerate(rows):
            part = parts.get(key)
            if part is None or part[3] is not cells:
                row_key = RowKey(key)
                part = (row_key, Row(row_key, 1, None, False), dict(zip(column_keys, cells)), cells)
                parts[key] = part
            row_key = part[0]
            if row_key in locations:
                raise ValueError(f"the row key {key!r} is given twice")
            locations[row_key] = index
            data[row_key] = part[2]
            metadata[row_key] = part[1]
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
