"""`rkvst-tui inspect`: decode a token and check it, with --verify as the service would."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .exits import EXIT_FAILED, EXIT_OK, UsageError
from .output import Io, clean, emit_json, table
from .parser import add_command

if TYPE_CHECKING:
    import argparse

    from ..api.inspection import TokenReport

INSPECT_EXIT_CODES = (
    "Exit codes: 0 the token decodes (with --verify: the service would accept it: signed, the signature checks "
    "with the backend's key set or --key, not expired, already valid, the backend's issuer and audience); "
    "1 it does not (with --verify: it would be refused; the reasons are on stderr); 2 usage error."
)


def add_parser(sub: Any) -> None:
    inspect = add_command(
        sub,
        "inspect",
        "decode and check a token (a JWT, a Bearer line, a bearer_token file)",
        epilog=INSPECT_EXIT_CODES,
    )
    inspect.add_argument("token", nargs="?", metavar="TOKEN", help="the token, or - to read standard input")
    inspect.add_argument("--file", metavar="PATH", help="read the token from a file (e.g. a bearer_token file)")
    inspect.add_argument(
        "--verify",
        action="store_true",
        help="check it as the service would: the signature with the backend's key set (only its "
        "URL is needed), the times, the issuer and the audience",
    )
    inspect.add_argument("--key", metavar="PATH", help="check the signature with this public key (PEM or JWK)")


def run(args: argparse.Namespace, io: Io) -> int:
    import asyncio

    return asyncio.run(cmd_inspect(args, io))


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
    token: str = args.token
    return token


def _print_report(report: TokenReport, io: Io) -> None:
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
    from ..api import inspection as tokens

    text = _inspect_input(args, io)
    key_text = None
    if args.key:
        try:
            key_text = Path(args.key).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"the key file {args.key} can not be read ({exc})") from None
        try:  # the key was asked for: one that can not be used is an error, not "not checked"
            tokens.load_verification_key(key_text)
        except tokens.KeyLoadError as exc:
            raise UsageError(
                f"the key in {args.key} can not be used: {clean(str(exc))}",
                hint="give a PEM public key or certificate, a JWK or a JWKS",
            ) from None
    options: dict[str, Any] = {}
    if args.verify:
        from ..api.client import RkvstClient
        from .connection import verify_connection

        connection = verify_connection(args)
        async with RkvstClient(connection) as api:  # the key set is public: no credentials needed
            jwks = await api.fetch_jwks()
        options.update(expected_issuer=connection.issuer, expected_audience=connection.audience, jwks=jwks)
        if jwks is None:
            options["no_key_reason"] = f"{connection.base_url} publishes no key set (the real service does not)"
    report = tokens.inspect_token(text, key=key_text, **options)
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
