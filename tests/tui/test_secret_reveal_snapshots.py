"""How the one-time secret reveal looks at 120x40, with a clearly fake secret.

Update after an intended change with
`uv run pytest tests/tui/test_secret_reveal_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.pilot import Pilot

import rkvst_tui.tui
from rkvst_tui.api.models import Application
from rkvst_tui.tui.secret_reveal import SecretRevealScreen

SIZE = (120, 40)
APP_CSS = str(Path(rkvst_tui.tui.__file__).parent / "app.tcss")
FAKE_SECRET = "0" * 64


def fake_application() -> Application:
    return Application.from_wire(
        {
            "identity": "applications/d1fb6c87-faa9-4d56-b2fd-a5b70a9af065",
            "display_name": "TrafficLight101",
            "client_id": "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065",
            "tenant_id": "tenant/53e6bed7-6f4c-4a37-8c4f-cf889f2b1aa6",
            "credentials": [
                {"secret": FAKE_SECRET, "valid_from": "2026-01-15T12:00:00Z", "valid_until": "2027-01-15T12:00:00Z"}
            ],
            "custom_claims": {"serial_number": "TL1000000101", "has_cyclist_light": "true"},
        }
    )


class RevealHost(App):
    CSS_PATH = APP_CSS

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def on_mount(self) -> None:
        self.push_screen(
            SecretRevealScreen(fake_application(), None, default_save_dir=Path("/home/me/credentials"),
                               reason=self.reason)
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
