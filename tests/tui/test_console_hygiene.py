"""Credential upkeep in the console against a real sandbox: the days left in the Expiry column,
the sign-in notice of expiring secrets (once a session), the `f` expiring filter beside `/`,
marks (space) and the batch rotation (G) with its one reveal."""

from __future__ import annotations

import re
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from textual.widgets import Input, OptionList
from tui_helpers import cell_text, client_for, column, notifications, row_of, running_console, screen_text, wait_until

from rkvst_tui.api.audit import AuditTrail
from rkvst_tui.api.files import read_credentials_file
from rkvst_tui.api.models import Application
from rkvst_tui.api.secret_journal import SecretJournal
from rkvst_tui.tui.screens.audit_log import AuditLogScreen
from rkvst_tui.tui.screens.confirm import ConfirmScreen
from rkvst_tui.tui.screens.rotation_reveal import RotationRevealScreen
from rkvst_tui.tui.screens.secret_reveal import RecordedQuestion, SaveCredentialsScreen

NOTICE_TITLE = "Secrets expiring"


async def create(server, name: str) -> Application:
    async with client_for(server) as client:
        return await client.create_application(name, {})


async def tenant_with_expiry(sandbox) -> dict[str, Application]:
    """Registrations expired 3 days ago, due in 10 days and 40 days, and one a year away."""
    now = datetime.now(timezone.utc)
    made = {name: await create(sandbox, name) for name in ("expired-feed", "soon-feed", "later-feed", "fresh-feed")}
    sandbox.store.expire_secret(made["expired-feed"].client_id, now - timedelta(days=3, hours=1))
    sandbox.store.expire_secret(made["soon-feed"].client_id, now + timedelta(days=10, hours=1))
    sandbox.store.expire_secret(made["later-feed"].client_id, now + timedelta(days=40, hours=1))
    return made


def expiry_notices(app) -> list[str]:
    return [text for text in notifications(app) if text.startswith(NOTICE_TITLE)]


def words_on_screen(app) -> str:
    """The screen's text as one line of words, the dialogs' borders dropped (a sentence wrapped
    inside a dialog reads whole)."""
    return " ".join(re.sub(r"[█▀▄▌▐▔▁┃│]", " ", screen_text(app)).split())


def status_line(app) -> str:
    return str(app.apps_view.query_one("#apps-status").render())


async def test_the_expiry_column_says_the_days_left_and_how_long_ago_it_expired(sandbox):
    made = await tenant_with_expiry(sandbox)
    async with running_console(sandbox) as (app, _pilot):
        cells = {name: row_of(app, made[name].client_id)["expiry"].plain for name in made}
    assert cells["expired-feed"] == "expired 3d ago"
    assert cells["soon-feed"].endswith(" · 10d") and cells["later-feed"].endswith(" · 40d")
    assert cells["fresh-feed"].endswith(" · 365d") or cells["fresh-feed"].endswith(" · 364d")


async def test_signing_in_with_expiring_secrets_says_how_many_once_a_session(sandbox):
    await tenant_with_expiry(sandbox)
    async with running_console(sandbox) as (app, pilot):
        await wait_until(pilot, lambda: bool(expiry_notices(app)), what="the expiry notice")
        [notice] = expiry_notices(app)
        assert "2 secrets have expired or expire within 30 days (1 expired)" in notice
        assert "Press f on APP REGISTRATIONS to show them; space marks one, G rotates the marked." in notice
        await pilot.press("r")  # a reload is not a new session
        await wait_until(pilot, lambda: not app.apps_view.loading_pages, what="the reload")
        await app.workers.wait_for_complete()
        assert len(expiry_notices(app)) == 1


async def test_no_expiry_notice_when_every_secret_has_more_than_30_days(sandbox):
    await create(sandbox, "fresh-feed")
    async with running_console(sandbox) as (app, pilot):
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.apps_view.loaded_once and expiry_notices(app) == []


