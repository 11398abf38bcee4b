"""`rkvst-tui policies list|show|create|update|delete` (access policies) and `apps access ID`.

A policy is created from a JSON file like the API's body (`--from-file`; a policy printed by
`show --json` works too) or from flags: `--filter` (repeat: ANDed; `|` between entries of one
filter: ORed; `attributes.` is added when missing), `--grant-app ID|NAME`, `--grant-subject
CLIENT_ID`, `--grant-claim NAME=VALUE` (repeat: any of them names the grantee), `--read`,
`--write`, `--behaviour` (repeat). Checked before it is sent (the field is named), then warned
about what the tenant's assets and registrations make suspicious (docs/access-policies.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .connection import run_connected
from .exits import EXIT_FAILED, EXIT_OK, UsageError
from .output import Io, clean, confirm, emit_json, fields, shell_word, table
from .parser import add_command

if TYPE_CHECKING:
    import argparse

    from ..api.client import RkvstClient
    from ..api.policies import Policy

LIST_PAGE_SIZE = 1000
FILTER_SEPARATOR = "|"
FLAG_HELP = (
    "From flags: --filter (repeat: every filter must match; ENTRY|ENTRY inside one: any may match), "
    "--grant-app/--grant-subject/--grant-claim (repeat: any of them names the grantee), --read/--write/--behaviour."
)


def _policy_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from-file", metavar="PATH", help="the policy as JSON, like the API's body")
    parser.add_argument("--name", help="the display name")
    parser.add_argument("--description", help="the description")
    parser.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="NAME=VALUE[|NAME=VALUE...]",
        help="an asset filter, e.g. 'arc_display_type=Traffic Light' or "
        "'location=Cambridge|location=Ely' (repeat: ANDed); != and * work too",
    )
    parser.add_argument(
        "--grant-app",
        action="append",
        default=[],
        metavar="ID|NAME",
        help="grant to this app registration (subject=<its client id>)",
    )
    parser.add_argument(
        "--grant-subject", action="append", default=[], metavar="CLIENT_ID", help="grant to subject=CLIENT_ID"
    )
    parser.add_argument(
        "--grant-claim",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="grant to every registration whose token has this claim (jwt_NAME=VALUE)",
    )
    parser.add_argument(
        "--read",
        action="append",
        default=[],
        metavar="ATTRIBUTE",
        help="an asset attribute the grantees may read (repeat; * for all)",
    )
    parser.add_argument(
        "--write",
        action="append",
        default=[],
        metavar="ATTRIBUTE",
        help="an asset attribute the grantees may write (repeat)",
    )
    parser.add_argument(
        "--behaviour",
        action="append",
        default=[],
        metavar="NAME",
        help="a behaviour the grantees may use, e.g. RecordEvidence (repeat)",
    )


def add_parser(sub: Any) -> None:
    policies = add_command(sub, "policies", "list, show, create, update, delete access policies (sharing assets)")
    policies_sub = policies.add_subparsers(dest="policies_command", metavar="ACTION", required=True)
    listing = add_command(policies_sub, "list", "list access policies")
    listing.add_argument("--name", help="only those with exactly this display name")
    show = add_command(policies_sub, "show", "show one access policy and the assets it covers")
    show.add_argument("id", metavar="ID|NAME", help="access_policies/<uuid>, the uuid, or a display name only one has")
    create = add_command(policies_sub, "create", "create an access policy", epilog=FLAG_HELP)
    _policy_flags(create)
    update = add_command(
        policies_sub,
        "update",
        "change an access policy (the fields given replace theirs)",
        epilog=FLAG_HELP + " Any grant, --read, --write or --behaviour replaces all permissions.",
    )
    update.add_argument(
        "id", metavar="ID|NAME", help="access_policies/<uuid>, the uuid, or a display name only one has"
    )
    _policy_flags(update)
    delete = add_command(policies_sub, "delete", "delete an access policy (asks first)")
    delete.add_argument(
        "id", metavar="ID|NAME", help="access_policies/<uuid>, the uuid, or a display name only one has"
    )
    delete.add_argument("--yes", action="store_true", help="do not ask (needed when not on a terminal)")


def add_access_parser(apps_sub: Any) -> None:
    access = add_command(apps_sub, "access", "what an app registration can see, and why (which policies name it)")
    access.add_argument("id", metavar="ID|NAME", help="client id, applications/<uuid>, or a unique display name")


def run(args: argparse.Namespace, io: Io) -> int:
    return run_connected(args, io, ACTIONS[args.policies_command])


# -- building a body from flags ------------------------------------------------------------------


def _filter_groups(values: list[str]) -> list[dict[str, list[str]]]:
    from ..api.access_rules import ATTRIBUTE_PREFIX

    groups = []
    for value in values:
        entries = [e.strip() for e in value.split(FILTER_SEPARATOR) if e.strip()]
        if not entries:
            raise UsageError(f"--filter {shell_word(value)} has no entry", hint="write --filter NAME=VALUE")
        groups.append({"or": [e if e.startswith(ATTRIBUTE_PREFIX) else ATTRIBUTE_PREFIX + e for e in entries]})
    return groups


async def _grantees(args: argparse.Namespace, api: RkvstClient) -> list[str]:
    from .apps import application_by_id_or_name

    entries = [f"subject={(await application_by_id_or_name(api, ref)).client_id}" for ref in args.grant_app]
    entries += [f"subject={subject.strip()}" for subject in args.grant_subject]
    for pair in args.grant_claim:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value:
            raise UsageError(
                f"--grant-claim {shell_word(pair)} is not NAME=VALUE", hint="e.g. --grant-claim serial_number=TL1"
            )
        entries.append(f"jwt_{name.strip().removeprefix('jwt_')}={value}")
    return entries


def _grants_given(args: argparse.Namespace) -> bool:
    return bool(args.grant_app or args.grant_subject or args.grant_claim or args.read or args.write or args.behaviour)


async def body_from_args(args: argparse.Namespace, api: RkvstClient, *, creating: bool) -> dict[str, Any]:
    from pathlib import Path

    from ..api.policies import load_body

    body: dict[str, Any] = {}
    if args.from_file:
        try:
            text = Path(args.from_file).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(
                f"cannot read {args.from_file}: {exc.strerror if isinstance(exc, OSError) else exc}"
            ) from None
        body = load_body(text, source=args.from_file)
        for server_field in ("identity", "tenant"):
            body.pop(server_field, None)
    if args.name is not None:
        body["display_name"] = args.name
    if args.description is not None:
        body["description"] = args.description
    if args.filter:
        body["filters"] = _filter_groups(args.filter)
    if _grants_given(args):
        entries = await _grantees(args, api)
        permission: dict[str, Any] = {"asset_attributes_read": list(args.read)}
        if entries:
            permission["user_attributes"] = [{"or": entries}]
        if args.write:
            permission["asset_attributes_write"] = list(args.write)
        if args.behaviour:
            permission["behaviours"] = list(args.behaviour)
        body["access_permissions"] = [permission]
    if creating and not body:
        raise UsageError("nothing to create from", hint="give --from-file PATH or --name with --filter and --grant-...")
    if not creating and not body:
        raise UsageError("nothing to change", hint="give --name, --description, --filter, a grant or --from-file")
    return body


# -- output -----------------------------------------------------------------------------------------


def _policy_fields(policy: Policy, asset_names: list[str] | None) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = [
        ("Display name", policy.display_name),
        ("Identity", policy.identity),
        ("Description", policy.description),
        ("Filters", policy.filters_in_words()),
    ]
    for index, group in enumerate(policy.filters):
        pairs.append((f"  filter {index + 1}", " OR ".join(group)))
    for index, permission in enumerate(policy.access_permissions):
        label = f"Permission {index + 1}"
        names = " AND ".join(
            "(" + " OR ".join(g) + ")" if len(g) > 1 else g[0] for g in permission.user_attributes if g
        )
        pairs.append((label, f"names {names or 'nobody (no user_attributes)'}"))
        pairs.append(("  reads", ", ".join(permission.readable) or "no attribute (identities only)"))
        if permission.asset_attributes_write:
            pairs.append(("  writes", ", ".join(permission.asset_attributes_write)))
        if permission.behaviours:
            pairs.append(("  behaviours", ", ".join(permission.behaviours)))
        if permission.subjects:
            pairs.append(("  subjects", ", ".join(permission.subjects)))
    pairs.append(("Granted to", policy.grantees_in_words()))
    if asset_names is not None:
        pairs.append(("Assets", f"{len(asset_names)}" + (": " + ", ".join(asset_names) if asset_names else "")))
    return pairs


async def _warn(api: RkvstClient, body: dict[str, Any], io: Io) -> list[str]:
    """What the tenant's assets and registrations make suspicious about a policy (stderr)."""
    from ..api import access_rules as rules
    from ..api.access import who_of

    assets = [a.attributes for a in await api.list_assets(page_size=LIST_PAGE_SIZE)]
    registrations = [who_of(app) async for app in api.iter_applications(page_size=LIST_PAGE_SIZE)]
    warnings = [str(w) for w in rules.policy_warnings(body, assets=assets, registrations=registrations)]
    for warning in warnings:
        io.note(f"warning: {clean(warning)}")
    return warnings


