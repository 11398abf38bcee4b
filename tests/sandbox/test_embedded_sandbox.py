"""The console's sandbox in a child process: serves, stops with the console, reports a failed start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from rkvst_tui.sandbox.embedded import SandboxProcess, SandboxStartError

TOKEN_PATH = "/archivist/iam/v1/appidp/token"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped) counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_it_serves_tokens_and_stops_when_told(tmp_path):
    sandbox = SandboxProcess(tmp_path / "sandbox")
    sandbox.spawn()
    assert sandbox.running
    sandbox.wait_ready()
    try:
        answer = httpx.post(
            sandbox.base_url + TOKEN_PATH,
            data={
                "grant_type": "client_credentials",
                "client_id": sandbox.admin_client_id,
                "client_secret": sandbox.admin_secret,
            },
            timeout=10,
        )
        assert answer.status_code == 200 and answer.json()["token_type"] == "Bearer"
        assert sandbox.admin_secret not in repr(sandbox)
        pid = sandbox._process.pid
    finally:
        sandbox.stop()
    assert wait_gone(pid)
    with pytest.raises(httpx.ConnectError):
        httpx.get(sandbox.base_url + "/appidpv1/.well-known/jwks.json", timeout=2)
    # Its data stays: the same admin works when it comes back.
    again = SandboxProcess(tmp_path / "sandbox").start()
    try:
        assert again.admin_client_id == sandbox.admin_client_id
    finally:
        again.stop()


def test_it_stops_when_the_console_dies_without_cleaning_up(tmp_path):
    """A console killed outright closes the child's standard input: the child stops by itself."""
    console = textwrap.dedent(f"""
        import os, sys
        from pathlib import Path
        from rkvst_tui.sandbox.embedded import SandboxProcess
        sandbox = SandboxProcess(Path({str(tmp_path / "sandbox")!r})).start()
        print(sandbox._process.pid, flush=True)
        os._exit(0)  # no stop(), no atexit: as if killed
    """)
    done = subprocess.run([sys.executable, "-c", console], capture_output=True, text=True, timeout=60)
    child = int(done.stdout.strip())
    assert wait_gone(child), "the sandbox child outlived its console"


