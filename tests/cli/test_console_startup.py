"""The console's start-up plumbing: the sandbox child launched before the UI, GC paused then resumed."""

from __future__ import annotations

import asyncio
import gc
import sys
import time

import pytest

from rkvst_tui.cli import console as cli_console
from rkvst_tui.cli import output
from rkvst_tui.cli import parser as cli_parser


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    for name in (
        "RKVST_URL",
        "RKVST_CLIENT_ID",
        "RKVST_APPREG_CLIENT",
        "RKVST_CLIENT_SECRET",
        "RKVST_APPREG_SECRET",
        "RKVST_CLIENT_SECRET_FILE",
        "RKVST_APPREG_SECRET_FILENAME",
        "RKVST_BEARER_TOKEN_FILE",
        "BEARER_TOKEN_FILE",
        "RKVST_AUTHTOKEN_FILENAME",
        "RKVST_PROFILE",
        "RKVST_TUI_STATE_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RKVST_TUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("RKVST_TUI_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def test_launch_now_starts_the_sandbox_child_before_anyone_connects(isolated):
    args = cli_parser.build_parser().parse_args([])
    connect, servers = cli_console.console_connect(
        args, output.Io(sys.stdout, sys.stderr, sys.stdin, False), launch_now=True
    )
    try:
        assert len(servers) == 1 and servers[0].running  # started, not waited for

        async def use():
            async with await connect() as client:
                return await client.whoami()

        me = asyncio.run(use())
        assert me.is_root is True and me.display_name == "sandbox-admin"
        assert len(servers) == 1  # connect used the child already running
    finally:
        for server in servers:
            server.stop()
    assert not servers[0].running


def test_a_second_console_signs_in_to_the_sandbox_the_first_one_runs(isolated):
    io = output.Io(sys.stdout, sys.stderr, sys.stdin, False)
    args = cli_parser.build_parser().parse_args([])
    first_connect, first_servers = cli_console.console_connect(args, io, launch_now=True)
    second_connect, second_servers = (None, [])

    async def signed_in(connect):
        async with await connect() as client:
            return client.connection.base_url, (await client.whoami()).display_name

    try:
        first_url, first_name = asyncio.run(signed_in(first_connect))
        second_connect, second_servers = cli_console.console_connect(args, io, launch_now=True)
        second_url, second_name = asyncio.run(signed_in(second_connect))
        assert second_url == first_url and first_name == second_name == "sandbox-admin"
        assert second_servers[0].shared and not first_servers[0].shared
    finally:
        for server in first_servers + second_servers:
            server.stop()


def test_garbage_collection_is_paused_for_start_up_and_resumed(monkeypatch):
    monkeypatch.setattr(cli_console, "START_UP_GC_PAUSE", 0.05)
    was_enabled = gc.isenabled()
    try:
        cli_console.pause_gc_for_start_up()
        assert not gc.isenabled()
        deadline = time.monotonic() + 5
        while not gc.isenabled() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


async def test_reconnect_after_the_shared_sandbox_stops_starts_this_consoles_own(isolated):
    """The console that shared another's sandbox outlives it: Reconnect finds or starts one."""
    from rkvst_tui.api import state_dirs
    from rkvst_tui.sandbox.embedded import SandboxProcess
    from rkvst_tui.tui.app import RkvstApp
    from tests.console_helpers import SIZE, screen_text, settle, wait_until

    other_console = SandboxProcess(state_dirs.sandbox_data_dir(), preferred_port=0).start()
    connect, servers = cli_console.console_connect(
        cli_parser.build_parser().parse_args([]), output.Io(sys.stdout, sys.stderr, sys.stdin, False)
    )
    app = RkvstApp(connect=connect)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert app.client.connection.base_url == other_console.base_url and servers[0].shared
            other_console.stop()
            await app.run_action("reconnect")
            await wait_until(
                pilot,
                lambda: app.client is not None and servers[0].running and servers[0].base_url in screen_text(app),
                what="this console's own sandbox",
            )
            await wait_until(pilot, lambda: "signed in as" in screen_text(app), what="signed in again")
            assert not servers[0].shared and app.client.connection.base_url == servers[0].base_url
    finally:
        other_console.stop()
        for server in servers:
            server.stop()
