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
                assert [app.table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(len(step))] == [
                    key for key, _ in step
                ]
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
            regions[name] = [
                (table._get_row_region(i), table._get_cell_region((i, c)))
                for i in (0, 1, 150, 299, 300)
                for c in (0, 1)
            ]
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
from rich.style import Style  # noqa: E402

from rkvst_tui.tui.widgets.fixed_table import _one_line_cell  # noqa: E402

_CONSOLE = Console(width=200, color_system="truecolor", force_terminal=True)
# Wide, combining and emoji characters, an ellipsis: what display names and claims may hold.
_CHARACTERS = st.sampled_from(list("abcXYZ 019-_.…日本語é") + ["e\u0301", "😀", "✔"])


@st.composite
def one_line_texts(draw) -> Text:
    plain = "".join(draw(st.lists(_CHARACTERS, max_size=40)))
    styles = ["", "dim", "bold green", "yellow on blue", "none", Style(italic=True), Style(), "link https://x.org"]
    text = Text(
        plain, style=draw(st.sampled_from(styles)), overflow=draw(st.sampled_from([None, "crop", "fold", "ellipsis"]))
    )
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


# -- drawing data lines: the same segments, styles and mouse metadata as DataTable -------

import pytest  # noqa: E402
from textual.widgets._data_table import ColumnKey  # noqa: E402


def varied_cells(index: int) -> tuple:
    """Cells like the console's (styled, spans, wide characters, empty, too long) and some
    DataTable lays out itself: markup strings, None, a link, click metadata."""
    name = Text(f"{'日本' if index % 5 == 2 else 'app'}-{index:04d} 日本", style="bold" if index % 3 == 0 else "")
    name.stylize("italic", 0, 3)
    special = {
        4: "[b]markup[/b] string",
        5: None,
        6: Text("a link", style="link https://example.com"),
        7: Text.from_markup("[@click=app.bell]click[/] me"),
        8: Text("right", justify="right"),
        9: Text("日本語のアプリ", style="yellow"),  # wide characters cut at the column's edge
    }.get(index % 10, Text("✔ you", style="bold green") if index % 2 else Text(""))
    return (name, Text(f"{index:08x}-a-rather-long-id-that-gets-cropped"), Text("shown once", style="dim"), special)


def varied_columns(table: DataTable) -> None:
    for label, key, width in (("Name", "name", 14), ("Id", "id", 12), ("Secret", "secret", 10), ("Other", "o", 9)):
        table.add_column(label, key=key, width=width)


def line_parts(table: DataTable) -> list[tuple]:
    """Every line render_line gives: its length, and its segments' text, style and the
    metadata clicks and hover read."""
    strips = [table.render_line(y) for y in range(table.size.height)]
    return [
        (
            strip.cell_length,
            [
                (segment.text, segment.style, segment.style.meta if segment.style else None, segment.control)
                for segment in strip
            ],
        )
        for strip in strips
    ]


async def shown(table: DataTable, size: tuple[int, int], rows: int = 60, act=None, focus: bool = True):
    app = TableApp(table)
    async with app.run_test(size=size) as pilot:
        varied_columns(table)
        for index in range(rows):
            table.add_row(*varied_cells(index), key=f"k{index}")
        await pilot.pause()
        if not focus:
            table.blur()
        if act is not None:
            await act(pilot, table)
        await pilot.pause()
        return app.export_screenshot(), line_parts(table)


def both(**options) -> tuple[DataTable, DataTable]:
    return DataTable(**options), FixedColumnsTable(**options)


async def cursor_and_hover(pilot, table: DataTable) -> None:
    table.move_cursor(row=3, column=1)
    await pilot.hover(type(table), offset=(16, 6))  # header + row 5, column "id"


