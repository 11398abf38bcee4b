"""Files that hold a secret survive a crash in the middle of being written.

For the bearer-token file, the credentials file and the sandbox's admin-credentials.env: a
failure at each step of the write (the data write, the fsync, the rename) leaves the old file
exactly as it was, or no file when there was none, never a partial one, and no temporary file
behind. A real `kill -9` in the middle does the same for the file itself.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from security_helpers import TALLY

import rkvst_tui.api.files as files
import rkvst_tui.sandbox.bootstrap as bootstrap

CLIENT_ID = "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065"
OLD_SECRET, NEW_SECRET = "a" * 63 + "1", "b" * 63 + "2"
OLD_TOKEN, NEW_TOKEN = (
    "eyJhbGciOiJSUzI1NiJ9.eyJvbGQiOjF9.old-signature",
    "eyJhbGciOiJSUzI1NiJ9.eyJuZXciOjF9.new-signature",
)


class OsWith:
    """The os module with some functions replaced, for one module's eyes only."""

    def __init__(self, **replacements) -> None:
        self.__dict__.update(replacements)

    def __getattr__(self, name: str):
        return getattr(os, name)


def fail(error: BaseException):
    def failing(*args, **kwargs):
        raise error

    return failing


def half_then_full_disk():
    calls = {"n": 0}

    def write(fd, data):
        calls["n"] += 1
        if calls["n"] == 1:
            return os.write(fd, bytes(data[: max(1, len(data) // 2)]))
        raise OSError(errno.ENOSPC, "No space left on device")

    return write


FAULTS = {
    "disk full mid-write": lambda: {"write": half_then_full_disk()},
    "fsync fails": lambda: {"fsync": fail(OSError(errno.EIO, "Input/output error"))},
    "rename fails": lambda: {
        "replace": fail(OSError(errno.EIO, "Input/output error")),
        "link": fail(OSError(errno.EIO, "Input/output error")),
    },
    "interrupted at fsync": lambda: {"fsync": fail(KeyboardInterrupt())},
}


def writers(directory: Path):
    """name -> (module to fault, path, write(new, overwrite), old text, new text)."""
    return {
        "bearer file": (
            files,
            directory / "bearer_token",
            lambda overwrite: files.write_bearer_token_file(directory / "bearer_token", NEW_TOKEN, overwrite=overwrite),
            files.bearer_file_text(OLD_TOKEN),
            files.bearer_file_text(NEW_TOKEN),
        ),
        "credentials file": (
            files,
            directory / "app.env",
            lambda overwrite: files.write_credentials_file(
                directory / "app.env", CLIENT_ID, NEW_SECRET, overwrite=overwrite
            ),
            files.credentials_text(CLIENT_ID, OLD_SECRET),
            files.credentials_text(CLIENT_ID, NEW_SECRET),
        ),
        "sandbox admin credentials": (  # the sandbox writes through api/files.py too
            files,
            directory / bootstrap.CREDENTIALS_FILE,
            lambda overwrite: bootstrap.write_admin_credentials(directory, CLIENT_ID, NEW_SECRET),
            f"CLIENT_ID={CLIENT_ID}\nSECRET={OLD_SECRET}\n",
            f"CLIENT_ID={CLIENT_ID}\nSECRET={NEW_SECRET}\n",
        ),
    }


CASES = [
    (target, fault) for target in ("bearer file", "credentials file", "sandbox admin credentials") for fault in FAULTS
]


@pytest.mark.parametrize("before", ["an old file", "no file"])
@pytest.mark.parametrize(("target", "fault"), CASES)
def test_a_crash_mid_write_leaves_the_old_file_or_none(tmp_path, monkeypatch, target, fault, before) -> None:
    module, path, write, old_text, new_text = writers(tmp_path)[target]
    if before == "an old file":
        path.write_text(old_text)
        path.chmod(0o600)
    # Sanity: without the fault, the writer does write the new text.
    control = tmp_path / "control"
    control.mkdir()
    writers(control)[target][2](True)
    assert writers(control)[target][1].read_text() == new_text

    monkeypatch.setattr(module, "os", OsWith(**FAULTS[fault]()))
    with pytest.raises((OSError, KeyboardInterrupt)):
        write(before == "an old file")
    monkeypatch.undo()

    if before == "an old file":
        assert path.read_text() == old_text, "the old file was damaged"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    else:
        assert not path.exists(), f"a partial file was left: {path.read_bytes()!r}"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"control", *([path.name] if path.exists() else [])}), (
        "a temporary file was left behind"
    )
    TALLY["crash-mid-write cases (old file or none, never partial)"] += 1


KILLED_WRITE = textwrap.dedent(
    """
    import os, signal, sys
    import rkvst_tui.api.files as files
    from pathlib import Path

    real_replace = os.replace

    def die(*args, **kwargs):  # the data is written and synced: die just before the rename
        os.kill(os.getpid(), signal.SIGKILL)

    os.replace = die
    target, kind = Path(sys.argv[1]), sys.argv[2]
    if kind == "bearer":
        files.write_bearer_token_file(target, sys.argv[3], overwrite=True)
    else:
        files.write_credentials_file(target, "client", sys.argv[3], overwrite=True)
    """
)


@pytest.mark.parametrize("kind", ["bearer", "credentials"])
def test_kill_9_mid_write_leaves_the_old_file(tmp_path, kind) -> None:
    target = tmp_path / ("bearer_token" if kind == "bearer" else "app.env")
    old = files.bearer_file_text(OLD_TOKEN) if kind == "bearer" else files.credentials_text("client", OLD_SECRET)
    target.write_text(old)
    target.chmod(0o600)
    new = NEW_TOKEN if kind == "bearer" else NEW_SECRET
    done = subprocess.run(
        [sys.executable, "-c", KILLED_WRITE, str(target), kind, new], timeout=60, capture_output=True, text=True
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert target.read_text() == old
    # What a killed process cannot clean up is a temporary file next to the target: private like it.
    for leftover in tmp_path.iterdir():
        assert stat.S_IMODE(leftover.stat().st_mode) == 0o600, leftover
    TALLY["crash-mid-write cases (old file or none, never partial)"] += 1


@pytest.mark.parametrize("overwrite", [False, True])
@pytest.mark.parametrize("kind", ["bearer", "credentials"])
def test_a_planted_symlink_does_not_redirect_a_secret(tmp_path, kind, overwrite) -> None:
    """A link planted at the save path, pointing at a file others can read, never receives the secret."""
    bait = tmp_path / "world-readable"
    bait.write_text("bait\n")
    bait.chmod(0o644)
    link = tmp_path / ("bearer_token" if kind == "bearer" else "app.env")
    link.symlink_to(bait)

    def write():
        if kind == "bearer":
            return files.write_bearer_token_file(link, NEW_TOKEN, overwrite=overwrite)
        return files.write_credentials_file(link, CLIENT_ID, NEW_SECRET, overwrite=overwrite)

    if not overwrite:
        with pytest.raises(FileExistsError):
            write()
        assert link.is_symlink()
    else:
        write()
        assert not link.is_symlink() and stat.S_IMODE(link.stat().st_mode) == 0o600
        assert (NEW_TOKEN if kind == "bearer" else NEW_SECRET) in link.read_text()
    assert bait.read_text() == "bait\n"
    TALLY["attacks tried"] += 1
    TALLY["attacks refused"] += 1
