"""The token endpoint: OAuth2 client credentials (contract §1)."""

from __future__ import annotations

import base64
import binascii
import uuid as uuid_module
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from ..problems import oauth_error
from ..state import NO_STORE, SandboxState, audience_for, issuer_for

BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="rkvst-sandbox"'}


def routes(state: SandboxState) -> list[BaseRoute]:
    store, keys = state.store, state.keys

    async def token(request: Request) -> JSONResponse:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise oauth_error(
                400,
                "invalid_request",
                "the token request must be a form (Content-Type: application/x-www-form-urlencoded)",
            )
        raw = (await request.body()).decode("utf-8", errors="replace")
        pairs = parse_qsl(raw, keep_blank_values=True)
        form: dict[str, str] = {}
        for name, value in pairs:
            if name in form:
                raise oauth_error(400, "invalid_request", f"the form field '{name}' is given more than once")
            form[name] = value

        basic_id = basic_secret = None
        header = request.headers.get("authorization", "")
        if header[:6].lower() == "basic ":
            try:
                decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
                basic_id, sep, basic_secret = decoded.partition(":")
                if not sep:
                    raise ValueError
            except (ValueError, binascii.Error, UnicodeDecodeError):
                raise oauth_error(
                    401, "invalid_client", "the HTTP Basic credentials are malformed", headers=BASIC_CHALLENGE
                ) from None
            basic_id, basic_secret = unquote(basic_id), unquote(basic_secret)
            if "client_secret" in form:
                raise oauth_error(
                    400,
                    "invalid_request",
                    "the client authenticated twice (HTTP Basic and client_secret in the form): use one method",
                )
            if form.get("client_id", basic_id) != basic_id:
                raise oauth_error(400, "invalid_request", "client_id in the form differs from the HTTP Basic user")

        grant_type = form.get("grant_type")
        if not grant_type:
            raise oauth_error(400, "invalid_request", "grant_type is missing: send grant_type=client_credentials")
        if grant_type != "client_credentials":
            raise oauth_error(
                400,
                "unsupported_grant_type",
                f"grant_type {grant_type[:40]!r} is not supported: send grant_type=client_credentials",
            )
        client_id = basic_id if basic_id is not None else form.get("client_id", "")
        secret = basic_secret if basic_secret is not None else form.get("client_secret", "")
        if not client_id and not secret:
            raise oauth_error(401, "invalid_client", "no client credentials: send client_id and client_secret")
        if not client_id:
            raise oauth_error(400, "invalid_request", "client_id is missing")
        if not secret:
            raise oauth_error(400, "invalid_request", "client_secret is missing")

        challenge = BASIC_CHALLENGE if basic_id is not None else None
        check = store.check_secret(client_id, secret)
        if check.verdict == "expired":
            raise oauth_error(
                401,
                "invalid_client",
                f"the client secret expired at {check.detail}: regenerate the secret of this app registration",
                headers=challenge,
            )
        if check.verdict != "ok" or check.application is None:
            raise oauth_error(401, "invalid_client", "invalid client credentials", headers=challenge)

        app = check.application
        now = store.clock.timestamp()
        claims: dict[str, Any] = dict(app.custom_claims)
        claims.update(
            {
                "iss": issuer_for(request),
                "aud": audience_for(request),
                "sub": app.client_id,
                "client_id": app.client_id,
                "name": app.display_name,
                "jit_tenant_id": store.tenant_id,
                "jit_tier": "FREE",
                "jti": store.new_id("jti") if store.deterministic else uuid_module.uuid4().hex,
                "iat": now,
                "exp": now + state.token_ttl,
            }
        )
        return JSONResponse(
            {"access_token": keys.sign(claims), "token_type": "Bearer", "expires_in": state.token_ttl},
            headers=NO_STORE,
        )

    return [Route("/archivist/iam/v1/appidp/token", token, methods=["POST"])]