@pytest.mark.parametrize("zebra_stripes", [False, True])
@pytest.mark.parametrize("cursor_type", ["row", "cell", "column", "none"])
async def test_lines_match_a_datatables_with_cursor_and_hover(cursor_type, zebra_stripes):
    plain, fast = both(cursor_type=cursor_type, zebra_stripes=zebra_stripes)
    expected = await shown(plain, (60, 12), act=cursor_and_hover)
    actual = await shown(fast, (60, 12), act=cursor_and_hover)
    assert actual[1] == expected[1]
    assert actual[0] == expected[0]
    assert any(part[2] and part[2].get("row") == 3 for _, line in actual[1] for part in line)


async def scrolled_sideways_and_down(pilot, table: DataTable) -> None:
    table.move_cursor(row=20, column=3)  # scrolls down and right
    await pilot.pause()
    table.scroll_to(x=7, y=table.scroll_y, animate=False)
    await pilot.pause()
    await pilot.hover(type(table), offset=(4, 3))


async def hover_on_the_header(pilot, table: DataTable) -> None:
    table.move_cursor(row=2, column=2)
    await pilot.hover(type(table), offset=(20, 0))  # the Id label


@pytest.mark.parametrize("cursor_type", ["row", "cell", "column"])
async def test_the_header_matches_a_datatables_hovered_and_over_the_cursor(cursor_type):
    plain, fast = both(cursor_type=cursor_type, fixed_columns=1)
    # Wider than the columns: the header's look extends to the right edge.
    expected = await shown(plain, (70, 8), act=hover_on_the_header)
    actual = await shown(fast, (70, 8), act=hover_on_the_header)
    assert actual == expected
    assert [part[2] for part in actual[1][0][1]][:2] == [{"row": -1, "column": 0}, {"row": -1, "column": 1}]


async def test_a_header_of_two_lines_and_an_edited_label_match_a_datatables():
    async def taller_header_then_edited_label(pilot, table: DataTable) -> None:
        table.header_height = 2
        await pilot.pause()
        table.header_height = 1
        table.columns[ColumnKey("id")].label.plain = "Ident"  # edited in place ...
        table.add_row(*varied_cells(99), key="k99")  # ... shown after the next change

    plain, fast = both(cursor_type="row")
    expected = await shown(plain, (60, 8), act=taller_header_then_edited_label)
    actual = await shown(fast, (60, 8), act=taller_header_then_edited_label)
    assert actual == expected
    assert "Ident" in "".join(part[0] for part in actual[1][0][1])


class HeaderApp(TableApp):
    def __init__(self, table: DataTable) -> None:
        super().__init__(table)
        self.selected: list[str] = []

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        self.selected.append(event.column_key.value)


async def test_clicking_a_label_selects_its_column():
    app = HeaderApp(FixedColumnsTable())
    async with app.run_test(size=(60, 8)) as pilot:
        varied_columns(app.table)
        await pilot.pause()
        for x in (20, 2, 35):
            await pilot.click(FixedColumnsTable, offset=(x, 0))
            await pilot.pause()
    assert app.selected == ["id", "name", "secret"]


@pytest.mark.parametrize(
    "options, size, act, focus",
    [
        ({"show_header": False, "zebra_stripes": True}, (60, 12), cursor_and_hover, True),
        ({"cursor_type": "cell"}, (30, 12), scrolled_sideways_and_down, True),  # scrolled both ways
        ({"cursor_type": "row", "zebra_stripes": True}, (33, 12), cursor_and_hover, True),  # crops a column
        (
            {"fixed_columns": 1, "cursor_type": "cell", "zebra_stripes": True},
            (30, 12),
            scrolled_sideways_and_down,
            True,
        ),
        ({"fixed_columns": 2, "fixed_rows": 2, "cursor_type": "row"}, (33, 12), scrolled_sideways_and_down, True),
        ({"fixed_rows": 1, "zebra_stripes": True, "cursor_type": "column"}, (60, 12), cursor_and_hover, True),
        ({"cursor_type": "row", "zebra_stripes": True}, (60, 12), cursor_and_hover, False),  # unfocused
        ({"cursor_type": "row", "cell_padding": 0}, (60, 12), cursor_and_hover, True),
        ({"cursor_type": "cell", "show_cursor": False}, (60, 12), cursor_and_hover, True),
    ],
    ids=[
        "no-header",
        "scrolled",
        "narrow",
        "fixed-column",
        "fixed-rows-and-columns",
        "fixed-row",
        "unfocused",
        "no-padding",
        "cursor-hidden",
    ],
)
async def test_lines_match_a_datatables_scrolled_cropped_and_fixed(options, size, act, focus):
    plain, fast = both(**options)
    expected = await shown(plain, size, act=act, focus=focus)
    actual = await shown(fast, size, act=act, focus=focus)
    assert actual[1] == expected[1]
    assert actual[0] == expected[0]


