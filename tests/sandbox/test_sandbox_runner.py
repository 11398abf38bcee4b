"""`rkvst-tui sandbox` (rkvst_tui.sandbox.runner): options, output, and a clean stop."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sandbox_helpers import APPS, session, token_for

from rkvst_tui.sandbox import runner

REPO = Path(__file__).resolve().parents[2]


def start(args: list[str], env_data_dir: Path | None = None) -> tuple[subprocess.Popen, list[str]]:
    env = dict(os.environ)
    if env_data_dir is not None:
        env["RKVST_TUI_DATA_DIR"] = str(env_data_dir)
    process = subprocess.Popen(
        [sys.executable, "-m", "rkvst_tui.sandbox.runner", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("Press Ctrl+C"):
            return process, lines
    process.kill()
    raise AssertionError(f"the runner did not come up: {lines} {process.stderr.read()}")


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    return out


def test_port_zero_prints_the_port_and_the_admin_credentials_once(tmp_path) -> None:
    data_dir = tmp_path / "data"
    process, lines = start(["--port", "0", "--data-dir", str(data_dir)])
    try:
        match = re.search(r"listening on (http://127\.0\.0\.1:(\d+))", lines[0])
        assert match and int(match.group(2)) > 0
        base = match.group(1)
        credentials = dict(line.split("=", 1) for line in lines if re.match(r"^(CLIENT_ID|SECRET)=", line))
        assert re.fullmatch(r"[0-9a-f]{64}", credentials["SECRET"])
        assert (data_dir / "admin-credentials.env").read_text() == (
            f"CLIENT_ID={credentials['CLIENT_ID']}\nSECRET={credentials['SECRET']}\n"
        )
        token_for(base, credentials["CLIENT_ID"], credentials["SECRET"])
    finally:
        assert "sandbox stopped" in stop(process)
    again, lines = start(["--port", "0", "--data-dir", str(data_dir)])
    try:
        assert not any(line.startswith("SECRET=") for line in lines)
        assert credentials["SECRET"] not in "\n".join(lines)
        assert str(data_dir / "admin-credentials.env") in "\n".join(lines)
    finally:
        stop(again)


def test_seed_apps_fills_thousands_in_seconds_and_reset_empties(tmp_path) -> None:
    started = time.monotonic()
    process, lines = start(["--port", "0", "--seed-apps", "10000"], env_data_dir=tmp_path / "env-data")
    try:
        assert time.monotonic() - started < 15
        assert any(line.startswith("seeded 10000 app registrations") for line in lines)
        base = re.search(r"(http://\S+)", lines[1]).group(1)
        # The default data dir follows RKVST_TUI_DATA_DIR.
        env_file = tmp_path / "env-data" / "sandbox" / "admin-credentials.env"
        credentials = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
        with session(base, token_for(base, credentials["CLIENT_ID"], credentials["SECRET"])) as client:
            page = client.get(APPS, params={"page_size": 1000}).json()
            assert len(page["applications"]) == 1000 and page["next_page_token"]
            last = client.get(APPS, params={"display_name": "app-010000"}).json()["applications"]
            assert len(last) == 1
    finally:
        stop(process)
    process, lines = start(["--port", "0", "--reset"], env_data_dir=tmp_path / "env-data")
    try:
        base = re.search(r"(http://\S+)", lines[0]).group(1)
        assert any(line.startswith("SECRET=") for line in lines)  # a fresh admin, shown once
        credentials = dict(line.split("=", 1) for line in lines if re.match(r"^(CLIENT_ID|SECRET)=", line))
        with session(base, token_for(base, credentials["CLIENT_ID"], credentials["SECRET"])) as client:
            assert [a["display_name"] for a in client.get(APPS).json()["applications"]] == ["sandbox-admin"]
    finally:
        stop(process)


def test_a_non_loopback_host_prints_a_warning(tmp_path, capsys) -> None:
    # 192.0.2.1 (TEST-NET-1) is never assigned to this machine: the warning shows, the bind fails cleanly.
    code = runner.main(["--host", "192.0.2.1", "--port", "0", "--data-dir", str(tmp_path / "d")])
    captured = capsys.readouterr()
    assert "warning" in captured.err and "192.0.2.1" in captured.err
    assert code == 1
    assert "cannot listen on 192.0.2.1" in captured.err
    assert "Traceback" not in captured.err


def test_a_taken_port_is_a_clear_error(tmp_path, capsys, sandbox) -> None:
    code = runner.main(["--port", str(sandbox.port), "--data-dir", str(tmp_path / "d")])
    captured = capsys.readouterr()
    assert code == 1
    assert f"cannot listen on 127.0.0.1:{sandbox.port}" in captured.err
    assert "--port 0" in captured.err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--port", "http"], "not a whole number"),
        (["--port", "70000"], "not a TCP port"),
        (["--token-ttl", "0"], "must be 1 or more"),
        (["--max-apps", "-1"], "must be 0 or more"),
        (["--rate-limit", "0"], "must be 1 or more"),
        (["--seed-apps", "many"], "not a whole number"),
    ],
)
def test_bad_options_say_what_is_wrong(args, words, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        runner.main(args)
    assert exit_info.value.code == 2
    assert words in capsys.readouterr().err


def test_help_lists_every_option(capsys) -> None:
    with pytest.raises(SystemExit):
        runner.main(["--help"])
    out = capsys.readouterr().out
    for option in (
        "--host",
        "--port",
        "--data-dir",
        "--token-ttl",
        "--max-apps",
        "--rate-limit",
        "--reset",
        "--seed-apps",
        "--flavour",
    ):
        assert option in out
    assert "8470" in out


def test_it_refuses_data_another_sandbox_serves_and_names_it(tmp_path, make_sandbox, capsys) -> None:
    serving = make_sandbox(data_dir=tmp_path / "data")
    assert runner.main(["--port", "0", "--data-dir", str(tmp_path / "data")]) == 1
    err = capsys.readouterr().err
    assert f"another sandbox serves {tmp_path / 'data'}" in err and serving.base_url in err
    assert "Traceback" not in err
    assert runner.main(["--reset", "--port", "0", "--data-dir", str(tmp_path / "data")]) == 1
    err = capsys.readouterr().err
    assert "cannot reset" in err and serving.base_url in err and "Traceback" not in err
    token_for(serving.base_url, serving.admin_client_id, serving.admin_secret)  # untouched


def test_flavour_datatrails_serves_the_owner_role_and_no_root_principals(tmp_path) -> None:
    process, lines = start(["--port", "0", "--flavour", "datatrails", "--data-dir", str(tmp_path / "dt")])
    try:
        assert lines[0].startswith("DataTrails sandbox listening on http://127.0.0.1:")
        assert any(line.startswith("Owner app registration sandbox-admin created") for line in lines)
        base = lines[0].rsplit(" ", 1)[1]
        credentials = dict(line.split("=", 1) for line in lines if re.match(r"^(CLIENT_ID|SECRET)=", line))
        with session(base, token_for(base, credentials["CLIENT_ID"], credentials["SECRET"])) as admin:
            assert admin.get(APPS).json()["applications"][0]["roles"] == ["OWNER"]
            assert admin.get("/archivist/v1/tenancies/root_principals").status_code == 404
    finally:
        stop(process)