async def test_the_notice_names_the_key_a_keymap_gave_the_filter(sandbox):
    made = await tenant_with_expiry(sandbox)
    sandbox.store.expire_secret(made["soon-feed"].client_id, datetime.now(timezone.utc) + timedelta(days=50))
    async with running_console(sandbox, keymap={"registrations-expiring": "E"}) as (app, pilot):
        await wait_until(pilot, lambda: bool(expiry_notices(app)), what="the expiry notice")
        assert "1 secret has expired. Press E on APP REGISTRATIONS" in expiry_notices(app)[0]
        await pilot.press("E")
        assert column(app, "name") == ["expired-feed"]


async def test_f_shows_only_the_expiring_secrets_beside_the_name_filter(sandbox):
    await tenant_with_expiry(sandbox)
    async with running_console(sandbox) as (app, pilot):
        assert len(column(app, "name")) == 5  # with the sandbox's own registration
        await pilot.press("f")
        assert column(app, "name") == ["expired-feed", "soon-feed"]
        assert "2 of 5 registrations expire within 30 days or have expired" in status_line(app)
        assert "f: show all" in status_line(app)
        await pilot.press("slash", *"soon", "enter")
        assert column(app, "name") == ["soon-feed"]
        assert "1 of 5 registrations match “soon” and expire within 30 days" in status_line(app)
        await pilot.press("escape")  # the name filter goes, the expiring one stays
        assert column(app, "name") == ["expired-feed", "soon-feed"]
        await pilot.press("slash", *"later", "enter")
        assert column(app, "name") == []
        assert "No App Registrations match “later” and expire within 30 days" in str(
            app.apps_view.query_one("#apps-empty").render()
        )
        await pilot.press("f")
        assert column(app, "name") == ["later-feed"]
        assert "expire within" not in status_line(app)


# ---------------------------------------------------------------- marks and batch rotation

TOKEN_PATH = "/archivist/iam/v1/appidp/token"
BREAKS = (
    "every program that holds the old secret stops getting tokens at once; tokens already issued run until they expire"
)


def token_status(server, client_id: str, secret: str) -> int:
    answer = httpx.post(
        server.base_url + TOKEN_PATH,
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        timeout=10,
    )
    return answer.status_code


@pytest.fixture
def journal(tmp_path: Path) -> SecretJournal:
    return SecretJournal(tmp_path / "state" / "unrecorded-secrets.json")


async def three_to_rotate(sandbox) -> dict[str, Application]:
    """Three registrations with secrets we know (to prove the old ones stop working), and one more."""
    async with client_for(sandbox) as client:
        return {name: await client.create_application(name, {}) for name in ("feed-a", "feed-b", "feed-c", "other")}


async def mark(app, pilot, *names: str) -> None:
    for name in names:
        client_id = next(c for c, a in app.apps_view.applications.items() if a.display_name == name)
        app.apps_view.table.move_cursor(row=app.apps_view.table.get_row_index(client_id))
        await pilot.press("space")


async def rotate_marked(app, pilot) -> RotationRevealScreen:
    await pilot.press("G")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the rotation question")
    await pilot.press("y")
    await wait_until(pilot, lambda: "Copy secret (s)" in screen_text(app), what="the batch reveal")
    assert isinstance(app.screen, RotationRevealScreen)
    return app.screen


async def test_space_marks_rows_and_the_marks_survive_the_filter(sandbox):
    await tenant_with_expiry(sandbox)
    async with running_console(sandbox) as (app, pilot):
        await mark(app, pilot, "fresh-feed", "soon-feed")
        assert column(app, "mark").count("●") == 2
        assert "2 marked: G rotates" in status_line(app)
        await pilot.press("f")  # fresh-feed is hidden now, still marked
        assert column(app, "name") == ["expired-feed", "soon-feed"] and column(app, "mark") == ["", "●"]
        assert "2 marked (1 hidden by the filter): G rotates" in status_line(app)
        await pilot.press("f")
        assert column(app, "mark").count("●") == 2
        await mark(app, pilot, "soon-feed")  # space again unmarks
        assert column(app, "mark").count("●") == 1 and "1 marked" in status_line(app)


