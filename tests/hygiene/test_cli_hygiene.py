"""`apps list --expiring`, `apps rotate` and `audit` end to end: the command line in process
against a real sandbox over HTTP, and the real `rkvst-tui` process killed mid-rotation."""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from rkvst_tui import cli
from rkvst_tui.api.files import read_credentials_file
from rkvst_tui.api.rotation import PROGRESS_NAME, ROTATION_BREAKS
from rkvst_tui.api.secret_journal import SecretJournal

REPO = Path(__file__).resolve().parents[2]
TOKEN_PATH = "/archivist/iam/v1/appidp/token"


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def create(capsys, name: str) -> dict:
    code, out, err = run(capsys, "apps", "create", "--name", name, "--json")
    assert code == 0, err
    return json.loads(out)["application"]


def secret_of(app: dict) -> str:
    return app["credentials"][0]["secret"]


def token_status(server, client_id: str, secret: str) -> int:
    return httpx.post(
        server.base_url + TOKEN_PATH,
        timeout=10,
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    ).status_code


def expire_in(server, app: dict, delta: timedelta) -> None:
    server.store.expire_secret(app["identity"].removeprefix("applications/"), datetime.now(timezone.utc) + delta)


# -- apps list --expiring -----------------------------------------------------------------------


def test_list_expiring_exits_0_when_none_and_4_when_some_soonest_first(cli_env, capsys) -> None:
    sandbox = cli_env
    code, out, err = run(capsys, "apps", "list", "--expiring", "30")
    assert (code, out.strip()) == (0, "No secret expires within 30 days"), err
    code, out, _ = run(capsys, "apps", "list", "--expiring", "30", "--json")
    assert code == 0 and json.loads(out)["expiring"] == []

    soon, gone, later = create(capsys, "Soon"), create(capsys, "Gone\x1b]0;pwned\x07"), create(capsys, "Later")
    expire_in(sandbox, soon, timedelta(days=10, hours=1))
    expire_in(sandbox, gone, -timedelta(days=2, hours=1))
    expire_in(sandbox, later, timedelta(days=45))
    code, out, err = run(capsys, "apps", "list", "--expiring", "30")
    assert code == 4, err
    lines = out.splitlines()
    assert lines[0].split() == ["DISPLAY", "NAME", "CLIENT", "ID", "EXPIRY", "DATE", "DAYS", "LEFT"]
    assert "Gone\\x1b]0;pwned\\x07" in lines[1] and "expired 2 days ago" in lines[1] and "\x1b" not in out
    assert "Soon" in lines[2] and "10 days left" in lines[2] and len(lines) == 3
    assert "2 secrets expire within 30 days (1 expired already)" in err and "apps rotate --expiring 30" in err

    code, out, _ = run(capsys, "apps", "list", "--expiring", "30", "--json")
    data = json.loads(out)
    assert code == 4 and data["within_days"] == 30 and out.isascii()
    assert [(e["client_id"], e["expired"], e["days_left"]) for e in data["expiring"]] == [
        (gone["client_id"], True, -2),
        (soon["client_id"], False, 10),
    ]
    code, out, _ = run(capsys, "apps", "list", "--expiring", "0", "--json")
    assert code == 4 and [e["display_name"] for e in json.loads(out)["expiring"]] == [gone["display_name"]]
    code, out, _ = run(capsys, "apps", "list", "--expiring", "60", "--match", "later")
    assert code == 4 and "Later" in out and "Soon" not in out
    code, _, err = run(capsys, "apps", "list", "--expiring", "soon")
    assert code == 2 and "'soon' is not a number of days" in err


# -- apps rotate --------------------------------------------------------------------------------


