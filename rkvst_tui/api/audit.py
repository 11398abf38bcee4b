"""A local trail of every change made through rkvst-tui: `audit.jsonl` in the state directory.

One JSON object a line, appended after each change the console or the command line makes
through an `RkvstClient` whose `.audit` is an `AuditTrail` (both front ends set it): the time
(UTC), the profile and base URL, the acting client id, the action, the target (id and display
name, stored as given and escaped when shown) and the outcome:

- ``done``: the server answered that it did it;
- ``refused``: the server refused it (``status`` says with what);
- ``unknown``: the answer was lost (a dropped connection, a time-out, a malformed answer):
  the server may have acted on it;
- ``not_sent``: it never reached the server (no connection);
- ``failed``: anything else (``error`` names it).

**Never a secret or a token**: an entry is built from ids, names, statuses and error class
names only, never from an answer's body or an error's message.

The file is mode 0600 and ASCII (JSON escapes everything else, so `cat` shows no terminal
escape). Each line is written with one `write()` to a file opened for appending and fsynced,
under an advisory lock (two consoles append in turn); a crash mid-write can leave at most a
torn last line, which the next append starts after on a line of its own and the reader skips,
so earlier lines are never lost. Over `max_bytes` (1 MiB) the file is renamed to
`audit.jsonl.1` (and `.1` to `.2`, ...; `keep` of them) before the next line.

Other modules record their own changes with `record(client, action, ...)` or, for one call,
`await client.audited(action, coroutine, target_id=..., target_name=...)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import state_dirs
from .errors import ApiError, InvalidArgument, InvalidResponse, NetworkError, SelfRemovalRefused
from .files import locked_beside, make_private_dirs
from .terminal_safe import terminal_safe
from .time_words import rfc3339

log = logging.getLogger(__name__)

AUDIT_FILE_NAME = "audit.jsonl"
MAX_BYTES = 1 << 20  # then the file is rotated
KEEP = 3  # rotated files kept: audit.jsonl.1 (newest) .. audit.jsonl.3
MAX_READ_BYTES = 16 << 20  # of one file, when reading: a bigger one is not ours
MAX_LINE_CHARS = 8192  # a longer line is not one of ours
FORMAT_VERSION = 1

DONE, REFUSED, UNKNOWN, NOT_SENT, FAILED = "done", "refused", "unknown", "not_sent", "failed"
OUTCOMES = (DONE, REFUSED, UNKNOWN, NOT_SENT, FAILED)

# The actions rkvst-tui records (others may add their own: a dotted lower-case name).
APP_CREATE = "app.create"
APP_UPDATE = "app.update"
APP_DELETE = "app.delete"
APP_REGENERATE = "app.regenerate"
ROOT_PRINCIPAL_ADD = "root_principal.add"
ROOT_PRINCIPAL_REMOVE = "root_principal.remove"


def audit_file(env: dict[str, str] | None = None) -> Path:
    """Where the trail is kept: `audit.jsonl` in the user state directory."""
    return state_dirs.state_dir(env) / AUDIT_FILE_NAME


def _utc_text(moment: datetime) -> str:
    return rfc3339(moment)


def outcome_of(error: BaseException | None) -> tuple[str, int | None, str] | None:
    """(outcome, status, error kind) for how a change ended; None when nothing was attempted
    (an argument refused before anything was sent)."""
    if error is None:
        return DONE, None, ""
    kind = type(error).__name__
    if isinstance(error, (InvalidArgument, SelfRemovalRefused)):
        return None
    if isinstance(error, ApiError):
        return REFUSED, error.status, kind
    if isinstance(error, NetworkError):
        return (UNKNOWN if error.request_sent else NOT_SENT), None, kind
    if isinstance(error, (InvalidResponse, asyncio.CancelledError, TimeoutError)):
        return UNKNOWN, None, kind  # an answer came and could not be read, or we stopped waiting
    return FAILED, None, kind


@dataclass(frozen=True)
class AuditEntry:
    time: str  # UTC, RFC 3339, whole seconds
    action: str
    outcome: str
    target_id: str = ""
    target_name: str = ""
    profile: str = ""
    base_url: str = ""
    actor: str = ""  # the acting client id
    status: int | None = None  # of a refusal
    error: str = ""  # the error's class name (never its message)
    detail: str = ""  # a fixed phrase of ours, e.g. "undone by a change made at the same time"
    target_extra: dict[str, str] = field(default_factory=dict)  # e.g. a root principal's issuer

    @property
    def moment(self) -> datetime | None:
        try:
            value = datetime.fromisoformat(self.time.replace("Z", "+00:00"))
        except ValueError:
            return None
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)

    def to_json(self) -> dict[str, Any]:
        target = {"id": self.target_id, "name": self.target_name, **self.target_extra}
        data: dict[str, Any] = {
            "v": FORMAT_VERSION,
            "time": self.time,
            "profile": self.profile,
            "base_url": self.base_url,
            "actor": self.actor,
            "action": self.action,
            "target": target,
            "outcome": self.outcome,
        }
        if self.status is not None:
            data["status"] = self.status
        if self.error:
            data["error"] = self.error
        if self.detail:
            data["detail"] = self.detail
        return data

    def line(self) -> bytes:
        return json.dumps(self.to_json(), ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"

    @classmethod
    def from_json(cls, data: object) -> AuditEntry | None:
        """An entry from a parsed line, or None when it is not one of ours."""
        if not isinstance(data, dict):
            return None
        target = data.get("target")
        texts = ("time", "action", "outcome", "profile", "base_url", "actor")
        if not isinstance(target, dict) or not all(isinstance(data.get(k, ""), str) for k in texts):
            return None
        if not data.get("time") or not data.get("action") or data.get("outcome") not in OUTCOMES:
            return None
        status = data.get("status")
        if status is not None and (not isinstance(status, int) or isinstance(status, bool)):
            return None
        extra = {k: v for k, v in target.items() if k not in ("id", "name") and isinstance(v, str)}
        return cls(
            time=data["time"],
            action=data["action"],
            outcome=data["outcome"],
            target_id=str(target["id"]) if isinstance(target.get("id"), str) else "",
            target_name=str(target["name"]) if isinstance(target.get("name"), str) else "",
            profile=data.get("profile", ""),
            base_url=data.get("base_url", ""),
            actor=data.get("actor", ""),
            status=status,
            error=data["error"] if isinstance(data.get("error"), str) else "",
            detail=data["detail"] if isinstance(data.get("detail"), str) else "",
            target_extra=extra,
        )

    def outcome_words(self) -> str:
        if self.outcome == REFUSED:
            return f"refused ({self.status})" if self.status is not None else "refused"
        if self.outcome == UNKNOWN:
            return "unknown (the answer was lost)"
        if self.outcome == NOT_SENT:
            return "not sent"
        if self.outcome == FAILED:
            return f"failed ({terminal_safe(self.error, 40)})" if self.error else "failed"
        return self.outcome

    def target_words(self, width: int = 60) -> str:
        """The target for a person: the name (escaped) and the id."""
        name = terminal_safe(self.target_name, width) if self.target_name else ""
        ident = terminal_safe(self.target_id, 80)
        if name and ident:
            return f"{name} ({ident})"
        return name or ident or "-"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class AuditTrail:
    """The trail in `path` (default: audit.jsonl in the state directory, read when writing, so
    RKVST_TUI_STATE_DIR set later still counts). Set as `RkvstClient.audit`; calling it records
    one change. A failure to write never fails the change itself: it is logged and handed to
    `on_error` (the command line prints it on stderr, the console notifies)."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        max_bytes: int = MAX_BYTES,
        keep: int = KEEP,
        clock: Callable[[], datetime] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self._path = Path(path) if path is not None else None
        self.max_bytes = max_bytes
        self.keep = keep
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.on_error = on_error
        self.failures: list[str] = []

    @property
    def path(self) -> Path:
        return self._path if self._path is not None else audit_file()

    def rotated_paths(self) -> list[Path]:
        """The rotated files, oldest first."""
        return [self.path.with_name(f"{self.path.name}.{n}") for n in range(self.keep, 0, -1)]

    # ------------------------------------------------------------------ writing

    def __call__(
        self,
        client: Any,
        action: str,
        *,
        target_id: str = "",
        target_name: str = "",
        error: BaseException | None = None,
        detail: str = "",
        target_extra: dict[str, str] | None = None,
    ) -> AuditEntry | None:
        """Record one change made through `client` (an RkvstClient); the entry, or None when
        nothing was attempted or it could not be written."""
        how = outcome_of(error)
        if how is None:
            return None
        outcome, status, kind = how
        connection = client.connection
        actor = ""
        with contextlib.suppress(Exception):
            actor = client.acting_client_id() or ""
        entry = AuditEntry(
            time=_utc_text(self.clock()),
            action=action,
            outcome=outcome,
            target_id=str(target_id or ""),
            target_name=str(target_name or ""),
            profile=connection.profile,
            base_url=connection.base_url,
            actor=str(actor),
            status=status,
            error=kind,
            detail=detail,
            target_extra=dict(target_extra or {}),
        )
        try:
            self.append(entry)
        except OSError as exc:
            message = (
                f"the audit trail {self.path} could not be written ({exc.strerror or type(exc).__name__}): "
                f"{action} of {entry.target_words()} is not in it"
            )
            log.warning("%s", message)
            self.failures.append(message)
            if self.on_error is not None:
                with contextlib.suppress(Exception):
                    self.on_error(message)
            return None
        return entry

    def append(self, entry: AuditEntry) -> None:
        """Append one line (OSError if it can not be written)."""
        line = entry.line()
        with locked_beside(self.path):
            fd = self._open_for_append()
            try:
                size = os.fstat(fd).st_size
                if size and size + len(line) > self.max_bytes:
                    os.close(fd)
                    fd = -1
                    self._rotate()
                    fd = self._open_for_append()
                    size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    line = b"\n" + line  # after a torn last line: ours starts on a line of its own
                _write_all(fd, line)
                os.fsync(fd)
            finally:
                if fd >= 0:
                    os.close(fd)

    def _open_for_append(self) -> int:
        path = self.path
        make_private_dirs(path.parent)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            os.fchmod(fd, 0o600)
        except OSError:
            os.close(fd)
            raise
        return fd

    def _rotate(self) -> None:
        generations = [self.path, *reversed(self.rotated_paths())]  # current, .1, .2, ...
        for newer, older in reversed(list(zip(generations, generations[1:]))):
            with contextlib.suppress(FileNotFoundError):
                os.replace(newer, older)
        with contextlib.suppress(OSError):
            fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    # ------------------------------------------------------------------ reading

    def read(self, since: datetime | None = None) -> tuple[list[AuditEntry], int]:
        """Every entry, oldest first (the rotated files first), at or after `since`; and how many
        lines were skipped as not ours (a line torn by a crash, a foreign line)."""
        entries: list[AuditEntry] = []
        skipped = 0
        for path in [*self.rotated_paths(), self.path]:
            try:
                with open(path, "rb") as handle:
                    raw = handle.read(MAX_READ_BYTES + 1)
            except OSError:
                continue
            if len(raw) > MAX_READ_BYTES:
                raw = raw[:MAX_READ_BYTES]
                skipped += 1
            for line in raw.split(b"\n"):
                if not line.strip():
                    continue
                entry = None
                if len(line) <= MAX_LINE_CHARS:
                    with contextlib.suppress(UnicodeDecodeError, ValueError, RecursionError):
                        entry = AuditEntry.from_json(json.loads(line.decode("utf-8")))
                if entry is None:
                    skipped += 1
                    continue
                if since is not None:
                    moment = entry.moment
                    if moment is None or moment < since:
                        continue
                entries.append(entry)
        return entries, skipped