async def test_G_asks_saying_what_rotation_breaks_then_one_reveal_shows_three_new_secrets(sandbox, journal, tmp_path):
    made = await three_to_rotate(sandbox)
    async with running_console(sandbox, journal=journal) as (app, pilot):
        await mark(app, pilot, "feed-a", "feed-b", "feed-c")
        await pilot.press("G")
        await wait_until(pilot, lambda: "Rotate 3 secrets?" in screen_text(app), what="the rotation question")
        question = words_on_screen(app)
        assert "Rotate 3 secrets?" in question and BREAKS in question
        assert all(f"• {name}" in question for name in ("feed-a", "feed-b", "feed-c")) and "• other" not in question
        await pilot.press("y")
        await wait_until(pilot, lambda: "Copy secret (s)" in screen_text(app), what="the batch reveal")
        reveal = app.screen
        assert isinstance(reveal, RotationRevealScreen)
        assert [entry.display_name for entry in reveal.entries] == ["feed-a", "feed-b", "feed-c"]
        shown = screen_text(app)
        secrets = {entry.client_id: entry.secret for entry in reveal.entries}
        assert all(secret and secret in shown for secret in secrets.values())
        # Every old secret stopped working; the journal notes each new one (never the secret).
        for name in ("feed-a", "feed-b", "feed-c"):
            assert token_status(sandbox, made[name].client_id, made[name].secret) == 401
        assert sorted(e.display_name for e in journal.entries()) == ["feed-a", "feed-b", "feed-c"]
        assert not any(secret in journal.path.read_text() for secret in secrets.values())
        # The marks of the rotated go; the list keeps no secret.
        assert "●" not in column(app, "mark")
        assert all(a.secret == "" for a in app.apps_view.applications.values())

        # Save all to a folder: one 0600 file each, and every saved secret gets a token.
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, SaveCredentialsScreen), what="the folder dialog")
        folder = tmp_path / "rotated"
        app.screen.query_one("#save-path", Input).value = str(folder)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is reveal, what="the reveal again")
        files = sorted(folder.iterdir())
        assert [f.name for f in files] == ["feed-a.env", "feed-b.env", "feed-c.env"]
        for file in files:
            assert stat.S_IMODE(file.stat().st_mode) == 0o600
            client_id, secret = read_credentials_file(file)
            assert secrets[client_id] == secret and token_status(sandbox, client_id, secret) == 200
        assert journal.entries() == []  # saved: that is their record
        assert "Saved 3 of 3" in screen_text(app)

        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordedQuestion), what="the question")
        assert "Have you recorded the secrets?" in screen_text(app) and "3 are saved in" in screen_text(app)
        await pilot.press("y")
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0], what="the list again")
        assert all(entry.secret == "" for entry in reveal.entries)
        assert not any(secret in screen_text(app) for secret in secrets.values())


async def test_copying_one_secret_records_it_alone_and_the_notice_never_holds_it(sandbox, journal):
    await three_to_rotate(sandbox)
    async with running_console(sandbox, journal=journal) as (app, pilot):
        await mark(app, pilot, "feed-a", "feed-b")
        reveal = await rotate_marked(app, pilot)
        await pilot.press("down", "s")  # the second one
        second = reveal.entries[1]
        assert app.clipboard == second.secret and second.copied
        assert [e.display_name for e in journal.entries()] == ["feed-a"]
        said = "\n".join(notifications(app))
        assert "Secret of feed-b sent to your terminal's clipboard" in said
        assert not any(entry.secret in said for entry in reveal.entries)


async def test_ctrl_q_on_the_batch_reveal_asks_first_and_back_keeps_it(sandbox, journal):
    await three_to_rotate(sandbox)
    async with running_console(sandbox, journal=journal) as (app, pilot):
        await mark(app, pilot, "feed-a", "feed-c")
        reveal = await rotate_marked(app, pilot)
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordedQuestion), what="the question")
        assert "The console quits after this." in screen_text(app)
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is reveal, what="the reveal again")
        assert app.is_running and all(entry.secret in screen_text(app) for entry in reveal.entries)
        assert len(journal.entries()) == 2


