"""ConsoleTabs: the console's tab strip, one widget that draws labels and underline itself."""

from __future__ import annotations

import pytest
from rich.style import Style
from textual.app import App, ComposeResult
from textual.widgets import ContentSwitcher, Input, Static, TabbedContent, TabPane

from rkvst_tui.tui.widgets.tab_bar import ConsoleTabs

TABS = [("apps", "APP REGISTRATIONS"), ("principals", "ROOT PRINCIPALS"), ("inspector", "TOKEN INSPECTOR")]
LABELS = dict(TABS)
BAR = "━"


class TabsApp(App[None]):
    """The console's layout: the strip, the panes, and a field below that keeps the focus."""

    def __init__(self, active: str = "apps") -> None:
        super().__init__()
        self.active = active
        self.activated: list[tuple[str, bool]] = []

    def compose(self) -> ComposeResult:
        yield ConsoleTabs(TABS, self.active, id="tabs")
        with ContentSwitcher(initial=self.active):
            for tab_id, label in TABS:
                yield Static(f"{label} pane", id=tab_id)
        yield Input(id="field")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_console_tabs_activated(self, event: ConsoleTabs.Activated) -> None:
        self.activated.append((event.tab_id, event.control is self.tabs))

    @property
    def tabs(self) -> ConsoleTabs:
        return self.query_one(ConsoleTabs)


class TabbedContentApp(App[None]):
    """What the console showed before: Textual's TabbedContent with the same labels."""

    def __init__(self, active: str) -> None:
        super().__init__()
        self.active = active

    def compose(self) -> ComposeResult:
        with TabbedContent(initial=self.active):
            for tab_id, label in TABS:
                with TabPane(label, id=tab_id):
                    yield Static(f"{label} pane")
        yield Input(id="field")

    def on_mount(self) -> None:
        # The console's tables keep the focus, so the strip is never the focused widget.
        self.query_one(Input).focus()


def screen_cells(app: App, rows: int = 2) -> list[list[tuple[str, Style]]]:
    """The top rows as they are on screen: one (character, style) per cell.

    Without the styles' meta data (Textual's selection offsets), which the screen does not show.
    """
    strips = app.screen._compositor.render_strips()[:rows]
    return [
        [(char, segment.style.clear_meta_and_links()) for segment in strip for char in segment.text] for strip in strips
    ]


def text_of(row: list[tuple[str, Style]]) -> str:
    return "".join(char for char, _ in row)


def label_columns(row: list[tuple[str, Style]], tab_id: str) -> range:
    text = text_of(row)
    start = text.index(LABELS[tab_id])
    return range(start, start + len(LABELS[tab_id]))


def highlight_columns(bar: list[tuple[str, Style]]) -> list[int]:
    """Columns of the underline drawn in a colour that the rest of the bar does not have."""
    colours = [style.color for _, style in bar]
    return [x for x, colour in enumerate(colours) if colours.count(colour) < len(colours) / 2]


async def test_labels_are_shown_in_order_over_an_underline_and_nothing_else_is_mounted():
    app = TabsApp()
    async with app.run_test(size=(120, 8)) as pilot:
        await pilot.pause()
        labels, bar = screen_cells(app)
        starts = [text_of(labels).index(label) for _, label in TABS]
        assert starts == sorted(starts)
        assert text_of(labels).split() == "APP REGISTRATIONS ROOT PRINCIPALS TOKEN INSPECTOR".split()
        assert set(text_of(bar)) <= {BAR, "╸", "╺"} and len(text_of(bar)) == 120
        assert app.tabs.region.height == 2
        assert list(app.tabs.children) == []
        assert app.activated == []  # the initial tab is not an activation


async def test_the_active_label_stands_out_and_the_underline_highlight_sits_under_it():
    app = TabsApp()
    async with app.run_test(size=(120, 8)) as pilot:
        for tab_id in ("apps", "inspector", "principals"):
            app.tabs.active = tab_id
            await pilot.pause()
            labels, bar = screen_cells(app)
            active = label_columns(labels, tab_id)
            others = [label_columns(labels, other) for other, _ in TABS if other != tab_id]
            active_styles = {labels[x][1] for x in active}
            assert len(active_styles) == 1
            for columns in others:
                assert {labels[x][1] for x in columns}.isdisjoint(active_styles)
            assert highlight_columns(bar) == list(active)
            assert app.query_one(ContentSwitcher).current is not None


async def test_clicking_a_label_activates_it_once_and_keeps_the_focus_where_it_was():
    app = TabsApp()
    async with app.run_test(size=(120, 8)) as pilot:
        await pilot.pause()
        labels, _ = screen_cells(app)
        await pilot.click(ConsoleTabs, offset=(label_columns(labels, "principals")[3], 0))
        await pilot.pause()
        assert app.tabs.active == "principals"
        assert app.activated == [("principals", True)]
        assert app.focused is app.query_one(Input)
        labels, bar = screen_cells(app)
        assert highlight_columns(bar) == list(label_columns(labels, "principals"))