def attach(client: Any, on_error: Callable[[str], None] | None = None) -> AuditTrail:
    """Give `client` the user's trail (the front ends call it on every client they make);
    a client that has one keeps it."""
    if getattr(client, "audit", None) is None:
        client.audit = AuditTrail(on_error=on_error)
    trail: AuditTrail = client.audit
    return trail


def record(
    client: Any,
    action: str,
    *,
    target_id: str = "",
    target_name: str = "",
    error: BaseException | None = None,
    detail: str = "",
    target_extra: dict[str, str] | None = None,
) -> AuditEntry | None:
    """Record a change made through `client` in its trail (nothing when it has none)."""
    trail = getattr(client, "audit", None)
    if trail is None:
        return None
    try:
        entry: AuditEntry | None = trail(
            client,
            action,
            target_id=target_id,
            target_name=target_name,
            error=error,
            detail=detail,
            target_extra=target_extra,
        )
        return entry
    except Exception:  # a trail must never break the change it records
        log.exception("recording %s failed", action)
        return None


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """`--since`: an ISO date or time (UTC unless it says), or a span back from now: 30m, 12h, 7d, 2w.
    InvalidArgument when it is neither."""
    now = now or datetime.now(timezone.utc)
    value = text.strip()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
    if len(value) >= 2 and value[-1].lower() in units and value[:-1].isdigit():
        from datetime import timedelta

        return now - timedelta(seconds=int(value[:-1]) * units[value[-1].lower()])
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidArgument(
            f"--since {terminal_safe(text, 40)!r} is neither a date or time nor a span",
            hint="e.g. --since 2026-12-01, --since 2026-12-01T09:00Z, --since 12h, --since 7d",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
