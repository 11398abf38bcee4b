"""ConsoleFooter: Textual's Footer that keeps help and the filter when the keys do not fit,
and rebuilds only when what it shows changes."""

from __future__ import annotations

import re

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.command import CommandPalette
from textual.widgets import Static

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

    def __init__(self, footer: ConsoleFooter | None = None) -> None:
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


def _strip(app: FooterApp):
    """The footer's line as the terminal shows it."""
    region = app.footer.region
    return list(app.screen._compositor.render_strips())[region.y].crop(region.x, region.right)


def line(app: FooterApp) -> str:
    return _strip(app).text


def column(app: FooterApp, label: str) -> int:
    """Where a key's hint starts, from what the footer draws (e.g. "d Delete")."""
    match = re.search(rf"(?<![^\s▏]){re.escape(label)}(?!\S)", line(app))
    assert match, f"{label!r} not in {line(app)!r}"
    return match.start()


def cells(app: FooterApp, start: int, text: str):
    """The Rich styles of the footer's cells under `text`, which starts at `start`."""
    styles = [segment.style for segment in _strip(app) for _ in segment.text]
    return styles[start : start + len(text)]


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.pause()


def counting_rebuilds(footer: ConsoleFooter) -> list[int]:
    """Counts how often the footer rebuilds its keys (what a bindings change costs)."""
    calls: list[int] = []
    original = footer.recompose

    async def counted():
        calls.append(1)
        await original()

    footer.recompose = counted  # type: ignore[method-assign]
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


async def test_a_burst_of_bindings_changes_in_one_frame_rebuilds_once_and_shows_the_last_state():
    app = FooterApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rebuilds = counting_rebuilds(app.footer)
        region = app.footer.region
        for index in range(10):
            app.can_drop = index % 2 == 1  # ends shown
            app.refresh_bindings()
        await settle(pilot)
        assert len(rebuilds) == 1  # one rebuild, after the burst
        assert "x Drop thing" in line(app)
        assert app.footer.region == region  # new content, same place and size
        app.can_drop = False
        app.refresh_bindings()
        await settle(pilot)
        assert len(rebuilds) == 2 and "Drop thing" not in line(app)


async def test_a_bindings_change_that_shows_the_same_keys_does_not_rebuild():
    app = FooterApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rebuilds = counting_rebuilds(app.footer)
        before = line(app)
        rebuilds.clear()
        for _ in range(3):
            app.refresh_bindings()  # nothing the footer shows changed
            await settle(pilot)
        assert rebuilds == [] and line(app) == before
        app.disabled = {"edit"}  # an enabled key that becomes disabled is a change
        app.refresh_bindings()
        await settle(pilot)
        assert len(rebuilds) == 1


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
        # Dimmed: the app draws dim as a fainter colour.
        assert {style.color for style in disabled}.isdisjoint({style.color for style in enabled})
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


# -- the first keys can wait for the screen's first content -------------------------------


async def test_held_first_keys_come_once_when_shown_and_not_before():
    footer = ConsoleFooter(compact=True, hold_first_keys=5.0)
    rebuilds = counting_rebuilds(footer)
    app = FooterApp(footer)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.disabled = {"edit"}
        app.screen.refresh_bindings()  # the screen's content changes what is enabled
        await settle(pilot)
        assert line(app).strip() == "" and rebuilds == []
        footer.show_keys()
        await settle(pilot)
        assert "n New" in line(app) and "? Help" in line(app) and rebuilds == [1]
        # Built with the state of show time: Edit is dim (another colour than Refresh).
        assert cells(app, column(app, "e Edit"), "e Edit") != cells(app, column(app, "r Refresh"), "e Edit")


async def test_held_first_keys_come_after_the_wait_if_nobody_shows_them():
    app = FooterApp(ConsoleFooter(compact=True, hold_first_keys=0.2))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert line(app).strip() == ""
        await pilot.pause(0.4)
        await settle(pilot)
        assert "n New" in line(app) and "^p palette" in line(app)


# -- the console's footer: its first keys come with its first rows -------------------------

import asyncio  # noqa: E402

from tui_helpers import running_console, wait_until  # noqa: E402

from rkvst_tui.tui.app import FIRST_KEYS_WAIT, RkvstApp  # noqa: E402


def console_keys(app) -> dict[str, bool]:
    """The main screen's footer keys: description -> enabled."""
    footer = app.screen_stack[0].query_one(ConsoleFooter)
    return {
        key.description: not key.has_class("-disabled") for key in footer.query("FooterKey")
    }  # by CSS type: FooterKey is not exported


async def test_the_consoles_first_keys_come_with_its_rows_and_the_row_keys_are_live(sandbox):
    async with running_console(sandbox) as (app, pilot):
        await wait_until(pilot, lambda: console_keys(app), what="the footer's keys")
        keys = console_keys(app)
        assert keys["Delete"] and keys["Details"] and "Help" in keys  # a row is under the cursor


async def test_while_a_server_is_slow_to_answer_the_keys_come_after_the_wait():
    never = asyncio.Event()

    async def connect():
        await never.wait()  # a server that takes its time to answer

    app = RkvstApp(connect=connect)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(FIRST_KEYS_WAIT / 3)
        assert console_keys(app) == {}  # not yet: the rows may still come
        await wait_until(pilot, lambda: "Help" in console_keys(app), what="the keys after the wait")
        assert app.apps_view.table.row_count == 0
        never.set()


async def test_when_connecting_fails_the_keys_come_at_once():
    async def connect():
        raise ConnectionRefusedError("nobody listens")

    app = RkvstApp(connect=connect)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.connection_problem is not None, what="the connection problem")
        await pilot.pause()
        await pilot.pause()
        assert "Help" in console_keys(app)
