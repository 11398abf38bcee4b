"""Filtering as a person types it: each keystroke shows exactly the matching registrations,
in list order, whether the text narrows (only shown rows re-tested) or widens again."""

from __future__ import annotations

from tui_helpers import running_console, settle


def expected(app, text: str) -> list[str]:
    needle = text.casefold()
    return [
        a.display_name
        for a in app.apps_view.applications.values()
        if needle in a.display_name.casefold() or a.client_id.startswith(needle)
    ]


def shown(app) -> list[str]:
    table = app.apps_view.table
    return [table.get_cell(key, "name").plain for key in table.rows]


async def test_typing_and_deleting_a_filter_shows_exactly_the_matches_at_each_keystroke(sandbox):
    sandbox.store.seed_applications(240, prefix="svc-")
    sandbox.store.seed_applications(60, prefix="SVC-edge-")
    async with running_console(sandbox) as (app, pilot):
        await pilot.press("slash")
        typed = ""
        for key in list("svc-e") + ["backspace"] * 3 + list("00") + ["backspace"] * 4 + list("1"):
            typed = typed[:-1] if key == "backspace" else typed + key
            await pilot.press(key)
            await settle(app, pilot)
            assert app.apps_view._filter == typed
            assert shown(app) == expected(app, typed), f"after typing {typed!r}"
        # A client id prefix narrows too.
        await pilot.press(*["backspace"] * len(typed))
        target = next(iter(app.apps_view.applications.values())).client_id
        for character in target[:6]:
            await pilot.press(character)
        await settle(app, pilot)
        assert shown(app) == expected(app, target[:6]) and target in app.apps_view.table.rows


# -- keys typed faster than a text field appears ------------------------------------------

import asyncio  # noqa: E402

from textual import events  # noqa: E402
from textual.screen import Screen  # noqa: E402
from textual.widgets import Input, TextArea  # noqa: E402
from tui_helpers import wait_until  # noqa: E402

from rkvst_tui.tui.screens.app_form import AppFormScreen  # noqa: E402


def type_at_once(app, text: str) -> None:
    """Keys as a terminal delivers a burst (a paste without bracketing, a fast typist over
    SSH): all read before the console has handled the first."""
    for character in text:
        key = {"/": "slash", "\t": "tab", "-": "minus"}.get(character, character)
        app.post_message(events.Key(key, character))


async def test_text_typed_right_after_slash_lands_in_the_filter(sandbox):
    sandbox.store.seed_applications(5, prefix="alpha-")
    sandbox.store.seed_applications(5, prefix="beta-")
    async with running_console(sandbox) as (app, pilot):
        type_at_once(app, "/beta")
        await wait_until(pilot, lambda: app.apps_view._filter == "beta", what="the filter 'beta'")
        assert app.focused.id == "apps-filter" and app.focused.value == "beta"
        assert shown(app) == expected(app, "beta") and len(shown(app)) == 5


async def test_a_name_typed_right_after_n_lands_in_the_form(sandbox):
    async with running_console(sandbox) as (app, pilot):
        type_at_once(app, "ndevice-7")
        await wait_until(pilot, lambda: isinstance(app.screen, AppFormScreen), what="the form")
        await wait_until(
            pilot,
            lambda: isinstance(app.focused, Input) and app.focused.value == "device-7",
            what="the name in its field",
        )


class CountingNotes(TextArea):
    """A read-only field that counts the keys it is sent (it takes none of them)."""

    def __init__(self) -> None:
        super().__init__("notes", read_only=True, id="notes")
        self.keys_seen: list[str] = []

    async def _on_key(self, event: events.Key) -> None:
        self.keys_seen.append(event.key)


class ReadOnlyNotes(Screen):
    def compose(self):
        yield CountingNotes()


async def test_a_key_a_read_only_field_does_not_take_is_dropped_not_bounced_forever(sandbox):
    async with running_console(sandbox) as (app, pilot):
        await app.push_screen(ReadOnlyNotes())
        notes = app.screen.query_one(CountingNotes)
        notes.focus()
        await pilot.pause()
        type_at_once(app, "xyz")
        await pilot.pause(0.2)
        # Each key reached the field once, was not taken, came back up, and stopped there.
        assert notes.keys_seen == ["x", "y", "z"]
        assert notes.text == "notes" and isinstance(app.screen, ReadOnlyNotes)


# -- keys typed faster than a text field hands the focus on ----------------------------------


async def open_form_with_a_claim_row(app, pilot) -> AppFormScreen:
    await pilot.press("n")
    await wait_until(pilot, lambda: isinstance(app.screen, AppFormScreen), what="the form")
    await pilot.press("ctrl+n")
    await wait_until(pilot, lambda: "claim-name" in app.focused.classes, what="the new claim's name field")
    return app.screen


async def test_text_typed_right_after_tab_lands_in_the_next_field(sandbox):
    async with running_console(sandbox) as (app, pilot):
        form = await open_form_with_a_claim_row(app, pilot)
        type_at_once(app, "serial\tSN-1")
        await wait_until(
            pilot, lambda: form.query_one(".claim-value", Input).value == "SN-1", what="SN-1 in the claim's value"
        )
        assert form.query_one(".claim-name", Input).value == "serial"
        assert app.focused is form.query_one(".claim-value", Input)


