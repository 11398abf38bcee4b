"""How the one-time secret reveal looks at 120x40 and 80x24, with a clearly fake secret.

Update after an intended change with
`uv run pytest tests/tui/test_secret_reveal_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import APP_CSS, guide_application

from rkvst_tui.api.models import Application
from rkvst_tui.tui.app import RkvstApp
from rkvst_tui.tui.screens.secret_reveal import SecretRevealScreen

SIZE = (120, 40)
NARROW = (80, 24)
FAKE_SECRET = "0" * 64


def fake_application() -> Application:
    return guide_application(secret=FAKE_SECRET)


class RevealHost(App):
    CSS_PATH = APP_CSS
    HORIZONTAL_BREAKPOINTS = RkvstApp.HORIZONTAL_BREAKPOINTS  # the console's narrow layout below 112 columns

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def on_mount(self) -> None:
        self.push_screen(
            SecretRevealScreen(
                fake_application(), None, default_save_dir=Path("/home/me/credentials"), reason=self.reason
            )
        )


def test_reveal_after_create(snap_compare) -> None:
    assert snap_compare(RevealHost("created"), terminal_size=SIZE)


def test_reveal_after_regenerate_with_the_secret_hidden(snap_compare) -> None:
    assert snap_compare(RevealHost("regenerated"), terminal_size=SIZE, press=["h"])


def test_closing_asks_first(snap_compare) -> None:
    async def close(pilot: Pilot) -> None:
        await pilot.press("escape")
        await pilot.pause()

    assert snap_compare(RevealHost("created"), terminal_size=SIZE, run_before=close)


def test_reveal_at_80x24(snap_compare) -> None:
    assert snap_compare(RevealHost("created"), terminal_size=NARROW)


def test_closing_asks_first_at_80x24(snap_compare) -> None:
    async def close(pilot: Pilot) -> None:
        await pilot.press("escape")
        await pilot.pause()

    assert snap_compare(RevealHost("created"), terminal_size=NARROW, run_before=close)


def test_save_dialog_at_80x24(snap_compare) -> None:
    async def save(pilot: Pilot) -> None:
        await pilot.press("f")
        await pilot.pause()
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False
        await pilot.pause()

    assert snap_compare(RevealHost("created"), terminal_size=NARROW, run_before=save)
