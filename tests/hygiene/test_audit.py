"""The audit trail (api/audit.py): one JSON line per change made through the client, against a
real sandbox; no secret or token in it; rotation at its size limit; torn and killed writes."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hygiene_helpers import ForwardingTransport, admin_client, admin_connection, drop_answer_of

from rkvst_tui.api import audit
from rkvst_tui.api.audit import AuditEntry, AuditTrail, parse_since
from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.connection import Connection
from rkvst_tui.api.errors import ConnectionLost, InvalidArgument, NotFound, PermissionDenied

REPO = Path(__file__).resolve().parents[2]


def lines_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def compact(entry: dict) -> tuple:
    return entry["action"], entry["target"]["id"], entry["target"]["name"], entry["outcome"], entry.get("status")


async def test_every_change_through_the_client_is_one_line_with_who_what_and_how_it_ended(
    client: RkvstClient, trail: AuditTrail, sandbox, state_dir: Path
) -> None:
    created = await client.create_application("TrafficLight101", {"serial_number": "TL1"})
    updated = await client.update_application(created, display_name="TrafficLight102")
    regenerated = await client.regenerate_secret(created.client_id)
    principal = client.app_principal(updated)
    await client.add_root_principal(principal)
    await client.add_root_principal(principal)  # already there: nothing written, nothing recorded
    await client.remove_root_principal(principal)
    await client.list_applications()  # reads are not changes
    await client.delete_application(created.client_id)  # by id: the name is the one last seen
    with pytest.raises(NotFound):
        await client.delete_application(created.client_id)
    with pytest.raises(InvalidArgument):
        await client.delete_application("no/such id")  # refused before anything was sent: not a change

    path = state_dir / "audit.jsonl"
    assert trail.path == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    entries = lines_of(path)
    cid = created.client_id
    assert [compact(e) for e in entries] == [
        ("app.create", cid, "TrafficLight101", "done", None),
        ("app.update", cid, "TrafficLight102", "done", None),
        ("app.regenerate", cid, "TrafficLight102", "done", None),
        ("root_principal.add", cid, "TrafficLight102", "done", None),
        ("root_principal.remove", cid, "TrafficLight102", "done", None),
        ("app.delete", cid, "TrafficLight102", "done", None),
        ("app.delete", cid, "TrafficLight102", "refused", 404),
    ]
    for entry in entries:
        assert entry["profile"] == "sandbox"
        assert entry["base_url"] == sandbox.base_url
        assert entry["actor"] == sandbox.admin_client_id
        moment = datetime.fromisoformat(entry["time"].replace("Z", "+00:00"))
        assert abs(datetime.now(timezone.utc) - moment) < timedelta(minutes=1)
    assert entries[3]["target"]["issuer"] == client.connection.issuer
    assert entries[-1]["error"] == "NotFound"
    # No secret and no token: the admin's, the created one, the regenerated one, the token used.
    text = path.read_text()
    for secret in (sandbox.admin_secret, created.secret, regenerated.secret, client.tokens.current):
        assert secret and secret not in text
    assert "secret" not in text.lower() and "eyJ" not in text


async def test_a_refusal_is_recorded_with_its_status_and_a_lost_answer_as_unknown(sandbox, trail: AuditTrail) -> None:
    async with admin_client(sandbox) as admin:
        plain = await admin.create_application("NotRoot")
    # A registration that is not root: the service refuses its change (403).
    async with RkvstClient(
        Connection(sandbox.base_url, client_id=plain.client_id, secret=plain.secret, profile="ops")
    ) as stranger:
        stranger.audit = trail
        with pytest.raises(PermissionDenied):
            await stranger.create_application("Sneaky")
    # The sandbox makes it, the answer is lost on the way back: nobody knows from here.
    transport = ForwardingTransport()
    async with admin_client(sandbox, transport=transport) as api:
        api.audit = trail
        transport.fault = lambda request, forward: drop_answer_of("POST", request, forward)
        with pytest.raises(ConnectionLost):
            await api.create_application("LostOnTheWay")
    entries = lines_of(trail.path)
    assert [compact(e) for e in entries] == [
        ("app.create", "", "Sneaky", "refused", 403),
        ("app.create", "", "LostOnTheWay", "unknown", None),
    ]
    assert entries[0]["actor"] == plain.client_id and entries[0]["profile"] == "ops"
    assert entries[1]["error"] == "ConnectionLost"
    assert plain.secret not in trail.path.read_text()


async def test_a_trail_that_cannot_be_written_never_costs_the_change_or_its_secret(sandbox, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the state directory should be\n")
    told: list[str] = []
    async with admin_client(sandbox) as api:
        api.audit = AuditTrail(blocker / "audit.jsonl", on_error=told.append)
        created = await api.create_application("StillMade")
        fresh = await api.regenerate_secret(created)
    assert created.secret and fresh.secret and fresh.secret != created.secret
    assert len(told) == 2 and "could not be written" in told[0] and "StillMade" in told[0]
    assert all(fresh.secret not in message and created.secret not in message for message in told)


def entry(n: int, name: str = "") -> AuditEntry:
    return AuditEntry(
        time=f"2026-12-03T10:{n // 60:02d}:{n % 60:02d}Z",
        action="app.delete",
        outcome="done",
        target_id=f"id-{n}",
        target_name=name or f"app {n}",
    )


def test_names_are_stored_exactly_as_given_in_an_ascii_file_and_escaped_when_shown(tmp_path: Path) -> None:
    hostile = "evil\x1b]52;c;cGF3bmVk\x07\x9b31m\u202ename\nnext line"
    trail = AuditTrail(tmp_path / "audit.jsonl")
    trail.append(entry(1, hostile))
    raw = trail.path.read_bytes()
    assert raw.isascii() and raw.count(b"\n") == 1  # cat shows no escape; one line however named
    [read], skipped = trail.read()
    assert skipped == 0 and read.target_name == hostile
    shown = read.target_words()
    assert not any(ch in shown for ch in "\x1b\x07\x9b\u202e\n")
    assert "evil" in shown and "id-1" in shown


def test_past_the_size_limit_the_file_is_rotated_and_the_oldest_dropped(tmp_path: Path) -> None:
    one = len(entry(0).line())
    trail = AuditTrail(tmp_path / "audit.jsonl", max_bytes=one * 10, keep=2)
    for n in range(45):
        trail.append(entry(n))
    sizes = {
        p.name: p.stat().st_size
        for p in tmp_path.iterdir()
        if p.name.startswith("audit.jsonl") and not p.name.endswith(".lock")
    }
    assert sorted(sizes) == ["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2"]
    assert all(size <= one * 10 for size in sizes.values())
    for name in sizes:
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    entries, skipped = trail.read()
    assert skipped == 0
    first = int(entries[0].target_id.removeprefix("id-"))
    assert [e.target_id for e in entries] == [f"id-{n}" for n in range(first, 45)]  # in order, none missing
    assert 20 < len(entries) <= 30  # three files of at most 10 lines; the oldest went


def test_a_write_torn_at_any_byte_never_costs_an_earlier_line(tmp_path: Path) -> None:
    """A crash mid-write leaves part of a line: every earlier line still reads, and the next
    line starts on a line of its own."""
    path = tmp_path / "audit.jsonl"
    trail = AuditTrail(path)
    for n in range(3):
        trail.append(entry(n))
    whole = path.read_bytes()
    torn_line = entry(3).line()
    for cut in range(1, len(torn_line)):  # every place a write can stop (a whole line is not torn)
        path.write_bytes(whole + torn_line[:cut])
        trail.append(entry(4))
        entries, skipped = trail.read()
        whole_json = cut == len(torn_line) - 1  # only its newline missing: the entry is whole
        expected = ["id-0", "id-1", "id-2", *(["id-3"] if whole_json else []), "id-4"]
        assert [e.target_id for e in entries] == expected, cut
        assert skipped == (0 if whole_json else 1), cut


def test_since_keeps_the_entries_from_then_on(tmp_path: Path) -> None:
    trail = AuditTrail(tmp_path / "audit.jsonl")
    for n in range(5):
        trail.append(entry(n * 60))  # 10:00 .. 10:04
    since = datetime(2026, 12, 3, 10, 2, tzinfo=timezone.utc)
    assert [e.target_id for e in trail.read(since)[0]] == ["id-120", "id-180", "id-240"]
    now = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
    assert parse_since("2h", now) == datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("2026-12-03T10:02Z", now) == since
    assert parse_since("2026-12-03", now) == datetime(2026, 12, 3, tzinfo=timezone.utc)
    with pytest.raises(InvalidArgument) as refused:
        parse_since("yesterday", now)
    assert "7d" in refused.value.hint


def test_appends_from_many_threads_come_out_whole(tmp_path: Path) -> None:
    trail = AuditTrail(tmp_path / "audit.jsonl")

    def writer(base: int) -> None:
        for n in range(40):
            trail.append(entry(base + n))

    threads = [threading.Thread(target=writer, args=(k * 1000,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries, skipped = trail.read()
    assert skipped == 0 and len(entries) == 160 and len({e.target_id for e in entries}) == 160


WRITER = """
import sys
from rkvst_tui.api.audit import AuditEntry, AuditTrail
trail = AuditTrail(sys.argv[1])
n = 0
while True:
    trail.append(AuditEntry(time="2026-12-03T10:00:00Z", action="app.update", outcome="done",
                            target_id=f"id-{n}", target_name="x" * (n % 500)))
    n += 1
"""


def test_a_writer_killed_mid_stream_leaves_every_line_it_finished(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=REPO)
    try:
        deadline = time.monotonic() + 20
        while (not path.exists() or path.stat().st_size < 20_000) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert writer.returncode == -signal.SIGKILL
    trail = AuditTrail(path)
    entries, skipped = trail.read()
    assert len(entries) > 20 and skipped <= 1
    assert [e.target_id for e in entries] == [f"id-{n}" for n in range(len(entries))]
    trail.append(entry(9999))
    after, skipped_after = trail.read()
    assert after[:-1] == entries and after[-1].target_id == "id-9999" and skipped_after == skipped
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_record_is_for_other_modules_changes_and_does_nothing_without_a_trail(sandbox, trail: AuditTrail) -> None:
    client = RkvstClient(admin_connection(sandbox))
    assert audit.record(client, "policy.create", target_id="p1", target_name="Readers") is None
    client.audit = trail
    made = audit.record(client, "policy.create", target_id="p1", target_name="Readers")
    assert made is not None and made.outcome == "done" and made.actor == sandbox.admin_client_id
    assert [compact(e) for e in lines_of(trail.path)] == [("policy.create", "p1", "Readers", "done", None)]
