"""Running the console against a test's sandbox: a client, waiting, and what the screen says.

Shared by the console's tests (tests/tui/tui_helpers.py) and the reliability tests
(tests/reliability/reliability_helpers.py, which adds fault-injecting transports).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from textual.pilot import Pilot

from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.connection import Connection
from rkvst_tui.tui.app import RkvstApp

SIZE = (120, 40)


def sandbox_client(server, *, client_id: str | None = None, secret: str | None = None, **kwargs) -> RkvstClient:
    """A client for a sandbox, as its admin unless other credentials are given."""
    connection = Connection(
        server.base_url,
        client_id=client_id or server.admin_client_id,
        secret=secret or server.admin_secret,
        profile="sandbox",
        is_sandbox=True,
    )
    return RkvstClient(connection, **kwargs)


async def wait_until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.05)


async def settle(app: RkvstApp, pilot: Pilot) -> None:
    """Wait until signing in and the first load of both tables have finished (or a dialog,
    such as a connection problem, has come up instead)."""
    await wait_until(
        pilot,
        lambda: (
            (app.apps_view.loaded_once and not app.apps_view.loading_pages and app.principals_loaded and has_keys(app))
            or app.screen is not app.screen_stack[0]
        ),
        what="the console to load",
    )
    await pilot.pause()


def has_keys(app: RkvstApp) -> bool:
    """The main screen's footer shows its keys (they come just after the first rows)."""
    from textual.widgets import Footer

    return any(footer.children for footer in app.screen_stack[0].query(Footer))


@asynccontextmanager
async def running_console(
    server,
    *,
    client: RkvstClient | None = None,
    read_only: bool = False,
    clock: Callable[[], datetime] | None = None,
    page_size: int | None = None,
    wait: bool = True,
    size: tuple[int, int] = SIZE,
    journal=None,
    keymap: dict[str, str] | None = None,
) -> AsyncIterator[tuple[RkvstApp, Pilot]]:
    """The console on `server` (through `client` if given; closed at the end), settled; with
    `journal`, it notes the secrets it shows there (api/secret_journal.py)."""
    client = client or sandbox_client(server)
    app = RkvstApp(client, read_only=read_only, clock=clock, journal=journal, keymap=keymap)
    try:
        async with app.run_test(size=size) as pilot:
            if page_size is not None:
                app.apps_view.page_size = page_size
            if wait:
                await settle(app, pilot)
            yield app, pilot
    finally:
        await client.aclose()


def notifications(app: RkvstApp) -> list[str]:
    return [f"{n.title}\n{n.message}" for n in app._notifications]


def screen_text(app: RkvstApp) -> str:
    """What the terminal shows, as plain text lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
