"""Typed models of the wire shapes (api-contract.md §2), read and written losslessly.

`from_wire(dict)` checks the shape and raises `InvalidResponse` (also a ValueError) naming
the field that is wrong; fields this code does not know are kept in `.extra` and written
back by `to_wire()`, so a newer server's additions survive a read-modify-write.
No repr shows a secret or a token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .errors import InvalidResponse
from .terminal_safe import terminal_safe
from .time_words import rfc3339

APPLICATION_PREFIX = "applications/"
OWNER_ROLE = "OWNER"  # the DataTrails era's administrator role (appregistrationsv1.datatrails-2024-09 v1Role)
# The canonical 8-4-4-4-12 form only: a client id ends up in shell commands the user pastes.
UUID_PATTERN = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def parse_time(value: Any, *, what: str) -> datetime | None:
    """An RFC 3339 time from the wire (`""` and null mean none), as an aware UTC datetime."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidResponse(f"{what} is {type(value).__name__}, not an RFC 3339 time string")
    text = value.strip()
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidResponse(f"{what} {value!r} is not an RFC 3339 time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def format_time(value: datetime | None) -> str:
    """The contract's time format: whole seconds, UTC, `Z`."""
    if value is None:
        return ""
    return rfc3339(value)  # a naive datetime is taken to be UTC


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InvalidResponse(f"{what} is {type(data).__name__}, not a JSON object")
    return data


def _string(data: dict[str, Any], key: str, what: str, *, required: bool = False) -> str:
    if key not in data or data[key] is None:
        if required:
            raise InvalidResponse(f"{what} has no '{key}'")
        return ""
    value = data[key]
    if not isinstance(value, str):
        raise InvalidResponse(f"{what} '{key}' is {type(value).__name__}, not a string")
    return value


def _extra(data: dict[str, Any], known: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in known}


def _check_ids(identity: str, client_id: str) -> None:
    """An app registration's identity is applications/<uuid> and its client id that uuid.

    Both go into URLs, and the client id into the commands the console offers to paste, so
    anything else (`x";touch /tmp/pwned;echo "`) is a malformed answer, never shown as an id.
    """
    uuid = identity.removeprefix(APPLICATION_PREFIX)
    if not identity.startswith(APPLICATION_PREFIX) or not UUID_PATTERN.fullmatch(uuid):
        raise InvalidResponse(
            f"application identity '{terminal_safe(identity, 80)}' is not applications/<uuid>",
            hint="is this an RKVST service?",
        )
    if client_id != uuid:
        shown = terminal_safe(client_id, 80)
        why = "is not a uuid" if not UUID_PATTERN.fullmatch(client_id) else f"differs from its identity's {uuid}"
        raise InvalidResponse(
            f"application {uuid} has a client_id '{shown}' that {why}",
            hint="is this an RKVST service?",
        )


@dataclass
class Credential:
    secret: str = field(default="", repr=False)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    _KNOWN = ("secret", "valid_from", "valid_until")

    def __repr__(self) -> str:
        shown = "'***'" if self.secret else "''"
        return (
            f"Credential(secret={shown}, valid_from={format_time(self.valid_from) or None!r}, "
            f"valid_until={format_time(self.valid_until) or None!r})"
        )

    @classmethod
    def from_wire(cls, data: Any) -> Credential:
        data = _object(data, "credential")
        return cls(
            secret=_string(data, "secret", "credential"),
            valid_from=parse_time(data.get("valid_from"), what="credential valid_from"),
            valid_until=parse_time(data.get("valid_until"), what="credential valid_until"),
            extra=_extra(data, cls._KNOWN),
        )

    def to_wire(self) -> dict[str, Any]:
        return {
            **self.extra,
            "secret": self.secret,
            "valid_from": format_time(self.valid_from),
            "valid_until": format_time(self.valid_until),
        }


@dataclass
class Application:
    identity: str
    display_name: str = ""
    client_id: str = ""
    tenant_id: str = ""
    credentials: list[Credential] = field(default_factory=list)
    custom_claims: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict, repr=False)
    # The DataTrails era's roles ([] or ["OWNER"]); None: the service sent none (RKVST has no roles).
    roles: list[str] | None = None

    _KNOWN = ("identity", "display_name", "client_id", "tenant_id", "credentials", "custom_claims", "roles")

    @property
    def is_owner(self) -> bool:
        """Has the Owner role: administers the tenancy (DataTrails), as a root principal does (RKVST)."""
        return OWNER_ROLE in (self.roles or ())

    @property
    def uuid(self) -> str:
        return self.identity.removeprefix(APPLICATION_PREFIX)

    @property
    def secret(self) -> str:
        """The clear-text secret: only in the answers to create and regenerate, else ''."""
        return self.credentials[0].secret if self.credentials else ""

    @property
    def valid_from(self) -> datetime | None:
        return self.credentials[0].valid_from if self.credentials else None

    @property
    def valid_until(self) -> datetime | None:
        return self.credentials[0].valid_until if self.credentials else None

    def matches(self, text: str) -> bool:
        """The console's `/` filter and `apps list --match`: the display name contains `text`
        in any case, or the client id starts with it."""
        needle = text.casefold()
        return not needle or needle in (self.display_name or "").casefold() or self.client_id.startswith(needle)

    def without_secret(self) -> Application:
        """A copy safe to keep around: every credential's secret blanked."""
        return Application(
            identity=self.identity,
            display_name=self.display_name,
            client_id=self.client_id,
            tenant_id=self.tenant_id,
            credentials=[Credential("", c.valid_from, c.valid_until, dict(c.extra)) for c in self.credentials],
            custom_claims=dict(self.custom_claims),
            extra=dict(self.extra),
            roles=None if self.roles is None else list(self.roles),
        )

    @classmethod
    def from_wire(cls, data: Any) -> Application:
        data = _object(data, "application")
        what = "application"
        identity = _string(data, "identity", what, required=True)
        credentials = data.get("credentials")
        credentials = [] if credentials is None else credentials
        if not isinstance(credentials, list):
            raise InvalidResponse(f"application 'credentials' is {type(credentials).__name__}, not a list")
        claims = data.get("custom_claims")
        claims = {} if claims is None else claims
        if not isinstance(claims, dict):
            raise InvalidResponse(f"application 'custom_claims' is {type(claims).__name__}, not an object")
        for name, value in claims.items():
            if not isinstance(value, str):
                raise InvalidResponse(f"application custom claim {name!r} is {type(value).__name__}, not a string")
        roles = data.get("roles")
        if roles is not None and not (isinstance(roles, list) and all(isinstance(r, str) for r in roles)):
            raise InvalidResponse("application 'roles' is not a list of role names")
        app = cls(
            identity=identity,
            display_name=_string(data, "display_name", what),
            client_id=_string(data, "client_id", what),
            tenant_id=_string(data, "tenant_id", what),
            credentials=[Credential.from_wire(c) for c in credentials],
            custom_claims=dict(claims),
            extra=_extra(data, cls._KNOWN),
            roles=None if roles is None else list(roles),
        )
        _check_ids(app.identity, app.client_id)
        return app

    def to_wire(self) -> dict[str, Any]:
        wire = {
            **self.extra,
            "identity": self.identity,
            "display_name": self.display_name,
            "client_id": self.client_id,
            "tenant_id": self.tenant_id,
            "credentials": [c.to_wire() for c in self.credentials],
            "custom_claims": dict(self.custom_claims),
        }
        if self.roles is not None:
            wire["roles"] = list(self.roles)
        return wire


