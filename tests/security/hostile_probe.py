"""Make client calls against servers and report how each ended, in a process of its own.

    python hostile_probe.py DEADLINE OPERATION URL [OPERATION URL ...]    (OPERATION: token or list)

prints one JSON list, an entry per call: the error's type, message and hint (or "ok"), the
seconds the call took, and how far this process's peak resident memory rose above its
resident memory at the start of the call, in KiB. The kernel's peak is reset before each
call (Linux's clear_refs), so neither start-up nor an earlier call hides a call's own peak.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.connection import Connection
from rkvst_tui.api.errors import RkvstError, may_have_acted

CLIENT_ID = "0b6e4f6a-3c1d-4e55-9a7b-2f0c8d9e1a23"
SECRET = "5e" * 32


def resident_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def reset_peak() -> None:
    """Make the kernel's peak resident size (VmHWM) the current one (Linux 4.0 and later)."""
    Path("/proc/self/clear_refs").write_text("5")


async def call(base_url: str, operation: str, deadline: float) -> dict:
    connection = Connection(base_url, client_id=CLIENT_ID, secret=SECRET)
    async with RkvstClient(connection, deadline=deadline) as client:
        await client.fetch_jwks()  # warm up: httpx's lazy imports are not the call's memory
        reset_peak()
        before = resident_kib("VmRSS")
        started = time.monotonic()
        try:
            if operation == "token":
                await client.request_token(CLIENT_ID, SECRET)
            else:
                await client.list_applications()
            outcome = {"error": "ok", "message": "", "hint": "", "may_have_acted": False}
        except RkvstError as error:
            outcome = {
                "error": type(error).__name__,
                "message": error.message,
                "hint": error.hint,
                "may_have_acted": may_have_acted(error),
            }
        elapsed = time.monotonic() - started
        after = resident_kib("VmHWM")
    return {**outcome, "seconds": round(elapsed, 3), "rss_growth_kib": after - before}


async def main(argv: list[str]) -> list[dict]:
    deadline, rest = float(argv[0]), argv[1:]
    return [await call(url, operation, deadline) for operation, url in zip(rest[::2], rest[1::2])]


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1:]))))
