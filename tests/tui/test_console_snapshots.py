"""How the console looks, at 120x40 and at 80x24, from one deterministic tenant (see scenes.py).

Update after an intended change with `uv run pytest tests/tui/test_console_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest
import scenes

pytestmark = pytest.mark.skipif(
    not scenes.port_is_free(scenes.SCENE_PORT), reason=f"port {scenes.SCENE_PORT} is taken: the scene needs it"
)


@pytest.fixture(scope="module")
def scene_server(tmp_path_factory):
    server = scenes.build_sandbox(tmp_path_factory.mktemp("scene"))
    yield server
    server.stop()


def shoot(name, scene_server, snap_compare, size) -> bool:
    run_before, keys = {**scenes.SCENES, **scenes.TEST_SCENES}[name]
    app = scenes.console(scene_server)

    async def prepare(pilot):
        await run_before(pilot)

    async def after_keys(pilot):
        await prepare(pilot)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        scenes.freeze_inputs(pilot.app)
        await pilot.pause()

    return snap_compare(app, terminal_size=size, run_before=after_keys)


@pytest.mark.parametrize("name", sorted(scenes.SCENES))
def test_console_screen(name, scene_server, snap_compare):
    assert shoot(name, scene_server, snap_compare, scenes.SIZE)


@pytest.mark.parametrize("name", sorted({**scenes.SCENES, **scenes.TEST_SCENES}))
def test_console_screen_at_80x24(name, scene_server, snap_compare):
    assert shoot(name, scene_server, snap_compare, scenes.NARROW)


def test_read_only_console(scene_server, snap_compare):
    app = scenes.console(scene_server, read_only=True)
    assert snap_compare(app, terminal_size=scenes.SIZE, run_before=scenes._main)


def test_unreachable_backend(snap_compare, tmp_path):
    if not scenes.port_is_free(scenes.UNREACHABLE_PORT):
        pytest.skip(f"port {scenes.UNREACHABLE_PORT} is taken")
    from rkvst_tui.api.client import RkvstClient
    from rkvst_tui.api.connection import Connection
    from rkvst_tui.tui.app import RkvstApp

    async def connect():
        return RkvstClient(
            Connection(
                f"http://127.0.0.1:{scenes.UNREACHABLE_PORT}",
                client_id="d1fb6c87-faa9-4d56-b2fd-a5b70a9af065",
                secret="x" * 64,
                profile="work",
            ),
            max_connection_retries=0,
        )

    app = RkvstApp(connect=connect, clock=scenes.frozen_clock)

    async def wait_for_problem(pilot):
        for _ in range(200):
            if type(pilot.app.screen).__name__ == "ConnectionProblemScreen":
                break
            await pilot.pause(0.025)
        await pilot.pause()

    assert snap_compare(app, terminal_size=scenes.SIZE, run_before=wait_for_problem)
