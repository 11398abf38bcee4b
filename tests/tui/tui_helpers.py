"""Helpers for console tests: a client for a sandbox, and waiting for the console to settle."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from rich.text import Text
from textual.pilot import Pilot

from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.models import Application
from rkvst_tui.tui.app import RkvstApp
from sandbox_clients import sandbox_client

SIZE = (120, 40)


def client_for(server, client_id: str | None = None, secret: str | None = None, **kwargs) -> RkvstClient:
    """A client for a sandbox, as its admin unless other credentials are given."""
    return sandbox_client(server, client_id=client_id, secret=secret, **kwargs)


async def wait_until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.05)


async def settle(app: RkvstApp, pilot: Pilot) -> None:
    """Wait until signing in and the first load of both tables have finished."""
    await wait_until(
        pilot,
        lambda: (app.apps_view.loaded_once and not app.apps_view.loading_pages and app.principals_loaded)
        or app.screen is not app.screen_stack[0],
        what="the console to load",
    )
    await pilot.pause()


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
) -> AsyncIterator[tuple[RkvstApp, Pilot]]:
    client = client or client_for(server)
    app = RkvstApp(client, read_only=read_only, clock=clock)
    try:
        async with app.run_test(size=size) as pilot:
            if page_size is not None:
                app.apps_view.page_size = page_size
            if wait:
                await settle(app, pilot)
            yield app, pilot
    finally:
        await client.aclose()


def cell_text(cell) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def column(app: RkvstApp, key: str) -> list[str]:
    table = app.apps_view.table
    return [cell_text(table.get_cell(row_key, key)) for row_key in table.rows]


def row_of(app: RkvstApp, client_id: str) -> dict[str, Text]:
    table = app.apps_view.table
    return {
        column_key.value: table.get_cell(client_id, column_key.value)
        for column_key in table.columns
    }


def notifications(app: RkvstApp) -> list[str]:
    return [f"{n.title}\n{n.message}" for n in app._notifications]


def screen_text(app: RkvstApp) -> str:
    """What the terminal shows, as plain text lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


GUIDE_CLAIMS = {"serial_number": "TL1000000101", "has_cyclist_light": "true"}


def guide_application(*, secret: str = "", custom_claims: dict[str, str] | None = None) -> Application:
    """The guide's example registration (TrafficLight101), as the server returns it: fixed
    ids and dates, `secret` in its credential, the guide's claims unless others are given."""
    return Application.from_wire(
        {
            "identity": "applications/d1fb6c87-faa9-4d56-b2fd-a5b70a9af065",
            "display_name": "TrafficLight101",
            "client_id": "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065",
            "tenant_id": "tenant/53e6bed7-6f4c-4a37-8c4f-cf889f2b1aa6",
            "credentials": [
                {"secret": secret, "valid_from": "2026-01-15T12:00:00Z", "valid_until": "2027-01-15T12:00:00Z"}
            ],
            "custom_claims": GUIDE_CLAIMS if custom_claims is None else custom_claims,
        }
    )
