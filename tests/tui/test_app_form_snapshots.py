"""How the create / edit form looks at 120x40 and 80x24, with the console's stylesheet.

Update after an intended change with
`uv run pytest tests/tui/test_app_form_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import APP_CSS, guide_application

from rkvst_tui.api.models import Application
from rkvst_tui.tui.screens.app_form import AppFormScreen

SIZE = (120, 40)
NARROW = (80, 24)


class FormHost(App):
    CSS_PATH = APP_CSS

    def __init__(self, existing: Application | None = None) -> None:
        super().__init__()
        self.existing = existing

    def on_mount(self) -> None:
        # No client: nothing in these pictures talks to a server.
        self.push_screen(AppFormScreen(None, existing=self.existing))


async def steady(pilot: Pilot) -> None:
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    await pilot.pause()


def form_with_errors(snap_compare, size) -> bool:
    async def fill(pilot: Pilot) -> None:
        await pilot.press(*"TrafficLight101")
        for name, value in [
            ("serial_number", "TL1000000101"),
            ("jit_device", "lamp"),
            ("email", "ops@example.com"),
            ("Exp", "soon"),
            ("serial_number", "again"),
        ]:
            await pilot.press("ctrl+n", *name, "tab", *value)
        await pilot.press("ctrl+s")  # refused: says why and goes to the first bad row
        await steady(pilot)

    return snap_compare(FormHost(), terminal_size=size, run_before=fill)


def test_form_with_errors_and_warnings(snap_compare) -> None:
    assert form_with_errors(snap_compare, SIZE)


def test_form_with_errors_and_warnings_at_80x24(snap_compare) -> None:
    assert form_with_errors(snap_compare, NARROW)


def test_form_with_a_bad_application_file(snap_compare, tmp_path_factory) -> None:
    folder = Path("/tmp/rkvst-form-snapshot")  # a fixed path: it is in the picture
    folder.mkdir(exist_ok=True)
    bad = folder / "app.json"
    bad.write_text('{"display_name": "x", "custom_claims": ["serial_number"]}')

    async def load(pilot: Pilot) -> None:
        path_input = pilot.app.screen.query_one("#json-path", Input)
        path_input.focus()
        path_input.value = str(bad)
        await pilot.press("enter")
        await steady(pilot)

    assert snap_compare(FormHost(), terminal_size=SIZE, run_before=load)


def test_edit_form(snap_compare) -> None:
    existing = guide_application()
    assert snap_compare(FormHost(existing), terminal_size=SIZE, run_before=steady)