async def policy_by_id_or_name(api: RkvstClient, ref: str) -> Policy:
    from ..api.errors import NotFound
    from ..api.policies import find_policies

    found = await find_policies(api, ref)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise UsageError(
            f"{len(found)} access policies are named '{clean(ref)}': " + ", ".join(p.uuid for p in found),
            hint="give the id of the one you mean",
        )
    raise NotFound(
        f"no access policy has the id or display name '{clean(ref)}'", hint="`rkvst-tui policies list` lists them"
    )


# -- actions ----------------------------------------------------------------------------------------


async def list_policies(args: argparse.Namespace, api: RkvstClient, io: Io) -> int:
    from ..api.policies import list_policies as fetch

    policies = await fetch(api, display_name=args.name, page_size=LIST_PAGE_SIZE)
    if io.json:
        emit_json({"access_policies": [p.to_wire() for p in policies]}, io.out)
        return EXIT_OK
    if not policies:
        io.say("No access policies to display")
        return EXIT_OK
    rows = [(p.display_name, p.uuid, p.description, p.filters_in_words(), p.grantees_in_words()) for p in policies]
    io.say(table(("DISPLAY NAME", "ID", "DESCRIPTION", "FILTERS", "GRANTED TO"), rows))
    io.note(f"{len(policies)} access polic{'ies' if len(policies) != 1 else 'y'}")
    return EXIT_OK


