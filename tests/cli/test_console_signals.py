"""A console lost with a one-time secret on screen is caught up on the next start.

The real `rkvst-tui` runs in a pseudo-terminal (its controlling terminal, 80x24) with its
own configuration, data and state directories, on a test sandbox. Through the terminal it
creates a registration, so the reveal shows the secret; then it is lost in each way a
console cannot ask first: its terminal closes (the kernel sends it SIGHUP, as when an SSH
session drops), SIGTERM, SIGINT or SIGQUIT (it stops cleanly, restoring the terminal, and
says which secret was left), SIGKILL. Each leaves its registration in the journal,
without the secret. A fresh start then offers them all; regenerating one shows its new
secret in the reveal, where ctrl+q asks "Have you recorded the secret?" before quitting.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="pseudo-terminals and signals as on Linux")

ROWS, COLUMNS = 24, 80
WAIT = 40.0  # seconds; polled, so a quick machine does not wait for it
# The child makes the terminal its controlling terminal (it is a session leader), as a login
# shell's does, then becomes the console: closing the terminal then sends it SIGHUP. SIGHUP gets
# its default action back, as under a login shell: a test run started by nohup or from a
# background job would otherwise hand the console an ignored SIGHUP.
CONTROLLING_TERMINAL = (
    "import fcntl, os, signal, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "signal.signal(signal.SIGHUP, signal.SIG_DFL); signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.executable, [sys.executable, '-m', 'rkvst_tui'])"
)
ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b.")
SECRET = re.compile(r"\b[0-9a-f]{64}\b")


def process_state(pid: int) -> str:
    """What the kernel says of a process that should have ended: its state and signal masks."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError as error:
        return f"no /proc entry ({error})"
    keep = ("State", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt", "Threads")
    return "; ".join(line for line in status.splitlines() if line.split(":")[0] in keep)


class Terminal:
    """`rkvst-tui` in a pseudo-terminal; `text` is everything it has drawn, escape codes removed."""

    def __init__(self, env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.process = subprocess.Popen(
            [sys.executable, "-c", CONTROLLING_TERMINAL],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.raw = b""

    @property
    def text(self) -> str:
        return self.text_since(0)

    def text_since(self, mark: int) -> str:
        return ESCAPES.sub(b"", self.raw[mark:]).decode("utf-8", "replace")

    def _read(self, timeout: float) -> None:
        if self.master < 0:
            time.sleep(timeout)
            return
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            try:
                self.raw += os.read(self.master, 65536)
            except OSError:  # the console is gone: the terminal has nothing more
                time.sleep(timeout)

    def wait_for(self, condition: Callable[[], bool] | str, what: str = "") -> None:
        check = (lambda: condition in self.text) if isinstance(condition, str) else condition
        deadline = time.monotonic() + WAIT
        while not check():
            if self.process.poll() is not None and self.master >= 0:
                self._read(0.05)
                if not check():
                    raise AssertionError(
                        f"the console exited ({self.process.returncode}) before {what or condition}:"
                        f"\n{self.text[-2000:]}"
                    )
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or condition}:\n{self.text[-2000:]}")
            self._read(0.05)

    def type(self, *keys: str) -> None:
        for key in keys:
            os.write(self.master, key.encode())
            time.sleep(0.05)  # one key at a time, as typed

    def close(self) -> None:
        """The terminal goes away (its window closed, the SSH session dropped)."""
        os.close(self.master)
        self.master = -1

    def ended(self) -> int:
        """Wait for the console to end (and reap it), reading what it still draws."""
        deadline = time.monotonic() + WAIT
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"the console did not end: {process_state(self.process.pid)}")
            self._read(0.05)
        return self.process.returncode

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        if self.master >= 0:
            self.close()


@pytest.fixture
def console_env(tmp_path: Path, sandbox) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("RKVST", "DATATRAILS", "BEARER_TOKEN", "XDG_"))
    }
    for name in ("config", "data", "state"):
        env[f"XDG_{name.upper()}_HOME"] = str(tmp_path / f"xdg-{name}")
        env[f"RKVST_TUI_{name.upper()}_DIR"] = str(tmp_path / name)
    env.update(
        TERM="xterm-256color",
        RKVST_URL=sandbox.base_url,
        RKVST_CLIENT_ID=sandbox.admin_client_id,
        RKVST_CLIENT_SECRET_FILE=str(sandbox.credentials_file),
        TEXTUAL="",
        PYTHONUNBUFFERED="1",
    )
    return env


def journal_entries(env: dict[str, str]) -> list[dict]:
    path = Path(env["RKVST_TUI_STATE_DIR"]) / "unrecorded-secrets.json"
    return json.loads(path.read_text())["unrecorded_secrets"] if path.exists() else []


