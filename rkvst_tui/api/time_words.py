"""Time in words, one rule for the whole product: spans ("42m 10s", "3h", "2d 4h", "12d",
"1y 35d"), relative times ("in 12d", "3h ago", "expires in 42m 10s") and the UTC stamps.

The console, the token inspection and the command line all say times through this module,
so a span reads the same wherever it is shown.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

UTC_STAMP = "%Y-%m-%d %H:%M:%S UTC"  # what a person reads: 2026-01-15 12:42:10 UTC
RFC3339_UTC = "%Y-%m-%dT%H:%M:%SZ"  # what a program reads: 2026-01-15T12:42:10Z


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def utc_stamp(moment: datetime) -> str:
    """'2026-01-15 12:42:10 UTC'."""
    return as_utc(moment).strftime(UTC_STAMP)


def utc_date(moment: datetime) -> str:
    """'2026-01-15' (the UTC day)."""
    return as_utc(moment).strftime("%Y-%m-%d")


def rfc3339(moment: datetime) -> str:
    """'2026-01-15T12:42:10Z' (whole seconds, UTC)."""
    return as_utc(moment).strftime(RFC3339_UTC)


def span(amount: float | timedelta, *, steady: bool = False) -> str:
    """A short span, its sign ignored: the largest unit and, when it is not zero, the next one.

    "5s", "2m 5s", "5m", "42m 10s", "1h", "1h 5m", "3d 2h", "12d" (from a week on, days only),
    "1y 35d". `steady` is for a countdown that ticks in place and should not change its
    shape: seconds after minutes take two digits, zero included ("1m 05s", "10m 00s").
    "forever" for an amount too large to count.
    """
    raw = amount.total_seconds() if isinstance(amount, timedelta) else amount
    try:
        seconds = int(abs(raw))
    except (OverflowError, ValueError):
        return "forever"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days >= 365:
        years, days = divmod(days, 365)
        return f"{years}y {days}d" if days else f"{years}y"
    if days:
        return f"{days}d {hours}h" if days < 7 and hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        if steady:
            return f"{minutes}m {secs:02d}s"
        return f"{minutes}m {secs}s" if secs else f"{minutes}m"
    return f"{secs}s"


def relative(moment: datetime, now: datetime, *, steady: bool = False) -> str:
    """'in 12d' / '3h ago': `moment` as seen from `now`."""
    delta = as_utc(moment) - as_utc(now)
    if delta.total_seconds() >= 0:
        return f"in {span(delta, steady=steady)}"
    return f"{span(delta, steady=steady)} ago"


def claim_relative(ts: float, now: datetime, claim: str = "exp") -> str:
    """A token time claim from `now`: 'expires in 42m 10s' / 'expired 3h ago' / 'issued 5m ago' /
    'becomes valid in 2m' (`claim`: exp, iat or nbf; anything else: 'in ...' / '... ago')."""
    delta = float(ts) - now.timestamp()
    words = span(delta)
    future = delta > 0
    if claim == "exp":
        if delta == 0:
            return "expired just now"
        return f"expires in {words}" if future else f"expired {words} ago"
    if claim == "iat":
        return f"issued {words} in the future" if future else f"issued {words} ago"
    if claim == "nbf":
        return f"becomes valid in {words}" if future else f"valid since {words} ago"
    return f"in {words}" if future else f"{words} ago"
