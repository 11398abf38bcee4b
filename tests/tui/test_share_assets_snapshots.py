"""How "Share assets with registration" (s) looks at 120x40 and 80x24, on scenes.py's tenant.

Its own port (the header shows the base URL), so it never meets test_console_snapshots' server.
Update after an intended change with
`flock /tmp/rkvst-snap.lock uv run pytest -n0 tests/tui/test_share_assets_snapshots.py --snapshot-update`
and look at the SVGs.
"""

from __future__ import annotations

import pytest
import scenes
from textual.pilot import Pilot
from textual.widgets import SelectionList

from rkvst_tui.tui.screens.share_assets import ShareAssetsScreen

SHARE_PORT = 29317

pytestmark = pytest.mark.skipif(
    not scenes.port_is_free(SHARE_PORT), reason=f"port {SHARE_PORT} is taken: the scene needs it"
)


@pytest.fixture(scope="module")
def share_server(tmp_path_factory):
    server = scenes.build_sandbox(tmp_path_factory.mktemp("share-scene"), port=SHARE_PORT)
    yield server
    server.stop()


async def _sharing(pilot: Pilot) -> None:
    """TrafficLight101's share screen with the Cambridge traffic lights picked, by client id."""
    app = pilot.app
    await scenes._main(pilot)
    await pilot.press("s")
    await scenes._until(
        pilot, lambda: isinstance(app.screen, ShareAssetsScreen) and app.screen.loaded, "the share screen"
    )
    screen = app.screen
    values = screen.query_one("#share-values", SelectionList)
    for pair in (("arc_display_type", "Traffic Light"), ("location", "Cambridge")):
        values.select(screen.pairs.index(pair))
    await app.workers.wait_for_complete()
    scenes.freeze_inputs(app)
    await pilot.pause()


@pytest.mark.parametrize("size", [scenes.SIZE, scenes.NARROW], ids=["120x40", "80x24"])
def test_share_assets_screen(size, share_server, snap_compare):
    assert snap_compare(scenes.console(share_server), terminal_size=size, run_before=_sharing)
