"""The command line after a console was lost with a secret on screen: one line on stderr names
the registrations and the command that fixes them; `apps regenerate` and `apps delete` end
the reminder; `locate` says where the journal is.

The CLI does not journal its own creates and regenerates: it prints the secret to standard
output (or saves it) before it returns, and that output is the record; only when standard
output fails is the secret lost, and then the journal names the registration.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from rkvst_tui import cli
from rkvst_tui.api import state_dirs
from rkvst_tui.api.secret_journal import SecretJournal
from tests.env_helpers import clear_service_environment


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    clear_service_environment(monkeypatch)
    monkeypatch.setenv("RKVST_TUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("RKVST_TUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    return tmp_path


@pytest.fixture
def env(isolated, sandbox, monkeypatch):
    monkeypatch.setenv("RKVST_URL", sandbox.base_url)
    monkeypatch.setenv("RKVST_CLIENT_ID", sandbox.admin_client_id)
    monkeypatch.setenv("RKVST_CLIENT_SECRET_FILE", str(sandbox.credentials_file))
    return sandbox


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def left_by_a_killed_console(capsys, name: str, base_url: str) -> str:
    """Create `name` and leave it in the journal as a console killed with its secret on screen."""
    code, out, err = run(capsys, "apps", "create", "--name", name, "--json")
    assert code == 0, err
    client_id = json.loads(out)["application"]["client_id"]
    journal = SecretJournal()
    journal.record_shown(
        client_id=client_id, display_name=name, base_url=base_url, profile="default", is_sandbox=False, reason="created"
    )
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    document = json.loads(journal.path.read_text())
    for entry in document["unrecorded_secrets"]:
        entry["pid"], entry["process_start"] = child.pid, None
    journal.path.write_text(json.dumps(document))
    return client_id


def notes(err: str) -> list[str]:
    return [line for line in err.splitlines() if "was recorded" in line]


def test_the_next_command_names_them_on_one_line_of_stderr(env, capsys):
    first = left_by_a_killed_console(capsys, "LostLight", env.base_url)
    second = left_by_a_killed_console(capsys, "OtherLight", env.base_url)
    code, out, err = run(capsys, "apps", "list", "--json")
    assert code == 0
    json.loads(out)  # standard output stays clean JSON
    [line] = notes(err)
    assert "'LostLight'" in line and first in line and "'OtherLight'" in line and second in line
    assert f"rkvst-tui apps regenerate {first}" in line


def test_regenerate_prints_the_secret_and_ends_the_reminder(env, capsys):
    client_id = left_by_a_killed_console(capsys, "LostLight", env.base_url)
    code, out, err = run(capsys, "apps", "regenerate", client_id)
    assert code == 0, err
    assert notes(err) == []  # not about the registration being fixed
    assert SecretJournal().entries() == []
    code, _, err = run(capsys, "apps", "list")
    assert code == 0 and notes(err) == []


def test_delete_ends_the_reminder(env, capsys):
    client_id = left_by_a_killed_console(capsys, "LostLight", env.base_url)
    code, _, err = run(capsys, "apps", "delete", client_id, "--yes")
    assert code == 0, err
    assert SecretJournal().entries() == []


def test_another_services_registrations_are_not_named(env, capsys):
    left_by_a_killed_console(capsys, "LostLight", "https://app.rkvst.io")
    code, _, err = run(capsys, "apps", "list")
    assert code == 0 and notes(err) == []


def test_the_cli_keeps_no_journal_of_its_own_secrets(env, capsys):
    code, out, err = run(capsys, "apps", "create", "--name", "PrintedLight")
    assert code == 0 and "SECRET" in out, err
    assert SecretJournal().entries() == []  # printed: standard output is the record


def test_locate_says_where_the_journal_is(isolated, capsys):
    expected = str(isolated / "data" / "state" / "unrecorded-secrets.json")
    assert str(state_dirs.secret_journal_file()) == expected
    code, out, _ = run(capsys, "locate", "--json")
    assert code == 0 and json.loads(out)["secret_journal"] == expected
    code, out, _ = run(capsys, "locate")
    assert code == 0
    [line] = [line for line in out.splitlines() if line.startswith("secret journal")]
    assert expected in line and "(not created yet)" in line


def test_a_secret_that_standard_output_could_not_take_is_named_on_the_next_start(env, capsys):
    """`rkvst-tui apps create ... | cmd` where cmd has gone: the pipe is closed before the
    secret is written, so it is lost; the journal keeps the registration for the next start."""
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the secret comes
    child_env = {**os.environ, "RKVST_URL": env.base_url}
    try:
        answer = subprocess.run(
            [sys.executable, "-m", "rkvst_tui", "apps", "create", "--name", "PipedLight"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert answer.returncode == 1
    assert "could not be written to standard output" in answer.stderr
    [entry] = SecretJournal().entries()
    assert entry.display_name == "PipedLight" and f"apps regenerate {entry.client_id}" in answer.stderr
    assert not any(len(word) == 64 for word in answer.stderr.split())  # no secret on stderr either
    code, _, err = run(capsys, "apps", "list")
    assert code == 0
    [line] = notes(err)
    assert "'PipedLight'" in line
