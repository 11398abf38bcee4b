"""Fixtures of the security suite, and its score printed at the end of a run.

The figures (attacks tried and refused, generated conformance requests, files and log
records scanned for secrets) are what the README's "Reliability and security" section
quotes; printing them from the run keeps them honest.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from security_helpers import NOTES, TALLY, create_registration, mint, secret_of

from rkvst_tui.sandbox.server import SandboxServer


@pytest.fixture(scope="module")
def shared_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    """One sandbox for a module of attacks that change nothing (each starts in ~0.3 s)."""
    server = SandboxServer(tmp_path_factory.mktemp("shared-sandbox"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def non_root(sandbox):
    """A fresh registration that is not a root principal: (application with secret, its token)."""
    application = create_registration(sandbox, "not-root", {"serial_number": "TL1"})
    return application, mint(sandbox, application["client_id"], secret_of(application))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Under pytest-xdist a worker hands its figures to the controller, which prints them
    all (tests/conftest.py); without xdist they are read from here directly."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["security_figures"] = {
            "tally": dict(TALLY),
            "notes": {name: str(value) for name, value in NOTES.items()},
        }
