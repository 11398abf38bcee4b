"""`rkvst-tui`: the console, the local sandbox, and the service layer for scripts.

    rkvst-tui [--read-only]                       the console (a local sandbox when nothing is configured)
    rkvst-tui sandbox [...]                       run the sandbox in the foreground (see `rkvst-tui sandbox -h`)
    rkvst-tui token [--save PATH] [--force]       an access token for the configured credentials
    rkvst-tui apps list [--name NAME] [--match TEXT]   (--name exact, as the API; --match a substring, any case)
    rkvst-tui apps show ID|NAME                    (a display name only one registration has)
    rkvst-tui apps create --name NAME [--claim k=v ...] [--from-file app.json] [--save-credentials PATH]
    rkvst-tui apps update ID [--name NAME] [--claim k=v ...] [--unset-claim k ...] [--replace-claims]
    rkvst-tui apps delete ID [--yes] [--remove-root]
    rkvst-tui apps regenerate ID [--yes] [--save-credentials PATH]   (asks first on a terminal)
    rkvst-tui principals list
    rkvst-tui principals add (--app ID | --issuer ISS --subject SUB [--display-name N] [--email E])
    rkvst-tui principals remove (--app ID | --issuer ISS --subject SUB)
    rkvst-tui inspect [TOKEN | - | --file PATH] [--verify] [--key PATH]
    rkvst-tui locate

ID is a client id or `applications/<uuid>`. Global options (before or after the command):
--profile, --url, --client-id, --secret-file, --token-file, --insecure, --json. Secrets are
never taken from the command line: they come from a file, the environment, a profile or
a prompt. With nothing configured, commands use the default local sandbox if it is
running (`rkvst-tui sandbox`, or the console's), at the address it records in its data
directory and once it has proved it is that sandbox; they never start one.

Exit codes: 0 done; 1 the operation failed (API error, network, file, refusal, an invalid
token for `inspect`; with --verify, a token the service would refuse: unsigned, bad
signature, expired, not yet valid, wrong issuer or audience); 2 usage or configuration error
(including claims that break the rules, and the console started without a terminal); 3 authentication or permission (401: credentials refused; 403: not a root
principal); 130 interrupted. Errors go to stderr as one sentence (and a hint), never
a traceback. The console exits 143 when stopped by SIGTERM.

A command that connects first says on stderr (one `note:` line) which registrations a
console left with a new secret nobody recorded (api/secret_journal.py), and how to fix
them; `apps regenerate ID` and `apps delete ID` end that reminder.

--json output (stable; the wire shapes are those of docs/api-contract.md §2):
- token:            {"access_token", "token_type", "expires_in", "expires_at"}
                    with --save: {"saved": PATH, "token_type", "expires_in", "expires_at"}
- apps list:        {"applications": [Application]}             (secrets are "")
- apps show/update: Application
- apps create/regenerate: {"application": Application, "credentials_file": PATH | null}
                    (the secret is in the Application only when no file was asked for)
- apps delete:      {"deleted": CLIENT_ID, "display_name": NAME}
                    (a root registration adds "root_principal": "removed" | "kept")
- principals list/add/remove: {"root_principals": [Principal]}
- inspect:          the token report of rkvst_tui.api.tokens.TokenReport.to_json
- locate:           {"config_dir", "config_file", "config_file_exists", "data_dir", "state_dir", "secret_journal",
                     "sandbox_data_dir", "sandbox_admin_credentials", "sandbox_running_hint",
                     "profiles": [NAME], "default_profile"}
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from . import __version__
from .api import paths
from .api.shell import guide_word, word
from .api.errors import (
    ConfigError,
    ConnectionRefused,
    InvalidArgument,
    NetworkError,
    PermissionDenied,
    RkvstError,
    TargetExists,
    Unauthenticated,
    scrub,
)

if TYPE_CHECKING:
    import argparse

    from .api.client import RkvstClient
    from .api.connection import Connection
    from .api.models import Application, Principal

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_INTERRUPTED = 130

DEFAULT_SANDBOX_HOST = "127.0.0.1"
DEFAULT_SANDBOX_PORT = 8470  # the port `rkvst-tui sandbox` listens on by default
LIST_PAGE_SIZE = 1000  # the contract's largest page: fewest round trips for a whole listing

INSPECT_EXIT_CODES = (
    "Exit codes: 0 the token decodes (with --verify: the service would accept it: signed, the signature checks "
    "with the backend's key set or --key, not expired, already valid, the backend's issuer and audience); "
    "1 it does not (with --verify: it would be refused; the reasons are on stderr); 2 usage error."
)

PRINCIPALS_REREAD = (
    "The list is written whole, so the command reads it again after writing: a change someone else made at the "
    "same time is shown on stderr, and the exit code is 1 when it undid this one."
)

GLOBAL_OPTIONS = ("profile", "url", "client_id", "secret_file", "token_file", "insecure", "json")


class UsageError(RkvstError):
    """The command line asks for something that can not be done as written."""


# -- output -------------------------------------------------------------------------------


def clean(text: Any) -> str:
    """Server-provided text made safe for a terminal (the console's one sanitiser)."""
    from rkvst_tui.api.terminal_safe import terminal_safe

    return terminal_safe(text)


def display_width(text: str) -> int:
    """Terminal columns `text` takes: wide East Asian characters take two, combining marks none."""
    import unicodedata

    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text
    )


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[clean(c) for c in row] for row in rows]
    widths = [max([display_width(h)] + [display_width(row[i]) for row in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths)).rstrip()]
    lines += ["  ".join(_pad(c, w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def fields(pairs: Sequence[tuple[str, Any]]) -> str:
    width = max(len(name) for name, _ in pairs)
    return "\n".join(f"{name.ljust(width)}  {clean(value)}".rstrip() for name, value in pairs)


def emit_json(data: Any, out: TextIO) -> None:
    # ASCII only: every control, C1 and format character of a server's value is a \\u escape,
    # so piping --json into a terminal (or `less`) is as safe as the human output.
    out.write(json.dumps(data, indent=2, ensure_ascii=True) + "\n")


def _shell_word(text: str) -> str:
    """`text` quoted for a shell command line, and shown escaped if it holds control characters."""
    import shlex

    return clean(shlex.quote(text))


def _date(moment: datetime | None) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d") if moment else ""


def _time(moment: datetime | None) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""


def _days_left(moment: datetime | None) -> str:
    if moment is None:
        return ""
    days = (moment - datetime.now(timezone.utc)).days
    return f"expired {-days} days ago" if days < 0 else f"in {days} days"


# -- argument parsing ---------------------------------------------------------------------


def _global_options(parser: argparse.ArgumentParser) -> None:
    """Options every command takes, before or after its name (SUPPRESS: the later mention wins)."""
    import argparse

    group = parser.add_argument_group("connection (default: config profile, then environment, then the local sandbox)")
    group.add_argument("--profile", default=argparse.SUPPRESS, help="a [profiles.NAME] of config.toml")
    group.add_argument("--url", default=argparse.SUPPRESS, help="the service's base URL, e.g. https://app.rkvst.io")
    group.add_argument("--client-id", default=argparse.SUPPRESS, help="the app registration's client id")
    group.add_argument("--secret-file", default=argparse.SUPPRESS, metavar="PATH",
                       help="a file holding the secret (alone, as SECRET=..., or credentials JSON)")
    group.add_argument("--token-file", default=argparse.SUPPRESS, metavar="PATH",
                       help="use the bearer token in this file ('Authorization: Bearer <token>')")
    group.add_argument("--insecure", action="store_true", default=argparse.SUPPRESS,
                       help="allow plain http to a machine other than this one")
    group.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                       help="print data as JSON (shapes: the module docstring / README)")


def _parser(sub: Any, name: str, help_text: str, **kwargs: Any) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text, description=help_text, **kwargs)
    _global_options(parser)
    return parser


def _principal_options(parser: argparse.ArgumentParser, *, adding: bool) -> None:
    parser.add_argument("--app", metavar="ID", help="an app registration (issuer <base>/appidpv1, subject its client id)")
    parser.add_argument("--issuer", help="the identity provider, e.g. https://app.rkvst.io/appidpv1")
    parser.add_argument("--subject", help="the identity's subject (for an app registration: its client id)")
    if adding:
        parser.add_argument("--display-name", default="", help="a name to show for the principal")
        parser.add_argument("--email", default="", help="the principal's email address")


def build_parser() -> argparse.ArgumentParser:
    import argparse  # not at the top: the bare console launch does without it (_console_launch)

    parser = argparse.ArgumentParser(
        prog="rkvst-tui",
        description="A terminal admin console for RKVST App Registrations, with a local RKVST sandbox.",
        epilog="Run without a command for the console. Exit codes: 0 ok, 1 failed, 2 usage/config, 3 authentication.",
    )
    parser.add_argument("--version", action="version", version=f"rkvst-tui {__version__}")
    parser.add_argument("--read-only", action="store_true", help="console: hide and refuse every change to the tenant")
    _global_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("sandbox", help="run the local RKVST sandbox in the foreground (rkvst-tui sandbox -h)", add_help=False)

    token = _parser(sub, "token", "get an access token with the configured client id and secret")
    token.add_argument("--save", metavar="PATH", help="write it as a bearer_token file (mode 0600) instead of printing it")
    token.add_argument("--force", action="store_true", help="overwrite PATH if it exists")

    apps = _parser(sub, "apps", "list, show, create, update, delete app registrations, regenerate secrets")
    apps_sub = apps.add_subparsers(dest="apps_command", metavar="ACTION", required=True)
    apps_list = _parser(apps_sub, "list", "list app registrations")
    apps_list.add_argument("--name", help="only those with exactly this display name (case counts; the API's filter)")
    apps_list.add_argument("--match", metavar="TEXT",
                           help="only those whose display name contains TEXT, in any case, or whose client id "
                                "starts with it (the console's / filter)")
    apps_show = _parser(apps_sub, "show", "show one app registration")
    apps_show.add_argument("id", metavar="ID|NAME",
                           help="client id, applications/<uuid>, or a display name only one registration has")
    create = _parser(apps_sub, "create", "create an app registration; its secret is shown once")
    create.add_argument("--name", help="the display name")
    create.add_argument("--claim", action="append", default=[], metavar="NAME=VALUE", help="a custom claim (repeat)")
    create.add_argument("--from-file", metavar="PATH",
                        help='application JSON as in the guide: {"display_name": ..., "custom_claims": {...}}')
    create.add_argument("--save-credentials", metavar="PATH",
                        help="write CLIENT_ID and SECRET to PATH (mode 0600; JSON for .json) instead of printing them")
    create.add_argument("--force", action="store_true", help="overwrite the credentials file if it exists")
    update = _parser(apps_sub, "update", "rename an app registration or change its custom claims")
    update.add_argument("id", metavar="ID", help="client id or applications/<uuid>")
    update.add_argument("--name", help="the new display name")
    update.add_argument("--claim", action="append", default=[], metavar="NAME=VALUE", help="set a custom claim (repeat)")
    update.add_argument("--unset-claim", action="append", default=[], metavar="NAME", help="remove a custom claim (repeat)")
    update.add_argument("--replace-claims", action="store_true",
                        help="the --claim options are the whole new set (default: merged into the current claims)")
    delete = _parser(apps_sub, "delete", "delete an app registration (asks first)",
                     epilog="A root registration's entry in ROOT PRINCIPALS is not part of it: deleting it leaves "
                            "the entry, unless --remove-root is given or you say yes when asked on a terminal.")
    delete.add_argument("id", metavar="ID", help="client id or applications/<uuid>")
    delete.add_argument("--yes", action="store_true", help="do not ask (needed when not on a terminal)")
    delete.add_argument("--remove-root", action="store_true",
                        help="if it is a root principal, remove its entry in ROOT PRINCIPALS too")
    regenerate = _parser(apps_sub, "regenerate", "give an app registration a new secret; the old one stops working "
                                                "at once (asks first on a terminal)")
    regenerate.add_argument("id", metavar="ID", help="client id or applications/<uuid>")
    regenerate.add_argument("--yes", action="store_true", help="do not ask")
    regenerate.add_argument("--save-credentials", metavar="PATH", help="write CLIENT_ID and SECRET to PATH instead of printing them")
    regenerate.add_argument("--force", action="store_true", help="overwrite the credentials file if it exists")

    principals = _parser(sub, "principals", "list, add and remove root principals")
    principals_sub = principals.add_subparsers(dest="principals_command", metavar="ACTION", required=True)
    _parser(principals_sub, "list", "list the tenant's root principals")
    _principal_options(_parser(principals_sub, "add", "add a root principal (--app ID makes a registration root)",
                               epilog=PRINCIPALS_REREAD), adding=True)
    _principal_options(_parser(principals_sub, "remove", "remove a root principal", epilog=PRINCIPALS_REREAD),
                       adding=False)

    inspect = _parser(sub, "inspect", "decode and check a token (a JWT, a Bearer line, a bearer_token file)",
                      epilog=INSPECT_EXIT_CODES)
    inspect.add_argument("token", nargs="?", metavar="TOKEN", help="the token, or - to read standard input")
    inspect.add_argument("--file", metavar="PATH", help="read the token from a file (e.g. a bearer_token file)")
    inspect.add_argument("--verify", action="store_true",
                         help="check it as the service would: the signature with the backend's key set (only its "
                              "URL is needed), the times, the issuer and the audience")
    inspect.add_argument("--key", metavar="PATH", help="check the signature with this public key (PEM or JWK)")

    _parser(sub, "locate", "show where rkvst-tui keeps its configuration and data")
    return parser


def _option(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    return getattr(args, name, default)


# -- connecting ---------------------------------------------------------------------------


def _configured_connection(args: argparse.Namespace) -> Connection | None:
    from .api.config import resolve_connection

    return resolve_connection(
        profile=_option(args, "profile"),
        url=_option(args, "url"),
        client_id=_option(args, "client_id"),
        secret_file=_option(args, "secret_file"),
        token_file=_option(args, "token_file"),
        allow_insecure=bool(_option(args, "insecure", False)),
    )


def _with_secret(connection: Connection, stdin: TextIO) -> Connection:
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


async def _running_sandbox_connection() -> Connection:
    """The default sandbox (default data dir) if it is running; never starts one.

    It is found at the address it records in its data directory, and its admin credentials
    are sent to it only once it has proved it serves that directory (sandbox/address.py).
    """
    import asyncio

    from .api.connection import Connection
    from .api.files import exposure_warning, read_credentials_file
    from .sandbox.address import find_running

    data_dir = paths.sandbox_data_dir()
    credentials = paths.sandbox_admin_credentials()
    how = ("run `rkvst-tui sandbox` (or the console, `rkvst-tui`) in another terminal, "
           "or configure a service (RKVST_URL or a profile)")
    if not credentials.exists():
        raise ConnectionRefused(f"nothing is configured and no local sandbox has been set up ({credentials} is absent)",
                                hint=how)
    running = await asyncio.to_thread(find_running, data_dir)  # SandboxIdentityError: a stranger answered
    if running is None:
        raise ConnectionRefused(f"nothing is configured and no local sandbox is running over {data_dir}", hint=how)
    client_id, secret = read_credentials_file(credentials)
    warning = exposure_warning(credentials, "the sandbox's admin credentials file")
    return Connection(running.base_url, client_id=client_id, secret=secret, profile="sandbox", is_sandbox=True,
                      warnings=(warning,) if warning else ())


async def _client_for(args: argparse.Namespace, io: Io) -> RkvstClient:
    from .api.client import RkvstClient

    connection = _configured_connection(args)
    if connection is None:
        connection = await _running_sandbox_connection()
    for warning in connection.warnings:
        io.note(f"warning: {clean(warning)}")
    return RkvstClient(_with_secret(connection, io.stdin))


# -- commands -------------------------------------------------------------------------------


class Io:
    def __init__(self, out: TextIO, err: TextIO, stdin: TextIO, as_json: bool) -> None:
        self.out, self.err, self.stdin, self.json = out, err, stdin, as_json

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def note(self, text: str) -> None:
        self.err.write(text + "\n")


async def cmd_token(args: argparse.Namespace, api: RkvstClient, io: Io) -> int:
    connection = api.connection
    if not connection.has_client_credentials:
        raise ConfigError(
            "a token can only be minted with a client id and secret",
            hint="configure RKVST_CLIENT_ID and RKVST_CLIENT_SECRET_FILE (a --token-file already is a token)",
        )
    answer = await api.request_token(connection.client_id or "", connection.secret or "")
    from .api.tokens import is_jws_compact

    if not is_jws_compact(answer.access_token):
        from .api.errors import InvalidResponse

        raise InvalidResponse(
            "the token endpoint's access_token is not a JWS compact token (three base64url parts "
            f"separated by dots; got {len(answer.access_token):,} characters): not printed or saved",
            hint=f"check that {connection.base_url} is an RKVST service (RKVST_URL, --url or the profile)",
        )
    expires_at = datetime.now(timezone.utc).replace(microsecond=0).timestamp() + answer.expires_in
    expires_text = datetime.fromtimestamp(expires_at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if args.save:
        from .api.files import SaveFailed, write_bearer_token_file

        try:
            path = write_bearer_token_file(args.save, answer.access_token, overwrite=args.force)
        except SaveFailed as exc:
            raise SaveFailed(Path(args.save).expanduser(), exc.reason, code=exc.errno, what="the token") from None
        _warn_if_shared(path, io)
        if io.json:
            emit_json({"saved": str(path), "token_type": answer.token_type, "expires_in": answer.expires_in,
                       "expires_at": expires_text}, io.out)
        else:
            io.say(f"saved a bearer token to {path} (mode 0600); it expires at {expires_text} "
                   f"(in {answer.expires_in // 60} min)")
            io.say(f"use it with: curl -H {guide_word(f'@{path}')} {word(connection.base_url + '/archivist/v2/assets')}")
        return EXIT_OK
    if io.json:
        emit_json({"access_token": answer.access_token, "token_type": answer.token_type,
                   "expires_in": answer.expires_in, "expires_at": expires_text}, io.out)
    else:
        io.say(answer.access_token)
    return EXIT_OK


def _parse_claims(pairs: Sequence[str]) -> list[tuple[str, str]]:
    rows = []
    for pair in pairs:
        if "=" not in pair:
            raise UsageError(f"--claim {pair!r} is not NAME=VALUE", hint="e.g. --claim serial_number=TL1000000101")
        name, value = pair.split("=", 1)
        rows.append((name, value))
    return rows


def _check_claim_rows(rows: list[tuple[Any, Any]], io: Io) -> None:
    from .api.claims import check_rows, errors, warnings

    issues = check_rows(rows)
    for issue in warnings(issues):
        io.note(f"warning: {clean(issue.message)}")
    problems = errors(issues)
    if problems:
        for issue in problems[1:]:
            io.note(f"error: {clean(issue.message)}")
        from .api.claims import rules_summary

        raise UsageError(clean(problems[0].message), hint=rules_summary())


def _read_application_file(path: str) -> tuple[str | None, list[tuple[Any, Any]]]:
    from .api.application_file import ApplicationFileError, read_application_file

    try:
        loaded = read_application_file(Path(path).expanduser())
    except ApplicationFileError as exc:
        raise UsageError(str(exc), hint='the guide\'s file: {"display_name": ..., "custom_claims": {...}}') from None
    return loaded.display_name, list((loaded.custom_claims or {}).items())


def _merge_rows(base: list[tuple[Any, Any]], overrides: list[tuple[str, str]]) -> list[tuple[Any, Any]]:
    """`base` rows with same-named `overrides` replacing them (duplicates within overrides stay, to be reported)."""
    names = {name for name, _ in overrides}
    return [row for row in base if row[0] not in names] + overrides


def _app_summary(app: Application, root_subjects: set[str] | None = None) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = [
        ("Display name", app.display_name),
        ("Client id", app.client_id),
        ("Identity", app.identity),
        ("Tenant", app.tenant_id),
        ("Valid from", _time(app.valid_from)),
        ("Valid until", f"{_time(app.valid_until)} ({_days_left(app.valid_until)})" if app.valid_until else ""),
    ]
    if root_subjects is not None:
        pairs.append(("Root", "yes" if app.client_id in root_subjects else "no"))
    return pairs + _claim_pairs(app)


async def _root_subjects(api: RkvstClient) -> set[str] | None:
    from .api.errors import ApiError

    try:
        principals = await api.get_root_principals()
    except ApiError:
        return None
    return {p.subject for p in principals if p.issuer == api.connection.issuer}


def _claim_pairs(app: Application) -> list[tuple[str, Any]]:
    if not app.custom_claims:
        return [("Custom claims", "(none)")]
    return [("Custom claims" if index == 0 else "", f"{name} = {value}")
            for index, (name, value) in enumerate(sorted(app.custom_claims.items()))]


def _secret_output(
    app: Application, io: Io, *, reason: str, saved: Path | None, connection: Connection, claims: bool = False
) -> None:
    """Print the new secret (or where it was saved): that output is its record. If standard
    output fails (a pipe closed early), the secret is lost: the journal notes it, so the next
    start of the console or the CLI names the registration and offers a new secret."""
    try:
        _print_secret(app, io, reason=reason, saved=saved, claims=claims)
        if not saved:
            io.out.flush()  # a closed pipe fails here, not silently at exit
    except OSError:
        if not saved:
            _secret_output_lost(app, io, created=reason == "created", connection=connection)
        raise


def _secret_output_lost(app: Application, io: Io, *, created: bool, connection: Connection) -> None:
    from .api.secret_journal import SecretJournal

    try:
        SecretJournal().record_shown(
            client_id=app.client_id, display_name=app.display_name, base_url=connection.base_url,
            profile=connection.profile, is_sandbox=connection.is_sandbox, reason="created" if created else "regenerated",
        )
    except OSError:
        pass
    try:
        io.note(f"error: the new secret of '{clean(app.display_name)}' could not be written to standard output, "
                f"so it is lost; get a new one with `rkvst-tui apps regenerate {clean(app.client_id)}`")
    except OSError:
        pass


def _print_secret(app: Application, io: Io, *, reason: str, saved: Path | None, claims: bool) -> None:
    if io.json:
        shown = app.without_secret() if saved else app
        emit_json({"application": shown.to_wire(), "credentials_file": str(saved) if saved else None}, io.out)
        return
    io.say(f"{reason} app registration '{clean(app.display_name)}'")
    secret = ("Credentials", f"saved to {saved} (mode 0600)") if saved else ("SECRET", app.secret)
    pairs = [("CLIENT_ID", app.client_id), secret, ("Expires", _time(app.valid_until))]
    io.say(fields(pairs + (_claim_pairs(app) if claims else [])))  # what the server set, as it answered
    if not saved:
        io.note("Take note of the SECRET now: it can not be viewed again.")


def _warn_if_shared(path: Path, io: Io) -> None:
    from .api.files import shared_directory_warning

    warning = shared_directory_warning(path)
    if warning:
        io.note(f"warning: {clean(warning)}")


def _save_secret(app: Application, path: str | None, force: bool, io: Io) -> Path | None:
    """Save the credentials; if that fails the secret is printed instead, so it is never lost."""
    if not path:
        return None
    from .api.files import write_credentials_file

    try:
        saved = write_credentials_file(path, app.client_id, app.secret, overwrite=force)
    except (OSError, RkvstError) as exc:
        reason = getattr(exc, "reason", None) or getattr(exc, "message", None) or exc
        io.note(f"error: could not save the credentials to {path}: {clean(reason)}; printing the secret instead")
        return None
    _warn_if_shared(saved, io)
    return saved


def _is_signed_in_as(api: RkvstClient, app: Application) -> bool:
    return bool(api.tokens.current) and app.client_id == api._caller_subject()


def _confirm(io: Io, question: str) -> bool:
    """Ask a yes/no question on the terminal; only an explicit yes is a yes."""
    io.err.write(f"{question} [y/N] ")
    io.err.flush()
    return io.stdin.readline().strip().lower() in ("y", "yes")


async def _application_by_id_or_name(api: RkvstClient, ref: str) -> Application:
    """The registration `ref` names: a client id (or applications/<uuid>), else a display name
    that exactly one registration has."""
    import re

    from .api.errors import NotFound

    if re.fullmatch(r"(applications/)?[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", ref.strip()):
        try:
            return await api.get_application(ref)
        except NotFound as not_found:
            missing = not_found
    else:
        missing = None
    named = await api.find_applications_by_name(ref)
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        ids = ", ".join(a.client_id for a in named)
        raise UsageError(f"{len(named)} app registrations are named '{clean(ref)}': {ids}",
                         hint="give the client id of the one you mean")
    if missing is not None:
        raise missing
    try:
        from .api.client import application_uuid

        application_uuid(ref)
    except InvalidArgument as invalid:
        raise InvalidArgument(f"{invalid.message}, nor the display name of one", hint=invalid.hint) from None
    raise NotFound(f"no app registration has the client id or display name '{clean(ref)}'",
                   hint=f"`rkvst-tui apps list --match {_shell_word(ref)}` lists those whose name contains it")


def _check_save_target(path: str | None, force: bool) -> None:
    """Refuse before the server acts: a secret with nowhere to go is a lost secret."""
    if path and not force and (Path(path).expanduser().exists() or Path(path).expanduser().is_symlink()):
        raise TargetExists(Path(path).expanduser())


async def cmd_apps(args: argparse.Namespace, api: RkvstClient, io: Io) -> int:
    action = args.apps_command
    if action == "list":
        apps = [app async for app in api.iter_applications(display_name=args.name, page_size=LIST_PAGE_SIZE)]
        if args.name is not None:
            apps = [a for a in apps if a.display_name == args.name]
        if args.match is not None:
            apps = [a for a in apps if a.matches(args.match)]
        if io.json:
            emit_json({"applications": [a.to_wire() for a in apps]}, io.out)
            return EXIT_OK
        if not apps:
            io.say("No App Registrations to display")
            return EXIT_OK
        roots = await _root_subjects(api) or set()
        now = datetime.now(timezone.utc)
        rows = [
            (
                a.display_name,
                a.client_id,
                _date(a.valid_until) + (" (expired)" if a.valid_until and a.valid_until < now else ""),
                len(a.custom_claims),
                "yes" if a.client_id in roots else "",
            )
            for a in apps
        ]
        io.say(table(("DISPLAY NAME", "CLIENT ID", "EXPIRY DATE", "CLAIMS", "ROOT"), rows))
        io.note(f"{len(apps)} app registration{'s' if len(apps) != 1 else ''}")
        return EXIT_OK

    if action == "show":
        app = await _application_by_id_or_name(api, args.id)
        if io.json:
            emit_json(app.to_wire(), io.out)
        else:
            io.say(fields(_app_summary(app, await _root_subjects(api))))
        return EXIT_OK

    if action == "create":
        name, rows = _read_application_file(args.from_file) if args.from_file else (None, [])
        if args.name is not None:
            name = args.name
        if not name or not name.strip():
            raise UsageError("an app registration needs a display name", hint="give --name NAME")
        rows = _merge_rows(rows, _parse_claims(args.claim))
        _check_claim_rows(rows, io)
        _check_save_target(args.save_credentials, args.force)
        from .api.errors import may_have_acted

        # The registrations of this name before the create: if its answer is lost, the new one is
        # the one that was not there before (names are not unique, and pointing at an older
        # namesake's regenerate would break a secret that works).
        try:
            known_ids: set[str] | None = {a.client_id for a in await api.find_applications_by_name(name)}
        except RkvstError:
            known_ids = None
        try:
            app = await api.create_application(name, dict(rows))
        # A lost or unreadable answer, or a 5xx (a gateway's 502 can follow a create the
        # service made): look it up and say what exists now.
        except RkvstError as failed:
            if not may_have_acted(failed):
                raise
            raise await _lost_create(api, name, dict(rows), known_ids, failed) from None
        saved = _save_secret(app, args.save_credentials, args.force, io)
        _secret_output(app, io, reason="created", saved=saved, connection=api.connection, claims=True)
        return EXIT_OK

    if action == "update":
        current = await api.get_application(args.id)
        claims: dict[str, Any] | None = None
        if args.claim or args.unset_claim or args.replace_claims:
            base = [] if args.replace_claims else list(current.custom_claims.items())
            for gone in args.unset_claim:
                if gone not in dict(base):
                    raise UsageError(f"'{clean(current.display_name)}' has no custom claim {gone!r} to unset")
            base = [row for row in base if row[0] not in set(args.unset_claim)]
            rows = _merge_rows(base, _parse_claims(args.claim))
            _check_claim_rows(rows, io)
            claims = dict(rows)
        if args.name is not None and not args.name.strip():
            raise UsageError("the display name can not be empty")
        if args.name is None and claims is None:
            raise UsageError("nothing to update", hint="give --name, --claim, --unset-claim or --replace-claims")
        app = await api.update_application(current, display_name=args.name, custom_claims=claims)
        if io.json:
            emit_json(app.to_wire(), io.out)
        else:
            io.say(f"updated app registration '{clean(app.display_name)}'")
            io.say(fields(_app_summary(app)))
        return EXIT_OK

    if action == "delete":
        return await _delete_application(args, api, io)

    if action == "regenerate":
        _check_save_target(args.save_credentials, args.force)
        from .api.errors import ConnectionLost

        if not args.yes and io.stdin.isatty():
            app = await api.get_application(args.id)
            me = " This is the registration you are signed in as." if _is_signed_in_as(api, app) else ""
            if not _confirm(io, f"Give app registration '{clean(app.display_name)}' (client id {app.client_id}) "
                                f"a new secret?{me} Its current secret stops working at once."):
                io.note("not regenerated")
                return EXIT_FAILED

        try:
            app = await api.regenerate_secret(args.id)
        except ConnectionLost:
            raise ConnectionLost(
                "the connection dropped after the regenerate request was sent: the old secret may already be dead",
                hint=f"run `rkvst-tui apps regenerate {word(args.id)}` again to get a secret you can see",
            ) from None
        saved = _save_secret(app, args.save_credentials, args.force, io)
        _secret_output(app, io, reason="new secret for", saved=saved, connection=api.connection)
        _settle_unrecorded_secret(app.client_id)  # printed or saved: that is its record
        io.note("The old secret no longer works; tokens issued with it stay valid until they expire.")
        return EXIT_OK
    raise UsageError(f"unknown apps action {action!r}")


async def _delete_application(args: argparse.Namespace, api: RkvstClient, io: Io) -> int:
    """Delete one registration, asking first; a root one's entry in ROOT PRINCIPALS is removed
    too with --remove-root or a yes on the terminal, else it stays and the command says so."""
    app = await api.get_application(args.id)
    name = clean(app.display_name)
    principal = api.app_principal(app)
    me = _is_signed_in_as(api, app)
    is_root = app.client_id in (await _root_subjects(api) or set())
    remove_root = bool(args.remove_root) and is_root
    if args.remove_root and me:
        raise UsageError("--remove-root: the registration you are signed in as can not remove its own root entry",
                         hint="delete it without --remove-root, then remove the entry as another root principal")
    if args.remove_root and not is_root:
        io.note(f"note: '{name}' is not a root principal: there is no entry to remove")
    if not args.yes:
        if not io.stdin.isatty():
            raise UsageError(f"not deleting '{name}' without confirmation",
                             hint="add --yes (there is no terminal to ask on)")
        warning = " This is the registration you are signed in as." if me else ""
        if is_root and not me:
            warning += (" It is a root principal: its entry in ROOT PRINCIPALS is removed too."
                        if remove_root else " It is a root principal: its entry in ROOT PRINCIPALS stays unless removed.")
        if not _confirm(io, f"Delete app registration '{name}' (client id {app.client_id})?"
                            f"{warning} Its secret stops working."):
            io.note("not deleted")
            return EXIT_FAILED
        if is_root and not me and not remove_root:
            remove_root = _confirm(io, "Remove its entry from ROOT PRINCIPALS too?")
    await api.delete_application(app)
    _settle_unrecorded_secret(app.client_id)
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
        io.note(f"note: its entry stays in ROOT PRINCIPALS; remove it with `rkvst-tui principals remove "
                f"--issuer {_shell_word(principal.issuer)} --subject {_shell_word(principal.subject)}`")
    if io.json:
        answer = {"deleted": app.client_id, "display_name": app.display_name}
        if is_root:
            answer["root_principal"] = "removed" if remove_root else "kept"
        emit_json(answer, io.out)
    return outcome


def _status_words(status: int | None) -> str:
    from http import HTTPStatus

    try:
        return f"{status} {HTTPStatus(status or 0).phrase}"
    except ValueError:
        return str(status)


async def _lost_create(
    api: RkvstClient, name: str, claims: dict[str, Any], known_ids: set[str] | None, failed: RkvstError
) -> RkvstError:
    """After a create that may have happened (`errors.may_have_acted`): say what exists now and how
    to get a secret for it, in words that follow what became of the answer."""
    from .api.errors import ApiError, ConnectionLost, ServerError

    shown = clean(name)
    if isinstance(failed, ApiError):
        fate = f"the server answered {_status_words(failed.status)} to the create of '{shown}'"
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
        found = await api.find_applications_by_name(name)
    except RkvstError:
        return error(
            f"{fate}{said}; it may exist",
            f"check with `rkvst-tui apps list --name {word(name)}` before creating it again",
        )
    if known_ids is not None:
        made = [a for a in found if a.client_id not in known_ids]
    else:  # without the ids from before, only the same claims can tell
        made = [a for a in found if dict(a.custom_claims) == claims]
    if not made:
        if isinstance(failed, NetworkError):
            return error(
                f"the connection dropped before '{shown}' was created (no new registration by that name exists)",
                "it is safe to run the create again",
            )
        return error(
            f"{fate}{said}, and made nothing (no new registration by that name exists)",
            "it is safe to run the create again" + (" (later, if the server keeps failing)"
                                                    if isinstance(failed, ApiError) else ""),
        )
    newest = made[-1]
    several = f" ({len(made)} new ones by that name: the newest is shown)" if len(made) > 1 else ""
    if isinstance(failed, NetworkError):
        message = f"the connection dropped after '{shown}' was created (client id {newest.client_id}); its secret was lost"
    else:
        message = f"{fate}{said}, but '{shown}' was created (client id {newest.client_id}); its secret was lost"
    return error(message + several, f"get a new secret with `rkvst-tui apps regenerate {word(newest.client_id)}`")


def _principal_from_args(args: argparse.Namespace, api: RkvstClient, app: Application | None) -> Principal:
    from .api.models import Principal

    if app is not None:
        if args.issuer or args.subject:
            raise UsageError("give either --app or --issuer and --subject, not both")
        return api.app_principal(app)
    if not args.issuer or not args.subject:
        raise UsageError("a root principal needs --issuer and --subject (or --app ID)",
                         hint=f"an app registration's issuer is {api.connection.issuer}")
    for label, value in (("issuer", args.issuer), ("subject", args.subject)):
        if len(value) > 1024:
            raise UsageError(f"the {label} is longer than 1024 characters")
    return Principal(args.issuer, args.subject, getattr(args, "display_name", "") or "", getattr(args, "email", "") or "")


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


def _inspect_input(args: argparse.Namespace, io: Io) -> str:
    if args.file and args.token:
        raise UsageError("give a TOKEN or --file, not both")
    if args.file:
        source = Path(args.file).expanduser()
        try:
            return source.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UsageError(f"the file {source} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"the file {source} can not be read ({exc})") from None
    if args.token == "-" or (args.token is None and not io.stdin.isatty()):
        return io.stdin.read()
    if args.token is None:
        raise UsageError("nothing to inspect", hint="give a TOKEN, - for standard input, or --file PATH")
    return args.token


def _print_report(report: Any, io: Io) -> None:
    io.say(f"token {report.fingerprint} ({len(report.token)} characters; {clean(report.input_note)})")
    for section, kinds in (("HEADER", ("header",)), ("PAYLOAD", ("registered", "rkvst", "custom"))):
        rows = []
        for claim in report.claims:
            if claim.kind in kinds:
                shown = claim.shown_value
                if claim.times:
                    shown = f"{shown}  {claim.times.utc} · {claim.times.local} · {claim.times.relative}"
                rows.append((claim.name, shown, claim.meaning))
        if rows:
            io.say("")
            io.say(section)
            io.say(table(("CLAIM", "VALUE", "MEANING"), rows))
    if report.omitted_claims:
        io.say(f"... and {report.omitted_claims} more claims")
    io.say("")
    io.say(f"SIGNATURE  {report.signature_state}: {clean(report.signature_reason)}")
    if report.warnings:
        io.say("")
        io.say("WARNINGS")
        for warning in report.warnings:
            io.say(f"- {clean(warning)}")
    if report.errors:
        io.say("")
        io.say("ERRORS")
        for error in report.errors:
            io.say(f"- {clean(error)}")


async def cmd_inspect(args: argparse.Namespace, io: Io) -> int:
    from .api import tokens

    text = _inspect_input(args, io)
    key_text = None
    if args.key:
        try:
            key_text = Path(args.key).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"the key file {args.key} can not be read ({exc})") from None
    options: dict[str, Any] = {}
    if args.verify:
        from .api.client import RkvstClient

        connection = _verify_connection(args)
        async with RkvstClient(connection) as api:  # the key set is public: no credentials needed
            jwks = await api.fetch_jwks()
        options.update(expected_issuer=connection.issuer, expected_audience=connection.audience, jwks=jwks)
        if jwks is None:
            options["no_key_reason"] = f"{connection.base_url} publishes no key set (the real service does not)"
    try:
        report = tokens.inspect_token(text, key=key_text, **options)
    except tokens.KeyLoadError as exc:
        raise UsageError(f"the key in {args.key} can not be used: {exc}") from None
    if io.json:
        emit_json(report.to_json(), io.out)
    else:
        _print_report(report, io)
    if args.verify:
        refusals = report.refusals()
        if refusals:
            io.note(f"error: the service would refuse this token: {clean('; '.join(refusals))}")
            return EXIT_FAILED
        return EXIT_OK
    return EXIT_OK if report.ok and report.signature_state != tokens.INVALID else EXIT_FAILED


def _verify_connection(args: argparse.Namespace) -> Connection:
    """The backend whose key set, issuer and audience `inspect --verify` checks against: the
    configured service (its URL is enough), else the default local sandbox, found where it
    records its address and checked to be that sandbox (a stranger's key set would make a
    forged token look VERIFIED)."""
    from .api.connection import Connection
    from .sandbox.address import find_running

    connection = _configured_connection(args)
    if connection is not None:
        return connection
    running = find_running(paths.sandbox_data_dir())
    if running is None:
        raise ConnectionRefused(
            f"nothing is configured and no local sandbox is running over {paths.sandbox_data_dir()}",
            hint="give --key PATH, configure a service (RKVST_URL or a profile), or run `rkvst-tui sandbox`",
        )
    return Connection(running.base_url, profile="sandbox", is_sandbox=True)


def _recorded_sandbox_url() -> str:
    """Where the default sandbox last recorded that it serves (read only, nothing is contacted)."""
    from .sandbox.address import read_address

    record = read_address(paths.sandbox_data_dir())
    return record.base_url if record else f"http://{DEFAULT_SANDBOX_HOST}:{DEFAULT_SANDBOX_PORT}"


def cmd_locate(args: argparse.Namespace, io: Io) -> int:
    from .api.config import load_profiles

    try:
        config = load_profiles()
        profiles, default, problem = sorted(config.profiles), config.default_profile, None
    except ConfigError as exc:
        profiles, default, problem = [], None, exc.message
    info = {
        "config_dir": str(paths.config_dir()),
        "config_file": str(paths.config_file()),
        "config_file_exists": paths.config_file().exists(),
        "data_dir": str(paths.data_dir()),
        "state_dir": str(paths.state_dir()),
        "secret_journal": str(paths.secret_journal_file()),
        "sandbox_data_dir": str(paths.sandbox_data_dir()),
        "sandbox_admin_credentials": str(paths.sandbox_admin_credentials()),
        "sandbox_running_hint": _recorded_sandbox_url(),
        "profiles": profiles,
        "default_profile": default,
    }
    if io.json:
        emit_json(info, io.out)
        return EXIT_OK
    exists = lambda p: "" if Path(p).exists() else "  (not created yet)"  # noqa: E731
    io.say(fields([
        ("config file", info["config_file"] + exists(info["config_file"])),
        ("data dir", info["data_dir"] + exists(info["data_dir"])),
        ("state dir", info["state_dir"] + exists(info["state_dir"])),
        ("secret journal", info["secret_journal"] + exists(info["secret_journal"])),
        ("sandbox data", info["sandbox_data_dir"] + exists(info["sandbox_data_dir"])),
        ("sandbox admin", info["sandbox_admin_credentials"] + exists(info["sandbox_admin_credentials"])),
        ("profiles", ", ".join(f"{p} (default)" if p == default else p for p in profiles) or "(none)"),
    ]))
    if problem:
        io.note(f"warning: {problem}")
    return EXIT_OK


# -- the console --------------------------------------------------------------------------


def console_connect(
    args: argparse.Namespace, io: Io, *, launch_now: bool = False
) -> tuple[Callable[[], Awaitable[RkvstClient]], list[Any]]:
    """The `connect` coroutine function the console calls once its first frame is up.

    With nothing configured it runs the local sandbox (127.0.0.1:8470 when free, else any free port; data in
    the user data directory) in a child process and connects as its root registration, or
    uses the sandbox already serving that data (its child checks it, sandbox/address.py);
    started sandboxes are appended to the returned list, for the caller to stop. With
    `launch_now` the child starts at once, so it gets ready on another core while the
    console imports Textual and paints (tests/benchmarks/bench_first_frame.py); `connect`
    only waits for it. Otherwise `connect` starts it.
    """
    connection = _configured_connection(args)
    servers: list[Any] = []

    if connection is None:
        from .sandbox.embedded import SandboxProcess

        sandbox = SandboxProcess(paths.sandbox_data_dir(), preferred_port=DEFAULT_SANDBOX_PORT)

        def launch() -> None:
            sandbox.spawn()
            if sandbox not in servers:
                servers.append(sandbox)

        if launch_now:
            launch()

        def ready_to_connect() -> None:
            _import_http_client()  # while the sandbox gets ready, not on the UI's loop
            sandbox.wait_ready()

        async def connect() -> RkvstClient:
            launch()  # again after a failure: Reconnect starts a new one
            await _in_thread(ready_to_connect)
            # Imported by now (ready_to_connect); imported here first, httpx took ~45 ms of the
            # UI's loop just before the first frame (profiled).
            from .api.client import RkvstClient
            from .api.connection import Connection

            sandbox_connection = Connection(
                sandbox.base_url, client_id=sandbox.admin_client_id, secret=sandbox.admin_secret,
                profile="sandbox", is_sandbox=True,
            )
            return RkvstClient(sandbox_connection)
    else:
        ready = _with_secret(connection, io.stdin)  # prompt before the screen is taken over

        async def connect() -> RkvstClient:
            await _in_thread(_import_http_client)
            from .api.client import RkvstClient

            return RkvstClient(ready)

    return connect, servers


# asyncio is imported where it is used, not with this module: the console starts its
# sandbox child before anything heavy is imported (asyncio is ~30 ms), so the child is
# ready sooner (tests/benchmarks/bench_first_frame.py).


def _run(coroutine: Awaitable[int]) -> int:
    import asyncio

    return asyncio.run(coroutine)


async def _in_thread(function: Callable[[], None]) -> None:
    import asyncio

    await asyncio.to_thread(function)


def _import_http_client() -> None:
    """Import the HTTP stack (httpx imports httpcore for its first client, httpcore anyio's
    asyncio backend for its first connection): ~120 ms that would otherwise block the
    console's event loop between its first frame and its rows."""
    import contextlib

    import httpcore  # noqa: F401

    from .api import client  # noqa: F401

    with contextlib.suppress(ImportError):  # a later anyio may lay it out differently
        import anyio._backends._asyncio  # noqa: F401


START_UP_GC_PAUSE = 1.5  # seconds: past the first page of registrations


def _pause_gc_for_start_up() -> None:
    """No cyclic garbage collection while the console starts: importing Textual and building
    the first frame make hundreds of thousands of long-lived objects, and collecting them
    over and over cost ~50 ms of the first frame (profiled). Afterwards they are frozen
    (never scanned again) and collection resumes."""
    import gc
    import threading

    def resume() -> None:
        gc.freeze()
        gc.enable()

    gc.disable()
    timer = threading.Timer(START_UP_GC_PAUSE, resume)
    timer.daemon = True
    timer.start()


def run_console(args: argparse.Namespace, io: Io) -> int:
    if not io.out.isatty():  # the console would write its escape codes into a pipe or a file
        io.note("error: the console needs a terminal, and standard output is not one (a pipe or a file)")
        io.note("hint: run rkvst-tui in a terminal; scripts use its commands (rkvst-tui --help)")
        return EXIT_USAGE
    _pause_gc_for_start_up()
    # The sandbox child first: it starts while this process imports Textual.
    connect, servers = console_connect(args, io, launch_now=True)
    try:
        try:
            from .tui.app import RkvstApp
        except ImportError as exc:
            io.note(f"error: the console is not available in this installation ({exc})")
            io.note("hint: the command-line commands work: rkvst-tui --help")
            return EXIT_FAILED
        from .api.secret_journal import SecretJournal

        app = RkvstApp(connect=connect, read_only=bool(args.read_only), journal=SecretJournal())
        app.run()
    finally:
        for server in servers:
            server.stop()
    return app.return_code or EXIT_OK


# -- entry point ----------------------------------------------------------------------------


def exit_code_for(error: BaseException) -> int:
    if isinstance(error, (Unauthenticated, PermissionDenied)):
        return EXIT_AUTH
    if isinstance(error, (UsageError, ConfigError, InvalidArgument, TargetExists)):
        return EXIT_USAGE
    return EXIT_FAILED


def _report(error: RkvstError, io: Io) -> None:
    io.note(f"error: {clean(scrub(error.message))}")
    if error.hint:
        io.note(f"hint: {clean(scrub(error.hint))}")


def _mention_unrecorded_secrets(args: argparse.Namespace, connection: Connection, io: Io) -> None:
    """One line on stderr naming the registrations a console left with a secret nobody
    recorded (api/secret_journal.py), and the command that fixes them."""
    from .api.secret_journal import SecretJournal, service_of

    try:
        left = SecretJournal().left_unrecorded(service_of(connection.base_url, connection.is_sandbox))
    except OSError:
        return
    acting_on = _option(args, "id") if _option(args, "apps_command") in ("regenerate", "delete") else None
    acting_on = acting_on.removeprefix("applications/") if acting_on else None
    left = [entry for entry in left if entry.client_id != acting_on]
    if not left:
        return
    named = ", ".join(f"'{clean(entry.display_name)}' ({clean(entry.client_id)})" for entry in left[:5])
    more = f" and {len(left) - 5} more" if len(left) > 5 else ""
    io.note(f"note: a console closed before the new secret of {named}{more} was recorded; "
            f"run `rkvst-tui apps regenerate {clean(left[0].client_id)}` to see a new one "
            "(or `apps delete ID`; the console offers both on its next start)")


def _settle_unrecorded_secret(client_id: str) -> None:
    """`apps regenerate` printed a new secret, or `apps delete` removed the registration."""
    from .api.secret_journal import SecretJournal

    try:
        SecretJournal().settle(client_id)
    except OSError:
        pass  # the next start names it again; regenerate or delete settles it then


async def _run_api_command(args: argparse.Namespace, io: Io, handler: Callable[..., Any]) -> int:
    api = await _client_for(args, io)
    _mention_unrecorded_secrets(args, api.connection, io)
    async with api:
        return await handler(args, api, io)


def _sandbox(rest: list[str]) -> int:
    from .sandbox import runner

    if "--data-dir" not in rest and not any(a.startswith("--data-dir=") for a in rest) and not (
        {"-h", "--help"} & set(rest)
    ):
        rest = [*rest, "--data-dir", str(paths.sandbox_data_dir())]
    try:
        return runner.main(rest)
    except SystemExit as exit_:  # argparse's --help and usage errors
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE


def _console_launch() -> Any:
    """What `build_parser().parse_args([])` gives, without importing argparse and building the
    parser (~10 ms of a bare `rkvst-tui`'s start: tests/benchmarks/bench_first_frame.py)."""
    from types import SimpleNamespace

    return SimpleNamespace(command=None, read_only=False)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    out, err, stdin = sys.stdout, sys.stderr, sys.stdin
    if argv[:1] == ["sandbox"]:
        return _sandbox(argv[1:])
    if not argv:
        args = _console_launch()
    else:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exit_:  # --help, --version, or a usage error argparse has reported
            return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    io = Io(out, err, stdin, bool(_option(args, "json", False)))
    try:
        if args.command is None:
            return run_console(args, io)
        if args.command == "sandbox":  # options before it: `rkvst-tui --json sandbox` and the like
            return _sandbox(argv[argv.index("sandbox") + 1:])
        if args.command == "locate":
            return cmd_locate(args, io)
        if args.command == "inspect":
            return _run(cmd_inspect(args, io))
        handler = {"token": cmd_token, "apps": cmd_apps, "principals": cmd_principals}[args.command]
        return _run(_run_api_command(args, io, handler))
    except RkvstError as error:
        _report(error, io)
        return exit_code_for(error)
    except KeyboardInterrupt:
        io.note("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_FAILED
    except Exception as error:  # noqa: BLE001 - one sentence, never a traceback
        if os.environ.get("RKVST_TUI_DEBUG"):
            raise
        io.note(f"error: unexpected {type(error).__name__}: {clean(scrub(str(error)))}")
        io.note("hint: set RKVST_TUI_DEBUG=1 to see the traceback, and please report it")
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
