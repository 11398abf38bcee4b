"""No way out of the console loses a one-time secret: each asks "Have you recorded the secret?".

The console runs on a real sandbox with a journal in a temporary state directory; the
reveal is opened as the console opens it after a create (`reveal_secret`), with a clearly
fake secret, so the journal's entry and its end can be checked.
"""

from __future__ import annotations

import ast
import stat
from pathlib import Path

import pytest
from textual.command import CommandPalette
from tui_helpers import client_for, guide_application, screen_text, settle, wait_until

import rkvst_tui.tui
from rkvst_tui.api.secret_journal import SecretJournal
from rkvst_tui.tui.app import RkvstApp
from rkvst_tui.tui.screens.secret_reveal import (
    RECORDED_QUESTION,
    RecordedQuestion,
    SaveCredentialsScreen,
    SecretRevealScreen,
)

FAKE_SECRET = "0" * 64
SIZE = (120, 40)


@pytest.fixture
def journal(tmp_path: Path) -> SecretJournal:
    return SecretJournal(tmp_path / "state" / "unrecorded-secrets.json")


class Console:
    """The console on a sandbox, with a reveal of the guide's registration up."""

    def __init__(self, sandbox, journal: SecretJournal, size=SIZE) -> None:
        self.client = client_for(sandbox)
        self.app = RkvstApp(self.client, journal=journal)
        self.size = size
        self.application = guide_application(secret=FAKE_SECRET)

    async def __aenter__(self):
        self._run = self.app.run_test(size=self.size)
        self.pilot = await self._run.__aenter__()
        await settle(self.app, self.pilot)
        self.app.reveal_secret(self.application, reason="created")
        await wait_until(self.pilot, lambda: isinstance(self.app.screen, SecretRevealScreen), what="the reveal")
        await self.pilot.pause()
        return self.app, self.pilot

    async def __aexit__(self, *exc) -> None:
        await self._run.__aexit__(*exc)
        await self.client.aclose()


def quitting(app: RkvstApp) -> bool:
    return bool(app._exit)


async def asked(pilot, app: RkvstApp) -> None:
    await wait_until(pilot, lambda: isinstance(app.screen, RecordedQuestion), what="the question")
    assert RECORDED_QUESTION in screen_text(app)
    assert not quitting(app)


async def test_ctrl_q_on_the_reveal_asks_first_and_back_keeps_it(sandbox, journal) -> None:
    async with Console(sandbox, journal) as (app, pilot):
        await pilot.press("ctrl+q")
        await asked(pilot, app)
        assert "The console quits after this." in screen_text(app)
        await pilot.press("n")  # Back
        await pilot.pause()
        assert isinstance(app.screen, SecretRevealScreen) and not quitting(app)
        assert FAKE_SECRET in screen_text(app)
        assert [e.client_id for e in journal.entries()] == [app.screen._client_id]
        await pilot.press("ctrl+q", "y")
        await wait_until(pilot, lambda: quitting(app), what="the console to quit")
        assert journal.entries() == []  # confirmed recorded: nothing for the next start


async def test_the_palettes_quit_asks_first(sandbox, journal) -> None:
    async with Console(sandbox, journal) as (app, pilot):
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        await pilot.press(*"quit")
        await pilot.pause(0.3)  # the palette searches in the background
        await pilot.press("enter")
        await asked(pilot, app)
        await pilot.press("escape")  # escape answers "Back"
        await pilot.pause()
        assert isinstance(app.screen, SecretRevealScreen) and not quitting(app)


@pytest.mark.parametrize("key", ["escape", "q"])
async def test_escape_and_q_still_ask_and_a_yes_only_closes_the_reveal(sandbox, journal, key) -> None:
    async with Console(sandbox, journal) as (app, pilot):
        await pilot.press(key)
        await asked(pilot, app)
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is app.screen_stack[0] and not quitting(app)
        assert journal.entries() == []
        await pilot.press("ctrl+q")  # nothing left to record: quits at once
        await wait_until(pilot, lambda: quitting(app), what="the console to quit")


