"""What the service offers, found out by what it answers (never by its host name).

RKVST (the 2022-11 documents) administers a tenancy by its root principals; DataTrails (the
2024 documents) by the Owner role of an app registration, and has no root_principals path
(removed 2024-11: a 404). Both publish caps: `applications:caps` (RKVST era) or
`/archivist/v1/caps?service=applications` (DataTrails era). docs/api-contract.md §9.

    facts = client.service                 # ServiceFacts, filled in as answers arrive
    await detect(client)                   # asks what is still unknown
    caps = await application_caps(client)  # AppCaps(remaining, cap) or None (no cap published)
    issuers = own_issuers(client)          # the issuers whose principals are this tenant's registrations
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ApiError, InvalidResponse, NotFound, PermissionDenied
from .models import Application

if TYPE_CHECKING:
    from .client import RkvstClient

RKVST_ISSUER = "https://app.rkvst.io/appidpv1"
DATATRAILS_ISSUER = "https://app.datatrails.ai/appidpv1"
ERA_ISSUERS = (RKVST_ISSUER, DATATRAILS_ISSUER)  # one service renamed: a moved tenant holds either
CAPS_PATH = "/archivist/v1/caps"
RKVST_CAPS_PATH = "/archivist/iam/v1/applications:caps"
ROOT_PRINCIPALS_PATH = "/archivist/v1/tenancies/root_principals"

ROLES_ONLY_MESSAGE = "access is managed by roles: this service has no root principals"
ROLES_ONLY_HINT = "give a registration the Owner role instead (rkvst-tui apps update CLIENT_ID --owner)"


@dataclass
class ServiceFacts:
    """What is known of the service so far; None: not told yet."""

    has_roles: bool | None = None  # registrations carry `roles` (DataTrails)
    has_root_principals: bool | None = None  # False: root_principals answered 404 (DataTrails today)
    caps_path: str | None = None  # the caps path that answered

    @property
    def roles_only(self) -> bool:
        """Access is managed by roles: there are no root principals to add or read."""
        return self.has_root_principals is False

    @property
    def name(self) -> str:
        """ "DataTrails" or "RKVST", by what the service answered."""
        datatrails = self.has_roles or self.has_root_principals is False or self.caps_path == CAPS_PATH
        return "DataTrails" if datatrails else "RKVST"

    def note_applications(self, apps: Iterable[Application]) -> None:
        """Registrations seen: whether they carry roles says whether the service has them."""
        for app in apps:
            if app.roles is not None:
                self.has_roles = True
                return
            if self.has_roles is None:
                self.has_roles = False


@dataclass(frozen=True)
class AppCaps:
    """The app registration quota: how many may still be created, of how many (None: not said)."""

    remaining: int
    cap: int | None = None

    @property
    def used(self) -> int | None:
        return None if self.cap is None else max(self.cap - self.remaining, 0)

    def words(self) -> str:
        """'3 of 5 app registrations', or '2 app registrations left' when the cap is not published."""
        if self.cap is None:
            return f"{self.remaining} app registration{'s' if self.remaining != 1 else ''} left"
        return f"{self.used} of {self.cap} app registrations"


def facts_of(client: RkvstClient) -> ServiceFacts:
    facts = getattr(client, "service", None)
    if not isinstance(facts, ServiceFacts):
        facts = ServiceFacts()
        client.service = facts
    return facts


def own_issuers(client: RkvstClient) -> frozenset[str]:
    """Issuers whose principals are this tenant's app registrations: the connection's, and on the
    real service both eras' (a tenant moved from RKVST to DataTrails keeps app.rkvst.io ones)."""
    issuer = client.connection.issuer
    return frozenset({issuer, *ERA_ISSUERS}) if issuer in ERA_ISSUERS else frozenset({issuer})


def is_route_missing(exc: ApiError) -> bool:
    """A 404 for the path itself (grpc-gateway's 'Not Found'), not for an id on it."""
    return isinstance(exc, NotFound) and exc.status == 404 and exc.server_message in ("", "Not Found")


async def root_principals_exist(client: RkvstClient) -> bool | None:
    """Does the service have root principals? False on a 404 (DataTrails today)."""
    facts = facts_of(client)
    if facts.has_root_principals is not None:
        return facts.has_root_principals
    try:
        await client.get_root_principals()
    except PermissionDenied:
        facts.has_root_principals = True  # there, but not for this caller
    except ApiError as exc:
        if is_route_missing(exc):
            facts.has_root_principals = False
        else:
            return None
    else:
        facts.has_root_principals = True
    return facts.has_root_principals


def _parse_caps(body: Any) -> AppCaps | None:
    if not isinstance(body, dict) or not isinstance(body.get("caps", []), list):
        raise InvalidResponse("the caps answer has no 'caps' list")
    for cap in body.get("caps") or []:
        if isinstance(cap, dict) and cap.get("resource_type") == "applications":
            try:
                remaining = int(cap.get("resource_remaining", 0))
                limit = int(cap["resource_cap"]) if cap.get("resource_cap") not in (None, "") else None
            except (TypeError, ValueError):
                raise InvalidResponse("the caps answer's counts are not whole numbers") from None
            return AppCaps(max(remaining, 0), limit)
    return None


async def application_caps(client: RkvstClient) -> AppCaps | None:
    """The app registration quota the service publishes, or None (no cap, or no caps path)."""
    facts = facts_of(client)
    paths = [facts.caps_path] if facts.caps_path else [CAPS_PATH, RKVST_CAPS_PATH]
    for path in paths:
        params = {"service": "applications"} if path == CAPS_PATH else None
        try:
            body = await client._call("GET", path, params=params)
        except ApiError as exc:
            if is_route_missing(exc):
                continue
            raise
        facts.caps_path = path
        return _parse_caps(body)
    return None


async def detect(client: RkvstClient) -> ServiceFacts:
    """Ask what is not known yet: roles (one registration's shape), root principals, caps."""
    facts = facts_of(client)
    if facts.has_roles is None:
        try:
            apps, _ = await client.list_applications_page(page_size=1)
        except PermissionDenied:
            pass
        else:
            facts.note_applications(apps)
    await root_principals_exist(client)
    if facts.caps_path is None:
        try:
            await application_caps(client)
        except ApiError:
            pass
    return facts


def owner_roles(app: Application, owner: bool) -> list[str]:
    """The registration's roles with the Owner role given (True) or taken (False)."""
    roles = [role for role in (app.roles or []) if role != "OWNER"]
    return [*roles, "OWNER"] if owner else roles
