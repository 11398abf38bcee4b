"""FixedColumnsTable: the same table a DataTable shows, without measuring every cell."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from rkvst_tui.tui.widgets.fixed_table import FixedColumnsTable


class TableApp(App[None]):
    def __init__(self, table: DataTable) -> None:
        super().__init__()
        self.table = table

    def compose(self) -> ComposeResult:
        yield self.table


def fill(table: DataTable, rows: int, *, fixed: bool = True) -> None:
    table.add_column("Name", key="name", width=12 if fixed else None)
    table.add_column("Id", key="id", width=8)
    for index in range(rows):
        table.add_row(Text(f"app-{index:04d}"), Text(f"{index:08x}"), key=f"k{index}")


async def test_it_lays_out_and_shows_rows_like_a_datatable():
    plain = TableApp(DataTable())
    fast = TableApp(FixedColumnsTable())
    for app in (plain, fast):
        async with app.run_test(size=(40, 10)) as pilot:
            fill(app.table, 500)
            await pilot.pause()
            app.table.move_cursor(row=250)
            await pilot.pause()
            app.sizes = (app.table.virtual_size, app.table.scroll_y, app.table.get_row_at(250))
            app.shot = app.export_screenshot()
    assert fast.sizes == plain.sizes
    assert fast.sizes[0].height == 501  # 500 rows and the header
    assert "app-0250" in fast.shot and fast.shot == plain.shot


async def test_updating_a_cell_keeps_the_fixed_width_and_shows_the_new_value():
    app = TableApp(FixedColumnsTable())
    async with app.run_test(size=(40, 10)) as pilot:
        fill(app.table, 20)
        await pilot.pause()
        app.table.update_cell("k0", "name", Text("x"))
        app.table.update_cell("k1", "name", Text("a much longer name than twelve"))
        await pilot.pause()
        assert app.table.columns["name"].get_render_width(app.table) == 12 + 2  # width plus padding
        assert app.table.get_cell("k0", "name").plain == "x"
        assert "x " in app.export_screenshot()


async def test_an_auto_width_column_is_still_measured():
    app = TableApp(FixedColumnsTable())
    async with app.run_test(size=(60, 10)) as pilot:
        fill(app.table, 5, fixed=False)
        await pilot.pause()
        assert app.table.columns["name"].content_width == len("app-0000")
        app.table.add_row(Text("a-rather-long-registration"), Text("1"), key="long")
        await pilot.pause()
        assert app.table.columns["name"].content_width == len("a-rather-long-registration")


ROWS = [(f"k{index}", (Text(f"app-{index:04d}"), Text(f"{index:08x}"))) for index in range(300)]


def columns(table: DataTable) -> None:
    table.add_column("Name", key="name", width=12)
    table.add_column("Id", key="id", width=8)


async def test_replace_rows_shows_what_clear_and_add_row_show():
    """Narrow, widen and reorder the rows of both tables; the screens must stay identical."""
    plain = TableApp(DataTable(zebra_stripes=True, cursor_type="row"))
    fast = TableApp(FixedColumnsTable(zebra_stripes=True, cursor_type="row"))
    steps = [ROWS, [r for r in ROWS if "1" in r[1][0].plain], ROWS[::-1], ROWS[5:8], [], ROWS]
    shots: dict[str, list[str]] = {"plain": [], "fast": []}
    for name, app in (("plain", plain), ("fast", fast)):
        async with app.run_test(size=(40, 10)) as pilot:
            columns(app.table)
            for step in steps:
                if name == "plain":
                    app.table.clear()
                    for key, cells in step:
                        app.table.add_row(*cells, key=key)
                else:
                    app.table.replace_rows(step)
                await pilot.pause()
                app.table.move_cursor(row=2)
                await pilot.pause()
                shots[name].append(app.export_screenshot())
                assert app.table.row_count == len(step)
                assert [app.table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(len(step))] == \
                    [key for key, _ in step]
    assert shots["fast"] == shots["plain"]


async def test_a_row_moved_by_replace_rows_is_clicked_where_it_is_shown():
    app = TableApp(FixedColumnsTable(cursor_type="row"))
    async with app.run_test(size=(40, 10)) as pilot:
        columns(app.table)
        app.table.replace_rows(ROWS[:20])  # k3 drawn on row 3
        await pilot.pause()
        app.table.replace_rows(ROWS[1:20])  # k3 moves up to row 2, its rendering reused
        await pilot.pause()
        await pilot.click(FixedColumnsTable, offset=(3, 3))  # line 0 is the header: row 2
        await pilot.pause()
        assert app.table.cursor_row == 2
        assert app.table.coordinate_to_cell_key((2, 0)).row_key.value == "k3"


async def test_replacing_rows_with_the_same_rows_changes_nothing():
    app = TableApp(FixedColumnsTable(cursor_type="row"))
    async with app.run_test(size=(40, 10)) as pilot:
        columns(app.table)
        app.table.replace_rows(ROWS)
        await pilot.pause()
        before = app.table._update_count
        app.table.replace_rows(list(ROWS))
        assert app.table._update_count == before


async def test_row_and_cell_regions_match_a_datatables():
    """Scrolling to the cursor uses these; the one-line shortcut must give DataTable's answer."""
    regions = {}
    for name, table in (("plain", DataTable()), ("fast", FixedColumnsTable())):
        app = TableApp(table)
        async with app.run_test(size=(40, 10)) as pilot:
            columns(table)
            for key, cells in ROWS:
                table.add_row(*cells, key=key)
            await pilot.pause()
            regions[name] = [(table._get_row_region(i), table._get_cell_region((i, c)))
                             for i in (0, 1, 150, 299, 300) for c in (0, 1)]
            table.move_cursor(row=250)
            await pilot.pause()
            regions[name].append(table.scroll_y)
    assert regions["fast"] == regions["plain"]


