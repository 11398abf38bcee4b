"""Tests run with nothing from the machine that runs them: no service, credentials or profile."""

from __future__ import annotations

import os

import pytest

# What rkvst-tui reads besides its RKVST_*/DATATRAILS_* names (the SDK's and the docs' file names).
OTHER_NAMES = ("BEARER_TOKEN_FILE",)


def clear_service_environment(monkeypatch: pytest.MonkeyPatch, *also: str) -> None:
    """Unset every variable that could name a service, credentials, a profile or a state
    directory (RKVST_*, DATATRAILS_*, BEARER_TOKEN_FILE), and `also`."""
    for name in list(os.environ):
        if name.startswith(("RKVST_", "DATATRAILS_")) or name in OTHER_NAMES or name in also:
            monkeypatch.delenv(name, raising=False)
