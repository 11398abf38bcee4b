"""ConsoleFooter: one widget that shows the keys as Textual's compact Footer does, and
repaints only when they change."""

from __future__ import annotations

import re

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.command import CommandPalette
from textual.widgets import Footer, Static

from rkvst_tui.tui.widgets.footer import ConsoleFooter

SIZE = (120, 5)


class Body(Static, can_focus=True):
    """Keys like the console's registrations tab (one disabled on demand, one hidden)."""

    BINDINGS = [
        Binding("n", "create", "New", tooltip="Create an app registration"),
        Binding("e", "edit", "Edit"),
        Binding("g", "regenerate", "Regenerate"),
        Binding("d", "delete", "Delete"),
        Binding("m", "toggle_root", "Root ±"),
        Binding("c", "copy_client_id", "Copy id"),
        Binding("r", "refresh", "Refresh"),
        Binding("slash", "filter", "Filter"),
        Binding("x", "drop", "Drop thing"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        app = self.app
        if action == "drop":
            return app.can_drop  # False hides the key
        return None if action in app.disabled else True  # None: shown, but disabled

    def on_mount(self) -> None:
        self.focus()


for _action in (
    "create",
    "edit",
    "regenerate",
    "delete",
    "toggle_root",
    "copy_client_id",
    "refresh",
    "filter",
    "drop",
    "clear_filter",
):
    # Each key records that it ran.
    setattr(Body, f"action_{_action}", lambda self, name=_action: self.app.ran.append(name))


class FooterApp(App[None]):
    BINDINGS = [Binding("question_mark", "help", "Help", tooltip="Every key")]

    def __init__(self, footer: Footer | ConsoleFooter | None = None) -> None:
        super().__init__()
        self.footer = footer if footer is not None else ConsoleFooter(compact=True)
        self.can_drop = False
        self.disabled: set[str] = set()
        self.ran: list[str] = []

    def compose(self) -> ComposeResult:
        yield Body("body")
        yield self.footer

    def action_help(self) -> None:
        self.ran.append("help")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action in self.disabled else True


def line(app: FooterApp) -> str:
    return app.footer.render_line(0).text


def column(app: FooterApp, label: str) -> int:
    """Where a key's hint starts, from what the footer draws (e.g. "d Delete")."""
    match = re.search(rf"(?<![^\s▏]){re.escape(label)}(?!\S)", line(app))
    assert match, f"{label!r} not in {line(app)!r}"
    return match.start()


def cells(app: FooterApp, start: int, text: str):
    """The Rich styles of the footer's cells under `text`, which starts at `start`."""
    styles = [segment.style for segment in app.footer.render_line(0) for _ in segment.text]
    return styles[start : start + len(text)]


def screenshot(app: App) -> str:
    # The SVG's class prefix is a hash of the whole SVG's styles, not of what is drawn.
    return re.sub(r"terminal-\d+", "terminal", app.export_screenshot())


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.pause()


def counting_renders(footer: ConsoleFooter) -> list[int]:
    """Counts how often the footer draws its line (the one thing a repaint costs)."""
    calls: list[int] = []
    original = footer._render_line

    def counted():
        calls.append(1)
        return original()

    footer._render_line = counted  # type: ignore[method-assign]
    return calls


async def test_it_shows_the_keys_in_the_screens_order_with_the_palette_key_at_the_right():
    app = FooterApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = line(app)
        hints = [
            "n New",
            "e Edit",
            "g Regenerate",
            "d Delete",
            "m Root ±",
            "c Copy id",
            "r Refresh",
            "/ Filter",
            "? Help",
        ]
        assert [column(app, hint) for hint in hints] == sorted(column(app, hint) for hint in hints)
        assert text.startswith("n New e Edit")
        assert "Clear filter" not in text and "Drop thing" not in text  # show=False; hidden by check_action
        assert text.rstrip().endswith("▏^p palette") and len(text) == SIZE[0]


async def test_it_is_one_widget_one_line_high_at_the_bottom():
    app = FooterApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert list(app.footer.children) == [] and list(app.footer.query("*")) == []
        assert app.footer.region.height == 1 and app.footer.region.y == SIZE[1] - 1
        assert app.footer.region.width == SIZE[0]


async def test_it_looks_like_textuals_compact_footer():
    """The same cells as Footer(compact=True), with a key disabled, and with one hovered."""

    async def shots(footer) -> list[str]:
        app = FooterApp(footer)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            taken = [screenshot(app)]
            app.disabled = {"delete", "help"}
            app.refresh_bindings()
            await settle(pilot)
            taken.append(screenshot(app))
            await pilot.hover(type(footer), offset=(2, 0))  # "n New"
            await settle(pilot)
            taken.append(screenshot(app))
            await pilot.hover(type(footer), offset=(SIZE[0] - 5, 0))  # the palette key
            await settle(pilot)
            taken.append(screenshot(app))
            return taken

    textuals, ours = await shots(Footer(compact=True)), await shots(ConsoleFooter(compact=True))
    assert len(set(textuals)) == 4  # each case looks different
    assert ours == textuals


async def test_a_burst_of_bindings_changes_in_one_frame_repaints_once_and_shows_the_last_state():
    app = FooterApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        renders = counting_renders(app.footer)
        checks: list[int] = []
        keys_to_show = app.footer._keys_to_show
        app.footer._keys_to_show = lambda: checks.append(1) or keys_to_show()  # type: ignore[method-assign]
        region = app.footer.region
        for index in range(10):
            app.can_drop = index % 2 == 1  # ends shown
            app.refresh_bindings()
        await settle(pilot)
        assert len(checks) == 1 and len(renders) == 1  # one look at the bindings, one repaint
        assert "x Drop thing" in line(app)
        assert app.footer.region == region  # new content, same place and size
        app.can_drop = False
        app.refresh_bindings()
        await settle(pilot)
        assert len(renders) == 2 and "Drop thing" not in line(app)


async def test_a_bindings_change_that_shows_the_same_keys_does_not_repaint():
    app = FooterApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        renders = counting_renders(app.footer)
        before = line(app)
        renders.clear()
        for _ in range(3):
            app.refresh_bindings()  # nothing the footer shows changed
            await settle(pilot)
        assert renders == [] and line(app) == before
        app.disabled = {"edit"}  # an enabled key that becomes disabled is a change
        app.refresh_bindings()
        await settle(pilot)
        assert len(renders) == 1


async def test_a_disabled_key_is_dimmed_and_clicking_it_does_nothing():
    app = FooterApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        x = column(app, "d Delete")
        enabled = cells(app, x, "d Delete")
        app.disabled = {"delete"}
        app.refresh_bindings()
        await settle(pilot)
        assert column(app, "d Delete") == x  # the layout does not move
        disabled = cells(app, x, "d Delete")
        assert disabled != enabled
        # Dim, as FooterKey.-disabled (the app turns dim into a fainter colour when it draws).
        assert all(style.dim for style in disabled) and not any(style.dim for style in enabled)
        assert cells(app, column(app, "e Edit"), "e Edit") == cells(app, column(app, "r Refresh"), "e Edit")
        rung: list[int] = []
        app.bell = lambda: rung.append(1)  # type: ignore[method-assign]
        await pilot.click(ConsoleFooter, offset=(x, 0))
        await pilot.click(ConsoleFooter, offset=(x + 4, 0))
        await settle(pilot)
        assert app.ran == [] and len(rung) == 2  # as FooterKey: the bell, and no key press
        app.disabled = set()
        app.refresh_bindings()
        await settle(pilot)
        assert cells(app, x, "d Delete") == enabled


async def test_clicking_a_key_runs_it_as_if_it_was_typed():
    app = FooterApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click(ConsoleFooter, offset=(column(app, "g Regenerate") + 5, 0))  # on the description
        await pilot.click(ConsoleFooter, offset=(column(app, "? Help"), 0))  # an App binding
        await settle(pilot)
        assert app.ran == ["regenerate", "help"]
        await pilot.click(ConsoleFooter, offset=(column(app, "g Regenerate") - 1, 0))  # the gap before it
        await pilot.click(ConsoleFooter, offset=(column(app, "? Help") + 10, 0))  # blank footer
        await settle(pilot)
        assert app.ran == ["regenerate", "help"]


async def test_hovering_a_key_highlights_it_and_shows_its_tooltip():
    app = FooterApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        x = column(app, "n New")
        normal = cells(app, x, "n New")
        await pilot.hover(ConsoleFooter, offset=(x + 3, 0))
        await settle(pilot)
        hovered = cells(app, x, "n New")
        assert {style.bgcolor for style in hovered} != {style.bgcolor for style in normal}
        assert cells(app, column(app, "e Edit"), "e Edit") == cells(app, column(app, "r Refresh"), "e Edit")
        assert app.footer.tooltip == "Create an app registration"
        await pilot.hover(ConsoleFooter, offset=(column(app, "e Edit"), 0))  # no tooltip of its own
        await settle(pilot)
        assert cells(app, x, "n New") == normal and app.footer.tooltip is None
        await pilot.hover(Body, offset=(0, 0))  # off the footer
        await settle(pilot)
        assert cells(app, x, "n New") == normal
        assert {style.bgcolor for style in cells(app, column(app, "e Edit"), "e Edit")} == {normal[0].bgcolor}


async def test_the_palette_key_opens_the_command_palette():
    app = FooterApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click(ConsoleFooter, offset=(column(app, "^p palette") + 1, 0))
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)


async def test_without_the_palette_key():
    app = FooterApp(ConsoleFooter(compact=True, show_command_palette=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "palette" not in line(app) and line(app).startswith("n New")


async def test_too_narrow_for_every_key_it_drops_the_least_important_first():
    """Help and the filter stay; the way back (escape) stays longer than the other keys; of
    the rest the rightmost go first, and a disabled key before an enabled one."""
    app = FooterApp()
    async with app.run_test(size=(80, 5)) as pilot:
        await settle(pilot)
        assert "? Help" in line(app) and line(app).rstrip().endswith("▏^p palette")
        assert "r Refresh" not in line(app)
        await pilot.resize_terminal(40, 5)
        await settle(pilot)
        assert line(app) == "n New / Filter ? Help       ▏^p palette "
        app.disabled = {"create"}
        app.refresh_bindings()
        await settle(pilot)
        assert line(app) == "e Edit / Filter ? Help      ▏^p palette "
        await pilot.resize_terminal(120, 5)
        await settle(pilot)
        assert "r Refresh / Filter ? Help" in line(app)


async def test_keys_that_do_not_fit_scroll_sideways_under_the_mouse_wheel():
    app = FooterApp()
    async with app.run_test(size=(24, 5)) as pilot:
        await settle(pilot)
        # Only the essential keys are left, and they do not fit either. The palette key docks
        # over them, with its one-cell margin (blank, where Footer lets a letter of the key
        # under it show: "^p palettet").
        assert "Help" not in line(app) and line(app).endswith("▏^p palette ")
        assert line(app).startswith("/ Filter")
        for _ in range(20):  # Pilot has no wheel: the events its click is made of
            await pilot._post_mouse_events([events.MouseScrollDown], ConsoleFooter, offset=(3, 0))
        await settle(pilot)
        assert line(app).endswith("? Help ▏^p palette ")
        await pilot.click(ConsoleFooter, offset=(column(app, "? Help"), 0))
        await settle(pilot)
        assert app.ran == ["help"]
