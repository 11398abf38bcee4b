"""The console's changes go to the same audit trail as the command line's, and `rkvst-tui audit`
shows them: the console launched as `rkvst-tui` launches it (cli/console.py), against a sandbox."""

from __future__ import annotations

import io
import json
import os
import re
import sys
from pathlib import Path

from rkvst_tui import cli
from rkvst_tui.cli import console as cli_console
from rkvst_tui.cli import output
from rkvst_tui.cli import parser as cli_parser
from rkvst_tui.tui.app import RkvstApp
from rkvst_tui.tui.screens.app_form import AppFormScreen
from rkvst_tui.tui.screens.secret_reveal import SecretRevealScreen
from tests.console_helpers import SIZE, screen_text, settle, wait_until

SECRET = re.compile(r"\b[0-9a-f]{64}\b")


async def test_a_registration_created_in_the_console_is_in_the_audit_trail_without_its_secret(cli_env, capsys):
    sandbox = cli_env
    args = cli_parser.build_parser().parse_args([])
    connect, _ = cli_console.console_connect(args, output.Io(sys.stdout, sys.stderr, io.StringIO(""), False))
    app = RkvstApp(connect=connect)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, AppFormScreen), what="the create form")
        await pilot.press(*"AuditedLight", "ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, SecretRevealScreen), what="the reveal")
        shown = SECRET.search(screen_text(app))
        assert shown is not None, "the new secret on screen"
        secret = shown.group()
    code = cli.main(["audit", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    created = [e for e in data["entries"] if e["action"] == "app.create"]
    assert [(e["target"]["name"], e["outcome"], e["actor"]) for e in created] == [
        ("AuditedLight", "done", sandbox.admin_client_id)
    ]
    trail = Path(os.environ["RKVST_TUI_STATE_DIR"]) / "audit.jsonl"
    assert secret and secret not in trail.read_text()
