"""How the console looks against a DataTrails-flavoured sandbox (the Owner role, no root
principals, caps), at 120x40 and at 80x24: the header, the Owner marks and the quota line, the
ROOT PRINCIPALS tab explaining roles, the create form with its Owner box and last-one warning.

Update after an intended change with
`flock /tmp/rkvst-snap.lock uv run pytest tests/tui/test_datatrails_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest
import scenes

from rkvst_tui.sandbox.server import SandboxServer

# Its own fixed port (the header shows the URL): pytest-xdist may run test_console_snapshots.py,
# which holds scenes.SCENE_PORT, at the same time in another worker.
DATATRAILS_SCENE_PORT = 29313
pytestmark = pytest.mark.skipif(
    not scenes.port_is_free(DATATRAILS_SCENE_PORT), reason=f"port {DATATRAILS_SCENE_PORT} is taken: the scene needs it"
)


@pytest.fixture(scope="module")
def datatrails_server(tmp_path_factory):
    """The scene's tenant on DataTrails: two Owners besides the admin, a quota with one left."""
    server = SandboxServer(
        tmp_path_factory.mktemp("dt-scene"),
        port=DATATRAILS_SCENE_PORT,
        deterministic=True,
        flavour="datatrails",
        max_apps=5,
    )
    server.start()
    for name, claims, roles in (
        ("TrafficLight101", {"serial_number": "TL1000000101"}, ()),
        ("ci-owner", {}, ("OWNER",)),
        ("partner-feed", {"partner": "acme"}, ()),
        ("ops-admin", {}, ("OWNER",)),
    ):
        server.store.create_application(name, claims, roles=roles)
    yield server
    server.stop()


async def _main(pilot) -> None:
    await scenes.settled(pilot)
    await scenes.select_named(pilot, "TrafficLight101")


SCREENS = {"datatrails_main": (), "datatrails_principals": ("2",), "datatrails_create": ("n",)}


def shoot(name, server, snap_compare, size) -> bool:
    keys = SCREENS[name]

    async def run_before(pilot):
        await _main(pilot)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        for screen in pilot.app.screen_stack:  # the form's quota note arrives from a worker
            await screen.workers.wait_for_complete()
        scenes.freeze_inputs(pilot.app)
        await pilot.pause()

    return snap_compare(scenes.console(server), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("name", sorted(SCREENS))
def test_datatrails_console(name, datatrails_server, snap_compare):
    assert shoot(name, datatrails_server, snap_compare, scenes.SIZE)


@pytest.mark.parametrize("name", sorted(SCREENS))
def test_datatrails_console_at_80x24(name, datatrails_server, snap_compare):
    assert shoot(name, datatrails_server, snap_compare, scenes.NARROW)
