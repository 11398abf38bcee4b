"""Everything survives a restart and a kill -9; secrets are never stored in clear."""

from __future__ import annotations

import re
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jwt
import pytest
from sandbox_helpers import APPS, ROOTS, TOKEN, session, token_for

from rkvst_tui.sandbox.address import DataDirInUse
from rkvst_tui.sandbox.server import SandboxServer

REPO = Path(__file__).resolve().parents[2]


def test_stop_and_start_keeps_registrations_principals_keys_and_admin(make_sandbox, sandbox_data_dir) -> None:
    server = make_sandbox(data_dir=sandbox_data_dir)
    admin_id, admin_secret = server.admin_client_id, server.admin_secret
    token = token_for(server.base_url, admin_id, admin_secret)
    with session(server.base_url, token) as client:
        created = client.post(APPS, json={"display_name": "kept", "custom_claims": {"k": "v"}}).json()
        roots = client.patch(
            ROOTS,
            json={
                "root_principals": [
                    *client.get(ROOTS).json()["root_principals"],
                    {"issuer": "https://login.example.com", "subject": "alice", "display_name": "Alice", "email": ""},
                ]
            },
        ).json()
        jwks = httpx.get(server.base_url + "/appidpv1/.well-known/jwks.json").json()
    server.stop()

    again = make_sandbox(data_dir=sandbox_data_dir)
    assert (again.admin_client_id, again.admin_secret) == (admin_id, admin_secret)
    same_base_token = token_for(again.base_url, admin_id, admin_secret)
    with session(again.base_url, same_base_token) as client:
        got = client.get(f"{APPS}/{created['client_id']}").json()
        assert got["display_name"] == "kept" and got["custom_claims"] == {"k": "v"}
        assert got["credentials"][0]["valid_until"] == created["credentials"][0]["valid_until"]
        listed = client.get(ROOTS).json()["root_principals"]
        assert [p["subject"] for p in listed] == [p["subject"] for p in roots["root_principals"]]
    assert httpx.get(again.base_url + "/appidpv1/.well-known/jwks.json").json() == jwks
    # The created registration's secret still works: only its hash was stored, and it was kept.
    token_for(again.base_url, created["client_id"], created["credentials"][0]["secret"])


