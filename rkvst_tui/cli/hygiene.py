"""Credential upkeep on the command line: `apps list --expiring DAYS` and `apps rotate`.

    rkvst-tui apps list --expiring DAYS [--json]
        the registrations whose secret expires within DAYS days (expired ones included, marked),
        soonest first. Exit 0 when there are none, 4 (EXIT_EXPIRING) when there are some, so a
        cron job or a monitoring check can use it as it is.
    rkvst-tui apps rotate (ID ... | --expiring DAYS) (--save-dir DIR | --save-keyring) [--dry-run] [--yes]
        a new secret for each, saved to DIR/<client id>.env (0600), or with --save-keyring to the
        system keyring (service rkvst-tui, user the client id: where a profile's secret_keyring =
        true reads it; needs the optional keyring package), before the next one is made;
        stops at the first failure saying which were rotated and where each secret is; run it
        again to go on with what is left (api/rotation.py). Asks first on a terminal; elsewhere
        it needs --yes. Exit 0 all rotated (or nothing left to do), 1 stopped at a failure.

--json:
- apps list --expiring: {"within_days", "checked_at", "expiring": [{"client_id", "display_name",
                         "expires_at", "days_left", "expired"}]}
- apps rotate:          {"save_dir", "dry_run", "rotated": [{"client_id", "display_name", "file",
                         "earlier"}], "to_rotate": [{"client_id", "display_name", "file"}] (what is
                         left: the plan for --dry-run, those not attempted after a failure),
                         "failed": {"client_id", "display_name", "reason", "old_secret_works"} | null,
                         "unsaved": Application | null (a secret that could not be saved: its only copy)}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .exits import EXIT_FAILED, EXIT_OK, UsageError
from .output import Io, clean, emit_json, table, utc_date

if TYPE_CHECKING:
    import argparse

    from ..api.client import RkvstClient
    from ..api.models import Application
    from ..api.rotation import Done, Rotation, RotationPlan, RotationStopped

EXIT_EXPIRING = 4  # apps list --expiring: some secrets expire within DAYS (or have expired)
LIST_PAGE_SIZE = 1000


def days_argument(text: str) -> int:
    """argparse type of --expiring: a whole number of days, 0 or more."""
    import argparse

    from ..api.errors import InvalidArgument
    from ..api.expiry import parse_days

    try:
        return parse_days(text)
    except InvalidArgument as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days (a whole number, 0 or more)") from exc


def add_list_options(apps_list: argparse.ArgumentParser) -> None:
    apps_list.add_argument(
        "--expiring",
        type=days_argument,
        metavar="DAYS",
        help="only those whose secret expires within DAYS days, expired ones included, soonest first; "
        f"exit {EXIT_EXPIRING} when there are any, 0 when none",
    )


def add_rotate_parser(apps_sub: Any) -> None:
    from ..api.rotation import ROTATION_BREAKS
    from .parser import add_command

    rotate = add_command(
        apps_sub,
        "rotate",
        "give several app registrations new secrets, each saved to its own file before the next is made",
        epilog=f"{ROTATION_BREAKS} Each new secret goes to DIR/<client id>.env (mode 0600), or with "
        "--save-keyring to the system keyring (service rkvst-tui, user the client id). The first failure "
        "stops the run and says which were rotated and where each secret is; running the same command "
        "again goes on with what is left (DIR/rotation-progress.json, which holds no secret). "
        "Exit 0 when all are rotated, 1 when it stopped.",
    )
    rotate.add_argument("ids", nargs="*", metavar="ID", help="client ids (or display names only one registration has)")
    rotate.add_argument(
        "--expiring",
        type=days_argument,
        metavar="DAYS",
        help="those whose secret expires within DAYS days, expired ones included",
    )
    rotate.add_argument(
        "--save-dir", metavar="DIR", help="where the new credentials go, one file each (this or --save-keyring)"
    )
    rotate.add_argument(
        "--save-keyring",
        action="store_true",
        help="save each new secret to the system keyring instead (service rkvst-tui, user the client id, "
        "where a profile's secret_keyring = true reads it); needs the keyring package: "
        "pip install 'rkvst-tui[keyring]'",
    )
    rotate.add_argument("--dry-run", action="store_true", help="say what would be rotated and where; change nothing")
    rotate.add_argument("--yes", action="store_true", help="do not ask (needed when not on a terminal)")


# -- apps list --expiring ---------------------------------------------------------------------


def list_expiring(args: argparse.Namespace, apps: list[Application], io: Io) -> int:
    from datetime import datetime, timezone

    from ..api.expiry import expiring
    from ..api.models import format_time

    now = datetime.now(timezone.utc)
    found = expiring(apps, args.expiring, now)
    if io.json:
        emit_json(
            {
                "within_days": args.expiring,
                "checked_at": format_time(now),
                "expiring": [item.to_json() for item in found],
            },
            io.out,
        )
        return EXIT_EXPIRING if found else EXIT_OK
    if not found:
        io.say(f"No secret expires within {_days(args.expiring)}")
        return EXIT_OK
    rows = [(item.display_name, item.client_id, utc_date(item.expires_at), item.words()) for item in found]
    io.say(table(("DISPLAY NAME", "CLIENT ID", "EXPIRY DATE", "DAYS LEFT"), rows))
    expired = sum(item.expired for item in found)
    io.note(
        f"{len(found)} secret{'s' if len(found) != 1 else ''} expire{'' if len(found) != 1 else 's'} "
        f"within {_days(args.expiring)}"
        + (f" ({expired} expired already)" if expired else "")
        + "; rotate them with `rkvst-tui apps rotate --expiring "
        f"{args.expiring} --save-dir DIR`"
    )
    return EXIT_EXPIRING


def _days(days: int) -> str:
    return "a day" if days == 1 else f"{days} days"


# -- apps rotate ------------------------------------------------------------------------------


async def _targets(args: argparse.Namespace, api: RkvstClient) -> list[Application]:
    if args.expiring is not None:
        from ..api.expiry import expiring

        apps = [app async for app in api.iter_applications(page_size=LIST_PAGE_SIZE)]
        return [item.application for item in expiring(apps, args.expiring)]
    from .apps import application_by_id_or_name

    return [await application_by_id_or_name(api, ref) for ref in args.ids]


def _done_json(item: Done) -> dict[str, Any]:
    return {
        "client_id": item.client_id,
        "display_name": item.display_name,
        "file": str(item.file) if item.file else None,
        "keyring": item.in_keyring,
        "earlier": item.earlier,
    }


def _where(item: Done) -> str:
    from ..api.rotation import keyring_words

    if item.in_keyring:
        return f"in {keyring_words(item.client_id)}"
    return f"in {clean(str(item.file))}" if item.file else "printed when it could not be saved"


def _destination(rotation: Rotation) -> str:
    """Where each new secret goes, in words."""
    from ..api.rotation import keyring_words

    if rotation.keyring is not None:
        return keyring_words("<client id>")
    return clean(str(rotation.save_dir / "<client id>.env"))


def _say_plan(plan: RotationPlan, rotation: Rotation, api: RkvstClient, io: Io, *, dry_run: bool) -> None:
    earlier = [item for item in plan.done if item.earlier]
    if earlier:
        io.note(
            f"rotated already into {clean(_destination(rotation))} by an earlier run: "
            + ", ".join(f"'{clean(item.display_name)}' ({item.client_id})" for item in earlier)
        )
    if not plan.todo:
        return
    verb = "would rotate" if dry_run else "to rotate"
    io.say(
        f"{verb} {len(plan.todo)} app registration{'s' if len(plan.todo) != 1 else ''}, "
        f"each into {_destination(rotation)}:"
    )
    rows = [
        (
            app.display_name,
            app.client_id,
            utc_date(app.valid_until),
            "again: its last new secret was lost" if app.client_id in plan.redo else "",
        )
        for app in plan.todo
    ]
    io.say(table(("DISPLAY NAME", "CLIENT ID", "EXPIRY DATE", "NOTE" if plan.redo else ""), rows))
    me = api.acting_client_id()
    if any(app.client_id == me for app in plan.todo):
        io.note(
            f"note: {me} is the registration this command is signed in as: it goes last, and your "
            "own secret file must then be replaced with its new credentials file"
        )


def _confirm(args: argparse.Namespace, count: int, io: Io) -> bool:
    from ..api.rotation import ROTATION_BREAKS
    from .output import confirm

    if args.yes:
        return True
    if not io.stdin.isatty():
        raise UsageError("not rotating without confirmation", hint="add --yes (there is no terminal to ask on)")
    io.note(ROTATION_BREAKS)
    return confirm(
        io,
        f"Rotate the secrets of these {count} app registrations?"
        if count != 1
        else "Rotate the secret of this app registration?",
    )


async def rotate_apps(args: argparse.Namespace, api: RkvstClient, io: Io) -> int:
    from ..api.rotation import Rotation, RotationStopped

    if args.save_dir and args.save_keyring:
        raise UsageError(
            "apps rotate takes --save-dir DIR or --save-keyring, not both",
            hint="each new secret is saved in one place before the next is made",
        )
    if not args.save_dir and not args.save_keyring:
        raise UsageError(
            "apps rotate needs --save-dir DIR (or --save-keyring): each new secret is saved there "
            "before the next is made",
            hint="e.g. --save-dir ~/rotated (made mode 0700 if it does not exist)",
        )
    if bool(args.ids) == (args.expiring is not None):
        raise UsageError(
            "give the registrations to rotate: client ids, or --expiring DAYS (not both)",
            hint="e.g. `rkvst-tui apps rotate --expiring 30 --save-dir DIR`",
        )
    rotation = Rotation(api, args.save_dir or None, keyring=args.save_keyring)
    targets = await _targets(args, api)
    if args.dry_run:
        plan = rotation.plan(targets)
        await rotation.check_keyring(plan)
        return _finish(io, rotation, plan.done, plan.todo, dry_run=True, plan=plan, api=api)
    with rotation.locked():
        plan = rotation.plan(targets)
        await rotation.check_keyring(plan)
        if not io.json:
            _say_plan(plan, rotation, api, io, dry_run=False)
        if not plan.todo:
            return _finish(io, rotation, plan.done, [], dry_run=False, plan=plan, api=api)
        if not _confirm(args, len(plan.todo), io):
            io.note("not rotated")
            return EXIT_FAILED

        def said(item: Done) -> None:
            if not io.json:
                io.say(f"rotated '{clean(item.display_name)}' ({item.client_id}): new credentials {_where(item)}")
                io.out.flush()

        try:
            done = await rotation.run(plan, on_done=said)
        except RotationStopped as stopped:
            return _stopped(io, rotation, stopped)
    return _finish(io, rotation, done, [], dry_run=False, plan=plan, api=api)


def _finish(
    io: Io,
    rotation: Rotation,
    done: list[Done],
    left: list[Application],
    *,
    dry_run: bool,
    plan: RotationPlan,
    api: RkvstClient,
) -> int:
    if io.json:
        emit_json(
            {
                "save_dir": str(rotation.save_dir),
                "dry_run": dry_run,
                "rotated": [_done_json(item) for item in done],
                "to_rotate": [
                    {
                        "client_id": a.client_id,
                        "display_name": a.display_name,
                        "file": None if rotation.keyring is not None else str(plan.file_for(a)),
                    }
                    for a in plan.todo
                ]
                if dry_run
                else [],
                "failed": None,
                "unsaved": None,
            },
            io.out,
        )
        return EXIT_OK
    if dry_run:
        _say_plan(plan, rotation, api, io, dry_run=True)
        io.note("dry run: nothing was changed" if plan.todo else "dry run: nothing left to rotate")
        return EXIT_OK
    new = [item for item in done if not item.earlier]
    if not new:
        io.say("nothing left to rotate")
        return EXIT_OK
    io.say(
        f"{len(new)} rotated; the new secrets are in {_destination(rotation)}"
        + ("" if rotation.keyring is not None else " (mode 0600)")
        + ". "
        "Give each program its new credentials: the old secrets no longer work; "
        "tokens already issued with them run until they expire."
    )
    me = api.acting_client_id()
    if any(item.client_id == me for item in new):
        mine = next(item for item in new if item.client_id == me)
        io.note(
            f"note: this command was signed in as {me}, now rotated: replace your secret with the one "
            f"{_where(mine)} before the next command"
        )
    return EXIT_OK


def _stopped(io: Io, rotation: Rotation, stopped: RotationStopped) -> int:
    unsaved = stopped.unsaved
    if unsaved is not None and not io.json:
        _show_unsaved(io, rotation, unsaved)
    if io.json:
        emit_json(
            {
                "save_dir": str(rotation.save_dir),
                "dry_run": False,
                "rotated": [_done_json(item) for item in stopped.done],
                "to_rotate": [
                    {
                        "client_id": a.client_id,
                        "display_name": a.display_name,
                        "file": None if rotation.keyring is not None else str(rotation.save_dir / f"{a.client_id}.env"),
                    }
                    for a in stopped.left
                ],
                "failed": {
                    "client_id": stopped.failed.client_id,
                    "display_name": stopped.failed.display_name,
                    "reason": stopped.message,
                    "old_secret_works": stopped.old_secret_works,
                },
                "unsaved": unsaved.to_wire() if unsaved is not None else None,
            },
            io.out,
        )
        if unsaved is not None:
            try:
                io.out.flush()
            except OSError:
                pass  # the journal still names it: the next start offers a new secret
            else:
                rotation.shown_instead(unsaved)
    io.note(f"error: {clean(stopped.message)}")
    if stopped.hint:
        io.note(f"hint: {clean(stopped.hint)}")
    if stopped.done:
        io.note("rotated (each secret is where it says):")
        for item in stopped.done:
            io.note(f"  '{clean(item.display_name)}' ({item.client_id}): {_where(item)}")
    else:
        io.note("none was rotated")
    if stopped.left:
        io.note(
            f"not attempted ({len(stopped.left)}): "
            + ", ".join(f"'{clean(a.display_name)}' ({a.client_id})" for a in stopped.left)
        )
    io.note("run the same command again to go on with what is left")
    return EXIT_FAILED


def _show_unsaved(io: Io, rotation: Rotation, app: Application) -> None:
    """The new secret exists only here: print it (its one record), as `apps regenerate` does."""
    from .output import fields, utc_time

    try:
        io.say(f"new secret for app registration '{clean(app.display_name)}' (it could not be saved)")
        io.say(fields([("CLIENT_ID", app.client_id), ("SECRET", app.secret), ("Expires", utc_time(app.valid_until))]))
        io.out.flush()
    except OSError:
        return  # the journal still names it: the next start offers a new secret
    rotation.shown_instead(app)
    io.note("Take note of the SECRET now: it can not be viewed again.")