async def test_clicking_the_active_label_or_the_blank_part_posts_nothing():
    app = TabsApp("principals")
    async with app.run_test(size=(120, 8)) as pilot:
        await pilot.pause()
        labels, _ = screen_cells(app)
        await pilot.click(ConsoleTabs, offset=(label_columns(labels, "principals")[0], 0))
        await pilot.click(ConsoleTabs, offset=(110, 0))  # right of the last label
        await pilot.click(ConsoleTabs, offset=(110, 1))
        await pilot.pause()
        assert app.tabs.active == "principals"
        assert app.activated == []


async def test_clicking_the_underline_below_a_label_activates_that_tab():
    # As Textual's Tabs: the bar widens the target to two rows.
    app = TabsApp()
    async with app.run_test(size=(120, 8)) as pilot:
        await pilot.pause()
        labels, _ = screen_cells(app)
        await pilot.click(ConsoleTabs, offset=(label_columns(labels, "inspector")[-1], 1))
        await pilot.pause()
        assert app.activated == [("inspector", True)]


async def test_setting_active_by_code_posts_activated_and_redraws():
    app = TabsApp()
    async with app.run_test(size=(120, 8)) as pilot:
        app.tabs.active = "inspector"
        await pilot.pause()
        app.tabs.active = "inspector"  # the same again: not a change
        await pilot.pause()
        assert app.activated == [("inspector", True)]
        labels, bar = screen_cells(app)
        assert highlight_columns(bar) == list(label_columns(labels, "inspector"))


async def test_an_unknown_tab_id_raises_and_changes_nothing():
    app = TabsApp()
    async with app.run_test(size=(120, 8)) as pilot:
        with pytest.raises(ValueError, match="nope"):
            app.tabs.active = "nope"
        await pilot.pause()
        assert app.tabs.active == "apps"
        assert app.activated == []
    with pytest.raises(ValueError, match="nope"):
        ConsoleTabs(TABS, "nope")


async def test_hovering_a_label_highlights_it_until_the_mouse_leaves():
    app = TabsApp()
    async with app.run_test(size=(120, 8)) as pilot:
        await pilot.pause()
        labels, _ = screen_cells(app)
        column = label_columns(labels, "inspector")[2]
        plain = labels[column][1]
        assert plain == labels[label_columns(labels, "principals")[2]][1]  # both inactive

        await pilot.hover(ConsoleTabs, offset=(column, 0))
        hovered = screen_cells(app)[0][column][1]
        assert hovered != plain
        assert screen_cells(app)[0][label_columns(labels, "principals")[2]][1] == plain

        await pilot.hover(Input)
        assert screen_cells(app)[0][column][1] == plain


@pytest.mark.parametrize(
    ("width", "active"),
    [(120, "apps"), (120, "principals"), (40, "inspector"), (20, "principals"), (12, "inspector")],
)
async def test_it_draws_the_same_cells_as_the_tabbed_content_strip(width, active):
    # The strip replaces TabbedContent's: the console must look the same. Narrow widths crop the
    # labels (never wrap them) and keep the active one in view, as Textual's Tabs scrolls it.
    ours, theirs = TabsApp(active), TabbedContentApp(active)
    for app in (ours, theirs):
        async with app.run_test(size=(width, 8)) as pilot:
            await pilot.pause()
            # Textual's Tabs scrolls the active tab into view with an animation: compare the end.
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()
            app.cells = screen_cells(app)
    assert ours.cells == theirs.cells
    assert LABELS[active][: width - 2] in text_of(ours.cells[0])


async def test_a_theme_change_restyles_the_cached_rows():
    app = TabsApp()
    async with app.run_test(size=(120, 8)) as pilot:
        await pilot.pause()
        before = screen_cells(app)
        app.theme = "textual-light"
        await pilot.pause()
        after = screen_cells(app)
        assert [text_of(row) for row in after] == [text_of(row) for row in before]
        assert after[0][1][1].color != before[0][1][1].color
        assert after[1][0][1].color != before[1][0][1].color


async def test_it_recomputes_its_rows_only_when_something_shown_changes(monkeypatch):
    app = TabsApp()
    draws = []
    original = ConsoleTabs._draw

    def counting_draw(self, width):
        draws.append(width)
        return original(self, width)

    monkeypatch.setattr(ConsoleTabs, "_draw", counting_draw)
    async with app.run_test(size=(120, 8)) as pilot:
        await pilot.pause()
        labels, _ = screen_cells(app)
        column = label_columns(labels, "inspector")[0]
        await pilot.hover(ConsoleTabs, offset=(column, 0))
        drawn = len(draws)
        for step in range(1, 5):  # along the same label: nothing to redraw
            await pilot.hover(ConsoleTabs, offset=(column + step, 0))
        app.tabs.refresh()
        await pilot.pause()
        assert len(draws) == drawn
        await pilot.resize_terminal(100, 8)
        await pilot.pause()
        assert len(draws) == drawn + 1 and draws[-1] == 100
