"""Which service a command talks to, with which credentials, and running a command on it.

The configured service (options, then a profile, then the environment: api/config.py), else
the default local sandbox if it is running and proves it is that sandbox; never one started
for a command.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TextIO

from ..api import state_dirs
from ..api.errors import ConfigError, ConnectionRefused
from .output import Io, clean
from .parser import option

if TYPE_CHECKING:
    import argparse

    from ..api.client import RkvstClient
    from ..api.connection import Connection

DEFAULT_SANDBOX_HOST = "127.0.0.1"
DEFAULT_SANDBOX_PORT = 8470  # the port `rkvst-tui sandbox` listens on by default

# A command of a group that talks to the service: run with a signed-in client.
ApiCommand = Callable[["argparse.Namespace", "RkvstClient", Io], Awaitable[int]]


def configured_connection(args: argparse.Namespace) -> Connection | None:
    from ..api.config import resolve_connection

    return resolve_connection(
        profile=option(args, "profile"),
        url=option(args, "url"),
        client_id=option(args, "client_id"),
        secret_file=option(args, "secret_file"),
        token_file=option(args, "token_file"),
        allow_insecure=bool(option(args, "insecure", False)),
    )


def with_secret(connection: Connection, stdin: TextIO) -> Connection:
    """Ask for a missing secret on a terminal; without one, say how to give it."""
    import dataclasses

    if connection.has_client_credentials or connection.bearer_token_file is not None:
        return connection
    if not connection.client_id:
        raise ConfigError(
            f"no credentials are configured for {connection.base_url}",
            hint="set RKVST_CLIENT_ID and RKVST_CLIENT_SECRET_FILE, use --client-id/--secret-file or --token-file, "
            "or a profile (`rkvst-tui locate` shows the config file)",
        )
    if not stdin.isatty():
        raise ConfigError(
            f"no secret is configured for client id {connection.client_id}",
            hint="set RKVST_CLIENT_SECRET_FILE (or RKVST_CLIENT_SECRET), or --secret-file PATH",
        )
    import getpass

    secret = getpass.getpass(f"Secret for client id {connection.client_id}: ").strip()
    if not secret:
        raise ConfigError("no secret was given")
    return dataclasses.replace(connection, secret=secret)


async def running_sandbox_connection() -> Connection:
    """The default sandbox (default data dir) if it is running; never starts one.

    It is found at the address it records in its data directory, and its admin credentials
    are sent to it only once it has proved it serves that directory (sandbox/address.py).
    """
    import asyncio

    from ..api.connection import Connection
    from ..api.files import exposure_warning, read_credentials_file
    from ..sandbox.address import find_running

    data_dir = state_dirs.sandbox_data_dir()
    credentials = state_dirs.sandbox_admin_credentials()
    how = (
        "run `rkvst-tui sandbox` (or the console, `rkvst-tui`) in another terminal, "
        "or configure a service (RKVST_URL or a profile)"
    )
    if not credentials.exists():
        raise ConnectionRefused(
            f"nothing is configured and no local sandbox has been set up ({credentials} is absent)", hint=how
        )
    running = await asyncio.to_thread(find_running, data_dir)  # SandboxIdentityError: a stranger answered
    if running is None:
        raise ConnectionRefused(f"nothing is configured and no local sandbox is running over {data_dir}", hint=how)
    client_id, secret = read_credentials_file(credentials)
    warning = exposure_warning(credentials, "the sandbox's admin credentials file")
    return Connection(
        running.base_url,
        client_id=client_id,
        secret=secret,
        profile="sandbox",
        is_sandbox=True,
        warnings=(warning,) if warning else (),
    )


async def client_for(args: argparse.Namespace, io: Io) -> RkvstClient:
    from ..api.client import RkvstClient

    connection = configured_connection(args)
    if connection is None:
        connection = await running_sandbox_connection()
    for warning in connection.warnings:
        io.note(f"warning: {clean(warning)}")
    from ..api.audit import attach

    api = RkvstClient(with_secret(connection, io.stdin))
    attach(api, on_error=lambda message: io.note(f"warning: {clean(message)}"))  # every change: audit.jsonl
    return api


def verify_connection(args: argparse.Namespace) -> Connection:
    """The backend whose key set, issuer and audience `inspect --verify` checks against: the
    configured service (its URL is enough), else the default local sandbox, found where it
    records its address and checked to be that sandbox (a stranger's key set would make a
    forged token look VERIFIED)."""
    from ..api.connection import Connection
    from ..sandbox.address import find_running

    connection = configured_connection(args)
    if connection is not None:
        return connection
    running = find_running(state_dirs.sandbox_data_dir())
    if running is None:
        raise ConnectionRefused(
            f"nothing is configured and no local sandbox is running over {state_dirs.sandbox_data_dir()}",
            hint="give --key PATH, configure a service (RKVST_URL or a profile), or run `rkvst-tui sandbox`",
        )
    return Connection(running.base_url, profile="sandbox", is_sandbox=True)


def recorded_sandbox_url() -> str:
    """Where the default sandbox last recorded that it serves (read only, nothing is contacted)."""
    from ..sandbox.address import read_address

    record = read_address(state_dirs.sandbox_data_dir())
    return record.base_url if record else f"http://{DEFAULT_SANDBOX_HOST}:{DEFAULT_SANDBOX_PORT}"


def mention_unrecorded_secrets(args: argparse.Namespace, connection: Connection, io: Io) -> None:
    """One line on stderr naming the registrations a console left with a secret nobody
    recorded (api/secret_journal.py), and the command that fixes them."""
    from ..api.secret_journal import SecretJournal, service_of

    try:
        left = SecretJournal().left_unrecorded(service_of(connection.base_url, connection.is_sandbox))
    except OSError:
        return
    acting_on = option(args, "id") if option(args, "apps_command") in ("regenerate", "delete") else None
    acting_on = acting_on.removeprefix("applications/") if acting_on else None
    left = [entry for entry in left if entry.client_id != acting_on]
    rotated = [entry for entry in left if entry.reason == "rotated"]  # api/rotation.py
    left = [entry for entry in left if entry.reason != "rotated"]
    if rotated and option(args, "apps_command") != "rotate":  # a rerun of it is what fixes them
        named = ", ".join(f"'{clean(entry.display_name)}' ({clean(entry.client_id)})" for entry in rotated[:5])
        more = f" and {len(rotated) - 5} more" if len(rotated) > 5 else ""
        io.note(
            f"note: an `apps rotate` stopped while giving {named}{more} a new secret; run the same "
            "`rkvst-tui apps rotate` command again to finish (a secret it saved is kept, one it had not is made again)"
        )
    if not left:
        return
    named = ", ".join(f"'{clean(entry.display_name)}' ({clean(entry.client_id)})" for entry in left[:5])
    more = f" and {len(left) - 5} more" if len(left) > 5 else ""
    io.note(
        f"note: a console closed before the new secret of {named}{more} was recorded; "
        f"run `rkvst-tui apps regenerate {clean(left[0].client_id)}` to see a new one "
        "(or `apps delete ID`; the console offers both on its next start)"
    )


def settle_unrecorded_secret(client_id: str) -> None:
    """`apps regenerate` printed a new secret, or `apps delete` removed the registration."""
    from ..api.secret_journal import SecretJournal

    try:
        SecretJournal().settle(client_id)
    except OSError:
        pass  # the next start names it again; regenerate or delete settles it then


async def _signed_in(args: argparse.Namespace, io: Io, command: ApiCommand) -> int:
    api = await client_for(args, io)
    mention_unrecorded_secrets(args, api.connection, io)
    async with api:
        return await command(args, api, io)


def run_connected(args: argparse.Namespace, io: Io, command: ApiCommand) -> int:
    """Run `command` with a client of the configured service (or the running sandbox)."""
    import asyncio  # here: the console starts its sandbox child before asyncio is imported

    return asyncio.run(_signed_in(args, io, command))
