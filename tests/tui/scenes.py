"""One deterministic tenant for the snapshot tests and tests/screenshots.py.

A deterministic sandbox (fixed clock 2026-01-15T12:00:00Z, seeded ids) on a fixed port,
so the base URL in the header is the same on every run; the console's clock is frozen at
the sandbox's time and the token's expiry is pinned, so the header's "time left" is too.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.connection import Connection
from rkvst_tui.sandbox.server import SandboxServer
from rkvst_tui.sandbox.store import PrincipalRecord
from rkvst_tui.tui.app import RkvstApp

SCENE_PORT = 29311  # fixed (the header and the details show the base URL), below the ephemeral range
UNREACHABLE_PORT = 29312
FROZEN_NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=timezone.utc)
TOKEN_EXPIRES_AT = FROZEN_NOW + timedelta(minutes=42, seconds=10)
SIZE = (120, 40)


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        # As the sandbox binds: connections of a run a moment ago (TIME_WAIT) do not hold the port.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def frozen_clock() -> datetime:
    return FROZEN_NOW


def build_sandbox(data_dir: Path, port: int = SCENE_PORT) -> SandboxServer:
    """The scene's tenant: the guide's TrafficLight registrations and a few that need attention."""
    server = SandboxServer(data_dir, port=port, deterministic=True)
    server.start()
    store = server.store
    records = {}
    for name, claims in (
        ("TrafficLight101", {"serial_number": "TL1000000101", "has_cyclist_light": "true"}),
        ("TrafficLight102", {"serial_number": "TL1000000102", "has_cyclist_light": "false"}),
        ("build-pipeline", {}),
        ("legacy-importer", {"source": "ftp"}),
        ("partner-feed", {"partner": "acme", "region": "eu-west"}),
    ):
        record, _secret = store.create_application(name, claims)  # the secret is dropped: never shown
        records[name] = record
    store.expire_secret(records["legacy-importer"].client_id, FROZEN_NOW - timedelta(days=5))
    store.expire_secret(records["partner-feed"].client_id, FROZEN_NOW + timedelta(days=17))
    principals = store.get_root_principals()
    store.set_root_principals([
        *principals,
        PrincipalRecord("", records["build-pipeline"].client_id, "build-pipeline", "", own_issuer=True),
        PrincipalRecord("https://login.example.com", "auth0|5f1a2b3c4d", "Ada Lovelace", "ada@example.com"),
    ])
    return server


def connect_to(server: SandboxServer) -> Callable:
    """The `connect` factory cli.py would pass: the App owns (and closes) the client."""

    async def connect() -> RkvstClient:
        return RkvstClient(Connection(
            server.base_url, client_id=server.admin_client_id, secret=server.admin_secret,
            profile="sandbox", is_sandbox=True,
        ))

    return connect


def console(server: SandboxServer, *, read_only: bool = False) -> RkvstApp:
    return RkvstApp(connect=connect_to(server), read_only=read_only, clock=frozen_clock)


async def settled(pilot: Pilot) -> None:
    """Wait for the load, then pin everything that moves: token expiry, cursor blink."""
    app = pilot.app
    for _ in range(400):
        if app.apps_view.loaded_once and not app.apps_view.loading_pages and app.principals_loaded:
            break
        await pilot.pause(0.025)
    else:
        raise AssertionError("the console did not load")
    await app.workers.wait_for_complete()
    if app.client is not None:
        app.client.tokens.expires_at = TOKEN_EXPIRES_AT
        app.query_one("ConsoleHeader").refresh_token_time()
    freeze_inputs(app)
    await pilot.pause()


def freeze_inputs(app) -> None:
    for screen in app.screen_stack:
        for box in screen.query(Input):
            box.cursor_blink = False


async def select_named(pilot: Pilot, name: str) -> None:
    app = pilot.app
    client_id = next(c for c, a in app.apps_view.applications.items() if a.display_name == name)
    app.apps_view.select(client_id)
    await pilot.pause()


# Each scene: (file stem, run_before coroutine, keys to press after it).
async def _main(pilot: Pilot) -> None:
    await settled(pilot)
    await select_named(pilot, "TrafficLight101")


async def _details(pilot: Pilot) -> None:
    await _main(pilot)


async def _principals(pilot: Pilot) -> None:
    await settled(pilot)


async def _filter(pilot: Pilot) -> None:
    await settled(pilot)


SCENES = {
    "app_registrations": (_main, ()),
    "registration_details": (_details, ("enter",)),
    "delete_confirmation": (_main, ("d",)),
    "regenerate_warning": (_main, ("g",)),
    "root_principals": (_principals, ("2",)),
    "filter": (_filter, ("slash", "T", "r", "a", "f")),
    "help": (_main, ("question_mark",)),
}
