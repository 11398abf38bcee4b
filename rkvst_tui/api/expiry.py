"""Which app registrations' secrets expire soon: the service sends no reminder (a secret lasts a year).

`expiring(apps, within_days, now)` lists those whose secret expires within `within_days` days
of `now`, the expired ones included (marked), soonest first. A registration without an expiry
date is not listed. Used by `rkvst-tui apps list --expiring DAYS`, `apps rotate --expiring DAYS`
and the console (its sign-in notice, its `f` filter and its Expiry column: within 30 days).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from .errors import InvalidArgument
from .models import Application, format_time
from .terminal_safe import terminal_safe

NOTICE_DAYS = 30  # the console's notice and its colouring of the Expiry column
MAX_DAYS = 36_500
DAY = 86_400.0


@dataclass(frozen=True)
class Expiring:
    application: Application  # without its secret
    expires_at: datetime
    now: datetime

    @property
    def client_id(self) -> str:
        return self.application.client_id

    @property
    def display_name(self) -> str:
        return self.application.display_name

    @property
    def expired(self) -> bool:
        return self.expires_at <= self.now

    @property
    def days_left(self) -> int:
        """Whole days until it expires (0: within a day); negative, whole days since, once expired."""
        return days_left(self.expires_at, self.now)

    def words(self) -> str:
        """'expired 3 days ago', 'expired today', 'expires today', '12 days left'."""
        return days_left_words(self.expires_at, self.now)

    def to_json(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "display_name": self.display_name,
            "expires_at": format_time(self.expires_at),
            "days_left": self.days_left,
            "expired": self.expired,
        }


def days_left(expires_at: datetime, now: datetime) -> int:
    """Whole days until `expires_at` (0: within a day); once expired, minus the whole days since
    (0: expired within the last day)."""
    seconds = (expires_at - now).total_seconds()
    return math.floor(seconds / DAY) if seconds > 0 else -math.floor(-seconds / DAY)


def is_due(expires_at: datetime | None, now: datetime, within_days: int = NOTICE_DAYS) -> bool:
    """Expired, or expiring within `within_days` days of `now` (no expiry date: never due)."""
    return expires_at is not None and expires_at <= now + timedelta(days=within_days)


def state(expires_at: datetime | None, now: datetime, within_days: int = NOTICE_DAYS) -> str:
    """ "none" (no expiry date), "expired", "soon" (within `within_days` days) or "ok"."""
    if expires_at is None:
        return "none"
    if expires_at <= now:
        return "expired"
    return "soon" if is_due(expires_at, now, within_days) else "ok"


def days_left_words(expires_at: datetime | None, now: datetime | None = None) -> str:
    if expires_at is None:
        return ""
    now = now or datetime.now(timezone.utc)
    seconds = (expires_at - now).total_seconds()
    if seconds <= 0:
        days = math.floor(-seconds / DAY)
        return "expired today" if days == 0 else f"expired {days} day{'s' if days != 1 else ''} ago"
    days = math.floor(seconds / DAY)
    return "expires today" if days == 0 else f"{days} day{'s' if days != 1 else ''} left"


def expiring(apps: Iterable[Application], within_days: int, now: datetime | None = None) -> list[Expiring]:
    """The registrations whose secret expires within `within_days` days (expired ones too),
    soonest first (then by name and id, so the order is stable)."""
    now = now or datetime.now(timezone.utc)
    found = [
        Expiring(app.without_secret(), app.valid_until, now)
        for app in apps
        if app.valid_until is not None and is_due(app.valid_until, now, within_days)
    ]
    return sorted(found, key=lambda e: (e.expires_at, e.display_name, e.client_id))


def parse_days(text: str | int, what: str = "--expiring") -> int:
    """A number of days from the command line: a whole number from 0 (expired only) up."""
    value: int | None
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        try:
            value = int(str(text).strip())
        except ValueError:
            value = None
    if value is None or value < 0 or value > MAX_DAYS:
        raise InvalidArgument(
            f"{what} {terminal_safe(str(text), 20)!r} is not a number of days (a whole number, 0 or more)",
            hint=f"e.g. {what} 30 (0: only the expired ones)",
        )
    return value