def test_a_failed_start_is_one_clear_error_and_leaves_nothing_running(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the sandbox's data directory should be")
    sandbox = SandboxProcess(blocker)
    sandbox.spawn()
    pid = sandbox._process.pid
    with pytest.raises(SandboxStartError) as failure:
        sandbox.wait_ready()
    assert str(blocker) in failure.value.message and "Traceback" not in failure.value.message
    assert "rkvst-tui sandbox" in failure.value.hint
    assert wait_gone(pid)
    sandbox.stop()


def test_output_after_ready_cannot_stall_the_child(tmp_path):
    """The console reads one line; whatever the child prints later goes nowhere, not into a full pipe."""
    sandbox = SandboxProcess(tmp_path / "sandbox").start()
    try:
        child = sandbox._process.pid
        deadline = time.monotonic() + 5  # it redirects right after writing its one line
        while os.readlink(f"/proc/{child}/fd/1") != os.devnull and time.monotonic() < deadline:
            time.sleep(0.01)
        assert os.readlink(f"/proc/{child}/fd/1") == os.devnull
    finally:
        sandbox.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_it_listens_on_the_preferred_port_and_on_another_when_that_is_taken(tmp_path):
    """The console asks for 8470 so its URL (and the curl commands it shows) stay the same from
    run to run; a second console, or `rkvst-tui sandbox`, holding it must not stop it starting."""
    preferred = _free_port()
    first = SandboxProcess(tmp_path / "one", preferred_port=preferred).start()
    try:
        assert first.base_url == f"http://127.0.0.1:{preferred}"
        second = SandboxProcess(tmp_path / "two", preferred_port=preferred).start()
        try:
            assert second.base_url != first.base_url
            answer = httpx.post(
                second.base_url + TOKEN_PATH,
                data={
                    "grant_type": "client_credentials",
                    "client_id": second.admin_client_id,
                    "client_secret": second.admin_secret,
                },
                timeout=10,
            )
            assert answer.status_code == 200
        finally:
            second.stop()
    finally:
        first.stop()


# -- one sandbox per data directory ------------------------------------------------------------


def test_a_second_console_uses_the_sandbox_already_serving_its_data(tmp_path):
    """Before, a second console silently started a second sandbox over the same data on another
    port, whose curl commands died with it. Now it uses the first, at its recorded address."""
    first = SandboxProcess(tmp_path / "sandbox", preferred_port=_free_port()).start()
    try:
        second = SandboxProcess(tmp_path / "sandbox", preferred_port=_free_port()).start()
        assert second.shared and not first.shared
        assert second.base_url == first.base_url
        assert (second.admin_client_id, second.admin_secret) == (first.admin_client_id, first.admin_secret)
        assert wait_gone(second._process.pid)  # its child only looked: one sandbox serves
        answer = httpx.post(
            second.base_url + TOKEN_PATH,
            data={
                "grant_type": "client_credentials",
                "client_id": second.admin_client_id,
                "client_secret": second.admin_secret,
            },
            timeout=10,
        )
        assert answer.status_code == 200
        second.stop()  # stopping the console that shares it stops nothing
        assert first.running and httpx.get(first.base_url + "/appidpv1/.well-known/jwks.json").status_code == 200
    finally:
        first.stop()
    assert not (tmp_path / "sandbox" / "address.json").exists()  # a clean stop removes the record
    third = SandboxProcess(tmp_path / "sandbox").start()  # the first gone: the next one serves itself
    try:
        assert not third.shared and third.running
    finally:
        third.stop()


def test_two_consoles_started_together_end_up_on_one_sandbox(tmp_path):
    consoles = [SandboxProcess(tmp_path / "sandbox", preferred_port=0) for _ in range(2)]
    for console in consoles:
        console.spawn()
    try:
        for console in consoles:
            console.wait_ready()
        assert consoles[0].base_url == consoles[1].base_url
        assert sorted(console.shared for console in consoles) == [False, True]
    finally:
        for console in consoles:
            console.stop()


def test_a_console_uses_rkvst_tui_sandbox_running_over_its_data(tmp_path):
    runner = subprocess.Popen(
        [sys.executable, "-m", "rkvst_tui", "sandbox", "--port", "0", "--data-dir", str(tmp_path / "sandbox")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        url = runner.stdout.readline().rsplit(" ", 1)[1].strip()
        console = SandboxProcess(tmp_path / "sandbox", preferred_port=_free_port()).start()
        assert console.shared and console.base_url == url
        console.stop()
    finally:
        runner.send_signal(signal.SIGINT)
        runner.communicate(timeout=15)


def test_the_child_gets_none_of_the_users_credentials(tmp_path, monkeypatch):
    """The sandbox needs none of them; a child that inherits them would hold them in its
    environment (readable in /proc by the user's other processes and in crash reports)."""
    credentials = {
        "RKVST_CLIENT_SECRET": "user-secret-1",
        "RKVST_CLIENT_ID": "d1fb6c87",
        "RKVST_APPREG_SECRET": "user-secret-2",
        "RKVST_CLIENT_SECRET_FILE": "/home/u/secret",
        "RKVST_BEARER_TOKEN_FILE": "/home/u/bearer",
        "BEARER_TOKEN_FILE": "/home/u/bearer_token",
        "DATATRAILS_CLIENT_SECRET": "user-secret-3",
        "RKVST_URL": "https://app.rkvst.io",
    }
    for name, value in credentials.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("UNRELATED_SETTING", "kept")
    sandbox = SandboxProcess(tmp_path / "sandbox").start()
    try:
        environ = Path(f"/proc/{sandbox._process.pid}/environ").read_bytes()
    finally:
        sandbox.stop()
    names = {entry.split(b"=", 1)[0].decode() for entry in environ.split(b"\0") if entry}
    assert not names & set(credentials), names & set(credentials)
    assert not any(value.encode() in environ for value in credentials.values())
    assert {"UNRELATED_SETTING", "PATH"} <= names
    assert os.environ["RKVST_CLIENT_SECRET"] == "user-secret-1"  # the console's own is untouched
