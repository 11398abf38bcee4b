"""`rkvst-tui principals list|add|remove`: the tenant's root principals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .connection import run_connected
from .exits import EXIT_FAILED, EXIT_OK, UsageError
from .output import Io, clean, emit_json, table
from .parser import add_command

if TYPE_CHECKING:
    import argparse

    from ..api.client import RkvstClient
    from ..api.models import Application, Principal

LIST_PAGE_SIZE = 1000  # the contract's largest page: fewest round trips for a whole listing

PRINCIPALS_REREAD = (
    "The list is written whole, so the command reads it again after writing: a change someone else made at the "
    "same time is shown on stderr, and the exit code is 1 when it undid this one."
)


def _principal_options(parser: argparse.ArgumentParser, *, adding: bool) -> None:
    parser.add_argument(
        "--app", metavar="ID", help="an app registration (issuer <base>/appidpv1, subject its client id)"
    )
    parser.add_argument("--issuer", help="the identity provider, e.g. https://app.rkvst.io/appidpv1")
    parser.add_argument("--subject", help="the identity's subject (for an app registration: its client id)")
    if adding:
        parser.add_argument("--display-name", default="", help="a name to show for the principal")
        parser.add_argument("--email", default="", help="the principal's email address")


def add_parser(sub: Any) -> None:
    principals = add_command(sub, "principals", "list, add and remove root principals")
    principals_sub = principals.add_subparsers(dest="principals_command", metavar="ACTION", required=True)
    add_command(principals_sub, "list", "list the tenant's root principals")
    _principal_options(
        add_command(
            principals_sub, "add", "add a root principal (--app ID makes a registration root)", epilog=PRINCIPALS_REREAD
        ),
        adding=True,
    )
    _principal_options(
        add_command(principals_sub, "remove", "remove a root principal", epilog=PRINCIPALS_REREAD), adding=False
    )


def run(args: argparse.Namespace, io: Io) -> int:
    return run_connected(args, io, cmd_principals)


def _principal_from_args(args: argparse.Namespace, api: RkvstClient, app: Application | None) -> Principal:
    from ..api.models import Principal

    if app is not None:
        if args.issuer or args.subject:
            raise UsageError("give either --app or --issuer and --subject, not both")
        return api.app_principal(app)
    if not args.issuer or not args.subject:
        raise UsageError(
            "a root principal needs --issuer and --subject (or --app ID)",
            hint=f"an app registration's issuer is {api.connection.issuer}",
        )
    for label, value in (("issuer", args.issuer), ("subject", args.subject)):
        if len(value) > 1024:
            raise UsageError(f"the {label} is longer than 1024 characters")
    return Principal(
        args.issuer, args.subject, getattr(args, "display_name", "") or "", getattr(args, "email", "") or ""
    )


async def _principals_table(api: RkvstClient, principals: list[Principal], io: Io) -> None:
    if io.json:
        emit_json({"root_principals": [p.to_wire() for p in principals]}, io.out)
        return
    own = {p.subject for p in principals if p.issuer == api.connection.issuer}
    names: dict[str, str] = {}
    if own:
        async for app in api.iter_applications(page_size=LIST_PAGE_SIZE):
            if app.client_id in own:
                names[app.client_id] = app.display_name
    rows = []
    for p in principals:
        note = "you" if api.is_caller(p) else ""
        if p.issuer == api.connection.issuer and p.subject in names:
            note = ", ".join(filter(None, [note, f"app registration '{names[p.subject]}'"]))
        rows.append((p.issuer, p.subject, p.display_name, p.email, note))
    io.say(table(("ISSUER", "SUBJECT", "DISPLAY NAME", "EMAIL", "NOTE"), rows))


async def cmd_principals(args: argparse.Namespace, api: RkvstClient, io: Io) -> int:
    action = args.principals_command
    if action == "list":
        await api.access_token()
        await _principals_table(api, await api.get_root_principals(), io)
        return EXIT_OK
    app = await api.get_application(args.app) if args.app else None
    principal = _principal_from_args(args, api, app)
    if action == "add":
        change = await api.add_root_principal(principal)
        if not io.json:
            verb = "is now" if change.written else "is already"
            io.note(f"{clean(principal.subject)} ({clean(principal.issuer)}) {verb} a root principal")
    else:
        change = await api.remove_root_principal(principal)
        if not io.json:
            io.note(f"removed {clean(principal.subject)} ({clean(principal.issuer)}) from the root principals")
    concurrent = change.concurrent_change()
    if concurrent:
        io.note(f"warning: {concurrent}")
    await _principals_table(api, change.principals, io)
    return EXIT_FAILED if change.undone else EXIT_OK