async def test_lines_below_the_last_row_match_a_datatables():
    plain, fast = both(cursor_type="row", zebra_stripes=True)
    expected = await shown(plain, (60, 12), rows=4, act=cursor_and_hover)
    actual = await shown(fast, (60, 12), rows=4, act=cursor_and_hover)
    assert actual == expected


async def test_clicks_land_on_the_cell_drawn_there():
    """Clicks read the row/column metadata of the drawn segments: every click, scrolled
    sideways with a fixed column, moves the cursor where a DataTable's would."""
    landed = {}
    for name, table in zip(("plain", "fast"), both(cursor_type="cell", fixed_columns=1)):
        app = TableApp(table)
        async with app.run_test(size=(30, 10)) as pilot:
            varied_columns(table)
            for index in range(60):
                table.add_row(*varied_cells(index), key=f"k{index}")
            await pilot.pause()
            landed[name] = []
            for x, y in ((1, 1), (20, 5), (27, 8), (10, 3)):
                # Scrolled 4 rows down and 9 cells right, past the fixed column's edge
                # (a cursor move scrolls it into view: scroll back before each click).
                table.scroll_to(x=9, y=4, animate=False)
                await pilot.pause()
                await pilot.click(type(table), offset=(x, y))
                await pilot.pause()
                landed[name].append(tuple(table.cursor_coordinate))
    assert landed["fast"] == landed["plain"]
    # Name (fixed, 16 wide) at 0-15, then Id from its 10th cell on, then Secret.
    assert landed["fast"] == [(4, 0), (8, 1), (11, 2), (6, 0)]


async def test_a_row_click_right_of_the_columns_selects_the_row():
    app = TableApp(FixedColumnsTable(cursor_type="row"))
    async with app.run_test(size=(70, 10)) as pilot:
        varied_columns(app.table)
        for index in range(20):
            app.table.add_row(*varied_cells(index), key=f"k{index}")
        await pilot.pause()
        await pilot.click(FixedColumnsTable, offset=(60, 4))  # past the last column: out of bounds
        await pilot.pause()
        assert app.table.cursor_row == 3


def count_drawing(monkeypatch, table: FixedColumnsTable) -> tuple[list, list]:
    """The lines asked for (a repaint) and the data lines drawn anew for them."""
    asked: list = []
    drawn: list = []
    render_line, draw_line = table.render_line, table._draw_line

    def ask(y):
        asked.append(y)
        return render_line(y)

    def draw(paint, row_index, *args):
        drawn.append(row_index)
        return draw_line(paint, row_index, *args)

    monkeypatch.setattr(table, "render_line", ask)
    monkeypatch.setattr(table, "_draw_line", draw)
    return asked, drawn


