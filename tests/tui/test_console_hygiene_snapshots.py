"""How credential upkeep looks at 120x40 and at 80x24: the list with the days left and two rows
marked, the batch rotation's question, and its one reveal (clearly fake secrets, one rotation
stopped at a failure).

Update after an intended change with
`flock /tmp/rkvst-snap.lock uv run pytest tests/tui/test_console_hygiene_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import scenes
from textual.app import App
from tui_helpers import APP_CSS, guide_application

from rkvst_tui.api import errors as api_errors
from rkvst_tui.api.models import Application
from rkvst_tui.tui.app import RkvstApp
from rkvst_tui.tui.problems import describe
from rkvst_tui.tui.screens.rotation_reveal import NotRotated, RotationRevealScreen

# Its own fixed port (the header shows the URL): pytest-xdist may run the other scenes' files,
# which hold theirs, at the same time in another worker.
HYGIENE_SCENE_PORT = 29314
SIZES = {"120x40": scenes.SIZE, "80x24": scenes.NARROW}


@pytest.fixture(scope="module")
def hygiene_server(tmp_path_factory):
    if not scenes.port_is_free(HYGIENE_SCENE_PORT):
        pytest.skip(f"port {HYGIENE_SCENE_PORT} is taken: the scene needs it")
    server = scenes.build_sandbox(tmp_path_factory.mktemp("hygiene-scene"), port=HYGIENE_SCENE_PORT)
    yield server
    server.stop()


async def _marked(pilot) -> None:
    """The scene's list (one secret expired 5 days ago, one due in 17), two rows marked."""
    await scenes.settled(pilot)
    for name in ("TrafficLight102", "partner-feed"):
        await scenes.select_named(pilot, name)
        await pilot.press("space")
    await scenes.select_named(pilot, "TrafficLight101")


async def _asked(pilot) -> None:
    await _marked(pilot)
    await pilot.press("G")
    await pilot.pause()


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("scene", ["marked_list", "rotation_question"])
def test_hygiene_console(scene, size, hygiene_server, snap_compare) -> None:
    run_before = {"marked_list": _marked, "rotation_question": _asked}[scene]
    app = RkvstApp(connect=scenes.connect_to(hygiene_server), clock=scenes.frozen_clock)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


def fake(name: str, digit: str) -> Application:
    application = guide_application(secret=digit * 64)
    application.display_name = name
    application.client_id = f"{digit * 8}-0000-4000-8000-{digit * 12}"
    return application


class RotationRevealHost(App):
    """The batch reveal alone: three fake secrets, the rotation stopped at a fourth (refused)."""

    CSS_PATH = APP_CSS
    HORIZONTAL_BREAKPOINTS = RkvstApp.HORIZONTAL_BREAKPOINTS

    def on_mount(self) -> None:
        rotated = [(fake(name, digit), None) for name, digit in (("TrafficLight101", "0"), ("partner-feed", "1"))]
        refused = fake("legacy-importer", "2")
        problem = describe(
            api_errors.PermissionDenied("caller is not root", status=403, server_message="not a root principal"),
            "Could not rotate the secret of legacy-importer",
        )
        stopped = NotRotated(refused, problem, answer_lost=False, left=[fake("build-pipeline", "3")])
        self.push_screen(
            RotationRevealScreen(
                rotated, default_save_dir=Path("/home/me/credentials"), stopped=stopped, clock=scenes.frozen_clock
            )
        )


@pytest.mark.parametrize("size", sorted(SIZES))
def test_batch_reveal(size, snap_compare) -> None:
    assert snap_compare(RotationRevealHost(), terminal_size=SIZES[size])


def test_batch_reveal_asks_before_closing(snap_compare) -> None:
    async def close(pilot) -> None:
        await pilot.press("down", "s", "escape")
        await pilot.pause()

    assert snap_compare(RotationRevealHost(), terminal_size=scenes.SIZE, run_before=close)
