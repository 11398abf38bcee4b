"""config.toml's [keymap] remaps the console's keys by action id (tui/actions.py), as the README
says: the new key runs the action, the old one no longer does, the palette and the help name
the new key, a turned-off action's new key still says why, and a typo is reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_console_palette import palette_entries
from textual.widgets import OptionList
from tui_helpers import notifications, running_console, screen_text, wait_until

from rkvst_tui.api.config import load_profiles
from rkvst_tui.api.errors import ConfigError
from rkvst_tui.tui import actions
from rkvst_tui.tui.screens.app_form import AppFormScreen
from rkvst_tui.tui.screens.help import HelpScreen

CONFIG = """
[keymap]
registrations-create = "N"
console-help = "f1"
"""


def keymap_from(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return load_profiles(path).keymap


async def test_a_remapped_key_runs_its_action_and_the_old_key_does_not(sandbox, tmp_path):
    keymap = keymap_from(tmp_path, CONFIG)
    assert keymap == {"registrations-create": "N", "console-help": "f1"}
    async with running_console(sandbox, keymap=keymap) as (app, pilot):
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, AppFormScreen)
        await pilot.press("N")
        await wait_until(pilot, lambda: isinstance(app.screen, AppFormScreen), what="the create form")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0], what="the form closed")
        # The footer and the palette name the new key.
        assert " N New " in screen_text(app).splitlines()[-1] + " "
        entries = dict(await palette_entries(app, pilot, "create app", expect="Create app registration"))
        assert entries["Create app registration"].endswith("(N)")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.screen.query(OptionList), what="the palette closed")
        # ? no longer opens the help; f1 does.
        await pilot.press("question_mark")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")


async def test_a_remapped_change_is_refused_out_loud_in_read_only_mode(sandbox, tmp_path):
    async with running_console(sandbox, read_only=True, keymap=keymap_from(tmp_path, CONFIG)) as (app, pilot):
        await pilot.press("N")
        await pilot.pause()
        assert not isinstance(app.screen, AppFormScreen)
        assert any("Read-only mode: creating registrations is turned off" in n for n in notifications(app))


async def test_an_unknown_action_id_is_named_with_the_known_ones(sandbox, tmp_path):
    keymap = keymap_from(tmp_path, '[keymap]\nregistrations-crate = "N"\n')
    async with running_console(sandbox, keymap=keymap) as (app, pilot):
        await wait_until(
            pilot, lambda: any("registrations-crate" in n for n in notifications(app)), what="the keymap warning"
        )
        warning = next(n for n in notifications(app) if "registrations-crate" in n)
        assert "names no action of the console" in warning and "registrations-create" in warning


@pytest.mark.parametrize(
    "table", ['keymap = "N"\n', "[keymap]\nregistrations-create = 3\n", '[keymap]\nregistrations-create = ""\n']
)
def test_a_keymap_that_is_not_a_table_of_keys_is_a_config_error(tmp_path, table):
    with pytest.raises(ConfigError) as caught:
        keymap_from(tmp_path, table)
    assert "[keymap] must be a table" in caught.value.message and "registrations-create" in caught.value.hint


def test_every_binding_of_the_registry_has_a_unique_id():
    ids = actions.ids()
    assert len(ids) == len(set(ids))
    assert all(binding.id for tab in ("", *actions.TAB_IDS) for binding in actions.bindings(tab))
    assert actions.keymap_problem({"registrations-create": "N"}) is None
    assert "'nope'" in actions.keymap_problem({"nope": "x"})