async def test_appending_rows_off_screen_does_not_redraw_the_visible_rows(monkeypatch):
    screens = {}
    for name, table in zip(("plain", "fast"), both(cursor_type="row", zebra_stripes=True)):
        app = TableApp(table)
        async with app.run_test(size=(60, 12)) as pilot:
            varied_columns(table)
            for index in range(30):
                table.add_row(*varied_cells(index), key=f"k{index}")
            await pilot.pause()
            if name == "fast":
                asked, drawn = count_drawing(monkeypatch, table)
            for index in range(30, 90):  # a page arrives, below the screen
                table.add_row(*varied_cells(index), key=f"k{index}")
            await pilot.pause()
            screens[name] = [app.export_screenshot()]
            if name == "fast":
                assert len(asked) >= 11  # the table was repainted (its scrollbar changed) ...
                # ... with the rows drawn before (the header is redrawn after any change,
                # as DataTable redraws it: a label may have been edited in place).
                assert drawn == [-1]
                drawn.clear()
            table.move_cursor(row=4)
            await pilot.pause()
            if name == "fast":
                assert sorted(drawn) == [0, 4]  # only the rows the cursor left and reached
            table.update_cell("k2", "name", Text("renamed"))
            await pilot.pause()
            screens[name].append(app.export_screenshot())
    assert screens["fast"] == screens["plain"]
    assert "renamed" in screens["fast"][1]


async def test_a_cell_edited_in_place_and_updated_is_redrawn():
    shown_after = {}
    for name, table in zip(("plain", "fast"), both()):
        app = TableApp(table)
        async with app.run_test(size=(60, 12)) as pilot:
            varied_columns(table)
            cells = [varied_cells(index) for index in range(10)]
            for index, row in enumerate(cells):
                table.add_row(*row, key=f"k{index}")
            await pilot.pause()
            edited = cells[1][0]
            edited.plain = "edited"  # the same Text object, changed, then put back
            table.update_cell("k1", "name", edited)
            await pilot.pause()
            shown_after[name] = (app.export_screenshot(), table.render_line(2).text)
    assert shown_after["fast"] == shown_after["plain"]
    assert shown_after["fast"][1].startswith(" edited ")


async def test_a_theme_change_redraws_with_the_new_styles():
    shots = {}
    for name, table in zip(("plain", "fast"), both(cursor_type="row", zebra_stripes=True)):
        app = TableApp(table)
        async with app.run_test(size=(60, 12)) as pilot:
            varied_columns(table)
            for index in range(20):
                table.add_row(*varied_cells(index), key=f"k{index}")
            await pilot.pause()
            first = line_parts(table)
            app.theme = "nord"
            await pilot.pause()
            shots[name] = (first, line_parts(table), app.export_screenshot())
    assert shots["fast"] == shots["plain"]
    assert shots["fast"][0] != shots["fast"][1]


async def test_lines_drawn_before_a_setting_changes_are_not_shown_after_it():
    """Each change of a setting a drawn line depends on, after a first paint: the lines
    must be DataTable's for the new setting, not the kept ones."""
    changes = [
        ("zebra_stripes", True),
        ("cursor_type", "cell"),
        ("show_cursor", False),
        ("show_cursor", True),
        ("fixed_columns", 1),
        ("cell_padding", 2),
        ("fixed_rows", 2),
        ("show_header", False),
        ("cursor_type", "row"),
    ]
    seen = {}
    for name, table in zip(("plain", "fast"), both(cursor_type="row")):
        app = TableApp(table)
        async with app.run_test(size=(50, 10)) as pilot:
            varied_columns(table)
            for index in range(40):
                table.add_row(*varied_cells(index), key=f"k{index}")
            table.move_cursor(row=3, column=1)
            await pilot.pause()
            seen[name] = [line_parts(table)]
            for setting, value in changes:
                setattr(table, setting, value)
                await pilot.pause()
                seen[name].append((setting, line_parts(table), app.export_screenshot()))
            await pilot.resize_terminal(40, 12)
            await pilot.pause()
            seen[name].append(("resized", line_parts(table), app.export_screenshot()))
    for plain, fast in zip(seen["plain"], seen["fast"]):
        assert fast == plain
