"""What can this registration see, and why: the access test as an explanation.

`explain(...)` is pure: given a registration, the tenant's policies, its assets (as an
administrator sees them) and whether the registration is root or Owner, it says which policies
name the registration (through its client id or which claim), which assets each shares and
which attributes, what the registration therefore sees, and, when nothing names it, the nearest
miss. `explain_access(client, app)` fetches those (administrator calls) and explains.
The rules are access_rules.py's, the same the sandbox evaluates (docs/access-policies.md).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import access_rules as rules
from .errors import MethodNotAllowed, NotFound
from .models import Application, Asset
from .policies import Policy, list_policies

if TYPE_CHECKING:
    from .client import RkvstClient

SHOWN_VALUE = 24  # a claim value in the nearest-miss words is cut after this many characters


def _quote(text: str) -> str:
    return f"`{text}`"


def _cut(text: str, limit: int = SHOWN_VALUE) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def filter_expression(policy: Policy) -> str:
    """`arc_display_type=Traffic Light` AND (`location=Cambridge` OR `location=Ely`)."""
    parts = []
    for group in policy.filters:
        entries = [_quote(e.removeprefix(rules.ATTRIBUTE_PREFIX)) for e in group]
        if entries:
            parts.append(entries[0] if len(entries) == 1 else "(" + " OR ".join(entries) + ")")
    return " AND ".join(parts) if parts else "no filter (no asset)"


def registration_entries(app: Application) -> list[str]:
    """The user_attributes entries that would name this registration: its subject and custom claims."""
    entries = [f"subject={app.client_id}"]
    entries += [f"{rules.CLAIM_PREFIX}{name}={value}" for name, value in app.custom_claims.items()]
    return entries


def who_of(app: Application) -> rules.Who:
    return rules.Who.registration(app.client_id, app.display_name, app.custom_claims)


def is_owner(app: Application) -> bool:
    roles = getattr(app, "roles", None) or app.extra.get("roles") or []
    return isinstance(roles, (list, tuple)) and "OWNER" in roles


@dataclass(frozen=True)
class Grant:
    """A permission of a policy that names the registration, and what it shares."""

    policy: Policy
    permission: int
    named_by: tuple[str, ...]  # per user_attributes group, the entry that matched
    assets: tuple[str, ...]  # identities of the assets the policy's filters cover
    readable: tuple[str, ...]

    @property
    def by_claim(self) -> bool:
        return any(entry.startswith(rules.CLAIM_PREFIX) for entry in self.named_by)

    def words(self) -> str:
        named = " AND ".join(_quote(e) for e in self.named_by)
        reads = ", ".join(self.readable) if self.readable else "no attribute (identities only)"
        count = len(self.assets)
        if not count:
            return (
                f"{self.policy.display_name!r} names it ({named}) but its filter {filter_expression(self.policy)} "
                "matches no asset"
            )
        return (
            f"{count} asset{'s' if count != 1 else ''} through {self.policy.display_name!r} "
            f"(filter {filter_expression(self.policy)}), named by {named}; reads {reads}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy.identity,
            "display_name": self.policy.display_name,
            "permission": self.permission,
            "named_by": list(self.named_by),
            "by_claim": self.by_claim,
            "filters": [list(g) for g in self.policy.filters],
            "assets": list(self.assets),
            "readable": list(self.readable),
        }


@dataclass(frozen=True)
class NearMiss:
    """The permission that comes closest to naming the registration, and what it names instead."""

    policy: Policy
    permission: int
    names: tuple[str, ...]  # the entries of the first user_attributes group the registration fails

    def words(self) -> str:
        shown = " OR ".join(_quote(_cut(e, len(e.partition("=")[0]) + 1 + SHOWN_VALUE)) for e in self.names)
        return f"{self.policy.display_name!r} names {shown or 'nobody'}"

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy.identity,
            "display_name": self.policy.display_name,
            "permission": self.permission,
            "names": list(self.names),
        }


@dataclass(frozen=True)
class Explanation:
    registration: Application
    status: str  # "root" | "owner" | "shared" | "named" (named, but no asset) | "none"
    grants: tuple[Grant, ...] = ()
    visible: tuple[Asset, ...] = ()  # what its tokens get from GET /archivist/v2/assets
    total_assets: int = 0
    nearest: NearMiss | None = None
    entries: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.registration.display_name or self.registration.client_id

    def summary(self) -> str:
        n = len(self.visible)
        assets = f"{n} asset{'s' if n != 1 else ''}"
        if self.status in ("root", "owner"):
            what = "a root principal" if self.status == "root" else "an Owner registration"
            return f"{self.name} is {what}: it sees every asset ({assets}), whole; policies do not restrict it"
        if self.status == "shared":
            through = " and ".join(
                repr(p) for p in dict.fromkeys(g.policy.display_name for g in self.grants if g.assets)
            )
            return f"{self.name} sees {assets} through {through}"
        if self.status == "named":
            return (
                f"{self.name} sees no asset: policies name it, but their filters match none of the {self.total_assets}"
            )
        subject, *claims = self.entries
        claim_words = (
            f" or its claims ({', '.join(_quote(c) for c in claims)})" if claims else " (it has no custom claims)"
        )
        words = f"{self.name} sees no asset: no policy names this registration ({_quote(subject)}){claim_words}"
        if self.nearest is not None:
            words += f"; nearest: {self.nearest.words()}"
        return words

    def lines(self) -> list[str]:
        lines = [self.summary()]
        lines += [f"  {grant.words()}" for grant in self.grants]
        if any(grant.by_claim for grant in self.grants):
            lines.append("  (named by a claim: every registration with the same claim value sees the same)")
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "client_id": self.registration.client_id,
            "display_name": self.registration.display_name,
            "status": self.status,
            "summary": self.summary(),
            "grants": [g.to_json() for g in self.grants],
            "nearest": self.nearest.to_json() if self.nearest else None,
            "assets": [{"identity": a.identity, "attributes": a.attributes} for a in self.visible],
            "total_assets": self.total_assets,
        }


def _named_by(permission: dict[str, Any], who: rules.Who) -> tuple[str, ...]:
    return tuple(next(t.text for t in group if t.passes(who)) for group in rules.user_tests(permission))


def _closeness(test: rules.UserTest, who: rules.Who) -> int:
    """How near an entry comes to naming `who`: the same claim with a value sharing a prefix."""
    if test.kind == "claim" and test.name in who.claims:
        held = who.claims[test.name]
        return 1000 + len(os.path.commonprefix([held, test.value]))
    if test.kind == "subject":
        return 1
    return 0


def _nearest(policies: Sequence[Policy], who: rules.Who) -> NearMiss | None:
    best: tuple[tuple[int, int], NearMiss] | None = None
    for policy in policies:
        body = policy.body()
        for index, permission in enumerate(body["access_permissions"]):
            groups = rules.user_tests(permission)
            failing = [group for group in groups if not any(t.passes(who) for t in group)]
            if not groups or not failing:
                continue
            near = max((_closeness(t, who) for t in failing[0]), default=0)
            score = (-len(failing), near)
            if best is None or score > best[0]:
                best = (score, NearMiss(policy, index, tuple(t.text for t in failing[0])))
    return best[1] if best else None


def explain(
    app: Application,
    policies: Sequence[Policy],
    assets: Sequence[Asset],
    *,
    is_root: bool = False,
    owner: bool | None = None,
) -> Explanation:
    entries = tuple(registration_entries(app))
    if is_root or (owner if owner is not None else is_owner(app)):
        return Explanation(
            app, "root" if is_root else "owner", visible=tuple(assets), total_assets=len(assets), entries=entries
        )
    who = who_of(app)
    bodies = [policy.body() for policy in policies]
    grants = []
    for policy, body in zip(policies, bodies):
        covered = tuple(a.identity for a in assets if rules.filters_match(body, a.attributes))
        for index in rules.permissions_for(body, who):
            permission = body["access_permissions"][index]
            grants.append(
                Grant(
                    policy, index, _named_by(permission, who), covered, tuple(policy.access_permissions[index].readable)
                )
            )
    visible = []
    shares = rules.grants_for(bodies, who)
    for asset in assets:
        shown = rules.visible_through(shares, asset.attributes)
        if shown is not None:
            visible.append(
                Asset(
                    identity=asset.identity,
                    attributes=shown,
                    behaviours=asset.behaviours,
                    confirmation_status=asset.confirmation_status,
                    tenant_identity=asset.tenant_identity,
                    at_time=asset.at_time,
                )
            )
    if visible:
        status = "shared"
    elif grants:
        status = "named"
    else:
        status = "none"
    nearest = _nearest(policies, who) if not grants else None
    return Explanation(app, status, tuple(grants), tuple(visible), len(assets), nearest, entries)


async def explain_access(client: RkvstClient, app: Application) -> Explanation:
    """Fetch the policies, the assets and the root principals (administrator calls) and explain."""
    try:
        principals = await client.get_root_principals()
    except (NotFound, MethodNotAllowed):  # DataTrails since 2024-11: no root principals; Owner instead
        principals = []
    mine = client.app_principal(app)
    is_root = any(p.subject == app.client_id and p.issuer == mine.issuer for p in principals)
    policies = await list_policies(client)
    assets = await client.list_assets()
    return explain(app, policies, assets, is_root=is_root)