# -- the one-line cell layout ------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.padding import Padding  # noqa: E402
from rich.segment import Segment  # noqa: E402

from rkvst_tui.tui.widgets.fixed_table import _one_line_cell  # noqa: E402

_CONSOLE = Console(width=200, color_system="truecolor", force_terminal=True)
# Wide, combining and emoji characters, an ellipsis: what display names and claims may hold.
_CHARACTERS = st.sampled_from(list("abcXYZ 019-_.…日本語é") + ["e\u0301", "😀", "✔"])


@st.composite
def one_line_texts(draw) -> Text:
    plain = "".join(draw(st.lists(_CHARACTERS, max_size=40)))
    text = Text(plain, style=draw(st.sampled_from(["", "dim", "bold green", "yellow on blue"])),
                overflow=draw(st.sampled_from([None, "crop", "fold", "ellipsis"])))
    if plain and draw(st.booleans()):
        start = draw(st.integers(0, len(plain)))
        text.stylize(draw(st.sampled_from(["red", "italic", "reverse"])), start, draw(st.integers(start, len(plain))))
    return text


def rich_layout(cell: Text, width: int, padding: int) -> list[list[Segment]]:
    options = _CONSOLE.options.update_dimensions(width, 1).update(no_wrap=True)
    return _CONSOLE.render_lines(Padding(cell, (0, padding)), options)


@settings(max_examples=300, deadline=None)
@given(cell=one_line_texts(), width=st.integers(1, 45), padding=st.integers(0, 2))
def test_a_one_line_cell_is_laid_out_exactly_as_rich_lays_it_out(cell, width, padding):
    fast = _one_line_cell(cell, width, padding, _CONSOLE)
    if width - 2 * padding < 1:
        assert fast is None  # no room for text: rich's own path
        return
    assert [list(Segment.simplify(line)) for line in fast] == [
        list(Segment.simplify(line)) for line in rich_layout(cell, width, padding)
    ]


def test_cells_it_cannot_lay_out_go_to_rich():
    for cell in (Text("two\nlines"), Text("a\ttab"), Text("right", justify="right"), "a string"):
        assert _one_line_cell(cell, 20, 1, _CONSOLE) is None
