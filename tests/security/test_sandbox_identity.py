"""The sandbox's admin secret never reaches a stranger on its port.

With nothing configured the command line and the console sign in to the local sandbox as its
admin. They find it at the address it records in its data directory, and send the admin's
secret only after the server there has answered a fresh challenge with the key recorded
beside that address (sandbox/address.py). Here another local "user" listens on the port a
sandbox used, and the tests assert on every byte it received.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from security_helpers import TALLY

from rkvst_tui import cli
from rkvst_tui.sandbox import address
from rkvst_tui.sandbox.embedded import SandboxProcess, SandboxStartError
from tests.env_helpers import clear_service_environment


class Stranger:
    """Another user's server on 127.0.0.1: records every byte, answers every request with `answer`."""

    def __init__(self, port: int = 0, answer: bytes | None = None, delay: float = 0.0) -> None:
        self.delay = delay
        body = b'{"proof": "' + b"0" * 64 + b'"}'
        self.answer = (
            answer
            if answer is not None
            else (
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\nConnection: close\r\n\r\n"
                + body
            )
        )
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.received: list[bytes] = []  # one entry per connection
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def everything(self) -> bytes:
        return b"".join(self.received)

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = connection.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                    connection.settimeout(0.2)  # a body, if one follows (a token request's form)
                    while chunk := connection.recv(65536):
                        data += chunk
                except OSError:
                    pass
                self.received.append(data)
                time.sleep(self.delay)
                try:
                    connection.sendall(self.answer)
                except OSError:
                    pass

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def strangers() -> Iterator[list[Stranger]]:
    started: list[Stranger] = []
    yield started
    for stranger in started:
        stranger.close()


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    clear_service_environment(monkeypatch)
    monkeypatch.setenv("RKVST_TUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("RKVST_TUI_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data" / "sandbox"


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def admin_secret(data_dir: Path) -> str:
    return next(
        line.split("=", 1)[1]
        for line in (data_dir / "admin-credentials.env").read_text().splitlines()
        if line.startswith("SECRET=")
    )


def killed_sandbox(data_dir: Path) -> int:
    """`rkvst-tui sandbox` started, then killed with SIGKILL: its record stays behind. Its port."""
    runner = subprocess.Popen(
        [sys.executable, "-m", "rkvst_tui", "sandbox", "--port", "0", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = runner.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, line
        port = int(line.rsplit(":", 1)[1])
    finally:
        runner.send_signal(signal.SIGKILL)
        runner.wait(10)
        runner.stdout.close()
    assert address.read_address(data_dir).base_url == f"http://127.0.0.1:{port}"  # stale now
    return port


# -- the record --------------------------------------------------------------------------------------


def test_the_sandbox_records_where_it_serves_privately_and_removes_it_when_it_stops(make_sandbox, tmp_path):
    server = make_sandbox(data_dir=tmp_path / "data")
    recorded = tmp_path / "data" / address.ADDRESS_FILE
    assert stat.S_IMODE(recorded.stat().st_mode) == 0o600
    record = json.loads(recorded.read_text())
    assert record["base_url"] == server.base_url and record["pid"] == os.getpid()
    assert address.find_running(tmp_path / "data") == address.read_address(tmp_path / "data")
    server.stop()
    assert not recorded.exists()
    assert address.find_running(tmp_path / "data") is None


# -- strangers -----------------------------------------------------------------------------------------


def test_a_stranger_on_a_killed_sandboxs_port_is_never_contacted(home, strangers, capsys):
    """The issue's case: the sandbox is not running and another user listens on its port."""
    port = killed_sandbox(home)
    stranger = Stranger(port)
    strangers.append(stranger)
    code, out, err = run_cli(capsys, "apps", "list")
    assert code == 1 and out == ""
    assert "no local sandbox is running" in err and "rkvst-tui sandbox" in err
    code, _, err = run_cli(capsys, "token")
    assert code == 1
    assert stranger.received == []  # not even a connection: the record is stale (no lock held)
    TALLY["stranger on the sandbox's port: secret not sent"] += 1


def test_a_stranger_at_a_recorded_address_is_refused_before_any_secret(home, strangers, make_sandbox, capsys):
    """A sandbox that holds its data but no longer its port (or a file system without locks):
    the server at the recorded address must prove it read the data directory, and cannot."""
    server = make_sandbox(data_dir=home)  # sets the data up and holds its lock...
    stranger = Stranger()
    strangers.append(stranger)
    address.write_address(home, stranger.url, address.new_key())  # ...but the stranger is at its address
    secret = server.admin_secret
    code, out, err = run_cli(capsys, "apps", "list")
    assert code == 1 and out == ""
    assert f"the server at {stranger.url} is not the sandbox of {home}" in err
    assert "credentials were not sent" in err and "Traceback" not in err
    assert len(stranger.received) == 1  # one identity check, nothing after it
    request = stranger.received[0].decode()
    assert request.startswith(f"GET {address.IDENTITY_PATH}?challenge=")
    assert secret.encode() not in stranger.everything and server.admin_client_id.encode() not in stranger.everything
    assert b"appidp/token" not in stranger.everything and b"Authorization" not in stranger.everything
    TALLY["stranger on the sandbox's port: secret not sent"] += 1


def test_a_stranger_that_replays_an_old_proof_is_refused(home, strangers, make_sandbox, capsys):
    """Each check asks a new challenge: an answer seen once is worth nothing."""
    server = make_sandbox(data_dir=home)
    key = address.read_address(home).key
    old = address.proof(key, "a" * 64)
    body = json.dumps({"proof": old}).encode()
    stranger = Stranger(answer=b"HTTP/1.1 200 OK\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    strangers.append(stranger)
    address.write_address(home, stranger.url, key)  # even with the real key recorded
    code, _, err = run_cli(capsys, "token")
    assert code == 1 and "not the sandbox" in err
    assert server.admin_secret.encode() not in stranger.everything
    TALLY["stranger on the sandbox's port: secret not sent"] += 1


@pytest.mark.parametrize(
    ("answer", "delay"),
    [
        pytest.param(b"HTTP/1.1 200 OK\r\n\r\n" + b"x" * (4 * 1024 * 1024), 0, id="a 4 MiB answer"),
        pytest.param(b"", 0, id="an empty answer"),
        pytest.param(b"\x1b]52;c;cHduZWQ=\x07 not http", 0, id="terminal escapes instead of HTTP"),
        pytest.param(b"HTTP/1.1 200 OK\r\n\r\n", 30, id="no answer for 30 s"),
    ],
)
def test_a_hostile_answer_to_the_check_is_a_clear_bounded_refusal(answer, delay, home, strangers, make_sandbox, capsys):
    make_sandbox(data_dir=home)
    stranger = Stranger(answer=answer, delay=delay)
    strangers.append(stranger)
    address.write_address(home, stranger.url, address.new_key())
    started = time.monotonic()
    code, _, err = run_cli(capsys, "apps", "list")
    assert time.monotonic() - started < address.CHECK_TIMEOUT + 2
    assert code == 1 and "not the sandbox" in err and "\x1b" not in err


def test_the_console_refuses_a_stranger_too(home, strangers, make_sandbox):
    server = make_sandbox(data_dir=home)
    stranger = Stranger()
    strangers.append(stranger)
    address.write_address(home, stranger.url, address.new_key())
    console = SandboxProcess(home, preferred_port=0)
    console.spawn()
    with pytest.raises(SandboxStartError) as refused:
        console.wait_ready()
    console.stop()
    assert f"the server at {stranger.url} is not the sandbox of {home}" in refused.value.message
    assert server.admin_secret.encode() not in stranger.everything and len(stranger.received) == 1
    TALLY["stranger on the sandbox's port: secret not sent"] += 1


def test_a_console_after_a_killed_sandbox_starts_its_own_and_tells_the_stranger_nothing(home, strangers):
    port = killed_sandbox(home)
    stranger = Stranger(port)
    strangers.append(stranger)
    console = SandboxProcess(home, preferred_port=port).start()  # its port is the stranger's now
    try:
        assert not console.shared and console.base_url != stranger.url
        assert address.find_running(home).base_url == console.base_url  # the new record
    finally:
        console.stop()
    assert stranger.received == []


def test_inspect_verify_checks_against_the_recorded_sandbox_and_never_a_strangers_keys(
    home, strangers, make_sandbox, mint_token, capsys
):
    """Unconfigured `inspect --verify` fetches the local sandbox's key set: a stranger's would make
    a token it forged look VERIFIED, so the server must pass the identity check first."""
    server = make_sandbox(data_dir=home)  # on a free port, recorded
    token = mint_token(server)
    code, out, err = run_cli(capsys, "inspect", token, "--verify", "--json")
    assert code == 0, err
    assert json.loads(out)["signature"]["state"] == "VERIFIED"
    stranger = Stranger()
    strangers.append(stranger)
    address.write_address(home, stranger.url, address.new_key())
    code, out, err = run_cli(capsys, "inspect", token, "--verify")
    assert code == 1 and "not the sandbox" in err and "VERIFIED" not in out
    assert len(stranger.received) == 1 and b"jwks" not in stranger.everything
