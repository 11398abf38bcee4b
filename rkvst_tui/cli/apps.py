"""`rkvst-tui apps list|show|create|update|delete|regenerate|rotate`: app registrations.

Each action is one coroutine in ACTIONS; adding one is its sub-parser in `add_parser` and
its entry there.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..api.errors import InvalidArgument, RkvstError, scrub
from ..api.shell import word
from .connection import ApiCommand, run_connected, settle_unrecorded_secret
from .exits import EXIT_FAILED, EXIT_OK, UsageError
from .hygiene import add_list_options, add_rotate_parser, list_expiring, rotate_apps
from .output import Io, clean, confirm, days_left, emit_json, fields, shell_word, table, utc_date, utc_time
from .parser import add_command
from .policies import add_access_parser
from .secret_output import check_save_target, claim_pairs, save_secret, secret_output

if TYPE_CHECKING:
    from ..api.client import RkvstClient
    from ..api.models import Application

LIST_PAGE_SIZE = 1000  # the contract's largest page: fewest round trips for a whole listing


def add_parser(sub: Any) -> None:
    apps = add_command(sub, "apps", "list, show, create, update, delete app registrations, regenerate secrets")
    apps_sub = apps.add_subparsers(dest="apps_command", metavar="ACTION", required=True)

    apps_list = add_command(apps_sub, "list", "list app registrations")
    apps_list.add_argument("--name", help="only those with exactly this display name (case counts; the API's filter)")
    apps_list.add_argument(
        "--match",
        metavar="TEXT",
        help="only those whose display name contains TEXT, in any case, or whose client id "
        "starts with it (the console's / filter)",
    )
    add_list_options(apps_list)

    apps_show = add_command(apps_sub, "show", "show one app registration")
    apps_show.add_argument(
        "id", metavar="ID|NAME", help="client id, applications/<uuid>, or a display name only one registration has"
    )

    create = add_command(apps_sub, "create", "create an app registration; its secret is shown once")
    create.add_argument("--name", help="the display name")
    create.add_argument("--claim", action="append", default=[], metavar="NAME=VALUE", help="a custom claim (repeat)")
    create.add_argument(
        "--from-file",
        metavar="PATH",
        help='application JSON as in the guide: {"display_name": ..., "custom_claims": {...}}',
    )
    create.add_argument(
        "--save-credentials",
        metavar="PATH",
        help="write CLIENT_ID and SECRET to PATH (mode 0600; JSON for .json) instead of printing them",
    )
    create.add_argument("--force", action="store_true", help="overwrite the credentials file if it exists")
    create.add_argument(
        "--owner",
        action="store_true",
        help="give it the Owner role: it administers the tenancy (DataTrails; services with roles only)",
    )

    update = add_command(apps_sub, "update", "rename an app registration, change its custom claims or its Owner role")
    update.add_argument("id", metavar="ID", help="client id or applications/<uuid>")
    update.add_argument("--name", help="the new display name")
    update.add_argument(
        "--claim", action="append", default=[], metavar="NAME=VALUE", help="set a custom claim (repeat)"
    )
    update.add_argument(
        "--unset-claim", action="append", default=[], metavar="NAME", help="remove a custom claim (repeat)"
    )
    update.add_argument(
        "--replace-claims",
        action="store_true",
        help="the --claim options are the whole new set (default: merged into the current claims)",
    )
    update.add_argument(
        "--owner",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="give (--owner) or take (--no-owner) the Owner role (DataTrails; services with roles only)",
    )

    delete = add_command(
        apps_sub,
        "delete",
        "delete an app registration (asks first)",
        epilog="A root registration's entry in ROOT PRINCIPALS is not part of it: deleting it leaves "
        "the entry, unless --remove-root is given or you say yes when asked on a terminal.",
    )
    delete.add_argument("id", metavar="ID", help="client id or applications/<uuid>")
    delete.add_argument("--yes", action="store_true", help="do not ask (needed when not on a terminal)")
    delete.add_argument(
        "--remove-root", action="store_true", help="if it is a root principal, remove its entry in ROOT PRINCIPALS too"
    )

    regenerate = add_command(
        apps_sub,
        "regenerate",
        "give an app registration a new secret; the old one stops working at once (asks first on a terminal)",
    )
    regenerate.add_argument("id", metavar="ID", help="client id or applications/<uuid>")
    regenerate.add_argument("--yes", action="store_true", help="do not ask")
    regenerate.add_argument(
        "--save-credentials", metavar="PATH", help="write CLIENT_ID and SECRET to PATH instead of printing them"
    )
    regenerate.add_argument("--force", action="store_true", help="overwrite the credentials file if it exists")

    add_rotate_parser(apps_sub)
    add_access_parser(apps_sub)  # apps access ID (cli/policies.py)


def run(args: argparse.Namespace, io: Io) -> int:
    action = ACTIONS.get(args.apps_command)
    if action is None:
        raise UsageError(f"unknown apps action {args.apps_command!r}")
    return run_connected(args, io, action)


# -- list, show ---------------------------------------------------------------------------------


async def list_apps(args: argparse.Namespace, api: RkvstClient, io: Io) -> int:
    apps = [app async for app in api.iter_applications(display_name=args.name, page_size=LIST_PAGE_SIZE)]
    if args.name is not None:
        apps = [a for a in apps if a.display_name == args.name]
    if args.match is not None:
        apps = [a for a in apps if a.matches(args.match)]
    if args.expiring is not None:
        return list_expiring(args, apps, io)
    if io.json:
        emit_json({"applications": [a.to_wire() for a in apps]}, io.out)
        return EXIT_OK
    if not apps:
        io.say("No App Registrations to display")
        return EXIT_OK
    roots = await root_subjects(api) or set()
    with_roles = any(a.roles is not None for a in apps)  # the service has roles (DataTrails)
    now = datetime.now(timezone.utc)
    rows = [
        (
            a.display_name,
            a.client_id,
            utc_date(a.valid_until) + (" (expired)" if a.valid_until and a.valid_until < now else ""),
            len(a.custom_claims),
            "yes" if a.client_id in roots else "",
            *(("yes" if a.is_owner else "",) if with_roles else ()),
        )
        for a in apps
    ]
    headings = ("DISPLAY NAME", "CLIENT ID", "EXPIRY DATE", "CLAIMS", "ROOT", *(("OWNER",) if with_roles else ()))
    if api.service.roles_only:  # no root principals at all: the column would say nothing
        headings = headings[:4] + headings[5:]
        rows = [row[:4] + row[5:] for row in rows]
    io.say(table(headings, rows))
    io.note(f"{len(apps)} app registration{'s' if len(apps) != 1 else ''}")
    return EXIT_OK


async def show_app(args: argparse.Namespace, api: RkvstClient, io: Io) -> int:
    app = await application_by_id_or_name(api, args.id)
    if io.json:
        emit_json(app.to_wire(), io.out)
    else:
        io.say(fields(app_summary(app, await root_subjects(api))))
    return EXIT_OK


def app_summary(app: Application, roots: set[str] | None = None) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = [
        ("Display name", app.display_name),
        ("Client id", app.client_id),
        ("Identity", app.identity),
        ("Tenant", app.tenant_id),
        ("Valid from", utc_time(app.valid_from)),
        ("Valid until", f"{utc_time(app.valid_until)} ({days_left(app.valid_until)})" if app.valid_until else ""),
    ]
    if roots is not None:
        pairs.append(("Root", "yes" if app.client_id in roots else "no"))
    if app.roles is not None:
        pairs.append(("Owner", "yes" if app.is_owner else "no"))
    return pairs + claim_pairs(app)


async def root_subjects(api: RkvstClient) -> set[str] | None:
    """The client ids of the registrations that are root principals (None: they can not be read)."""
    from ..api.errors import ApiError
    from ..api.service import own_issuers

    if api.service.roles_only:
        return None
    try:
        principals = await api.get_root_principals()
    except ApiError:
        return None
    issuers = own_issuers(api)  # either era's issuer on the real service
    return {p.subject for p in principals if p.issuer in issuers}


async def application_by_id_or_name(api: RkvstClient, ref: str) -> Application:
    """The registration `ref` names: a client id (or applications/<uuid>), else a display name
    that exactly one registration has."""
    import re

    from ..api.errors import NotFound

    missing: NotFound | None = None
    if re.fullmatch(r"(applications/)?[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", ref.strip()):
        try:
            return await api.get_application(ref)
        except NotFound as not_found:
            missing = not_found
    named = await api.find_applications_by_name(ref)
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        ids = ", ".join(a.client_id for a in named)
        raise UsageError(
            f"{len(named)} app registrations are named '{clean(ref)}': {ids}",
            hint="give the client id of the one you mean",
        )
    if missing is not None:
        raise missing
    try:
        from ..api.client import application_uuid

        application_uuid(ref)
    except InvalidArgument as invalid:
        raise InvalidArgument(f"{invalid.message}, nor the display name of one", hint=invalid.hint) from None
    raise NotFound(
        f"no app registration has the client id or display name '{clean(ref)}'",
        hint=f"`rkvst-tui apps list --match {shell_word(ref)}` lists those whose name contains it",
    )


# -- create, update -----------------------------------------------------------------------------


def parse_claims(pairs: Sequence[str]) -> list[tuple[str, str]]:
    rows = []
    for pair in pairs:
        if "=" not in pair:
            raise UsageError(f"--claim {pair!r} is not NAME=VALUE", hint="e.g. --claim serial_number=TL1000000101")
        name, value = pair.split("=", 1)
        rows.append((name, value))
    return rows


def check_claim_rows(rows: list[tuple[Any, Any]], io: Io) -> None:
    from ..api.claims import check_rows, errors, rules_summary, warnings

    issues = check_rows(rows)
    for issue in warnings(issues):
        io.note(f"warning: {clean(issue.message)}")
    problems = errors(issues)
    if problems:
        for issue in problems[1:]:
            io.note(f"error: {clean(issue.message)}")
        raise UsageError(clean(problems[0].message), hint=rules_summary())


def read_application_file(path: str) -> tuple[str | None, list[tuple[Any, Any]]]:
    from pathlib import Path

    from ..api.application_file import ApplicationFileError
    from ..api.application_file import read_application_file as read

    try:
        loaded = read(Path(path).expanduser())
    except ApplicationFileError as exc:
        raise UsageError(str(exc), hint='the guide\'s file: {"display_name": ..., "custom_claims": {...}}') from None
    return loaded.display_name, list((loaded.custom_claims or {}).items())


def merge_rows(base: list[tuple[Any, Any]], overrides: list[tuple[str, str]]) -> list[tuple[Any, Any]]:
    """`base` rows with same-named `overrides` replacing them (duplicates within overrides stay, to be reported)."""
    names = {name for name, _ in overrides}
    return [row for row in base if row[0] not in names] + overrides


async def create_app(args: argparse.Namespace, api: RkvstClient, io: Io) -> int:
    name, rows = read_application_file(args.from_file) if args.from_file else (None, [])
    if args.name is not None:
        name = args.name
    if not name or not name.strip():
        raise UsageError("an app registration needs a display name", hint="give --name NAME")
    rows = merge_rows(rows, parse_claims(args.claim))
    check_claim_rows(rows, io)
    check_save_target(args.save_credentials, args.force)
    from ..api.lost_create import ids_named, may_have_acted

    # The registrations of this name before the create: if its answer is lost, the new one is
    # the one that was not there before (names are not unique, and pointing at an older
    # namesake's regenerate would break a secret that works).
    known_ids = await ids_named(api, name)
    if args.owner and api.service.has_roles is None:
        await api.list_applications_page(page_size=1)  # does the service have roles? (refused before sending if not)
    try:
        app = await api.create_application(name, dict(rows), **({"owner": True} if args.owner else {}))
    # A lost or unreadable answer, or a 5xx (a gateway's 502 can follow a create the
    # service made): look it up and say what exists now.
    except RkvstError as failed:
        if not may_have_acted(failed):
            raise
        raise await _lost_create(api, name, dict(rows), known_ids, failed) from None
    saved = save_secret(app, args.save_credentials, args.force, io)
    secret_output(app, io, reason="created", saved=saved, connection=api.connection, claims=True)
    if args.owner and not app.is_owner:
        io.note(
            "warning: the service did not give it the Owner role (its answer carries no roles): it is not an "
            f"administrator; make it root instead: rkvst-tui principals add --app {shell_word(app.client_id)}"
        )
        return EXIT_FAILED
    return EXIT_OK


async def update_app(args: argparse.Namespace, api: RkvstClient, io: Io) -> int:
    current = await api.get_application(args.id)
    claims: dict[str, Any] | None = None
    if args.claim or args.unset_claim or args.replace_claims:
        base = [] if args.replace_claims else list(current.custom_claims.items())
        for gone in args.unset_claim:
            if gone not in dict(base):
                raise UsageError(f"'{clean(current.display_name)}' has no custom claim {gone!r} to unset")
        base = [row for row in base if row[0] not in set(args.unset_claim)]
        rows = merge_rows(base, parse_claims(args.claim))
        check_claim_rows(rows, io)
        claims = dict(rows)
    if args.name is not None and not args.name.strip():
        raise UsageError("the display name can not be empty")
    roles = None
    if args.owner is not None:
        from ..api.service import owner_roles

        if current.roles is None:
            raise UsageError(
                f"{clean(api.base_url)} has no roles (its registrations carry none, as on RKVST): there is no Owner role",
                hint=f"make it root instead: rkvst-tui principals add --app {shell_word(current.client_id)}",
            )
        roles = owner_roles(current, args.owner)
    if args.name is None and claims is None and roles is None:
        raise UsageError(
            "nothing to update", hint="give --name, --claim, --unset-claim, --replace-claims or --owner/--no-owner"
        )
    app = await api.update_application(current, display_name=args.name, custom_claims=claims, roles=roles)
    if io.json:
        emit_json(app.to_wire(), io.out)
    else:
        io.say(f"updated app registration '{clean(app.display_name)}'")
        io.say(fields(app_summary(app)))
    return EXIT_OK


async def _lost_create(
    api: RkvstClient, name: str, claims: dict[str, Any], known_ids: set[str] | None, failed: RkvstError
) -> RkvstError:
    """After a create that may have happened (`errors.may_have_acted`): say what exists now and how
    to get a secret for it, in words that follow what became of the answer."""
    from ..api.errors import ApiError, ConnectionLost, NetworkError, ServerError
    from ..api.lost_create import find_made, status_words

    shown = clean(name)
    if isinstance(failed, ApiError):
        fate = f"the server answered {status_words(failed.status)} to the create of '{shown}'"
        said = f" ({clean(failed.server_message)})" if failed.server_message else ""
    elif isinstance(failed, NetworkError):
        fate = f"the connection dropped after the create request for '{shown}' was sent"
        said = ""
    else:
        fate = f"the answer to the create of '{shown}' could not be read"
        said = f" ({clean(failed.message)})"

    def error(message: str, hint: str) -> RkvstError:
        if isinstance(failed, ApiError):
            return ServerError(message, hint=hint, status=failed.status, server_message=failed.server_message)
        return ConnectionLost(message, hint=hint)

    try:
        made = await find_made(api, name, claims, known_ids)
    except RkvstError:
        return error(
            f"{fate}{said}; it may exist",
            f"check with `rkvst-tui apps list --name {word(name)}` before creating it again",
        )
    if not made:
        if isinstance(failed, NetworkError):
            return error(
                f"the connection dropped before '{shown}' was created (no new registration by that name exists)",
                "it is safe to run the create again",
            )
        return error(
            f"{fate}{said}, and made nothing (no new registration by that name exists)",
            "it is safe to run the create again"
            + (" (later, if the server keeps failing)" if isinstance(failed, ApiError) else ""),
        )
    newest = made[-1]
    several = f" ({len(made)} new ones by that name: the newest is shown)" if len(made) > 1 else ""
    if isinstance(failed, NetworkError):
        message = (
            f"the connection dropped after '{shown}' was created (client id {newest.client_id}); its secret was lost"
        )
    else:
        message = f"{fate}{said}, but '{shown}' was created (client id {newest.client_id}); its secret was lost"
    return error(message + several, f"get a new secret with `rkvst-tui apps regenerate {word(newest.client_id)}`")


# -- delete, regenerate ---------------------------------------------------------------------------


def is_signed_in_as(api: RkvstClient, app: Application) -> bool:
    """Whether `app` is the registration this client is signed in as (the client's one rule)."""
    return api.is_caller(api.app_principal(app))


async def delete_app(args: argparse.Namespace, api: RkvstClient, io: Io) -> int:
    """Delete one registration, asking first; a root one's entry in ROOT PRINCIPALS is removed
    too with --remove-root or a yes on the terminal, else it stays and the command says so."""
    app = await api.get_application(args.id)
    name = clean(app.display_name)
    principal = api.app_principal(app)
    me = is_signed_in_as(api, app)
    is_root = app.client_id in (await root_subjects(api) or set())
    remove_root = bool(args.remove_root) and is_root
    if args.remove_root and me:
        raise UsageError(
            "--remove-root: the registration you are signed in as can not remove its own root entry",
            hint="delete it without --remove-root, then remove the entry as another root principal",
        )
    if args.remove_root and not is_root:
        io.note(f"note: '{name}' is not a root principal: there is no entry to remove")
    if not args.yes:
        if not io.stdin.isatty():
            raise UsageError(
                f"not deleting '{name}' without confirmation", hint="add --yes (there is no terminal to ask on)"
            )
        warning = " This is the registration you are signed in as." if me else ""
        if is_root and not me:
            warning += (
                " It is a root principal: its entry in ROOT PRINCIPALS is removed too."
                if remove_root
                else " It is a root principal: its entry in ROOT PRINCIPALS stays unless removed."
            )
        if not confirm(
            io, f"Delete app registration '{name}' (client id {app.client_id})?{warning} Its secret stops working."
        ):
            io.note("not deleted")
            return EXIT_FAILED
        if is_root and not me and not remove_root:
            remove_root = confirm(io, "Remove its entry from ROOT PRINCIPALS too?")
    await api.delete_application(app)
    settle_unrecorded_secret(app.client_id)
    if not io.json:
        io.say(f"deleted app registration '{name}' (client id {app.client_id})")
    outcome = EXIT_OK
    if remove_root:
        try:
            change = await api.remove_root_principal(principal)
        except RkvstError as exc:
            io.note(f"error: its entry in ROOT PRINCIPALS could not be removed: {clean(scrub(exc.message))}")
            remove_root, outcome = False, EXIT_FAILED
        else:
            if not io.json:
                io.say(f"removed {clean(principal.subject)} ({clean(principal.issuer)}) from the root principals")
            concurrent = change.concurrent_change()
            if concurrent:
                io.note(f"warning: {concurrent}")
            outcome = EXIT_FAILED if change.undone else EXIT_OK
    if is_root and not remove_root:
        io.note(
            f"note: its entry stays in ROOT PRINCIPALS; remove it with `rkvst-tui principals remove "
            f"--issuer {shell_word(principal.issuer)} --subject {shell_word(principal.subject)}`"
        )
    if io.json:
        answer = {"deleted": app.client_id, "display_name": app.display_name}
        if is_root:
            answer["root_principal"] = "removed" if remove_root else "kept"
        emit_json(answer, io.out)
    return outcome


async def regenerate_secret(args: argparse.Namespace, api: RkvstClient, io: Io) -> int:
    check_save_target(args.save_credentials, args.force)
    from ..api.errors import ConnectionLost

    if not args.yes and io.stdin.isatty():
        current = await api.get_application(args.id)
        me = " This is the registration you are signed in as." if is_signed_in_as(api, current) else ""
        question = (
            f"Give app registration '{clean(current.display_name)}' (client id {current.client_id}) "
            f"a new secret?{me} Its current secret stops working at once."
        )
        if not confirm(io, question):
            io.note("not regenerated")
            return EXIT_FAILED

    try:
        app = await api.regenerate_secret(args.id)
    except ConnectionLost:
        raise ConnectionLost(
            "the connection dropped after the regenerate request was sent: the old secret may already be dead",
            hint=f"run `rkvst-tui apps regenerate {word(args.id)}` again to get a secret you can see",
        ) from None
    saved = save_secret(app, args.save_credentials, args.force, io)
    secret_output(app, io, reason="new secret for", saved=saved, connection=api.connection)
    settle_unrecorded_secret(app.client_id)  # printed or saved: that is its record
    io.note("The old secret no longer works; tokens issued with it stay valid until they expire.")
    return EXIT_OK


async def access_app(args: argparse.Namespace, api: RkvstClient, io: Io) -> int:
    from .policies import access_app as explain

    return await explain(args, api, io)


ACTIONS: dict[str, ApiCommand] = {
    "access": access_app,
    "list": list_apps,
    "show": show_app,
    "create": create_app,
    "update": update_app,
    "delete": delete_app,
    "regenerate": regenerate_secret,
    "rotate": rotate_apps,
}
