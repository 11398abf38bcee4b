"""Where rkvst-tui keeps things: platformdirs' per-user directories (app name "rkvst-tui").

RKVST_TUI_CONFIG_DIR, RKVST_TUI_DATA_DIR and RKVST_TUI_STATE_DIR override them (tests use
them to keep everything in temporary directories); with only the data directory
overridden, the state directory lives inside it, so one variable is enough to isolate a run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP_NAME = "rkvst-tui"
CONFIG_FILE_NAME = "config.toml"
SANDBOX_DIR_NAME = "sandbox"
ADMIN_CREDENTIALS_NAME = "admin-credentials.env"
SECRET_JOURNAL_NAME = "unrecorded-secrets.json"


def _override(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name, "").strip()
    return Path(value).expanduser() if value else None


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return _override(env, "RKVST_TUI_CONFIG_DIR") or Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return _override(env, "RKVST_TUI_DATA_DIR") or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    explicit = _override(env, "RKVST_TUI_STATE_DIR")
    if explicit:
        return explicit
    data_override = _override(env, "RKVST_TUI_DATA_DIR")
    if data_override:
        return data_override / "state"
    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def config_file(env: Mapping[str, str] | None = None) -> Path:
    return config_dir(env) / CONFIG_FILE_NAME


def sandbox_data_dir(env: Mapping[str, str] | None = None) -> Path:
    """The default sandbox's data: its SQLite database, signing key and admin credentials."""
    return data_dir(env) / SANDBOX_DIR_NAME


def sandbox_admin_credentials(env: Mapping[str, str] | None = None) -> Path:
    return sandbox_data_dir(env) / ADMIN_CREDENTIALS_NAME


def secret_journal_file(env: Mapping[str, str] | None = None) -> Path:
    """The registrations whose one-time secret was shown and not yet recorded (no secret in it)."""
    return state_dir(env) / SECRET_JOURNAL_NAME


def credentials_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where the reveal screens offer to save credentials files (they create it, mode 0700)."""
    return data_dir(env) / "credentials"