async def test_stopped_by_a_signal_on_the_batch_reveal_it_names_the_unrecorded_and_keeps_their_entries(
    sandbox, journal
):
    await three_to_rotate(sandbox)
    async with running_console(sandbox, journal=journal) as (app, pilot):
        await mark(app, pilot, "feed-a", "feed-b", "feed-c")
        reveal = await rotate_marked(app, pilot)
        await pilot.press("down", "s")  # feed-b is recorded (copied)
        secrets = [entry.secret for entry in reveal.entries]
        app.request_quit(143, stopped_by="SIGTERM")
        await wait_until(pilot, lambda: app._exit_renderables or not app.is_running, what="the console to quit")
        [said] = [str(message) for message in app._exit_renderables]
    assert "stopped by SIGTERM while the new secrets of 'feed-a', 'feed-c' were on screen" in said
    assert "offers to regenerate them" in said and not any(secret in said for secret in secrets)
    assert sorted(e.display_name for e in journal.entries()) == ["feed-a", "feed-c"]


async def test_a_failure_mid_batch_stops_and_the_reveal_says_what_was_and_was_not_rotated(sandbox, journal):
    made = await three_to_rotate(sandbox)
    async with running_console(sandbox, journal=journal) as (app, pilot):
        await mark(app, pilot, "feed-a", "feed-b", "feed-c")
        async with client_for(sandbox) as other_admin:  # another admin deletes feed-b meanwhile
            await other_admin.delete_application(made["feed-b"].client_id)
        reveal = await rotate_marked(app, pilot)
        assert [entry.display_name for entry in reveal.entries] == ["feed-a"]
        shown = words_on_screen(app)
        assert "Stopped at feed-b" in shown and "Its old secret still works" in shown
        assert "Not rotated (their old secrets still work; still marked): feed-c" in shown
        assert token_status(sandbox, made["feed-c"].client_id, made["feed-c"].secret) == 200
        assert [e.display_name for e in journal.entries()] == ["feed-a"]  # the refused one left none
        assert sorted(app.apps_view.applications[c].display_name for c in app.apps_view.marked) == [
            "feed-b",
            "feed-c",
        ]


async def test_read_only_refuses_G_out_loud(sandbox):
    await three_to_rotate(sandbox)
    async with running_console(sandbox, read_only=True) as (app, pilot):
        await mark(app, pilot, "feed-a")
        await pilot.press("G")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert any("rotating secrets is turned off" in text for text in notifications(app))


# ---------------------------------------------------------------- the audit trail screen


async def open_audit_trail(app, pilot) -> AuditLogScreen:
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: bool(app.screen.query(OptionList)), what="the palette")
    await pilot.press(*"Audit trail")
    await wait_until(pilot, lambda: "Audit trail" in screen_text(app), what="the palette's entry")
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, AuditLogScreen), what="the audit trail")
    await wait_until(pilot, lambda: "Reading…" not in screen_text(app), what="the trail read")
    return app.screen


async def test_the_audit_trail_screen_lists_the_sessions_changes_newest_first_without_a_secret(sandbox, tmp_path):
    await three_to_rotate(sandbox)
    client = client_for(sandbox)
    client.audit = AuditTrail(tmp_path / "state" / "audit.jsonl")
    # A line someone else wrote, with a terminal escape in its name: shown escaped.
    client.audit(client, "app.delete", target_id="x-1", target_name="evil\x1b[31mred")
    async with running_console(sandbox, client=client) as (app, pilot):
        await mark(app, pilot, "feed-a", "feed-b")
        reveal = await rotate_marked(app, pilot)
        secrets = [entry.secret for entry in reveal.entries]
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordedQuestion), what="the question")
        await pilot.press("y")
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0], what="the list")
        screen = await open_audit_trail(app, pilot)
        table = screen.query_one("#audit-table")
        rows = [[cell_text(table.get_cell(key, c)) for c in ("action", "target", "outcome")] for key in table.rows]
        assert [row[0] for row in rows] == ["app.regenerate", "app.regenerate", "app.delete"]
        assert rows[0][1].startswith("feed-b (") and rows[1][1].startswith("feed-a (")
        assert [row[2] for row in rows] == ["done", "done", "done"]
        shown = screen_text(app)
        assert "evil\\x1b[31mred" in shown and "\x1b" not in shown
        assert "3 changes." in shown
        assert not any(secret in shown for secret in secrets)
        assert not any(secret in client.audit.path.read_text() for secret in secrets)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0], what="the list")