@dataclass(frozen=True, eq=False)
class Principal:
    """A root principal. Two principals are the same when issuer and subject are."""

    issuer: str
    subject: str
    display_name: str = ""
    email: str = ""
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    _KNOWN = ("issuer", "subject", "display_name", "email")

    @property
    def key(self) -> tuple[str, str]:
        return (self.issuer, self.subject)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Principal):
            return NotImplemented
        return self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    @classmethod
    def from_wire(cls, data: Any) -> Principal:
        data = _object(data, "principal")
        return cls(
            issuer=_string(data, "issuer", "principal"),
            subject=_string(data, "subject", "principal"),
            display_name=_string(data, "display_name", "principal"),
            email=_string(data, "email", "principal"),
            extra=_extra(data, cls._KNOWN),
        )

    def to_wire(self) -> dict[str, Any]:
        return {
            **self.extra,
            "issuer": self.issuer,
            "subject": self.subject,
            "display_name": self.display_name,
            "email": self.email,
        }


@dataclass
class Asset:
    identity: str
    attributes: dict[str, Any] = field(default_factory=dict)
    behaviours: list[Any] = field(default_factory=list)
    confirmation_status: str = ""
    tenant_identity: str = ""
    at_time: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    _KNOWN = ("identity", "attributes", "behaviours", "confirmation_status", "tenant_identity", "at_time")

    @property
    def display_name(self) -> str:
        name = self.attributes.get("arc_display_name", "")
        return name if isinstance(name, str) else str(name)

    @classmethod
    def from_wire(cls, data: Any) -> Asset:
        data = _object(data, "asset")
        attributes = data.get("attributes")
        attributes = {} if attributes is None else attributes
        if not isinstance(attributes, dict):
            raise InvalidResponse(f"asset 'attributes' is {type(attributes).__name__}, not an object")
        behaviours = data.get("behaviours")
        behaviours = [] if behaviours is None else behaviours
        if not isinstance(behaviours, list):
            raise InvalidResponse(f"asset 'behaviours' is {type(behaviours).__name__}, not a list")
        return cls(
            identity=_string(data, "identity", "asset", required=True),
            attributes=dict(attributes),
            behaviours=list(behaviours),
            confirmation_status=_string(data, "confirmation_status", "asset"),
            tenant_identity=_string(data, "tenant_identity", "asset"),
            at_time=parse_time(data.get("at_time"), what="asset at_time"),
            extra=_extra(data, cls._KNOWN),
        )

    def to_wire(self) -> dict[str, Any]:
        wire = {
            **self.extra,
            "identity": self.identity,
            "attributes": dict(self.attributes),
            "behaviours": list(self.behaviours),
            "confirmation_status": self.confirmation_status,
            "tenant_identity": self.tenant_identity,
        }
        if self.at_time is not None:
            wire["at_time"] = format_time(self.at_time)
        return wire