async def show_policy(args: argparse.Namespace, api: RkvstClient, io: Io) -> int:
    from ..api.policies import policy_assets

    policy = await policy_by_id_or_name(api, args.id)
    assets = await policy_assets(api, policy, page_size=LIST_PAGE_SIZE)
    if io.json:
        emit_json(
            {
                "access_policy": policy.to_wire(),
                "assets": [{"identity": a.identity, "arc_display_name": a.display_name} for a in assets],
            },
            io.out,
        )
    else:
        io.say(fields(_policy_fields(policy, [a.display_name or a.identity for a in assets])))
    return EXIT_OK


async def create_policy(args: argparse.Namespace, api: RkvstClient, io: Io) -> int:
    from ..api.policies import check_body
    from ..api.policies import create_policy as send

    body = check_body(await body_from_args(args, api, creating=True), creating=True)
    warnings = await _warn(api, body, io)
    policy = await send(api, body)
    if io.json:
        emit_json({"access_policy": policy.to_wire(), "warnings": warnings}, io.out)
    else:
        io.say(fields(_policy_fields(policy, None)))
        io.note(f"created access policy '{clean(policy.display_name)}' ({policy.identity})")
    return EXIT_OK


async def update_policy(args: argparse.Namespace, api: RkvstClient, io: Io) -> int:
    from ..api import access_rules as rules
    from ..api.policies import check_body
    from ..api.policies import update_policy as send

    current = await policy_by_id_or_name(api, args.id)
    changes = await body_from_args(args, api, creating=False)
    fields_given = [name for name in rules.POLICY_FIELDS if name in changes]
    check_body(changes, creating=False, only=fields_given)
    await _warn(api, {**current.body(), **changes}, io)
    policy = await send(api, current, changes)
    if io.json:
        emit_json({"access_policy": policy.to_wire()}, io.out)
    else:
        io.say(fields(_policy_fields(policy, None)))
        io.note(f"updated access policy '{clean(policy.display_name)}': {', '.join(fields_given)}")
    return EXIT_OK


async def delete_policy(args: argparse.Namespace, api: RkvstClient, io: Io) -> int:
    from ..api.policies import delete_policy as send

    policy = await policy_by_id_or_name(api, args.id)
    name = clean(policy.display_name)
    if not args.yes:
        if not io.stdin.isatty():
            raise UsageError(
                f"not deleting access policy '{name}' without confirmation",
                hint="add --yes (there is no terminal to ask on)",
            )
        if not confirm(
            io,
            f"Delete access policy '{name}' ({policy.identity})? "
            f"Whoever it names stops seeing the assets it shares ({policy.grantees_in_words()}).",
        ):
            io.note("not deleted")
            return EXIT_FAILED
    await send(api, policy)
    if io.json:
        emit_json({"deleted": policy.identity, "display_name": policy.display_name}, io.out)
    else:
        io.say(f"deleted access policy '{name}' ({policy.identity})")
    return EXIT_OK


async def access_app(args: argparse.Namespace, api: RkvstClient, io: Io) -> int:
    from ..api.access import explain_access
    from .apps import application_by_id_or_name

    app = await application_by_id_or_name(api, args.id)
    explained = await explain_access(api, app)
    if io.json:
        emit_json(explained.to_json(), io.out)
        return EXIT_OK
    for line in explained.lines():
        io.say(clean(line))
    if explained.visible:
        rows = [(a.display_name, a.identity, ", ".join(sorted(a.attributes))) for a in explained.visible]
        io.say()
        io.say(table(("ASSET", "IDENTITY", "ATTRIBUTES IT READS"), rows))
    if explained.status == "none":
        io.note(
            f"share assets with it: rkvst-tui policies create --name NAME --filter NAME=VALUE "
            f"--grant-app {shell_word(app.client_id)} --read arc_display_name"
        )
    return EXIT_OK


ACTIONS = {
    "list": list_policies,
    "show": show_policy,
    "create": create_policy,
    "update": update_policy,
    "delete": delete_policy,
}
