"""A console killed while the batch reveal shows its new secrets loses none of them: the real
`rkvst-tui` in a pseudo-terminal (80x24, as tests/cli/test_console_signals.py runs it) marks three
registrations, rotates them (G), and is killed (SIGKILL) with the three secrets on screen. The
journal then names all three, without a secret; the next start offers to fix each one."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest
from tui_helpers import client_for, running_console, screen_text, wait_until

from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.connection import Connection
from rkvst_tui.api.secret_journal import SecretJournal
from rkvst_tui.tui.screens.unrecorded import UnrecordedSecretsScreen
from tests.cli.test_console_signals import (  # noqa: F401 - console_env is the same pytest fixture
    SECRET,
    Terminal,
    console_env,
    journal_entries,
)

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="pseudo-terminals and signals as on Linux")

NAMES = ("feed-a", "feed-b", "feed-c")


async def test_a_console_killed_on_the_batch_reveal_offers_each_rotated_registration_next_time(
    sandbox, console_env, tmp_path
) -> None:
    async with client_for(sandbox) as client:
        for name in NAMES:
            await client.create_application(name, {})
    terminal = Terminal(console_env)
    try:
        terminal.wait_for("feed-c", "the registrations table")
        terminal.type("j", " ", "j", " ", "j", " ")  # the three rows under sandbox-admin
        terminal.wait_for("3 marked", "the marks")
        terminal.type("G")
        terminal.wait_for("Rotate 3 secrets?", "the rotation question")
        terminal.type("y")
        terminal.wait_for(lambda: len(set(SECRET.findall(terminal.text))) >= 3, "the three new secrets")
        secrets = set(SECRET.findall(terminal.text))
        terminal.process.send_signal(signal.SIGKILL)
        assert terminal.ended() == -signal.SIGKILL
    finally:
        terminal.stop()
    entries = journal_entries(console_env)
    assert sorted(entry["display_name"] for entry in entries) == list(NAMES)
    assert {entry["reason"] for entry in entries} == {"rotated"}
    for path in tmp_path.rglob("*"):  # no secret anywhere in the console's directories
        if path.is_file():
            assert not any(secret.encode() in path.read_bytes() for secret in secrets), path

    journal = SecretJournal(Path(console_env["RKVST_TUI_STATE_DIR"]) / "unrecorded-secrets.json")
    # As the killed console was configured: RKVST_URL names the service (not "the local sandbox").
    connection = Connection(
        sandbox.base_url, client_id=sandbox.admin_client_id, secret=sandbox.admin_secret, profile="default"
    )
    async with running_console(sandbox, client=RkvstClient(connection), journal=journal, wait=False) as (app, pilot):
        await wait_until(pilot, lambda: isinstance(app.screen, UnrecordedSecretsScreen), what="the offer")
        await wait_until(pilot, lambda: all(name in screen_text(app) for name in NAMES), what="the three named")
