"""`rkvst-tui locate`: where rkvst-tui keeps its configuration and data."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..api import state_dirs
from ..api.errors import ConfigError
from .connection import recorded_sandbox_url
from .exits import EXIT_OK
from .output import Io, emit_json, fields
from .parser import add_command

if TYPE_CHECKING:
    import argparse


def add_parser(sub: Any) -> None:
    add_command(sub, "locate", "show where rkvst-tui keeps its configuration and data")


def _exists(path: str) -> str:
    return "" if Path(path).exists() else "  (not created yet)"


def run(args: argparse.Namespace, io: Io) -> int:
    from ..api.audit import audit_file
    from ..api.config import load_profiles

    problem: str | None
    try:
        config = load_profiles()
        profiles, default, problem = sorted(config.profiles), config.default_profile, None
    except ConfigError as exc:
        profiles, default, problem = [], None, exc.message
    info = {
        "config_dir": str(state_dirs.config_dir()),
        "config_file": str(state_dirs.config_file()),
        "config_file_exists": state_dirs.config_file().exists(),
        "data_dir": str(state_dirs.data_dir()),
        "state_dir": str(state_dirs.state_dir()),
        "secret_journal": str(state_dirs.secret_journal_file()),
        "audit_file": str(audit_file()),
        "sandbox_data_dir": str(state_dirs.sandbox_data_dir()),
        "sandbox_admin_credentials": str(state_dirs.sandbox_admin_credentials()),
        "sandbox_running_hint": recorded_sandbox_url(),
        "profiles": profiles,
        "default_profile": default,
    }
    if io.json:
        emit_json(info, io.out)
        return EXIT_OK
    shown = [
        ("config file", "config_file"),
        ("data dir", "data_dir"),
        ("state dir", "state_dir"),
        ("secret journal", "secret_journal"),
        ("audit trail", "audit_file"),
        ("sandbox data", "sandbox_data_dir"),
        ("sandbox admin", "sandbox_admin_credentials"),
    ]
    pairs: list[tuple[str, Any]] = [(label, str(info[key]) + _exists(str(info[key]))) for label, key in shown]
    pairs.append(("profiles", ", ".join(f"{p} (default)" if p == default else p for p in profiles) or "(none)"))
    io.say(fields(pairs))
    if problem:
        io.note(f"warning: {problem}")
    return EXIT_OK
