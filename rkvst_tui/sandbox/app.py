"""The sandbox's HTTP API: a Starlette app that honours docs/api-contract.md.

Every path but the token endpoint and `.well-known` needs a bearer token this sandbox
signed. The issuer and audience are computed from the base URL the client used (its
Host header), so a token minted via http://localhost:PORT is checked against
http://localhost:PORT/appidpv1, and one minted via 127.0.0.1 against that.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
import uuid as uuid_module
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rkvst_tui.api import claims as claim_rules
from rkvst_tui.api.connection import SANDBOX_MARKER_HEADER

from . import address
from .limits import RequestLimits
from .paging import encode_token, page_request
from .problems import (
    ApiProblem,
    bad_request,
    method_not_allowed,
    not_found,
    oauth_error,
    permission_denied,
    quota_exceeded,
    rate_limited,
    unauthenticated,
)
from .ratelimit import RateLimiter
from .signing import KeyRing, TokenRejected
from .store import AppRecord, PrincipalRecord, QuotaReached, Store

LOGGER_NAME = "rkvst_tui.sandbox"
MAX_FIELD_LENGTH = 1024  # principal fields (tenancies swagger) and display names (decided)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass
class SandboxState:
    """What the request handlers share."""

    store: Store
    keys: KeyRing
    token_ttl: int = 3600
    max_apps: int | None = None
    admin_client_id: str | None = None
    rate_limiter: RateLimiter | None = None
    log: Callable[[str], None] = field(default=logging.getLogger(LOGGER_NAME).info)
    on_admin_secret: Callable[[str], None] | None = None  # keeps admin-credentials.env current
    identity_key: str | None = None  # answers /sandbox/v1/identity (sandbox/address.py)


@dataclass(frozen=True)
class Caller:
    client_id: str
    issuer: str
    display_name: str
    is_root: bool


# -- helpers ---------------------------------------------------------------------------


def base_url(request: Request) -> str:
    """The base URL as the client wrote it (scheme and Host header), without a trailing slash."""
    host = request.headers.get("host")
    if not host:
        server = request.scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    # The scheme straight from the ASGI scope: request.url parses a whole URL object, twice
    # per token (issuer and audience), ~10% of the token endpoint's non-signing work.
    return f"{request.scope.get('scheme', 'http')}://{host}"


def issuer_for(request: Request) -> str:
    return base_url(request) + "/appidpv1"


def audience_for(request: Request) -> str:
    return base_url(request) + "/archivist"


def is_own_issuer(issuer: str, request: Request) -> bool:
    """Is this issuer the sandbox itself, whichever loopback name or port it was reached by?

    The sandbox may come back on another port, and the console may reach it as
    localhost or 127.0.0.1; a root principal written with any of these stays root.
    """
    if issuer == issuer_for(request):
        return True
    parts = urlsplit(issuer)
    return parts.scheme == "http" and (parts.hostname or "") in LOOPBACK_HOSTS and parts.path == "/appidpv1" and not parts.query


def principal_to_wire(principal: PrincipalRecord, request: Request) -> dict[str, str]:
    return {
        "issuer": issuer_for(request) if principal.own_issuer else principal.issuer,
        "subject": principal.subject,
        "display_name": principal.display_name,
        "email": principal.email,
    }


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw, parse_constant=_refuse_constant)
        # Python accepts a lone surrogate escape ("\ud800"); stored, it would break every later
        # answer that shows it (UTF-8 cannot encode it), so it is refused here.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except RecursionError:
        raise bad_request("the request body is nested too deeply") from None
    except UnicodeEncodeError:
        raise bad_request(
            "the request body holds a lone UTF-16 surrogate escape (such as \\ud800): send valid Unicode text"
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    return body


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON value")


def check_display_name(value: object) -> str:
    if not isinstance(value, str):
        raise bad_request("display_name must be a string")
    if not value.strip():
        raise bad_request("display_name must not be empty: give the app registration a name")
    if len(value) > MAX_FIELD_LENGTH:
        raise bad_request(f"display_name is {len(value)} characters long: the limit is {MAX_FIELD_LENGTH}")
    return value


def check_custom_claims(value: object) -> dict[str, str]:
    issues = claim_rules.errors(claim_rules.check_claims(value))
    if issues:
        raise bad_request("invalid custom_claims: " + "; ".join(issue.message for issue in issues))
    assert isinstance(value, dict)
    return dict(value)


def check_uuid(value: str) -> str:
    if value.endswith(":regenerate-secret"):
        raise method_not_allowed()
    try:
        uuid_module.UUID(value)
    except ValueError:
        raise not_found(f"app registration {value[:80]!r} not found: the id is not a uuid") from None
    return value


# -- the application ---------------------------------------------------------------------


def build_app(state: SandboxState) -> Starlette:
    store, keys = state.store, state.keys

    def authenticate(request: Request) -> Caller:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if not header:
            raise unauthenticated("no bearer token: send 'Authorization: Bearer <token>' from the token endpoint")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthenticated("the Authorization header must be 'Bearer <token>'")
        try:
            claims = keys.verify(
                token.strip(), issuer=issuer_for(request), audience=audience_for(request), now=store.clock.timestamp()
            )
        except TokenRejected as exc:
            raise unauthenticated(str(exc)) from None
        application = store.get_application(claims["sub"])
        if application is None:
            raise unauthenticated("the app registration this token was issued to no longer exists")
        issuer = claims["iss"]
        is_root = any(
            p.subject == application.client_id and (p.own_issuer or p.issuer == issuer)
            for p in store.get_root_principals()
        )
        return Caller(application.client_id, issuer, application.display_name, is_root)

    def require_root(request: Request) -> Caller:
        caller = authenticate(request)
        if not caller.is_root:
            raise permission_denied(
                "this app registration is not a root principal of the tenancy: ask a root to add "
                f"issuer {caller.issuer} with subject {caller.client_id}"
            )
        return caller

    def app_answer(record: AppRecord, secret: str = "") -> JSONResponse:
        return JSONResponse(record.to_wire(store.tenant_id, secret), headers=NO_STORE if secret else None)

    # T ---------------------------------------------------------------------------------
    async def token(request: Request) -> JSONResponse:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise oauth_error(
                400, "invalid_request",
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
                raise oauth_error(401, "invalid_client", "the HTTP Basic credentials are malformed",
                                  headers={"WWW-Authenticate": 'Basic realm="rkvst-sandbox"'}) from None
            basic_id, basic_secret = unquote(basic_id), unquote(basic_secret)
            if "client_secret" in form:
                raise oauth_error(
                    400, "invalid_request",
                    "the client authenticated twice (HTTP Basic and client_secret in the form): use one method",
                )
            if form.get("client_id", basic_id) != basic_id:
                raise oauth_error(400, "invalid_request", "client_id in the form differs from the HTTP Basic user")

        grant_type = form.get("grant_type")
        if not grant_type:
            raise oauth_error(400, "invalid_request", "grant_type is missing: send grant_type=client_credentials")
        if grant_type != "client_credentials":
            raise oauth_error(
                400, "unsupported_grant_type",
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

        challenge = {"WWW-Authenticate": 'Basic realm="rkvst-sandbox"'} if basic_id is not None else None
        check = store.check_secret(client_id, secret)
        if check.verdict == "expired":
            raise oauth_error(
                401, "invalid_client",
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

    # L and C ---------------------------------------------------------------------------
    async def applications(request: Request) -> JSONResponse:
        require_root(request)
        if request.method == "POST":
            body = await json_body(request)
            if "display_name" not in body:
                raise bad_request("display_name is missing: give the app registration a name")
            display_name = check_display_name(body["display_name"])
            custom_claims = check_custom_claims(body.get("custom_claims") if body.get("custom_claims") is not None else {})
            try:
                record, secret = store.create_application(
                    display_name, custom_claims, max_apps=state.max_apps, exclude_from_quota=state.admin_client_id
                )
            except QuotaReached as exc:
                raise quota_exceeded(f"the tenancy has used its quota of {exc.limit} app registrations") from None
            return app_answer(record, secret)
        page = page_request("applications", request.query_params, ("display_name",))
        rows = store.list_applications(
            after_seq=page.after_seq, limit=page.page_size + 1, display_name=page.filters.get("display_name")
        )
        more = len(rows) > page.page_size
        rows = rows[: page.page_size]
        next_token = encode_token("applications", page.filters, page.page_size, rows[-1].seq) if more else ""
        return JSONResponse(
            {"applications": [row.to_wire(store.tenant_id) for row in rows], "next_page_token": next_token}
        )

    # G, U, D ---------------------------------------------------------------------------
    async def application(request: Request) -> JSONResponse:
        app_uuid = check_uuid(request.path_params["uuid"])
        require_root(request)
        missing = not_found(f"app registration {app_uuid} not found")
        if request.method == "GET":
            record = store.get_application(app_uuid)
            if record is None:
                raise missing
            return app_answer(record)
        if request.method == "DELETE":
            if not store.delete_application(app_uuid):
                raise missing
            return JSONResponse({})
        body = await json_body(request)
        display_name = check_display_name(body["display_name"]) if body.get("display_name") is not None else None
        custom_claims = check_custom_claims(body["custom_claims"]) if body.get("custom_claims") is not None else None
        record = store.update_application(app_uuid, display_name=display_name, custom_claims=custom_claims)
        if record is None:
            raise missing
        return app_answer(record)

    # R ---------------------------------------------------------------------------------
    async def regenerate(request: Request) -> JSONResponse:
        app_uuid = request.path_params["uuid"]
        require_root(request)
        try:
            uuid_module.UUID(app_uuid)
        except ValueError:
            raise not_found(f"app registration {app_uuid[:80]!r} not found: the id is not a uuid") from None
        result = store.regenerate_secret(app_uuid)
        if result is None:
            raise not_found(f"app registration {app_uuid} not found")
        record, secret = result
        if app_uuid == state.admin_client_id and state.on_admin_secret is not None:
            state.on_admin_secret(secret)
        return app_answer(record, secret)

    # P and Q ---------------------------------------------------------------------------
    async def root_principals(request: Request) -> JSONResponse:
        caller = require_root(request)
        if request.method == "PATCH":
            body = await json_body(request)
            wanted = body.get("root_principals")
            if not isinstance(wanted, list):
                raise bad_request("root_principals must be a list of principals")
            principals: list[PrincipalRecord] = []
            seen: set[tuple[bool, str, str]] = set()
            for index, item in enumerate(wanted, start=1):
                if not isinstance(item, dict):
                    raise bad_request(f"root principal {index} must be an object with issuer and subject")
                fields = {}
                for name in ("issuer", "subject", "display_name", "email"):
                    value = item.get(name, "")
                    if value is None:
                        value = ""
                    if not isinstance(value, str):
                        raise bad_request(f"root principal {index}: {name} must be a string")
                    if len(value) > MAX_FIELD_LENGTH:
                        raise bad_request(
                            f"root principal {index}: {name} is {len(value)} characters long: the limit is {MAX_FIELD_LENGTH}"
                        )
                    fields[name] = value
                if not fields["subject"].strip():
                    raise bad_request(f"root principal {index}: subject is empty (for an app registration, its client id)")
                own = is_own_issuer(fields["issuer"], request)
                key = (own, "" if own else fields["issuer"], fields["subject"])
                if key in seen:
                    raise bad_request(
                        f"root principal {index} (issuer {fields['issuer']}, subject {fields['subject']}) is listed twice"
                    )
                seen.add(key)
                principals.append(PrincipalRecord(
                    issuer="" if own else fields["issuer"], subject=fields["subject"],
                    display_name=fields["display_name"], email=fields["email"], own_issuer=own,
                ))
            if not any(p.own_issuer and p.subject == caller.client_id for p in principals):
                raise bad_request(
                    f"you cannot remove yourself (issuer {caller.issuer}, subject {caller.client_id}) from the "
                    "root principals: ask another root principal to do it"
                )
            store.set_root_principals(principals)
        return JSONResponse(
            {"root_principals": [principal_to_wire(p, request) for p in store.get_root_principals()]}
        )

    # A ---------------------------------------------------------------------------------
    async def assets(request: Request) -> JSONResponse:
        caller = authenticate(request)
        page = page_request("assets", request.query_params, ())
        if not caller.is_root:
            # "Secure by default": a registration sees nothing until it is root or a policy shares assets.
            return JSONResponse({"assets": [], "next_page_token": ""})
        rows = store.list_assets(after_seq=page.after_seq, limit=page.page_size + 1)
        more = len(rows) > page.page_size
        rows = rows[: page.page_size]
        next_token = encode_token("assets", {}, page.page_size, rows[-1][0]) if more else ""
        return JSONResponse({"assets": [body for _, body in rows], "next_page_token": next_token})

    # .well-known -----------------------------------------------------------------------
    async def openid_configuration(request: Request) -> JSONResponse:
        base = base_url(request)
        return JSONResponse(
            {
                "issuer": issuer_for(request),
                "token_endpoint": base + "/archivist/iam/v1/appidp/token",
                "jwks_uri": base + "/appidpv1/.well-known/jwks.json",
                "grant_types_supported": ["client_credentials"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
                "response_types_supported": ["token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "access_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def jwks(request: Request) -> JSONResponse:
        return JSONResponse(keys.jwks(), headers={"Cache-Control": "public, max-age=300"})

    # the sandbox's own: proof that it serves the data directory a client read ---------------
    async def identity(request: Request) -> JSONResponse:
        challenge = request.query_params.get("challenge", "")
        if state.identity_key is None:
            raise not_found()
        if not address.CHALLENGE_PATTERN.fullmatch(challenge):
            raise bad_request("challenge must be 64 lowercase hex characters")
        return JSONResponse({"proof": address.proof(state.identity_key, challenge)}, headers=NO_STORE)

    # errors ----------------------------------------------------------------------------
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiProblem)
        return exc.response()

    async def on_http_exception(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            return method_not_allowed().response()
        if exc.status_code == 404:
            return not_found().response()
        return ApiProblem(exc.status_code, 2, exc.detail or "error").response()

    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        logging.getLogger(LOGGER_NAME).error("internal error on %s %s: %s", request.method, request.url.path,
                                              type(exc).__name__)
        return JSONResponse({"code": 13, "message": "internal error in the sandbox", "details": []}, status_code=500)

    routes = [
        Route("/archivist/iam/v1/appidp/token", token, methods=["POST"]),
        Route("/archivist/iam/v1/applications", applications, methods=["GET", "POST"]),
        Route("/archivist/iam/v1/applications/{uuid}:regenerate-secret", regenerate, methods=["POST"]),
        Route("/archivist/iam/v1/applications/{uuid}", application, methods=["GET", "PATCH", "DELETE"]),
        Route("/archivist/v1/tenancies/root_principals", root_principals, methods=["GET", "PATCH"]),
        Route("/archivist/v2/assets", assets, methods=["GET"]),
        Route("/appidpv1/.well-known/openid-configuration", openid_configuration, methods=["GET"]),
        Route("/appidpv1/.well-known/jwks.json", jwks, methods=["GET"]),
        Route(address.IDENTITY_PATH, identity, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={ApiProblem: on_problem, HTTPException: on_http_exception, Exception: on_error},
    )
    return SandboxMarker(RequestLog(RateLimit(RequestLimits(app), state.rate_limiter), state.log))


class SandboxMarker:
    """Marks every answer as the sandbox's (api.connection.SANDBOX_MARKER_HEADER): a console or
    CLI told only a URL shows that it works on test data."""

    HEADER = (SANDBOX_MARKER_HEADER.lower().encode("latin-1"), b"rkvst-tui")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), self.HEADER]}
            await send(message)

        await self.app(scope, receive, send_marked)


class RateLimit:
    """Answers 429 before the app runs when a client sends too many requests."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter | None) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.limiter is not None:
            client = (scope.get("client") or ("unknown", 0))[0]
            reset = self.limiter.hit(client)
            if reset is not None:
                await rate_limited(reset).response()(scope, receive, send)
                return
        await self.app(scope, receive, send)


class RequestLog:
    """One line per request: method, path, status, duration. Never headers, bodies or query strings."""

    def __init__(self, app: ASGIApp, log: Callable[[str], None]) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            self.log(f"{scope['method']} {scope['path']} {status} {elapsed:.1f}ms")