def test_rotate_ids_saves_each_secret_and_a_second_run_finds_nothing_left(cli_env, capsys, tmp_path) -> None:
    sandbox = cli_env
    one, two = create(capsys, "Pump1"), create(capsys, "Pump2")
    save_dir = tmp_path / "rotated"
    code, out, err = run(capsys, "apps", "rotate", one["client_id"], "Pump2", "--save-dir", str(save_dir), "--yes")
    assert code == 0, err
    for app in (one, two):
        path = save_dir / f"{app['client_id']}.env"
        assert f"rotated '{app['display_name']}' ({app['client_id']}): new credentials in {path}" in out
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        client_id, secret = read_credentials_file(path)
        assert token_status(sandbox, client_id, secret) == 200
        assert token_status(sandbox, app["client_id"], secret_of(app)) == 401
        assert secret not in out + err
    assert "2 rotated" in out and "tokens already issued with them run until they expire" in out
    code, out, err = run(
        capsys, "apps", "rotate", one["client_id"], two["client_id"], "--save-dir", str(save_dir), "--yes"
    )
    assert code == 0 and "nothing left to rotate" in out and "rotated already" in err


def test_dry_run_says_what_and_where_and_changes_nothing(cli_env, capsys, tmp_path) -> None:
    sandbox = cli_env
    app = create(capsys, "Valve")
    expire_in(sandbox, app, timedelta(days=3))
    save_dir = tmp_path / "rotated"
    code, out, err = run(capsys, "apps", "rotate", "--expiring", "7", "--save-dir", str(save_dir), "--dry-run")
    assert code == 0, err
    assert f"would rotate 1 app registration, each into {save_dir}/<client id>.env:" in out
    assert app["client_id"] in out and "Valve" in out
    assert "dry run: nothing was changed" in err
    code, out, _ = run(capsys, "apps", "rotate", "--expiring", "7", "--save-dir", str(save_dir), "--dry-run", "--json")
    assert code == 0 and json.loads(out)["to_rotate"][0]["client_id"] == app["client_id"]
    assert json.loads(out)["dry_run"] is True and json.loads(out)["rotated"] == []
    assert token_status(sandbox, app["client_id"], secret_of(app)) == 200
    assert not list(save_dir.glob("*.env")) if save_dir.exists() else True


def test_rotate_asks_on_a_terminal_and_needs_yes_elsewhere(cli_env, capsys, tmp_path, monkeypatch) -> None:
    sandbox = cli_env
    app = create(capsys, "Gate")
    argv = ("apps", "rotate", app["client_id"], "--save-dir", str(tmp_path / "rotated"))
    code, _, err = run(capsys, *argv)  # stdin is no terminal
    assert code == 2 and "not rotating without confirmation" in err and "--yes" in err
    monkeypatch.setattr(sys, "stdin", FakeTerminal("n\n"))
    code, _, err = run(capsys, *argv)
    assert code == 1 and "not rotated" in err and " ".join(ROTATION_BREAKS.split()) in " ".join(err.split())
    assert token_status(sandbox, app["client_id"], secret_of(app)) == 200
    monkeypatch.setattr(sys, "stdin", FakeTerminal("y\n"))
    code, out, err = run(capsys, *argv)
    assert code == 0 and "stops getting tokens at once" in err and "rotated 'Gate'" in out


