"""A note of every one-time secret shown and not yet recorded, so that none is lost unseen.

The console writes an entry before it draws a new secret (after a create or a regenerate)
and ends it when the user confirms the secret is recorded, saves it or copies it. A
console that dies with the secret on screen (SIGTERM, SIGHUP when the SSH session drops,
the terminal closing, `kill -9`) leaves its entry behind, and the next start (console or
command line) names the registration and offers to regenerate its secret or delete it.

The journal holds **no secret**: client id, display name, where the registration lives,
when and why the secret was shown, and which process showed it (an entry of a console
that still runs is not left behind). One small JSON file in the state directory, mode
0600, replaced atomically (api/files.py) under an advisory lock, so two consoles do not
lose each other's entries. What it reads is treated as hostile: bounded in size, and an
entry that does not have the expected shape is dropped.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import state_dirs
from .files import atomic_write_private, locked_beside

JOURNAL_VERSION = 1
MAX_BYTES = 256 * 1024  # far beyond MAX_ENTRIES; a bigger file is not ours
MAX_ENTRIES = 100  # the oldest go first
LOCAL_SANDBOX = "local sandbox"


def service_of(base_url: str, is_sandbox: bool) -> str:
    """Where a registration lives: the base URL, or the default local sandbox (whose port can
    change from one start to the next when 8470 is taken)."""
    return LOCAL_SANDBOX if is_sandbox else base_url


def _process_start(pid: int) -> str | None:
    """The boot and start time of a process (Linux /proc), so a reused pid is not mistaken
    for it; None where /proc does not say, or for a process that is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    if len(fields) < 20 or fields[0] in ("Z", "X"):
        return None
    return f"{boot}:{fields[19]}"


def _process_runs(pid: int, start: str | None) -> bool:
    if pid <= 0:
        return False
    if start is not None:
        return _process_start(pid) == start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class UnrecordedSecret:
    """A registration whose secret was shown and not (yet) confirmed recorded."""

    client_id: str
    display_name: str
    service: str  # service_of(): which tenant's list to offer it in
    base_url: str
    profile: str
    reason: str  # "created" or "regenerated"
    shown_at: str  # ISO 8601, UTC
    pid: int  # the process that showed it
    process_start: str | None = None

    @classmethod
    def from_json(cls, data: object) -> UnrecordedSecret | None:
        if not isinstance(data, dict):
            return None
        text_fields = ("client_id", "display_name", "service", "base_url", "profile", "reason", "shown_at")
        if not all(isinstance(data.get(name), str) for name in text_fields) or not data["client_id"]:
            return None
        pid, start = data.get("pid"), data.get("process_start")
        if not isinstance(pid, int) or isinstance(pid, bool) or not (start is None or isinstance(start, str)):
            return None
        return cls(**{name: data[name] for name in text_fields}, pid=pid, process_start=start)

    @property
    def shown_time(self) -> datetime | None:
        try:
            moment = datetime.fromisoformat(self.shown_at)
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

    def left_behind(self) -> bool:
        """The process that showed it is gone: nobody can still record it."""
        return not _process_runs(self.pid, self.process_start)


class SecretJournal:
    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else state_dirs.secret_journal_file()

    # ------------------------------------------------------------------ reading

    def entries(self) -> list[UnrecordedSecret]:
        """Every entry, oldest first; a missing, unreadable or foreign file reads as empty."""
        try:
            with open(self.path, "rb") as handle:
                raw = handle.read(MAX_BYTES + 1)
        except OSError:
            return []
        if len(raw) > MAX_BYTES:
            return []
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return []
        items = data.get("unrecorded_secrets") if isinstance(data, dict) else None
        if not isinstance(items, list):
            return []
        found = (UnrecordedSecret.from_json(item) for item in items[-MAX_ENTRIES:])
        return [entry for entry in found if entry is not None]

    def left_unrecorded(self, service: str) -> list[UnrecordedSecret]:
        """The entries of `service` whose console is gone: what the next start must offer to fix."""
        return [entry for entry in self.entries() if entry.service == service and entry.left_behind()]

    # ------------------------------------------------------------------ writing

    def record_shown(
        self,
        *,
        client_id: str,
        display_name: str,
        base_url: str,
        profile: str,
        is_sandbox: bool,
        reason: str,
        now: datetime | None = None,
    ) -> UnrecordedSecret:
        """Note a secret about to be shown (call it before drawing the secret). OSError if the
        journal can not be written."""
        moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
        entry = UnrecordedSecret(
            client_id=client_id,
            display_name=display_name,
            service=service_of(base_url, is_sandbox),
            base_url=base_url,
            profile=profile,
            reason=reason,
            shown_at=moment.isoformat(timespec="seconds"),
            pid=os.getpid(),
            process_start=_process_start(os.getpid()),
        )
        with locked_beside(self.path):
            kept = [e for e in self.entries() if e.client_id != client_id]  # an older secret of it is dead now
            self._write([*kept, entry][-MAX_ENTRIES:])
        return entry

    def settle(self, client_id: str) -> None:
        """The secret of `client_id` was recorded, or the registration was regenerated or deleted."""
        with locked_beside(self.path):
            entries = self.entries()
            kept = [e for e in entries if e.client_id != client_id]
            if len(kept) != len(entries):
                self._write(kept)

    def _write(self, entries: list[UnrecordedSecret]) -> None:
        document = {"version": JOURNAL_VERSION, "unrecorded_secrets": [asdict(e) for e in entries]}
        atomic_write_private(self.path, json.dumps(document, indent=1) + "\n", overwrite=True)
