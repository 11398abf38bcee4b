"""Rotation (api/rotation.py) against a real sandbox: every new secret saved before the next is
made, the first failure stops the run and says where each secret is, a run killed at the worst
moments loses no secret and the next run continues; expiry (api/expiry.py)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from hygiene_helpers import admin_client

from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.errors import InvalidArgument
from rkvst_tui.api.expiry import days_left_words, expiring, parse_days
from rkvst_tui.api.files import read_credentials_file
from rkvst_tui.api.rotation import PROGRESS_NAME, Rotation, RotationRefused, RotationStopped
from rkvst_tui.api.secret_journal import SecretJournal

REPO = Path(__file__).resolve().parents[2]
TOKEN_PATH = "/archivist/iam/v1/appidp/token"


def token_status(server, client_id: str, secret: str) -> int:
    answer = httpx.post(
        server.base_url + TOKEN_PATH,
        timeout=10,
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    return answer.status_code


async def make_apps(client: RkvstClient, *names: str):
    return [await client.create_application(name) for name in names]


def audit_actions(trail) -> list[tuple[str, str, str]]:
    entries, _ = trail.read()
    return [(e.action, e.target_id, e.outcome) for e in entries]


async def test_each_new_secret_is_saved_0600_before_the_next_and_works(client, sandbox, trail, tmp_path) -> None:
    apps = await make_apps(client, "Pump1", "Pump2", "Pump3")
    save_dir = tmp_path / "rotated"
    rotation = Rotation(client, save_dir)
    seen_before: list[list[str]] = []
    plan = rotation.plan(apps)
    assert [a.client_id for a in plan.todo] == [a.client_id for a in apps] and not plan.done
    done = await rotation.run(
        plan, on_done=lambda item: seen_before.append(sorted(p.name for p in save_dir.glob("*.env")))
    )
    # Each file was there, whole, when its registration was reported rotated and before the next began.
    assert seen_before == [sorted(f"{a.client_id}.env" for a in apps[:n]) for n in (1, 2, 3)]
    assert [d.client_id for d in done] == [a.client_id for a in apps]
    for app, item in zip(apps, done):
        assert item.file == save_dir / f"{app.client_id}.env"
        assert stat.S_IMODE(item.file.stat().st_mode) == 0o600
        client_id, secret = read_credentials_file(item.file)
        assert client_id == app.client_id and secret != app.secret
        assert token_status(sandbox, client_id, secret) == 200
        assert token_status(sandbox, app.client_id, app.secret) == 401  # the old one is dead
    progress = (save_dir / PROGRESS_NAME).read_text()
    assert stat.S_IMODE((save_dir / PROGRESS_NAME).stat().st_mode) == 0o600
    for item in done:
        assert read_credentials_file(item.file)[1] not in progress
    assert json.loads(progress)["registrations"][apps[0].client_id]["state"] == "saved"
    assert SecretJournal().entries() == []
    assert [a for a in audit_actions(trail) if a[0] == "app.regenerate"] == [
        ("app.regenerate", a.client_id, "done") for a in apps
    ]
    # Again over the same directory: nothing left to do, nothing regenerated.
    again = Rotation(client, save_dir).plan(apps)
    assert not again.todo and [d.client_id for d in again.done] == [a.client_id for a in apps]
    assert all(d.earlier for d in again.done)


async def test_the_first_failure_stops_the_run_and_the_next_run_goes_on(client, sandbox, tmp_path) -> None:
    first, gone, third = await make_apps(client, "A", "B", "C")
    await client.delete_application(gone.client_id)  # deleted meanwhile: the service refuses (404)
    rotation = Rotation(client, tmp_path / "rotated")
    with pytest.raises(RotationStopped) as stopped:
        await rotation.run(rotation.plan([first, gone, third]))
    error = stopped.value
    assert [d.client_id for d in error.done] == [first.client_id]
    assert error.failed.client_id == gone.client_id and [a.client_id for a in error.left] == [third.client_id]
    assert error.old_secret_works is True and error.unsaved is None
    assert "404" in error.message and "old secret still works" in error.hint
    assert not (tmp_path / "rotated" / f"{third.client_id}.env").exists()
    assert token_status(sandbox, third.client_id, third.secret) == 200  # untouched
    assert SecretJournal().entries() == []  # the refused one left nothing to recover
    # The same request again (without the deleted one): only what is left is rotated.
    rerun = Rotation(client, tmp_path / "rotated")
    plan = rerun.plan([first, third])
    assert [a.client_id for a in plan.todo] == [third.client_id]
    done = await rerun.run(plan)
    assert [(d.client_id, d.earlier) for d in done] == [(first.client_id, True), (third.client_id, False)]
    assert token_status(sandbox, *read_credentials_file(done[1].file)) == 200


async def test_a_secret_that_cannot_be_saved_is_handed_back_and_never_lost(client, sandbox, tmp_path) -> None:
    (app,) = await make_apps(client, "Valve")
    rotation = Rotation(client, tmp_path / "rotated")
    plan = rotation.plan([app])
    (tmp_path / "rotated").mkdir()
    (tmp_path / "rotated" / f"{app.client_id}.env").write_text("someone else's file\n")  # appears meanwhile
    with pytest.raises(RotationStopped) as stopped:
        await rotation.run(plan)
    error = stopped.value
    assert error.unsaved is not None and error.old_secret_works is False
    assert token_status(sandbox, app.client_id, error.unsaved.secret) == 200
    assert (tmp_path / "rotated" / f"{app.client_id}.env").read_text() == "someone else's file\n"
    # Until it is shown, the journal names it; once shown, the run counts it as rotated.
    assert [e.client_id for e in SecretJournal().entries()] == [app.client_id]
    rotation.shown_instead(error.unsaved)
    assert SecretJournal().entries() == []
    assert error.unsaved.secret not in (tmp_path / "rotated" / PROGRESS_NAME).read_text()
    replan = Rotation(client, tmp_path / "rotated").plan([app])
    assert not replan.todo and replan.done[0].file is None


async def test_a_directory_of_another_service_a_file_in_the_way_or_a_second_run_are_refused(
    client, sandbox, make_sandbox, tmp_path
) -> None:
    app, earlier = await make_apps(client, "Gate", "Earlier")
    save_dir = tmp_path / "rotated"
    first = Rotation(client, save_dir)
    await first.run(first.plan([earlier]))
    other = make_sandbox()
    async with admin_client(other) as elsewhere:
        with pytest.raises(RotationRefused, match="another service"):
            Rotation(elsewhere, save_dir).plan([app])
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / f"{app.client_id}.env").write_text("CLIENT_ID=x\nSECRET=y\n")
    with pytest.raises(RotationRefused, match="exists already"):
        Rotation(client, tmp_path / "busy").plan([app])
    holder = Rotation(client, save_dir)
    with holder.locked():
        with pytest.raises(RotationRefused, match="another rotation is running"):
            with Rotation(client, save_dir).locked():
                pass
    assert token_status(sandbox, app.client_id, app.secret) == 200  # nothing was rotated


KILLED_RUN = """
import asyncio, os, signal, sys
from rkvst_tui.api import rotation as rotation_module
from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.connection import Connection

