"""How the access policy form looks at 120x40 and 80x24, with the console's stylesheet.

No server: the tenant's assets and registrations are given to the form. Update after an
intended change with `uv run pytest tests/tui/test_policy_form_snapshots.py --snapshot-update`
(under flock /tmp/rkvst-snap.lock) and look at the SVGs.
"""

from __future__ import annotations

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, TextArea
from tui_helpers import APP_CSS

from rkvst_tui.api import access_rules as rules
from rkvst_tui.api.policies import Policy
from rkvst_tui.tui.screens.policy_form import PolicyFormScreen

SIZE = (120, 40)
NARROW = (80, 24)
ASSETS = [
    {"arc_display_type": "Traffic Light", "location": "Cambridge", "arc_display_name": "TL 1"},
    {"arc_display_type": "Weather Station", "location": "Ely", "arc_display_name": "WS 1"},
]
REGISTRATIONS = [
    rules.Who.registration("d1c1e6f4-0000-4000-8000-000000000101", "TrafficLight101", {"serial_number": "TL1"})
]
EXISTING = Policy.from_wire(
    {
        "identity": "access_policies/3f2c7a1e-5b6d-4c8e-9a0b-1c2d3e4f5a6b",
        "display_name": "Evil\x1b[2J name",
        "description": "Traffic lights of Cambridge for their maintainers",
        "filters": [
            {"or": ["attributes.arc_display_type=Traffic Light", "attributes.arc_display_type=Weather Station"]},
            {"or": ["attributes.location=Cambridge"]},
        ],
        "access_permissions": [
            {"user_attributes": [{"or": ["jwt_serial_number=TL1"]}], "asset_attributes_read": ["arc_display_name"]},
            {"user_attributes": [{"or": ["subject=someone-else"]}], "asset_attributes_read": ["location"]},
        ],
    }
)


class FormHost(App):
    CSS_PATH = APP_CSS

    def __init__(self, existing: Policy | None = None) -> None:
        super().__init__()
        self.existing = existing

    def on_mount(self) -> None:
        self.push_screen(PolicyFormScreen(None, existing=self.existing, registrations=REGISTRATIONS, assets=ASSETS))


async def steady(pilot: Pilot) -> None:
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    for area in pilot.app.screen.query(TextArea):
        area.cursor_blink = False
    await pilot.pause()


async def typed_with_problems(pilot: Pilot) -> None:
    await pilot.press(*"Lamps")
    filters = pilot.app.screen.query_one("#policy-filters", TextArea)
    filters.focus()
    await pilot.press(*"location=Cambridge", "enter", *"attributes.arc_display_type=Traffic Light")
    pilot.app.screen.query_one("#policy-who", TextArea).focus()
    await pilot.press(*"jwt_colour=red")
    await steady(pilot)


@pytest.mark.parametrize("size", [SIZE, NARROW], ids=["120x40", "80x24"])
def test_new_policy_form_with_an_error_and_warnings(snap_compare, size) -> None:
    assert snap_compare(FormHost(), terminal_size=size, run_before=typed_with_problems)


@pytest.mark.parametrize("size", [SIZE, NARROW], ids=["120x40", "80x24"])
def test_edit_form_of_a_policy_with_two_permissions(snap_compare, size) -> None:
    assert snap_compare(FormHost(EXISTING), terminal_size=size, run_before=steady)
