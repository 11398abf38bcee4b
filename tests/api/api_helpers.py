"""Helpers shared by the service layer's tests (importable: tests/api is on sys.path)."""

from __future__ import annotations

from rkvst_tui.api.connection import Connection
from rkvst_tui.sandbox.server import SandboxServer


def admin_connection(server: SandboxServer, **kwargs) -> Connection:
    """A connection as the sandbox's bootstrap root registration."""
    return Connection(server.base_url, client_id=server.admin_client_id, secret=server.admin_secret, **kwargs)
