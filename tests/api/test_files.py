"""Files holding a secret: mode 0600 from creation, atomic, never clobbered unasked."""

from __future__ import annotations

import json
import os
import stat

import pytest

from rkvst_tui.api import files
from rkvst_tui.api.errors import ConfigError, TargetExists
from rkvst_tui.api.files import (
    atomic_write_private,
    read_bearer_token_file,
    read_credentials_file,
    read_secret_file,
    write_bearer_token_file,
    write_credentials_file,
)

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
SECRET = "ab" * 32


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_bearer_file_in_the_guides_format_mode_0600(tmp_path):
    target = tmp_path / "bearer_token"
    write_bearer_token_file(target, TOKEN)
    assert target.read_text() == f"Authorization: Bearer {TOKEN}\n"
    assert _mode(target) == 0o600
    assert read_bearer_token_file(target) == TOKEN


def test_mode_is_0600_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        atomic_write_private(tmp_path / "f", "x")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "f") == 0o600


def test_missing_directories_are_created_0700(tmp_path):
    target = tmp_path / "a" / "b" / "creds.env"
    write_credentials_file(target, "client", SECRET)
    assert _mode(tmp_path / "a") == 0o700 and _mode(tmp_path / "a" / "b") == 0o700
    assert _mode(target) == 0o600


def test_an_existing_directory_keeps_its_mode(tmp_path):
    os.chmod(tmp_path, 0o755)
    atomic_write_private(tmp_path / "f", "x")
    assert _mode(tmp_path) == 0o755


def test_never_overwrites_unless_told(tmp_path):
    target = tmp_path / "creds.env"
    target.write_text("old")
    with pytest.raises(FileExistsError) as caught:
        write_credentials_file(target, "c", SECRET)
    assert isinstance(caught.value, TargetExists)
    assert "already exists" in str(caught.value) and SECRET not in str(caught.value)
    assert target.read_text() == "old"
    write_credentials_file(target, "c", SECRET, overwrite=True)
    assert read_credentials_file(target) == ("c", SECRET)
    assert os.listdir(tmp_path) == ["creds.env"]


def test_a_file_that_appears_meanwhile_is_not_clobbered(tmp_path, monkeypatch):
    target = tmp_path / "race"
    real_link = os.link

    def link_after_someone_else(src, dst):
        with open(dst, "w") as other:
            other.write("theirs")
        return real_link(src, dst)

    monkeypatch.setattr(files.os, "link", link_after_someone_else)
    with pytest.raises(TargetExists):
        atomic_write_private(target, "mine")
    assert target.read_text() == "theirs"
    assert os.listdir(tmp_path) == ["race"]


def test_a_crash_mid_write_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "bearer_token"
    write_bearer_token_file(target, TOKEN)

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", crash)
    with pytest.raises(OSError):
        write_bearer_token_file(target, "eyJuZXc.eyJuZXc.bmV3", overwrite=True)
    assert read_bearer_token_file(target) == TOKEN
    assert os.listdir(tmp_path) == ["bearer_token"]  # no temporary file left behind


def test_a_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    def full_disk(fd, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "write", full_disk)
    with pytest.raises(OSError):
        atomic_write_private(tmp_path / "f", "x")
    assert os.listdir(tmp_path) == []


def test_a_directory_is_not_a_target(tmp_path):
    with pytest.raises(TargetExists):
        atomic_write_private(tmp_path, "x", overwrite=True)


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Bearer {TOKEN}\n",
        f"authorization:bearer {TOKEN}",
        f"Bearer {TOKEN}",
        f"  {TOKEN}  \n\n",
        f"\nAuthorization: Bearer {TOKEN}\r\n",
    ],
)
def test_bearer_token_files_in_every_spelling(tmp_path, text):
    target = tmp_path / "t"
    target.write_text(text)
    assert read_bearer_token_file(target) == TOKEN


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "holds no token"),
        ("Authorization: Bearer", "holds no token"),
        ("Bearer a b", "does not hold a bearer token"),
    ],
)
def test_bad_bearer_token_files(tmp_path, text, words):
    target = tmp_path / "t"
    target.write_text(text)
    with pytest.raises(ConfigError) as caught:
        read_bearer_token_file(target)
    assert str(target) in str(caught.value) and words in str(caught.value)


def test_unreadable_files_say_which(tmp_path):
    with pytest.raises(ConfigError) as caught:
        read_bearer_token_file(tmp_path / "absent")
    assert "does not exist" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        read_credentials_file(tmp_path)
    assert "is a directory" in str(caught.value)


def test_credentials_env_and_json(tmp_path):
    env_file = write_credentials_file(tmp_path / "c.env", "cid", SECRET)
    assert env_file.read_text() == f"CLIENT_ID=cid\nSECRET={SECRET}\n"
    json_file = write_credentials_file(tmp_path / "c.json", "cid", SECRET)
    assert json.loads(json_file.read_text()) == {"client_id": "cid", "secret": SECRET}
    forced_env = write_credentials_file(tmp_path / "c2.json", "cid", SECRET, fmt="env")
    assert forced_env.read_text().startswith("CLIENT_ID=")
    for path in (env_file, json_file, forced_env):
        assert read_credentials_file(path) == ("cid", SECRET)


def test_credentials_in_shell_style(tmp_path):
    source = tmp_path / "c.env"
    source.write_text(f"# mine\nexport RKVST_CLIENT_ID=\"cid\"\nRKVST_CLIENT_SECRET='{SECRET}'\n")
    assert read_credentials_file(source) == ("cid", SECRET)
    source.write_text("CLIENT_ID=cid\n")
    with pytest.raises(ConfigError) as caught:
        read_credentials_file(source)
    assert "has no SECRET" in str(caught.value)


def test_secret_files_alone_or_in_credentials(tmp_path):
    alone = tmp_path / "s"
    alone.write_text(SECRET + "\n")
    assert read_secret_file(alone) == SECRET
    alone.write_text(f"CLIENT_ID=x\nSECRET={SECRET}\n")
    assert read_secret_file(alone) == SECRET
    alone.write_text("two\nlines\n")
    with pytest.raises(ConfigError):
        read_secret_file(alone)
