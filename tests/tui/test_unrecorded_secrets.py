"""The next start after a console was lost with a secret on screen: it names the registration
and offers to regenerate its secret (shown once, in the reveal), delete it, or decide later.

The journal's entries are made as a killed console leaves them: written for a registration
of the real sandbox, by a process that has finished.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from tui_helpers import client_for, screen_text, wait_until

from rkvst_tui.api import errors as api_errors
from rkvst_tui.api.secret_journal import SecretJournal
from rkvst_tui.tui.app import RkvstApp
from rkvst_tui.tui.screens.secret_reveal import RecordedQuestion, SecretRevealScreen
from rkvst_tui.tui.screens.unrecorded import TITLE, UnrecordedSecretsScreen

SIZE = (120, 40)
TOKEN_PATH = "/archivist/iam/v1/appidp/token"


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def left_by_a_killed_console(journal: SecretJournal, application, base_url: str) -> None:
    journal.record_shown(
        client_id=application.client_id,
        display_name=application.display_name,
        base_url=base_url,
        profile="sandbox",
        is_sandbox=True,
        reason="created",
    )
    document = json.loads(journal.path.read_text())
    for entry in document["unrecorded_secrets"]:
        entry["pid"], entry["process_start"] = dead_pid(), None
    journal.path.write_text(json.dumps(document))


@pytest.fixture
def journal(tmp_path: Path) -> SecretJournal:
    return SecretJournal(tmp_path / "state" / "unrecorded-secrets.json")


@pytest.fixture
async def lost(sandbox, journal):
    """A registration whose secret a killed console showed (its secret is in nobody's hands now)."""
    async with client_for(sandbox) as client:
        application = await client.create_application("LostLight", {"serial_number": "SN-7"})
    left_by_a_killed_console(journal, application, sandbox.base_url)
    return application


class Start:
    """A fresh console start with the journal."""

    def __init__(self, sandbox, journal, read_only: bool = False) -> None:
        self.client = client_for(sandbox)
        self.app = RkvstApp(self.client, journal=journal, read_only=read_only)

    async def __aenter__(self):
        self._run = self.app.run_test(size=SIZE)
        self.pilot = await self._run.__aenter__()
        return self.app, self.pilot

    async def __aexit__(self, *exc) -> None:
        await self._run.__aexit__(*exc)
        await self.client.aclose()


async def offered(app, pilot) -> UnrecordedSecretsScreen:
    await wait_until(pilot, lambda: isinstance(app.screen, UnrecordedSecretsScreen), what="the offer")
    await wait_until(pilot, lambda: not app.screen._checking, what="the check")
    await pilot.pause()
    return app.screen


def token_status(sandbox, client_id: str, secret: str) -> int:
    answer = httpx.post(
        sandbox.base_url + TOKEN_PATH,
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        timeout=10,
    )
    return answer.status_code


async def test_the_next_start_names_it_and_regenerate_shows_a_new_secret_once(sandbox, journal, lost) -> None:
    async with Start(sandbox, journal) as (app, pilot):
        await offered(app, pilot)
        shown = screen_text(app)
        assert TITLE in shown and "LostLight" in shown and lost.client_id in shown
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, SecretRevealScreen), what="the reveal")
        await pilot.pause()
        reveal = app.screen
        secret = reveal._secret
        assert reveal.reason == "regenerated" and reveal._client_id == lost.client_id and len(secret) == 64
        assert token_status(sandbox, lost.client_id, secret) == 200  # the new secret works
        assert token_status(sandbox, lost.client_id, lost.secret) == 401  # the unseen one is dead
        # The new secret is on screen now: the journal notes it, as this console's, until recorded.
        [entry] = journal.entries()
        assert entry.reason == "regenerated" and not entry.left_behind()
        assert secret not in journal.path.read_text()
        await pilot.press("escape", "y")
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0], what="the reveal to close")
        assert journal.entries() == []


async def test_delete_removes_the_registration_and_the_entry(sandbox, journal, lost) -> None:
    async with Start(sandbox, journal) as (app, pilot):
        await offered(app, pilot)
        await pilot.press("d")
        await pilot.pause()
        assert "Delete LostLight?" in screen_text(app)
        await pilot.press("y")
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0], what="the offer to close")
        assert journal.entries() == []
        assert lost.client_id not in app.session.registrations
    async with client_for(sandbox) as client:
        with pytest.raises(api_errors.NotFound):
            await client.get_application(lost.client_id)


async def test_deciding_later_keeps_it_for_the_next_start(sandbox, journal, lost) -> None:
    async with Start(sandbox, journal) as (app, pilot):
        await offered(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert [e.client_id for e in journal.entries()] == [lost.client_id]
    async with Start(sandbox, journal) as (app, pilot):
        await offered(app, pilot)


async def test_it_was_recorded_ends_the_reminder(sandbox, journal, lost) -> None:
    async with Start(sandbox, journal) as (app, pilot):
        await offered(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("y")
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0], what="the offer to close")
        assert journal.entries() == []
    assert token_status(sandbox, lost.client_id, lost.secret) == 200  # nothing was changed


async def test_a_registration_deleted_since_needs_nothing(sandbox, journal, lost) -> None:
    async with client_for(sandbox) as client:
        await client.delete_application(lost.client_id)
    async with Start(sandbox, journal) as (app, pilot):
        await wait_until(pilot, lambda: journal.entries() == [], what="the entry to be settled")
        await pilot.pause()
        assert not isinstance(app.screen, UnrecordedSecretsScreen)


async def test_another_services_entries_are_not_offered(sandbox, journal, make_sandbox) -> None:
    other = make_sandbox()
    async with client_for(other) as client:
        application = await client.create_application("ElsewhereLight")
    left_by_a_killed_console(journal, application, other.base_url)
    document = json.loads(journal.path.read_text())
    document["unrecorded_secrets"][0]["service"] = other.base_url  # not the local sandbox: another URL
    journal.path.write_text(json.dumps(document))
    async with Start(sandbox, journal) as (app, pilot):
        await wait_until(pilot, lambda: app.identity is not None, what="signing in")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, UnrecordedSecretsScreen)
        assert len(journal.entries()) == 1


async def test_read_only_says_so_and_changes_nothing(sandbox, journal, lost) -> None:
    async with Start(sandbox, journal, read_only=True) as (app, pilot):
        await offered(app, pilot)
        await pilot.press("r")
        await pilot.pause()
        assert "read-only: regenerating secrets is turned off" in screen_text(app)
        assert isinstance(app.screen, UnrecordedSecretsScreen)
    assert token_status(sandbox, lost.client_id, lost.secret) == 200
    assert len(journal.entries()) == 1


async def test_quitting_from_the_regenerated_reveal_asks_first(sandbox, journal, lost) -> None:
    async with Start(sandbox, journal) as (app, pilot):
        await offered(app, pilot)
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, SecretRevealScreen), what="the reveal")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordedQuestion), what="the question")
        assert not app._exit
