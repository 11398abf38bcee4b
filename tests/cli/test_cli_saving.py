"""Saving a secret from the command line where it cannot go, or where others could get at it.

`token --save` and `--save-credentials` against a real sandbox: a plain error (never
"unexpected ... please report it") for a place that cannot be written, and a warning for a
directory others can write.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys

import pytest
from test_cli import env, isolated, run  # noqa: F401 - fixtures and helpers of the CLI tests


def _assert_plain_refusal(code: int, out: str, err: str, path) -> None:
    assert "unexpected" not in err and "please report" not in err and "Traceback" not in err
    assert code in (1, 2) and out == ""
    assert f"could not save the token to {path}" in err or f"{path} is a directory" in err
    assert "eyJ" not in err  # the token is never printed instead


def test_token_save_into_a_missing_directory(env, capsys, isolated):
    # A directory that is gone and can not be made: here, a symlink to an unmounted place.
    (isolated / "mnt").symlink_to(isolated / "unmounted")
    target = isolated / "mnt" / "bearer_token"
    code, out, err = run(capsys, "token", "--save", str(target))
    _assert_plain_refusal(code, out, err, target)
    assert code == 1 and f"the directory {target.parent} does not exist" in err
    assert "hint: choose a directory you can write to" in err


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc")
def test_token_save_where_no_file_can_be_created(env, capsys):
    target = "/proc/self/bearer_token"  # a directory that exists and takes no new file
    code, out, err = run(capsys, "token", "--save", target)
    _assert_plain_refusal(code, out, err, target)
    assert code == 1 and "no file can be created in /proc/self" in err


def test_token_save_into_a_path_that_is_a_directory(env, capsys, isolated):
    target = isolated / "tokens"
    target.mkdir()
    for extra in ((), ("--force",)):
        code, out, err = run(capsys, "token", "--save", str(target), *extra)
        _assert_plain_refusal(code, out, err, target)
        assert code == 2 and "give the name of a file to write" in err
    assert list(target.iterdir()) == []


def test_token_save_into_a_read_only_directory(env, capsys, isolated):
    locked = isolated / "locked"
    locked.mkdir()
    target = locked / "bearer_token"
    if os.geteuid() != 0:
        locked.chmod(0o555)
        code, out, err = run(capsys, "token", "--save", str(target))
        assert f"permission denied in {locked}" in err
    else:
        # Root writes through file modes: a read-only bind mount, in a mount namespace of its own.
        if not shutil.which("unshare"):
            pytest.skip("needs unshare(1) to make a read-only directory for root")
        script = f'mount --bind -o ro "{locked}" "{locked}" && exec "$0" -m rkvst_tui token --save "{target}"'
        answer = subprocess.run(
            ["unshare", "-m", "sh", "-c", script, sys.executable],
            capture_output=True,
            text=True,
            timeout=60,
            env=os.environ.copy(),
        )
        if "mount:" in answer.stderr or "unshare:" in answer.stderr:
            pytest.skip(f"no mount namespace here: {answer.stderr.strip()}")
        code, out, err = answer.returncode, answer.stdout, answer.stderr
        assert f"{locked} is on a read-only file system" in err
    _assert_plain_refusal(code, out, err, target)
    assert code == 1 and not target.exists()
    assert os.listdir(locked) == []  # no temporary file left behind either


@pytest.mark.parametrize("mode", [0o1777, 0o777, 0o770], ids=["sticky world-writable (/tmp)", "o+w", "g+w"])
def test_a_secret_saved_where_others_can_write_is_warned_about(env, capsys, isolated, mode):
    shared = isolated / "shared"
    shared.mkdir()
    shared.chmod(mode)
    who = "everyone" if mode & 0o002 else "its group"
    code, out, err = run(capsys, "token", "--save", str(shared / "bearer_token"))
    assert code == 0, err
    assert f"warning: {shared} can be written by {who} (mode {mode:04o})" in err
    assert stat.S_IMODE((shared / "bearer_token").stat().st_mode) == 0o600  # saved all the same
    code, out, err = run(
        capsys, "apps", "create", "--name", "shared-creds", "--json", "--save-credentials", str(shared / "creds.env")
    )
    assert code == 0 and f"warning: {shared} can be written by {who}" in err
    app = json.loads(out)["application"]
    code, out, err = run(
        capsys, "apps", "regenerate", app["client_id"], "--yes", "--save-credentials", str(shared / "new.env")
    )
    assert code == 0 and f"warning: {shared} can be written by {who}" in err


def test_a_private_directory_gets_no_warning(env, capsys, isolated):
    private = isolated / "private"
    private.mkdir(mode=0o700)
    code, _, err = run(capsys, "token", "--save", str(private / "bearer_token"))
    assert code == 0 and "warning" not in err
    code, out, err = run(
        capsys, "apps", "create", "--name", "private-creds", "--save-credentials", str(private / "fresh" / "creds.env")
    )
    assert code == 0 and "warning" not in err  # a directory it makes itself is 0700
