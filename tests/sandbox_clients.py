"""A client for a test's sandbox, as its admin unless other credentials are given.

Shared by the console's tests (tests/tui/tui_helpers.py) and the reliability tests
(tests/reliability/reliability_helpers.py, which adds a fault-injecting transport).
"""

from __future__ import annotations

from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.connection import Connection


def sandbox_client(server, *, client_id: str | None = None, secret: str | None = None, **kwargs) -> RkvstClient:
    connection = Connection(
        server.base_url,
        client_id=client_id or server.admin_client_id,
        secret=secret or server.admin_secret,
        profile="sandbox",
        is_sandbox=True,
    )
    return RkvstClient(connection, **kwargs)
