"""How the console shows times, expiry dates and claims: plain functions, easy to test.

Every server-provided string becomes a `rich.text.Text` here, never a markup string,
so a display name such as "[red]x" is shown as typed and cannot restyle the screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

from rich.text import Text

EXPIRY_WARNING = timedelta(days=30)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """Naive datetimes from the wire are UTC (RFC 3339 with `Z`)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def span(delta: timedelta) -> str:
    """A short human span: "42m 10s", "3h 5m", "12d", "1y 20d"."""
    seconds = int(abs(delta.total_seconds()))
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
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def relative(moment: datetime, now: datetime) -> str:
    """"in 12d" / "3h ago" relative to now."""
    delta = as_utc(moment) - as_utc(now)
    if delta.total_seconds() >= 0:
        return f"in {span(delta)}"
    return f"{span(delta)} ago"


def expiry_state(valid_until: datetime | None, now: datetime) -> str:
    """ "none", "expired", "soon" (within 30 days) or "ok"."""
    if valid_until is None:
        return "none"
    until = as_utc(valid_until)
    if until <= as_utc(now):
        return "expired"
    if until - as_utc(now) <= EXPIRY_WARNING:
        return "soon"
    return "ok"


EXPIRY_STYLES = {"expired": "bold red", "soon": "bold yellow", "ok": "", "none": "dim"}


def expiry_cell(valid_until: datetime | None, now: datetime) -> Text:
    """The Expiry Date cell: the date, and a word as well as a colour when it matters
    (colour alone is lost on a monochrome terminal)."""
    state = expiry_state(valid_until, now)
    if valid_until is None:
        return Text("no credential", style=EXPIRY_STYLES[state])
    date = as_utc(valid_until).strftime("%Y-%m-%d")
    if state == "expired":
        return Text(f"{date} expired", style=EXPIRY_STYLES[state])
    if state == "soon":
        days = max(0, (as_utc(valid_until) - as_utc(now)).days)
        return Text(f"{date} in {days}d", style=EXPIRY_STYLES[state])
    return Text(date)


def timestamp(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return as_utc(moment).strftime("%Y-%m-%d %H:%M:%S UTC")


def claims_summary(claims: Mapping[str, str], width: int = 24) -> Text:
    """The Claims cell: how many, and the names as far as they fit."""
    if not claims:
        return Text("-", style="dim")
    names = ", ".join(claims)
    label = f"{len(claims)}: {names}"
    if len(label) > width:
        label = label[: width - 1] + "…"
    return Text(label)


def plain(value: object) -> Text:
    """A table cell from any server string, shown literally."""
    return Text("" if value is None else str(value))
