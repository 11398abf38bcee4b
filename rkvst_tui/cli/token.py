"""`rkvst-tui token`: an access token for the configured client id and secret."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..api.errors import ConfigError
from ..api.shell import guide_word, word
from ..api.time_words import rfc3339
from .connection import run_connected
from .exits import EXIT_OK
from .output import Io, emit_json, warn_if_shared
from .parser import add_command

if TYPE_CHECKING:
    import argparse

    from ..api.client import RkvstClient


def add_parser(sub: Any) -> None:
    token = add_command(sub, "token", "get an access token with the configured client id and secret")
    token.add_argument(
        "--save", metavar="PATH", help="write it as a bearer_token file (mode 0600) instead of printing it"
    )
    token.add_argument("--force", action="store_true", help="overwrite PATH if it exists")


def run(args: argparse.Namespace, io: Io) -> int:
    return run_connected(args, io, cmd_token)


async def cmd_token(args: argparse.Namespace, api: RkvstClient, io: Io) -> int:
    connection = api.connection
    if not connection.has_client_credentials:
        raise ConfigError(
            "a token can only be minted with a client id and secret",
            hint="configure RKVST_CLIENT_ID and RKVST_CLIENT_SECRET_FILE (a --token-file already is a token)",
        )
    answer = await api.request_token(connection.client_id or "", connection.secret or "")
    from ..api.inspection import is_jws_compact

    if not is_jws_compact(answer.access_token):
        from ..api.errors import InvalidResponse

        raise InvalidResponse(
            "the token endpoint's access_token is not a JWS compact token (three base64url parts "
            f"separated by dots; got {len(answer.access_token):,} characters): not printed or saved",
            hint=f"check that {connection.base_url} is an RKVST service (RKVST_URL, --url or the profile)",
        )
    expires_at = datetime.now(timezone.utc).replace(microsecond=0).timestamp() + answer.expires_in
    expires_text = rfc3339(datetime.fromtimestamp(expires_at, timezone.utc))
    if args.save:
        from ..api.files import SaveFailed, write_bearer_token_file

        try:
            path = write_bearer_token_file(args.save, answer.access_token, overwrite=args.force)
        except SaveFailed as exc:
            raise SaveFailed(Path(args.save).expanduser(), exc.reason, code=exc.errno, what="the token") from None
        warn_if_shared(path, io)
        if io.json:
            emit_json(
                {
                    "saved": str(path),
                    "token_type": answer.token_type,
                    "expires_in": answer.expires_in,
                    "expires_at": expires_text,
                },
                io.out,
            )
        else:
            io.say(
                f"saved a bearer token to {path} (mode 0600); it expires at {expires_text} "
                f"(in {answer.expires_in // 60} min)"
            )
            assets_url = word(connection.base_url + "/archivist/v2/assets")
            io.say(f"use it with: curl -H {guide_word(f'@{path}')} {assets_url}")
        return EXIT_OK
    if io.json:
        emit_json(
            {
                "access_token": answer.access_token,
                "token_type": answer.token_type,
                "expires_in": answer.expires_in,
                "expires_at": expires_text,
            },
            io.out,
        )
    else:
        io.say(answer.access_token)
    return EXIT_OK