base_url, client_id, secret, save_dir, kill_at, ids = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:]
victim = ids[1]

async def main():
    async with RkvstClient(Connection(base_url, client_id=client_id, secret=secret, profile="sandbox")) as api:
        regenerate = api.regenerate_secret
        async def regenerate_then_die(ref):
            fresh = await regenerate(ref)
            if kill_at == "after-regenerate" and fresh.client_id == victim:
                os.kill(os.getpid(), signal.SIGKILL)  # the new secret exists only in this process
            return fresh
        api.regenerate_secret = regenerate_then_die
        write = rotation_module.atomic_write_private
        def write_then_die(path, text, overwrite=False):
            written = write(path, text, overwrite)
            if kill_at == "after-save" and victim in str(path):
                os.kill(os.getpid(), signal.SIGKILL)  # saved, not yet marked saved
            return written
        rotation_module.atomic_write_private = write_then_die
        apps = [await api.get_application(i) for i in ids]
        rotation = rotation_module.Rotation(api, save_dir)
        with rotation.locked():
            await rotation.run(rotation.plan(apps))

asyncio.run(main())
"""


@pytest.mark.parametrize("kill_at", ["after-regenerate", "after-save"])
async def test_a_rotation_killed_at_the_worst_moment_loses_no_secret_and_resumes(
    client, sandbox, trail, tmp_path, kill_at, monkeypatch, capsys
) -> None:
    apps = await make_apps(client, "Meter1", "Meter2", "Meter3")
    save_dir = tmp_path / "rotated"
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            KILLED_RUN,
            sandbox.base_url,
            sandbox.admin_client_id,
            sandbox.admin_secret,
            str(save_dir),
            kill_at,
            *(a.client_id for a in apps),
        ],
        cwd=REPO,
        env=dict(os.environ),
        capture_output=True,
        timeout=60,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    first, victim, last = apps
    assert (save_dir / f"{first.client_id}.env").exists()
    assert (save_dir / f"{victim.client_id}.env").exists() == (kill_at == "after-save")
    assert not (save_dir / f"{last.client_id}.env").exists()
    # The victim's old secret is dead either way; the journal names it for whoever starts next.
    assert token_status(sandbox, victim.client_id, victim.secret) == 401
    left = SecretJournal().left_unrecorded("local sandbox") + SecretJournal().left_unrecorded(sandbox.base_url)
    assert [(e.client_id, e.reason) for e in left] == [(victim.client_id, "rotated")]
    # Any command that connects says so, and how to fix it.
    monkeypatch.setenv("RKVST_URL", sandbox.base_url)
    monkeypatch.setenv("RKVST_CLIENT_ID", sandbox.admin_client_id)
    monkeypatch.setenv("RKVST_CLIENT_SECRET_FILE", str(sandbox.credentials_file))
    from rkvst_tui import cli

    assert await asyncio.to_thread(cli.main, ["apps", "list", "--json"]) == 0
    said = capsys.readouterr().err
    assert (
        "an `apps rotate` stopped while giving 'Meter2' (" + victim.client_id + ") a new secret" in said
        and "run the same `rkvst-tui apps rotate`" in said
    )

    rotation = Rotation(client, save_dir)
    plan = rotation.plan(apps)
    assert [a.client_id for a in plan.todo] == (
        [victim.client_id, last.client_id] if kill_at == "after-regenerate" else [last.client_id]
    )
    done = await rotation.run(plan)
    assert [d.client_id for d in done] == [a.client_id for a in apps]
    for app in apps:  # every registration ends with a working secret in its own file
        client_id, secret = read_credentials_file(save_dir / f"{app.client_id}.env")
        assert client_id == app.client_id and token_status(sandbox, client_id, secret) == 200
    assert SecretJournal().entries() == []
    regenerated = [target for action, target, _ in audit_actions(trail) if action == "app.regenerate"]
    # Only this process has a trail: the resumed run regenerated the victim again only when
    # its new secret died with the killed process.
    assert regenerated == ([victim.client_id, last.client_id] if kill_at == "after-regenerate" else [last.client_id])


async def test_expiring_lists_expired_and_due_soonest_first(client, sandbox) -> None:
    apps = await make_apps(client, "Later", "Expired", "Soon", "Today", "Fine")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    offsets = {
        "Later": timedelta(days=29, hours=23),
        "Expired": -timedelta(days=3, hours=1),
        "Soon": timedelta(days=5, hours=1),
        "Today": timedelta(hours=2),
    }
    for app in apps:
        if app.display_name in offsets:
            sandbox.store.expire_secret(app.uuid, now + offsets[app.display_name])
    listed = await client.list_applications()
    found = expiring(listed, 30, now)
    assert [(e.display_name, e.expired, e.days_left, e.words()) for e in found] == [
        ("Expired", True, -3, "expired 3 days ago"),
        ("Today", False, 0, "expires today"),
        ("Soon", False, 5, "5 days left"),
        ("Later", False, 29, "29 days left"),
    ]
    assert [e.display_name for e in expiring(listed, 0, now)] == ["Expired"]
    assert found[0].to_json()["expired"] is True and "secret" not in found[0].to_json()
    assert found[0].application.secret == ""
    assert days_left_words(now - timedelta(hours=1), now) == "expired today"
    assert days_left_words(now + timedelta(days=1, hours=1), now) == "1 day left"
    assert parse_days("30") == 30 and parse_days("0") == 0
    for bad in ("-1", "soon", "1.5", ""):
        with pytest.raises(InvalidArgument, match="not a number of days"):
            parse_days(bad)