def show_a_new_secret(env: dict[str, str], name: str, *, left_before: bool) -> tuple[Terminal, str]:
    """Start the console, create `name` through its form, and wait for the reveal. With
    `left_before`, the consoles lost before are offered first: decide later."""
    terminal = Terminal(env)
    if left_before:
        terminal.wait_for("Secrets that were never recorded", "the offer of those lost before")
        terminal.wait_for("Regenerate secret", "the offer's keys")
        mark = len(terminal.raw)
        terminal.type("\x1b")
        terminal.wait_for(lambda: "n New" in terminal.text_since(mark), "the list's keys again")
    else:
        terminal.wait_for("sandbox-admin", "the registrations table")
    terminal.type("n")
    terminal.wait_for("DISPLAY NAME", "the create form")
    terminal.type(*name, "\x13")  # ctrl+s
    terminal.wait_for(lambda: SECRET.search(terminal.text) is not None, "the secret on screen")
    return terminal, SECRET.search(terminal.text).group()


# How the console is lost, and how it ends: killed by the signal, or stopping cleanly (STOPS_CLEANLY).
LOST = {
    "the terminal closes": (lambda terminal: terminal.close(), -signal.SIGHUP),  # the kernel hangs it up
    "SIGTERM": (lambda terminal: terminal.process.send_signal(signal.SIGTERM), 128 + signal.SIGTERM),
    "SIGINT": (lambda terminal: terminal.process.send_signal(signal.SIGINT), 128 + signal.SIGINT),
    "SIGQUIT": (lambda terminal: terminal.process.send_signal(signal.SIGQUIT), 128 + signal.SIGQUIT),
    "SIGKILL": (lambda terminal: terminal.process.send_signal(signal.SIGKILL), -signal.SIGKILL),
}
STOPS_CLEANLY = ("SIGTERM", "SIGINT", "SIGQUIT")
LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049l"


def test_a_console_lost_with_the_secret_on_screen_is_caught_up_on_the_next_start(console_env, tmp_path) -> None:
    secrets: list[str] = []
    started = time.monotonic()
    try:
        for number, (how, (lose, ends_with)) in enumerate(LOST.items()):
            name = f"Lost{number}Light"
            terminal, secret = show_a_new_secret(console_env, name, left_before=number > 0)
            try:
                secrets.append(secret)
                if number == 0:  # a core file would hold the secret: the console writes none
                    limits = Path(f"/proc/{terminal.process.pid}/limits").read_text()
                    assert re.search(r"^Max core file size\s+0\s", limits, re.M), limits
                mark = len(terminal.raw)
                lose(terminal)
                assert terminal.ended() == ends_with, how
                if how in STOPS_CLEANLY:  # the terminal restored, and a word about the secret
                    assert LEAVE_ALTERNATE_SCREEN in terminal.raw[mark:], how
                    assert f"stopped by {how} while the new secret of '{name}' was on screen" in " ".join(
                        terminal.text_since(mark).split()
                    )
            finally:
                terminal.stop()
            names = [entry["display_name"] for entry in journal_entries(console_env)]
            assert names[-1] == name, f"{how}: the journal has {names}"
        # Nowhere in the state, data or config directories is one of the secrets.
        for path in tmp_path.rglob("*"):
            if path.is_file():
                assert not any(secret.encode() in path.read_bytes() for secret in secrets), path

        fresh = Terminal(console_env)
        try:
            fresh.wait_for("Secrets that were never recorded", "the offer on the next start")
            for number in range(len(LOST)):  # each in the offer (down scrolls the list at 80x24)
                fresh.wait_for(f"Lost{number}Light", f"Lost{number}Light in the offer")
                fresh.type("\x1b[B")
            fresh.type(*["\x1b[A"] * len(LOST))  # back to the first
            fresh.type("r")  # the first one's secret, again
            fresh.wait_for("New secret for this App Registration", "the reveal of the regenerated secret")
            fresh.wait_for(lambda: any(s not in secrets for s in SECRET.findall(fresh.text)), "the new secret")
            fresh.type("\x11")  # ctrl+q
            fresh.wait_for("Have you recorded the secret?", "the question before quitting")
            assert fresh.process.poll() is None
            fresh.type("y")
            assert fresh.ended() == 0
        finally:
            fresh.stop()
        left = [entry["display_name"] for entry in journal_entries(console_env)]
        assert sorted(left) == [f"Lost{number}Light" for number in range(1, len(LOST))]  # the first was fixed
    finally:
        print(f"pty test: {time.monotonic() - started:.1f} s")
