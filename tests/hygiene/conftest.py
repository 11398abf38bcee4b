"""Fixtures of the credential-hygiene tests (audit trail, expiry, rotation): a client of a real
sandbox on 127.0.0.1 with an audit trail in the test's own state directory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hygiene_helpers import admin_client

from rkvst_tui.api.audit import AuditTrail
from rkvst_tui.api.client import RkvstClient


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Config, data and state of this test only."""
    for name in ("CONFIG", "DATA", "STATE"):
        monkeypatch.setenv(f"RKVST_TUI_{name}_DIR", str(tmp_path / name.lower()))
    return tmp_path / "state"


@pytest.fixture
def trail(state_dir: Path) -> AuditTrail:
    return AuditTrail()


@pytest.fixture
async def client(sandbox, trail: AuditTrail) -> AsyncIterator[RkvstClient]:
    """The sandbox's root registration, with the audit trail set."""
    async with admin_client(sandbox) as api:
        api.audit = trail
        yield api


@pytest.fixture
def cli_env(sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The command line configured through the environment as the sandbox's root registration;
    nothing from the machine running the tests; stdin not a terminal."""
    import io
    import sys

    from tests.env_helpers import clear_service_environment

    clear_service_environment(monkeypatch)
    for name in ("CONFIG", "DATA", "STATE"):
        monkeypatch.setenv(f"RKVST_TUI_{name}_DIR", str(tmp_path / name.lower()))
    monkeypatch.setenv("RKVST_URL", sandbox.base_url)
    monkeypatch.setenv("RKVST_CLIENT_ID", sandbox.admin_client_id)
    monkeypatch.setenv("RKVST_CLIENT_SECRET_FILE", str(sandbox.credentials_file))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    return sandbox
