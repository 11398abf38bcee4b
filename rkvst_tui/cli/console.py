"""The console's launch: its sandbox child, its connection, and the start of the GC policy.

Nothing heavy is imported with this module: a bare `rkvst-tui` starts the sandbox child
before Textual, asyncio or argparse are imported, so the child gets ready while this process
imports Textual and paints (tests/benchmarks/bench_first_frame.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ..api import state_dirs
from .connection import DEFAULT_SANDBOX_PORT, configured_connection, with_secret
from .exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError
from .output import Io
from .parser import option

if TYPE_CHECKING:
    import argparse

    from ..api.client import RkvstClient

# Seconds of start-up without cyclic garbage collection: past the first page of registrations.
START_UP_GC_PAUSE = 1.5
SANDBOX_FLAVOUR_VARIABLE = "RKVST_TUI_SANDBOX_FLAVOUR"
SANDBOX_FLAVOURS = ("rkvst", "datatrails")


def sandbox_flavour(args: Any, environ: dict[str, str] | None = None) -> str:
    """The embedded sandbox's flavour: --sandbox-flavour, else RKVST_TUI_SANDBOX_FLAVOUR, else rkvst."""
    return asked_sandbox_flavour(args, environ) or "rkvst"


def asked_sandbox_flavour(args: Any, environ: dict[str, str] | None = None) -> str | None:
    """The flavour --sandbox-flavour or RKVST_TUI_SANDBOX_FLAVOUR asks for; None when neither does."""
    import os

    chosen = option(args, "sandbox_flavour")
    if chosen:
        return str(chosen)
    value = (os.environ if environ is None else environ).get(SANDBOX_FLAVOUR_VARIABLE, "").strip()
    if not value:
        return None
    if value.lower() not in SANDBOX_FLAVOURS:
        raise UsageError(
            f"{SANDBOX_FLAVOUR_VARIABLE}={value[:40]!r} is not a sandbox flavour",
            hint=f"use {' or '.join(SANDBOX_FLAVOURS)}, or unset it",
        )
    return value.lower()


def console_connect(
    args: argparse.Namespace, io: Io, *, launch_now: bool = False
) -> tuple[Callable[[], Awaitable[RkvstClient]], list[Any]]:
    """The `connect` coroutine function the console calls once its first frame is up.

    With nothing configured it runs the local sandbox (127.0.0.1:8470 when free, else any free port; data in
    the user data directory) in a child process and connects as its root registration, or
    uses the sandbox already serving that data (its child checks it, sandbox/address.py);
    started sandboxes are appended to the returned list, for the caller to stop. With
    `launch_now` the child starts at once, so it gets ready on another core while the
    console imports Textual and paints; `connect` only waits for it. Otherwise `connect`
    starts it.
    """
    connection = configured_connection(args)
    servers: list[Any] = []

    if connection is None:
        from ..sandbox.embedded import SandboxProcess

        asked = asked_sandbox_flavour(args)
        data_dir = state_dirs.sandbox_data_dir()
        sandbox = SandboxProcess(data_dir, preferred_port=DEFAULT_SANDBOX_PORT, flavour=asked or "rkvst")

        def launch() -> None:
            sandbox.spawn()
            if sandbox not in servers:
                servers.append(sandbox)

        if launch_now:
            launch()

        def ready_to_connect() -> None:
            import_http_client()  # while the sandbox gets ready, not on the UI's loop
            sandbox.wait_ready()

        async def connect() -> RkvstClient:
            launch()  # again after a failure: Reconnect starts a new one
            await _in_thread(ready_to_connect)
            # Imported by now (ready_to_connect), so these take nothing from the UI's loop.
            from ..api.client import RkvstClient
            from ..api.connection import Connection

            serving = sandbox.serving_flavour
            unlike_asked = (
                f"the sandbox already serving {data_dir} runs the {serving} flavour, not {asked}: "
                f"stop it (or the other console using it) and start again to get {asked}"
            )
            sandbox_connection = Connection(
                sandbox.base_url,
                client_id=sandbox.admin_client_id,
                secret=sandbox.admin_secret,
                profile="sandbox",
                is_sandbox=True,
                warnings=(unlike_asked,) if asked and serving and serving != asked else (),
            )
            return audited(RkvstClient(sandbox_connection))
    else:
        ready = with_secret(connection, io.stdin)  # prompt before the screen is taken over

        async def connect() -> RkvstClient:
            await _in_thread(import_http_client)
            from ..api.client import RkvstClient

            return audited(RkvstClient(ready))

    return connect, servers


def audited(client: RkvstClient) -> RkvstClient:
    """Every change the console makes goes to audit.jsonl too, as the CLI's do (api/audit.py);
    the console notifies when the trail cannot be written (tui/app.py)."""
    from ..api.audit import attach

    attach(client)
    return client


async def _in_thread(function: Callable[[], None]) -> None:
    import asyncio  # here, not at the top: the sandbox child starts before asyncio is imported

    await asyncio.to_thread(function)


def import_http_client() -> None:
    """Import the HTTP stack (httpx imports httpcore for its first client, httpcore anyio's
    asyncio backend for its first connection), which would otherwise block the console's
    event loop between its first frame and its rows."""
    import contextlib

    import httpcore  # noqa: F401

    from ..api import client  # noqa: F401

    with contextlib.suppress(ImportError):  # a later anyio may lay it out differently
        import anyio._backends._asyncio  # noqa: F401


def pause_gc_for_start_up() -> None:
    """The console process's start-up GC policy (rkvst_tui/gc_policy.py, the only place GC is
    changed): no cyclic collection for START_UP_GC_PAUSE seconds, then freeze and resume."""
    from .. import gc_policy

    gc_policy.pause_for_start_up(START_UP_GC_PAUSE)


def run_console(args: argparse.Namespace, io: Io) -> int:
    if not io.out.isatty():  # the console would write its escape codes into a pipe or a file
        io.note("error: the console needs a terminal, and standard output is not one (a pipe or a file)")
        io.note("hint: run rkvst-tui in a terminal; scripts use its commands (rkvst-tui --help)")
        return EXIT_USAGE
    pause_gc_for_start_up()
    # The sandbox child first: it starts while this process imports Textual.
    connect, servers = console_connect(args, io, launch_now=True)
    try:
        try:
            from ..tui.app import RkvstApp
        except ImportError as exc:
            io.note(f"error: the console is not available in this installation ({exc})")
            io.note("hint: the command-line commands work: rkvst-tui --help")
            return EXIT_FAILED
        from ..api.config import load_profiles
        from ..api.secret_journal import SecretJournal

        # config.toml's [keymap] (checked as it was read for the connection: a bad one stopped us there)
        app = RkvstApp(
            connect=connect, read_only=bool(args.read_only), journal=SecretJournal(), keymap=load_profiles().keymap
        )
        app.run()
    finally:
        for server in servers:
            server.stop()
    return app.return_code or EXIT_OK