def test_rotate_stops_at_the_first_failure_and_says_where_each_secret_is(cli_env, capsys, tmp_path) -> None:
    sandbox = cli_env
    first, doomed, last = create(capsys, "A"), create(capsys, "B"), create(capsys, "C")
    # B is deleted between the listing and its turn: the service refuses it (404).
    sandbox.store.delete_application(doomed["identity"].removeprefix("applications/"))
    save_dir = tmp_path / "rotated"
    ids = [first["client_id"], doomed["client_id"], last["client_id"]]
    from rkvst_tui.cli import apps as cli_apps

    original = cli_apps.application_by_id_or_name

    async def known(api, ref):  # the listing saw B; the service has it no more
        if ref == doomed["client_id"]:
            from rkvst_tui.api.models import Application

            return Application.from_wire({**doomed, "credentials": []})
        return await original(api, ref)

    cli_apps.application_by_id_or_name = known
    try:
        code, out, err = run(capsys, "apps", "rotate", *ids, "--save-dir", str(save_dir), "--yes")
    finally:
        cli_apps.application_by_id_or_name = original
    assert code == 1
    assert f"error: 'B' ({doomed['client_id']}) was not rotated: the service refused it (404)" in err
    assert f"'A' ({first['client_id']}): in {save_dir / (first['client_id'] + '.env')}" in err
    assert f"not attempted (1): 'C' ({last['client_id']})" in err and "run the same command again" in err
    assert token_status(sandbox, last["client_id"], secret_of(last)) == 200
    code, out, err = run(
        capsys, "apps", "rotate", first["client_id"], last["client_id"], "--save-dir", str(save_dir), "--yes", "--json"
    )
    data = json.loads(out)
    assert code == 0 and [(r["client_id"], r["earlier"]) for r in data["rotated"]] == [
        (first["client_id"], True),
        (last["client_id"], False),
    ]


def test_rotate_usage_errors(cli_env, capsys, tmp_path) -> None:
    code, _, err = run(capsys, "apps", "rotate", "--expiring", "30")
    assert code == 2 and "needs --save-dir DIR" in err
    code, _, err = run(capsys, "apps", "rotate", "--save-dir", str(tmp_path))
    assert code == 2 and "client ids, or --expiring DAYS" in err
    code, _, err = run(capsys, "apps", "rotate", "x", "--expiring", "3", "--save-dir", str(tmp_path))
    assert code == 2 and "not both" in err


ROTATE_AND_DIE = 12


