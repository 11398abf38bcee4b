"""Fixtures for the sandbox's own tests: an HTTP session per caller, registrations on demand."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from sandbox_helpers import APPS, session, token_for

from rkvst_tui.sandbox.server import SandboxServer


@pytest.fixture
def api(sandbox: SandboxServer, admin_token: str) -> Iterator[httpx.Client]:
    """An HTTP session of the sandbox's root registration."""
    with session(sandbox.base_url, admin_token) as client:
        yield client


@pytest.fixture
def create_app(api: httpx.Client) -> Callable[..., dict]:
    """Create a registration through the API; the answer includes its one-time secret."""

    def create(display_name: str = "TrafficLight101", custom_claims: dict | None = None) -> dict:
        answer = api.post(APPS, json={"display_name": display_name, "custom_claims": custom_claims or {}})
        assert answer.status_code == 200, answer.text
        return answer.json()

    return create


@pytest.fixture
def non_root(sandbox: SandboxServer, create_app) -> Iterator[tuple[dict, httpx.Client]]:
    """A fresh (non-root) registration and an HTTP session with its token."""
    application = create_app("not-root", {"serial_number": "TL1"})
    token = token_for(sandbox.base_url, application["client_id"], application["credentials"][0]["secret"])
    with session(sandbox.base_url, token) as client:
        yield application, client


@pytest.fixture(scope="module")
def shared_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    """One sandbox for a module's tests that only read, or whose writes are refused:
    many table-driven error rows would otherwise each start their own."""
    server = SandboxServer(tmp_path_factory.mktemp("shared-sandbox"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def shared_api(shared_sandbox: SandboxServer) -> Iterator[httpx.Client]:
    token = token_for(shared_sandbox.base_url, shared_sandbox.admin_client_id, shared_sandbox.admin_secret)
    with session(shared_sandbox.base_url, token) as client:
        yield client