async def test_ctrl_q_while_the_question_is_open_does_not_quit(sandbox, journal) -> None:
    async with Console(sandbox, journal) as (app, pilot):
        await pilot.press("escape")
        await asked(pilot, app)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not quitting(app)
        assert sum(isinstance(s, RecordedQuestion) for s in app.screen_stack) == 1


async def test_ctrl_q_from_the_save_dialog_asks_too(sandbox, journal) -> None:
    async with Console(sandbox, journal) as (app, pilot):
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, SaveCredentialsScreen), what="the save dialog")
        await pilot.press("ctrl+q")
        await asked(pilot, app)
        await pilot.press("y")
        await wait_until(pilot, lambda: quitting(app), what="the console to quit")


async def test_copying_or_saving_ends_the_journal_entry_and_it_never_holds_the_secret(
    sandbox, journal, tmp_path
) -> None:
    async with Console(sandbox, journal) as (app, pilot):
        client_id = app.screen._client_id
        [entry] = journal.entries()
        assert (entry.client_id, entry.display_name, entry.reason) == (client_id, "TrafficLight101", "created")
        assert entry.base_url == sandbox.base_url
        assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600
        assert FAKE_SECRET not in journal.path.read_text()
        await pilot.press("s")
        await pilot.pause()
        assert journal.entries() == []

    async with Console(sandbox, journal) as (app, pilot):
        assert len(journal.entries()) == 1
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, SaveCredentialsScreen), what="the save dialog")
        app.screen.query_one("#save-path").value = str(tmp_path / "saved" / "light.env")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SecretRevealScreen), what="the save")
        assert journal.entries() == []
    leftovers = [p for p in journal.path.parent.rglob("*") if p.is_file() and FAKE_SECRET.encode() in p.read_bytes()]
    assert leftovers == []


async def test_a_journal_that_can_not_be_written_warns_and_still_shows_the_secret(sandbox, tmp_path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    async with Console(sandbox, SecretJournal(blocked / "unrecorded-secrets.json")) as (app, pilot):
        assert FAKE_SECRET in screen_text(app)
        notices = [f"{n.title} {n.message}" for n in app._notifications]
        assert any("Record the secret now" in n and "can not remind you" in n for n in notices), notices
        assert not any(FAKE_SECRET in n for n in notices)


def test_no_code_of_the_console_exits_except_through_request_quit() -> None:
    """`App.exit` skips the question: every quit of tui/ goes through RkvstApp.request_quit."""
    offenders = []
    for path in Path(rkvst_tui.tui.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "exit":
                    if function.name != "request_quit":
                        offenders.append(f"{path.name}:{node.lineno} in {function.name}")
    assert offenders == []


async def test_quit_on_the_connection_problem_asks_first(sandbox, journal) -> None:
    from rkvst_tui.tui.problems import Problem

    async with Console(sandbox, journal) as (app, pilot):
        app.show_connection_problem(Problem("Could not connect to RKVST", "connection refused", ""), "")
        await pilot.pause()
        await pilot.press("q")  # the problem screen's Quit
        await asked(pilot, app)
        await pilot.press("y")
        await wait_until(pilot, lambda: quitting(app), what="the console to quit")


async def test_ctrl_c_neither_quits_nor_closes_the_reveal(sandbox, journal) -> None:
    async with Console(sandbox, journal) as (app, pilot):
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert isinstance(app.screen, SecretRevealScreen) and not quitting(app)
        assert FAKE_SECRET in screen_text(app)


async def test_stopped_by_a_signal_it_quits_at_once_and_the_entry_stays_for_the_next_start(sandbox, journal) -> None:
    """SIGTERM (see tests/cli/test_console_signals.py): nobody is there to answer the question."""
    async with Console(sandbox, journal) as (app, pilot):
        app.request_quit(143, stopped_by="SIGTERM")
        await wait_until(pilot, lambda: quitting(app), what="the console to quit")
        assert app.return_code == 143
        [said] = [str(message) for message in app._exit_renderables]
        assert "stopped by SIGTERM while the new secret of 'TrafficLight101' was on screen" in said
        assert FAKE_SECRET not in said
        assert len(journal.entries()) == 1
