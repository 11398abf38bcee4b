"""Time and identifiers for the sandbox, real or deterministic.

Snapshot tests need byte-stable screens, so a deterministic sandbox reads a clock that
moves only when told and derives every id from a persisted counter (a restart never
repeats an id). The ordinary sandbox uses the system clock and random uuids.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from datetime import UTC, datetime, timedelta

DETERMINISTIC_START = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)


class SystemClock:
    """The real time, in UTC, to whole seconds (the wire shows whole seconds)."""

    deterministic = False

    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0)

    def timestamp(self) -> int:
        return int(self.now().timestamp())


class FixedClock:
    """A clock that stands still until `advance()` or `set()` moves it."""

    deterministic = True

    def __init__(self, start: datetime = DETERMINISTIC_START) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def timestamp(self) -> int:
        return int(self.now().timestamp())

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment.astimezone(UTC)


def derived_uuid(kind: str, number: int) -> str:
    """A uuid4-shaped id that depends only on (kind, number): stable across runs."""
    digest = bytearray(hashlib.sha256(f"rkvst-sandbox:{kind}:{number}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x40  # version 4
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    return str(uuid.UUID(bytes=bytes(digest)))


def rfc3339(moment: datetime) -> str:
    """RFC 3339 with whole seconds and `Z`, the way the service writes times."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def one_year_after(moment: datetime) -> datetime:
    """The same instant a calendar year later (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:
        return moment.replace(year=moment.year + 1, day=28)