def test_the_same_server_object_restarts_on_the_same_port_and_old_tokens_still_work(sandbox, admin_token) -> None:
    port = sandbox.port
    sandbox.stop()
    sandbox.start()
    assert sandbox.port == port
    with session(sandbox.base_url, admin_token) as client:
        assert client.get(APPS).status_code == 200  # same keys, same issuer: the token is still good


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_sandbox_process(data_dir: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "rkvst_tui.sandbox.runner", "--port", str(port), "--data-dir", str(data_dir)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/appidpv1/.well-known/jwks.json", timeout=1)
            return process
        except httpx.TransportError:
            if process.poll() is not None:
                raise AssertionError(f"the sandbox exited: {process.stderr.read()}") from None
            time.sleep(0.05)
    process.kill()
    raise AssertionError("the sandbox process did not start")


def test_acknowledged_writes_survive_kill_9(tmp_path) -> None:
    data_dir = tmp_path / "killed"
    port = free_port()
    process = run_sandbox_process(data_dir, port)
    base = f"http://127.0.0.1:{port}"
    try:
        credentials = dict(line.split("=", 1) for line in (data_dir / "admin-credentials.env").read_text().splitlines())
        token = token_for(base, credentials["CLIENT_ID"], credentials["SECRET"])
        with session(base, token) as client:
            created = [client.post(APPS, json={"display_name": f"acked-{i}"}).json() for i in range(5)]
            regenerated = client.post(f"{APPS}/{created[0]['client_id']}:regenerate-secret").json()
            client.delete(f"{APPS}/{created[1]['client_id']}")
    finally:
        process.send_signal(signal.SIGKILL)  # no chance to flush or close anything
        process.wait(timeout=10)
        out_first_lines = process.stdout.read()
        process.stdout.close()
        process.stderr.close()
    assert f"CLIENT_ID={credentials['CLIENT_ID']}" in out_first_lines  # printed once on first start

    restarted = run_sandbox_process(data_dir, port)
    try:
        with session(base, token_for(base, credentials["CLIENT_ID"], credentials["SECRET"])) as client:
            names = [a["display_name"] for a in client.get(APPS).json()["applications"]]
        assert names == ["sandbox-admin", "acked-0", "acked-2", "acked-3", "acked-4"]
        token_for(base, created[0]["client_id"], regenerated["credentials"][0]["secret"])
        old = httpx.post(
            base + TOKEN,
            data={
                "grant_type": "client_credentials",
                "client_id": created[0]["client_id"],
                "client_secret": created[0]["credentials"][0]["secret"],
            },
        )
        assert old.status_code == 401
    finally:
        restarted.terminate()
        restarted.wait(timeout=10)
        second_output = restarted.stdout.read()
        restarted.stdout.close()
        restarted.stderr.close()
    assert credentials["SECRET"] not in second_output  # the secret is printed on the first start only
    assert "sandbox stopped" in second_output  # SIGTERM stops it cleanly


def test_secrets_are_never_stored_in_clear(sandbox, api, create_app) -> None:
    created = [create_app(f"secretive-{i}") for i in range(3)]
    rotated = api.post(f"{APPS}/{created[0]['client_id']}:regenerate-secret").json()
    secrets = [a["credentials"][0]["secret"] for a in created] + [rotated["credentials"][0]["secret"]]
    secrets.append(sandbox.admin_secret)
    token = token_for(sandbox.base_url, created[1]["client_id"], created[1]["credentials"][0]["secret"])
    stored = b"".join(
        path.read_bytes() for path in sandbox.data_dir.iterdir() if path.name.startswith("sandbox.sqlite3")
    )
    assert stored  # the database files are there and were read
    for secret in secrets:
        assert secret.encode() not in stored
        assert secret.upper().encode() not in stored
    assert token.encode() not in stored
    # What is there is the hash.
    import hashlib

    assert hashlib.sha256(secrets[1].encode()).hexdigest().encode() in stored


def test_data_files_are_private(sandbox) -> None:
    for path in sandbox.data_dir.iterdir():
        if path.name.startswith("sandbox.sqlite3") or path.name == "admin-credentials.env":
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path.name


def test_a_lost_credentials_file_gets_new_admin_credentials(make_sandbox, sandbox_data_dir) -> None:
    server = make_sandbox(data_dir=sandbox_data_dir)
    admin_id, old_secret = server.admin_client_id, server.admin_secret
    server.stop()
    (sandbox_data_dir / "admin-credentials.env").unlink()
    again = make_sandbox(data_dir=sandbox_data_dir)
    assert again.admin_client_id == admin_id
    assert again.admin_secret != old_secret and again.admin_credentials.created
    assert re.search(r"SECRET=[0-9a-f]{64}", (sandbox_data_dir / "admin-credentials.env").read_text())
    token_for(again.base_url, admin_id, again.admin_secret)


def test_a_deleted_admin_is_recreated_as_root_on_the_next_start(make_sandbox, sandbox_data_dir) -> None:
    server = make_sandbox(data_dir=sandbox_data_dir)
    old_admin = server.admin_client_id
    with session(server.base_url, token_for(server.base_url, old_admin, server.admin_secret)) as client:
        assert client.delete(f"{APPS}/{old_admin}").status_code == 200
    server.stop()
    again = make_sandbox(data_dir=sandbox_data_dir)
    assert again.admin_client_id != old_admin
    with session(again.base_url, token_for(again.base_url, again.admin_client_id, again.admin_secret)) as client:
        assert client.get(APPS).status_code == 200
        subjects = [p["subject"] for p in client.get(ROOTS).json()["root_principals"]]
    assert again.admin_client_id in subjects


def test_reset_starts_afresh(make_sandbox, sandbox_data_dir) -> None:
    server = make_sandbox(data_dir=sandbox_data_dir)
    (sandbox_data_dir / "unrelated.txt").write_text("keep me")
    admin_id = server.admin_client_id
    jwt_kid = jwt.get_unverified_header(token_for(server.base_url, admin_id, server.admin_secret))["kid"]
    server.stop()
    fresh = make_sandbox(data_dir=sandbox_data_dir, reset=True)
    assert fresh.admin_client_id != admin_id
    assert (
        jwt.get_unverified_header(token_for(fresh.base_url, fresh.admin_client_id, fresh.admin_secret))["kid"]
        != jwt_kid
    )
    assert (sandbox_data_dir / "unrelated.txt").read_text() == "keep me"


def test_a_second_server_on_the_same_data_dir_is_refused_and_named(tmp_path) -> None:
    """One sandbox serves a data directory at a time (two wrote each other's address and admin
    credentials); the refusal names the one that serves it, and its data is left alone."""
    first = SandboxServer(tmp_path / "shared")
    first.start()
    try:
        second = SandboxServer(tmp_path / "shared")
        with pytest.raises(DataDirInUse) as refused:
            second.start()
        assert str(tmp_path / "shared") in refused.value.message and first.base_url in refused.value.message
        with pytest.raises(DataDirInUse):
            SandboxServer(tmp_path / "shared", reset=True)  # --reset must not delete data in use
        token_for(first.base_url, first.admin_client_id, first.admin_secret)
    finally:
        first.stop()
    again = SandboxServer(tmp_path / "shared")  # free once the first has stopped
    try:
        again.start()
        assert again.admin_client_id == first.admin_client_id
    finally:
        again.stop()