@dataclass
class TokenResponse:
    access_token: str = field(repr=False)
    token_type: str = "Bearer"
    expires_in: int = 0
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    _KNOWN = ("access_token", "token_type", "expires_in")

    def __repr__(self) -> str:
        return f"TokenResponse(access_token='***', token_type={self.token_type!r}, expires_in={self.expires_in})"

    @classmethod
    def from_wire(cls, data: Any) -> TokenResponse:
        data = _object(data, "token answer")
        token = data.get("access_token")
        if not isinstance(token, str) or not token.strip():
            raise InvalidResponse("the token answer has no 'access_token' string")
        raw_expiry = data.get("expires_in", 0)
        # Some servers send expires_in as a numeric string; bool is an int to Python.
        if isinstance(raw_expiry, bool):
            raise InvalidResponse("the token answer's 'expires_in' is not a number")
        try:
            expires_in = int(float(raw_expiry))
        except (TypeError, ValueError, OverflowError):  # OverflowError: JSON's Infinity
            raise InvalidResponse("the token answer's 'expires_in' is not a number") from None
        token_type = data.get("token_type") or "Bearer"
        if not isinstance(token_type, str):
            raise InvalidResponse("the token answer's 'token_type' is not a string")
        return cls(token.strip(), token_type, max(expires_in, 0), _extra(data, cls._KNOWN))

    def to_wire(self) -> dict[str, Any]:
        return {
            **self.extra,
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
        }


@dataclass(frozen=True)
class Identity:
    """Who the connection is signed in as. `is_root` None: could not be told.

    `root_principals`: the list read to tell (only a root principal may read it), so a
    caller that shows it need not ask again; None when it could not be read."""

    client_id: str
    display_name: str
    is_root: bool | None
    root_principals: tuple[Principal, ...] | None = None
    # The DataTrails era: has the Owner role (None: could not be told, or the service has no roles),
    # and whether the service has no root principals at all (access managed by roles).
    is_owner: bool | None = None
    roles_only: bool = False

    @property
    def is_admin(self) -> bool | None:
        """May manage registrations: a root principal, or an Owner where access is managed by roles."""
        if self.is_root or self.is_owner:
            return True
        if self.is_root is None and self.is_owner is None:
            return None
        return False
