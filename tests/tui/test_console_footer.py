"""ConsoleFooter: many bindings changes in one frame rebuild the footer once, and it shows the last state."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from rkvst_tui.tui.widgets.footer import ConsoleFooter


class FooterApp(App[None]):
    BINDINGS = [Binding("n", "new", "New thing"), Binding("d", "drop", "Drop thing")]

    def __init__(self, footer: Footer) -> None:
        super().__init__()
        self.footer = footer
        self.can_drop = False
        self.recomposes = 0
        original = footer.recompose

        async def counted() -> None:
            self.recomposes += 1
            await original()

        footer.recompose = counted  # type: ignore[method-assign]

    def compose(self) -> ComposeResult:
        yield Static("body")
        yield self.footer

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.can_drop if action == "drop" else True


def shown(app: FooterApp) -> list[str]:
    return [key.description for key in app.footer.query(FooterKey)]


async def burst(app: FooterApp, pilot) -> None:
    await pilot.pause()
    app.recomposes = 0
    for index in range(10):
        app.can_drop = index % 2 == 1  # ends allowed
        app.refresh_bindings()
    await pilot.pause()
    await pilot.pause()


async def test_a_burst_of_binding_changes_rebuilds_the_footer_once_and_shows_the_last_state():
    app = FooterApp(ConsoleFooter())
    async with app.run_test(size=(60, 5)) as pilot:
        await burst(app, pilot)
        assert app.recomposes == 1
        assert "Drop thing" in shown(app) and "New thing" in shown(app)
        app.can_drop = False
        app.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert "Drop thing" not in shown(app) and "New thing" in shown(app)


async def test_textuals_footer_rebuilds_once_per_change():
    """Why ConsoleFooter exists: if this ever fails, Textual coalesces by itself."""
    app = FooterApp(Footer())
    async with app.run_test(size=(60, 5)) as pilot:
        await burst(app, pilot)
        assert app.recomposes >= 5


async def test_a_bindings_change_that_shows_the_same_keys_does_not_rebuild_the_footer():
    app = FooterApp(ConsoleFooter())
    async with app.run_test(size=(60, 5)) as pilot:
        await burst(app, pilot)  # ends with "Drop thing" shown
        keys_before = list(app.footer.query(FooterKey))
        app.recomposes = 0
        app.refresh_bindings()  # nothing the footer shows changed
        await pilot.pause()
        await pilot.pause()
        assert app.recomposes == 0
        assert list(app.footer.query(FooterKey)) == keys_before
        app.can_drop = False  # and a real change still shows
        app.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert app.recomposes == 1
        assert "Drop thing" not in shown(app) and "New thing" in shown(app)


class DisablingApp(FooterApp):
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return True if action == "new" or self.can_drop else None  # None: shown, disabled


async def test_a_key_disabled_or_enabled_in_place_looks_as_in_a_rebuilt_footer():
    app = DisablingApp(ConsoleFooter())
    async with app.run_test(size=(60, 5)) as pilot:
        await burst(app, pilot)  # ends with can_drop True: both keys enabled
        keys = [key for key in app.footer.query(FooterKey) if key.action in ("new", "drop")]
        assert [key.has_class("-disabled") for key in keys] == [False, False]
        for can_drop in (False, True, False):
            app.recomposes = 0
            app.can_drop = can_drop
            app.refresh_bindings()
            await pilot.pause()
            await pilot.pause()
            assert app.recomposes == 0 and all(key.is_attached for key in keys)
            assert [key.has_class("-disabled") for key in keys] == [False, not can_drop]
            in_place = app.export_screenshot()
            app.footer.refresh(recompose=True)  # what a rebuilt footer shows
            await pilot.pause()
            await pilot.pause()
            assert app.recomposes == 1
            assert app.export_screenshot() == in_place
            keys = [key for key in app.footer.query(FooterKey) if key.action in ("new", "drop")]
