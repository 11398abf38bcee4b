"""`rkvst-tui audit [--since WHEN] [--json]`: the local trail of every change (api/audit.py).

It reads audit.jsonl in the state directory (and its rotated files, oldest first); it does not
connect to any service. --since takes a date or time (UTC unless it says: 2026-12-01,
2026-12-01T09:00Z) or a span back from now (30m, 12h, 7d, 2w).

--json: {"audit_file": PATH, "since": TIME | null, "entries": [{"v", "time", "profile", "base_url",
"actor", "action", "target": {"id", "name", ...}, "outcome", "status"?, "error"?, "detail"?}],
"skipped_lines": N} (the lines as written; skipped: lines that are not entries, such as one
torn by a crash).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .exits import EXIT_OK
from .output import Io, clean, emit_json, table

if TYPE_CHECKING:
    import argparse


def add_parser(sub: Any) -> None:
    from .parser import add_command

    audit = add_command(
        sub,
        "audit",
        "show the local trail of every change made with rkvst-tui (audit.jsonl; no secrets in it)",
        epilog="Outcomes: done; refused (STATUS); unknown (the answer was lost: the service may have acted); "
        "not sent. The file is in the state directory (`rkvst-tui locate`).",
    )
    audit.add_argument(
        "--since",
        metavar="WHEN",
        help="only changes from WHEN on: a date or time (UTC unless given: 2026-12-01, "
        "2026-12-01T09:00Z) or a span back from now (30m, 12h, 7d, 2w)",
    )


def run(args: argparse.Namespace, io: Io) -> int:
    from ..api.audit import AuditTrail, parse_since
    from ..api.models import format_time

    since = parse_since(args.since) if args.since else None
    trail = AuditTrail()
    entries, skipped = trail.read(since)
    if io.json:
        emit_json(
            {
                "audit_file": str(trail.path),
                "since": format_time(since) if since else None,
                "entries": [entry.to_json() for entry in entries],
                "skipped_lines": skipped,
            },
            io.out,
        )
        return EXIT_OK
    if skipped:
        io.note(
            f"note: {skipped} line{'s' if skipped != 1 else ''} of {clean(str(trail.path))} "
            "could not be read (a write cut short by a crash, or not written by rkvst-tui)"
        )
    if not entries:
        io.say(
            "No changes recorded" + (f" since {format_time(since)}" if since else "") + f" ({clean(str(trail.path))})"
        )
        return EXIT_OK
    notes = any(entry.detail for entry in entries)
    rows = [
        (
            entry.time,
            entry.profile or entry.base_url,
            entry.action,
            entry.target_words(48),
            entry.outcome_words(),
            entry.actor,
            *([entry.detail] if notes else []),
        )
        for entry in entries
    ]
    io.say(table(("TIME (UTC)", "PROFILE", "ACTION", "TARGET", "OUTCOME", "BY", *(["NOTE"] if notes else [])), rows))
    io.note(f"{len(entries)} change{'s' if len(entries) != 1 else ''} in {clean(str(trail.path))}")
    return EXIT_OK
