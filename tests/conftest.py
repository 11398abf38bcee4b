"""Shared fixtures: a real sandbox on 127.0.0.1 for every test that needs one.

- `sandbox`: a started SandboxServer on a fresh data dir, stopped after the test.
- `make_sandbox(**kwargs)`: a factory for sandboxes with options (token_ttl=2,
  rate_limit=5, max_apps=3, deterministic=True, data_dir=...); all stopped after.
- `admin_token`: a bearer token for the `sandbox` fixture's root registration.
- `mint_token(server, client_id=None, secret=None)`: a token from any sandbox (the
  admin's when no credentials are given).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from rkvst_tui.sandbox.server import SandboxServer

TOKEN_PATH = "/archivist/iam/v1/appidp/token"

# The security suite's figures (tests/security/conftest.py), gathered from every xdist worker.
_FIGURES: dict[str, dict] = {"tally": {}, "notes": {}}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    figures = getattr(node, "workeroutput", {}).get("security_figures")
    if figures:
        for name, count in figures["tally"].items():
            _FIGURES["tally"][name] = _FIGURES["tally"].get(name, 0) + count
        _FIGURES["notes"].update(figures["notes"])


def pytest_terminal_summary(terminalreporter) -> None:
    """The security suite's score, which the README's "Reliability and security" section quotes."""
    tally, notes = dict(_FIGURES["tally"]), dict(_FIGURES["notes"])
    local = sys.modules.get("security_helpers")  # a run without xdist: the figures are here
    if local is not None:
        for name, count in local.TALLY.items():
            tally[name] = tally.get(name, 0) + count
        notes.update({name: str(value) for name, value in local.NOTES.items()})
    if not tally and not notes:
        return
    terminalreporter.section("security suite figures")
    for name, count in sorted(tally.items()):
        terminalreporter.write_line(f"{name}: {count}")
    for name, value in notes.items():
        terminalreporter.write_line(f"{name}: {value}")


def mint_token(server: SandboxServer, client_id: str | None = None, secret: str | None = None) -> str:
    """A bearer token from the sandbox's token endpoint, over real HTTP."""
    answer = httpx.post(
        server.base_url + TOKEN_PATH,
        data={
            "grant_type": "client_credentials",
            "client_id": client_id or server.admin_client_id,
            "client_secret": secret or server.admin_secret,
        },
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()["access_token"]


@pytest.fixture
def make_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., SandboxServer]]:
    started: list[SandboxServer] = []

    def factory(*, start: bool = True, **kwargs) -> SandboxServer:
        kwargs.setdefault("data_dir", tmp_path_factory.mktemp("sandbox"))
        server = SandboxServer(**kwargs)
        started.append(server)
        if start:
            server.start()
        return server

    yield factory
    for server in reversed(started):
        server.stop()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., SandboxServer]) -> SandboxServer:
    return make_sandbox()


@pytest.fixture
def admin_token(sandbox: SandboxServer) -> str:
    return mint_token(sandbox)


@pytest.fixture(name="mint_token")
def mint_token_fixture() -> Callable[..., str]:
    return mint_token


@pytest.fixture
def sandbox_data_dir(tmp_path: Path) -> Path:
    """A fresh data dir for tests that build and restart a sandbox themselves."""
    return tmp_path / "sandbox-data"


@pytest.fixture(scope="session")
def rsa_key():
    """An RSA key for tests that sign tokens themselves (see tests/jwt_helpers.py)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def snap_compare(snap_compare, request):
    """pytest-textual-snapshot's snap_compare, which on a mismatch fails with the text diff of
    the two screens (its HTML report stays on the machine that ran the test)."""
    import pickle

    from pytest_textual_snapshot import node_to_report_path
    from snapshot_text import text_diff

    def compare(*args, **kwargs) -> bool:
        __tracebackhide__ = True  # the diff is the message; the fixture's frame adds nothing
        if snap_compare(*args, **kwargs):
            return True
        report = pickle.loads(node_to_report_path(request.node).read_bytes())
        expected, actual, snapshot_exists = report[1], report[2], report[-1]
        if not snapshot_exists:
            return False  # no snapshot yet: the plugin says so
        raise AssertionError(f"the screen differs from its snapshot:\n{text_diff(expected, actual)}")

    return compare
