"""Fixtures for the service layer's tests: clients connected to a real sandbox over HTTP."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from api_helpers import admin_connection

from rkvst_tui.api.client import RkvstClient
from rkvst_tui.sandbox.server import SandboxServer
from rkvst_tui.sandbox.store import DATABASE_NAME


@pytest.fixture
async def client(sandbox: SandboxServer) -> AsyncIterator[RkvstClient]:
    """The sandbox's root registration, through the service layer."""
    async with RkvstClient(admin_connection(sandbox)) as api:
        yield api


@pytest.fixture
def restart_with_new_keys() -> Callable[[SandboxServer], None]:
    """Stop a sandbox, throw its signing keys away and start it on the same port.

    Every token it issued before is then refused (401), while the registrations and
    their secrets survive: what a client sees when the backend's key was replaced.
    """

    def restart(server: SandboxServer) -> None:
        port = server.port
        server.stop()
        with sqlite3.connect(Path(server.data_dir) / DATABASE_NAME) as db:
            db.execute("DELETE FROM signing_keys")
        server.start()
        assert server.port == port

    return restart
