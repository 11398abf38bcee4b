"""Filtering as a person types it: each keystroke shows exactly the matching registrations,
in list order, whether the text narrows (only shown rows re-tested) or widens again."""

from __future__ import annotations

from tui_helpers import running_console, settle


def expected(app, text: str) -> list[str]:
    needle = text.casefold()
    return [a.display_name for a in app.apps_view.applications.values()
            if needle in a.display_name.casefold() or a.client_id.startswith(needle)]


def shown(app) -> list[str]:
    table = app.apps_view.table
    return [table.get_cell_at((row, 0)).plain for row in range(table.row_count)]


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