def test_the_real_command_killed_mid_rotation_loses_no_secret_and_the_rerun_finishes(cli_env, capsys, tmp_path) -> None:
    sandbox = cli_env
    apps = [create(capsys, f"Meter{n}") for n in range(ROTATE_AND_DIE)]
    save_dir = tmp_path / "rotated"
    argv = [
        sys.executable,
        "-m",
        "rkvst_tui",
        "apps",
        "rotate",
        *(a["client_id"] for a in apps),
        "--save-dir",
        str(save_dir),
        "--yes",
    ]
    process = subprocess.Popen(argv, cwd=REPO, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(save_dir.glob("*.env")) and process.poll() is None:
        time.sleep(0.001)
    process.send_signal(signal.SIGKILL)
    out, err = process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL, err.decode()[-2000:]  # killed in the middle of the run
    saved_before = sorted(save_dir.glob("*.env"))
    assert 1 <= len(saved_before) < ROTATE_AND_DIE
    code, out, err = run(
        capsys, "apps", "rotate", *(a["client_id"] for a in apps), "--save-dir", str(save_dir), "--yes", "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert sorted(r["client_id"] for r in data["rotated"]) == sorted(a["client_id"] for a in apps)
    for app in apps:
        client_id, secret = read_credentials_file(save_dir / f"{app['client_id']}.env")
        assert token_status(sandbox, client_id, secret) == 200
    assert SecretJournal().entries() == []
    progress = (save_dir / PROGRESS_NAME).read_text()
    assert all(read_credentials_file(p)[1] not in progress for p in save_dir.glob("*.env"))


# -- audit --------------------------------------------------------------------------------------


def test_a_cli_session_is_in_the_audit_trail_with_no_secret_and_audit_prints_it(cli_env, capsys, tmp_path) -> None:
    sandbox = cli_env
    secrets = [sandbox.admin_secret]
    app = create(capsys, "Traffic\x1b[31mLight")
    secrets.append(secret_of(app))
    code, out, _ = run(capsys, "apps", "regenerate", app["client_id"], "--yes", "--json")
    assert code == 0
    secrets.append(secret_of(json.loads(out)["application"]))
    assert run(capsys, "apps", "update", app["client_id"], "--name", "Renamed")[0] == 0
    assert run(capsys, "principals", "add", "--app", app["client_id"])[0] == 0
    assert run(capsys, "principals", "remove", "--app", app["client_id"])[0] == 0
    assert run(capsys, "apps", "rotate", app["client_id"], "--save-dir", str(tmp_path / "r"), "--yes")[0] == 0
    secrets.append(read_credentials_file(tmp_path / "r" / f"{app['client_id']}.env")[1])
    code, out, _ = run(capsys, "token")
    assert code == 0
    secrets.append(out.strip().split()[-1])
    assert run(capsys, "apps", "delete", app["client_id"], "--yes")[0] == 0
    assert run(capsys, "apps", "delete", app["client_id"], "--yes")[0] == 1  # 404: not found

    trail = Path(os.environ["RKVST_TUI_STATE_DIR"]) / "audit.jsonl"
    raw = trail.read_text()
    assert stat.S_IMODE(trail.stat().st_mode) == 0o600 and raw.isascii()
    for secret in secrets:
        assert secret and secret not in raw, "a secret or token in the audit trail"
    code, out, err = run(capsys, "audit", "--json")
    data = json.loads(out)
    assert code == 0 and data["audit_file"] == str(trail) and data["skipped_lines"] == 0
    assert [(e["action"], e["outcome"]) for e in data["entries"]] == [
        ("app.create", "done"),
        ("app.regenerate", "done"),
        ("app.update", "done"),
        ("root_principal.add", "done"),
        ("root_principal.remove", "done"),
        ("app.regenerate", "done"),
        ("app.delete", "done"),
    ]  # the second delete failed on reading the registration: nothing was sent
    assert data["entries"][0]["target"]["name"] == "Traffic\x1b[31mLight"  # as given
    assert all(e["actor"] == sandbox.admin_client_id and e["base_url"] == sandbox.base_url for e in data["entries"])
    code, out, err = run(capsys, "audit")
    assert code == 0 and "\x1b" not in out and "Traffic\\x1b[31mLight" in out and "7 changes" in err
    lines = out.splitlines()
    assert lines[0].split()[:5] == ["TIME", "(UTC)", "PROFILE", "ACTION", "TARGET"]
    assert "app.create" in lines[1] and "done" in lines[1]
    code, out, _ = run(capsys, "audit", "--since", "1h", "--json")
    assert code == 0 and len(json.loads(out)["entries"]) == 7
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).strftime("%Y-%m-%d")
    code, out, _ = run(capsys, "audit", "--since", tomorrow)
    assert code == 0 and out.startswith("No changes recorded since")
    code, _, err = run(capsys, "audit", "--since", "last tuesday")
    assert code == 2 and "neither a date or time nor a span" in err


def test_audit_with_no_trail_yet_and_with_a_torn_line(cli_env, capsys) -> None:
    code, out, _ = run(capsys, "audit")
    assert code == 0 and out.startswith("No changes recorded")
    create(capsys, "One")
    trail = Path(os.environ["RKVST_TUI_STATE_DIR"]) / "audit.jsonl"
    with open(trail, "ab") as handle:
        handle.write(b'{"v":1,"time":"2026-12-03T10:00:00Z","act')  # a write cut short by a crash
    create(capsys, "Two")
    code, out, err = run(capsys, "audit", "--json")
    data = json.loads(out)
    assert [e["target"]["name"] for e in data["entries"]] == ["One", "Two"] and data["skipped_lines"] == 1
    code, out, err = run(capsys, "audit")
    assert "1 line of" in err and "could not be read" in err


def test_locate_names_the_audit_trail(cli_env, capsys) -> None:
    code, out, _ = run(capsys, "locate", "--json")
    expected = str(Path(os.environ["RKVST_TUI_STATE_DIR"]) / "audit.jsonl")
    assert code == 0 and json.loads(out)["audit_file"] == expected
    code, out, _ = run(capsys, "locate")
    assert code == 0 and any(line.startswith("audit trail") and expected in line for line in out.splitlines())