async def test_a_burst_across_several_fields_fills_each_in_turn(sandbox):
    """The same keys give the same form whether typed slowly or in one burst."""
    async with running_console(sandbox) as (app, pilot):
        form = await open_form_with_a_claim_row(app, pilot)
        await pilot.press(*"serial", "tab", *"SN-1")
        await pilot.press("shift+tab", "shift+tab", *"dev", "tab", *"-x", "tab", "2")
        slowly = [field.value for field in form.query(Input)]

    async with running_console(sandbox) as (app, pilot):
        form = await open_form_with_a_claim_row(app, pilot)
        type_at_once(app, "serial\tSN-1")
        await wait_until(pilot, lambda: form.query_one(".claim-value", Input).value == "SN-1", what="the value")
        form.query_one("#display-name", Input).focus()
        await pilot.pause()
        type_at_once(app, "dev\t-x\t2")
        await wait_until(
            pilot,
            lambda: [field.value for field in form.query(Input)] == slowly,
            what=f"the fields typed slowly: {slowly}",
        )
    # Tab into a filled field selects its text (Textual's Input), so what follows replaces it.
    assert slowly[:3] == ["dev", "-x", "2"]


async def test_keys_typed_right_after_escape_closes_the_form_reach_the_console(sandbox):
    sandbox.store.seed_applications(5, prefix="alpha-")
    sandbox.store.seed_applications(5, prefix="beta-")
    async with running_console(sandbox) as (app, pilot):
        type_at_once(app, "n")
        await wait_until(pilot, lambda: isinstance(app.screen, AppFormScreen), what="the form")
        await wait_until(pilot, lambda: isinstance(app.focused, Input), what="the name field")
        app.post_message(events.Key("escape", "\x1b"))  # the form is closed, its fields with it
        type_at_once(app, "/beta")
        await wait_until(pilot, lambda: app.apps_view._filter == "beta", what="the filter 'beta'")
        assert not isinstance(app.screen, AppFormScreen) and shown(app) == expected(app, "beta")


async def test_text_typed_right_after_ctrl_n_lands_in_the_new_claim_row(sandbox):
    """`ctrl+n`, `serial`, Tab, `SN-1` in one burst: the new row gets both, the name field neither."""
    async with running_console(sandbox) as (app, pilot):
        type_at_once(app, "n")
        await wait_until(pilot, lambda: isinstance(app.screen, AppFormScreen), what="the form")
        await wait_until(pilot, lambda: getattr(app.focused, "id", None) == "display-name", what="the name field")
        form = app.screen
        app.post_message(events.Key("ctrl+n", None))
        type_at_once(app, "serial\tSN-1")
        await wait_until(
            pilot,
            lambda: len(form.query(".claim-value")) and form.query_one(".claim-value", Input).value == "SN-1",
            what="SN-1 in the new claim's value",
        )
        assert form.query_one(".claim-name", Input).value == "serial"
        assert form.query_one("#display-name", Input).value == ""
        assert app.focused is form.query_one(".claim-value", Input)


async def test_a_new_filter_starts_at_its_first_match_even_from_the_bottom_of_the_list(sandbox):
    sandbox.store.seed_applications(2000, prefix="app-")
    async with running_console(sandbox) as (app, pilot):
        table = app.apps_view.table
        await pilot.press("end")
        await pilot.pause()
        assert app.apps_view.current_application().display_name == "app-002000"
        await pilot.press("slash", *"app-0015")
        await wait_until(pilot, lambda: app.apps_view._filter == "app-0015", what="the filter")
        await pilot.pause()
        assert shown(app) == [f"app-{n:06d}" for n in range(1500, 1600)]
        # The first match is under the cursor and at the top of the view, none hidden above it.
        assert app.apps_view.current_application().display_name == "app-001500"
        assert table.scroll_y == 0


class SlowInput(Input):
    """A field slow to pass Tab on, as on a busy machine (longer than a lost trail's check)."""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "tab":
            await asyncio.sleep(0.6)
        await super()._on_key(event)


class SlowToMoveOn(Screen):
    def compose(self):
        yield SlowInput(id="first")
        yield Input(id="second")


async def test_keys_behind_a_slowly_handled_tab_still_land_in_the_next_field(sandbox):
    async with running_console(sandbox) as (app, pilot):
        await app.push_screen(SlowToMoveOn())
        app.screen.query_one("#first", Input).focus()
        await pilot.pause()
        type_at_once(app, "a\tb")
        second = app.screen.query_one("#second", Input)
        await wait_until(pilot, lambda: second.value == "b", timeout=5, what="b in the second field")
        assert app.screen.query_one("#first", Input).value == "a"


# -- the filter box does not reshape the table --------------------------------------------

import pytest  # noqa: E402


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_opening_the_filter_keeps_the_tables_width_and_columns(sandbox, size):
    """Pressing `/` adds a line above the table and nothing else: the table keeps the pane's
    full width and its columns, and shows no scrollbar, however long the screen waits (a side
    margin on the box once took two columns off the table, and sometimes drew a scrollbar)."""
    sandbox.store.seed_applications(3, prefix="svc-")
    async with running_console(sandbox, size=size) as (app, pilot):
        table = app.apps_view.table
        before = (table.size.width, [c.get_render_width(table) for c in table.ordered_columns])
        await pilot.press("slash", "s", "v")
        await wait_until(pilot, lambda: app.apps_view._filter == "sv", what="the filter 'sv'")
        for _ in range(5):
            await pilot.pause(0.02)
        assert table.size.width == app.apps_view.size.width == before[0]
        assert [c.get_render_width(table) for c in table.ordered_columns] == before[1]
        assert not table.show_horizontal_scrollbar and not table.show_vertical_scrollbar
