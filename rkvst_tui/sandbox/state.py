"""What every route module of the sandbox shares: its state, who is calling, and the URL
it was reached by (the issuer and audience are computed from the client's Host header, so a
token minted via http://localhost:PORT is checked against http://localhost:PORT/appidpv1)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from starlette.requests import Request

from .problems import permission_denied, unauthenticated
from .ratelimit import RateLimiter
from .signing import KeyRing, TokenRejected
from .store import PrincipalRecord, Store

LOGGER_NAME = "rkvst_tui.sandbox"
RKVST, DATATRAILS = "rkvst", "datatrails"
FLAVOURS = (RKVST, DATATRAILS)  # which era's documents the sandbox answers by (docs/api-contract.md §9)
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
    flavour: str = RKVST

    @property
    def has_roles(self) -> bool:
        """The DataTrails flavour: registrations carry `roles`; the Owner role administers."""
        return self.flavour == DATATRAILS


@dataclass(frozen=True)
class Caller:
    client_id: str
    issuer: str
    display_name: str
    is_root: bool  # a root principal of the tenancy (the RKVST era's administrators)
    claims: dict = field(default_factory=dict, compare=False, repr=False)  # the token's (access policies)
    is_owner: bool = False  # has the Owner role (the DataTrails era's administrators)
    has_roles: bool = False  # the DataTrails flavour: the Owner role is what administers

    @property
    def is_admin(self) -> bool:
        """May do everything a root principal may: root (RKVST flavour) or Owner (DataTrails)."""
        return self.is_owner if self.has_roles else self.is_root


def base_url(request: Request) -> str:
    """The base URL as the client wrote it (scheme and Host header), without a trailing slash."""
    host = request.headers.get("host")
    if not host:
        server = request.scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    # The scheme straight from the ASGI scope: request.url parses a whole URL object, twice
    # per token (issuer and audience), a noticeable share of the token endpoint's work.
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
    return (
        parts.scheme == "http"
        and (parts.hostname or "") in LOOPBACK_HOSTS
        and parts.path == "/appidpv1"
        and not parts.query
    )


def principal_to_wire(principal: PrincipalRecord, request: Request) -> dict[str, str]:
    return {
        "issuer": issuer_for(request) if principal.own_issuer else principal.issuer,
        "subject": principal.subject,
        "display_name": principal.display_name,
        "email": principal.email,
    }


def authenticate(state: SandboxState, request: Request) -> Caller:
    """The caller of a request, from its bearer token; 401 when there is none worth believing."""
    store = state.store
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise unauthenticated("no bearer token: send 'Authorization: Bearer <token>' from the token endpoint")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthenticated("the Authorization header must be 'Bearer <token>'")
    try:
        claims = state.keys.verify(
            token.strip(), issuer=issuer_for(request), audience=audience_for(request), now=store.clock.timestamp()
        )
    except TokenRejected as exc:
        raise unauthenticated(str(exc)) from None
    application = store.get_application(claims["sub"])
    if application is None:
        raise unauthenticated("the app registration this token was issued to no longer exists")
    issuer = claims["iss"]
    is_root = any(
        p.subject == application.client_id and (p.own_issuer or p.issuer == issuer) for p in store.get_root_principals()
    )
    return Caller(
        application.client_id,
        issuer,
        application.display_name,
        is_root,
        claims,
        is_owner=application.is_owner,
        has_roles=state.has_roles,
    )


def require_root(state: SandboxState, request: Request) -> Caller:
    """The caller, who must be allowed to manage the tenancy (root, or Owner on DataTrails); 403 otherwise."""
    caller = authenticate(state, request)
    if caller.has_roles and not caller.is_owner:
        raise permission_denied(
            f"this app registration ({caller.client_id}) does not have the Owner role: ask an Owner to "
            'give it the role (roles ["OWNER"] in an update of the registration)'
        )
    if not caller.is_admin:
        raise permission_denied(
            "this app registration is not a root principal of the tenancy: ask a root to add "
            f"issuer {caller.issuer} with subject {caller.client_id}"
        )
    return caller
