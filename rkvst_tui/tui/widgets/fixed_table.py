"""FixedColumnsTable: a DataTable that never measures its cells.

DataTable measures every cell of every new row (rich's measure, ~50 µs a cell) to size
auto-width columns, and re-measures a whole column when an updated cell got narrower.
With 10,000 registrations that was over a second per load and per filter, and quadratic
for a column-wide update (the Root column). When every column has a fixed width and no
row has a label or an automatic height, the measurements change nothing: this table
skips them and only recomputes its virtual size. Anything else takes DataTable's path.

Profiling note (tests/benchmarks/bench_scale.py): painting 10,000 freshly added rows took
1.15 s in DataTable._update_dimensions and 44 ms here.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.geometry import Size
from textual.widgets import DataTable


class FixedColumnsTable(DataTable):
    def _fixed_layout(self) -> bool:
        return bool(self.columns) and not self._labelled_row_exists and not any(
            column.auto_width for column in self.columns.values()
        )

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
