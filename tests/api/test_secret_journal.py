"""The journal of secrets shown and not yet recorded: what it keeps (never a secret), for whom,
and that it survives hostile contents and two writers at once."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from rkvst_tui.api import state_dirs
from rkvst_tui.api.secret_journal import LOCAL_SANDBOX, MAX_BYTES, SecretJournal, service_of

URL = "https://app.rkvst.io"


def note(
    journal: SecretJournal,
    client_id: str = "c1",
    *,
    base_url: str = URL,
    is_sandbox: bool = False,
    reason: str = "created",
) -> None:
    journal.record_shown(
        client_id=client_id,
        display_name=f"name of {client_id}",
        base_url=base_url,
        profile="prod",
        is_sandbox=is_sandbox,
        reason=reason,
    )


def dead_pid() -> int:
    """The pid of a process that has finished (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def written_by(journal: SecretJournal, pid: int) -> None:
    """Make every entry look written by process `pid` (as a console that was killed)."""
    document = json.loads(journal.path.read_text())
    for entry in document["unrecorded_secrets"]:
        entry["pid"], entry["process_start"] = pid, None
    journal.path.write_text(json.dumps(document))


@pytest.fixture
def journal(tmp_path: Path) -> SecretJournal:
    return SecretJournal(tmp_path / "state" / "unrecorded-secrets.json")


def test_it_lives_in_the_state_directory(tmp_path: Path) -> None:
    env = {"RKVST_TUI_STATE_DIR": str(tmp_path / "s")}
    assert state_dirs.secret_journal_file(env) == tmp_path / "s" / "unrecorded-secrets.json"
    assert SecretJournal().path == state_dirs.secret_journal_file()


def test_an_entry_names_the_registration_and_never_holds_a_secret(journal: SecretJournal) -> None:
    note(journal, reason="regenerated")
    [entry] = journal.entries()
    assert (entry.client_id, entry.display_name, entry.base_url, entry.profile, entry.reason) == (
        "c1",
        "name of c1",
        URL,
        "prod",
        "regenerated",
    )
    assert entry.pid == os.getpid() and entry.shown_time is not None
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(journal.path.parent.stat().st_mode) == 0o700
    fields = set(json.loads(journal.path.read_text())["unrecorded_secrets"][0])
    assert not {"secret", "client_secret", "credentials"} & fields
    assert [p.name for p in journal.path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_settle_ends_an_entry_and_a_new_secret_replaces_the_old_one(journal: SecretJournal) -> None:
    note(journal, "c1")
    note(journal, "c2")
    note(journal, "c1", reason="regenerated")  # the first secret of c1 is dead now
    assert [(e.client_id, e.reason) for e in journal.entries()] == [("c2", "created"), ("c1", "regenerated")]
    journal.settle("c2")
    assert [e.client_id for e in journal.entries()] == ["c1"]
    journal.settle("not-there")
    assert [e.client_id for e in journal.entries()] == ["c1"]


def test_only_a_console_that_is_gone_has_left_something_behind(journal: SecretJournal) -> None:
    note(journal, "mine")
    assert journal.left_unrecorded(URL) == []  # this process still shows it
    written_by(journal, dead_pid())
    assert [e.client_id for e in journal.left_unrecorded(URL)] == ["mine"]


def test_entries_are_offered_for_their_own_service_only(journal: SecretJournal) -> None:
    note(journal, "prod-app")
    note(journal, "sandbox-app", base_url="http://127.0.0.1:8471", is_sandbox=True)
    written_by(journal, dead_pid())
    assert [e.client_id for e in journal.left_unrecorded(URL)] == ["prod-app"]
    assert journal.left_unrecorded("https://other.example") == []
    # The local sandbox is one place whatever port it got (8470 was taken, the next start has it).
    assert service_of("http://127.0.0.1:8470", True) == LOCAL_SANDBOX
    assert [e.client_id for e in journal.left_unrecorded(LOCAL_SANDBOX)] == ["sandbox-app"]


@pytest.mark.parametrize(
    "contents",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"unrecorded_secrets": 5}',
        b"{" * 100_000,
        json.dumps({"unrecorded_secrets": [None, 3, {"client_id": 5}, {"client_id": "", "pid": 1}]}).encode(),
        json.dumps(
            {
                "unrecorded_secrets": [
                    {
                        "client_id": "x",
                        "display_name": "x",
                        "service": URL,
                        "base_url": URL,
                        "profile": "p",
                        "reason": "created",
                        "shown_at": "x",
                        "pid": True,
                    }
                ]
            }
        ).encode(),
    ],
)
def test_a_damaged_journal_reads_as_empty_and_is_replaced_by_the_next_note(journal, contents) -> None:
    journal.path.parent.mkdir(parents=True)
    journal.path.write_bytes(contents)
    assert journal.entries() == []
    note(journal, "fresh")
    assert [e.client_id for e in journal.entries()] == ["fresh"]


def test_a_journal_too_big_to_be_ours_is_not_read(journal: SecretJournal) -> None:
    note(journal, "c1")
    document = json.loads(journal.path.read_text())
    document["padding"] = "x" * MAX_BYTES
    journal.path.write_text(json.dumps(document))
    assert journal.entries() == []


def _note_many(path: str, prefix: str, count: int) -> None:
    journal = SecretJournal(Path(path))
    for index in range(count):
        note(journal, f"{prefix}-{index}")


def test_two_consoles_noting_at_once_lose_nothing(journal: SecretJournal) -> None:
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_note_many, args=(str(journal.path), name, 40)) for name in ("a", "b")]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
        assert writer.exitcode == 0
    assert sorted(e.client_id for e in journal.entries()) == sorted(
        f"{name}-{index}" for name in ("a", "b") for index in range(40)
    )
