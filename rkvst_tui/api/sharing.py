"""Share assets with one registration: the tenant's attribute values, what a choice matches,
the policy that shares it, and who else that policy names.

Headless (the console's share screen and tests use it). The matching is access_rules.py's,
the sandbox's own reading (docs/access-policies.md): the chosen values of one attribute are
ORed, the attributes ANDed, exactly as the policy's filters will be.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import access_rules as rules
from .models import Application, Asset

if TYPE_CHECKING:
    from .client import RkvstClient

ASSETS_PATH = "/archivist/v2/assets"
MAX_ASSETS = 1000  # one page of the tenant's assets is read (the sandbox's largest page)
MAX_VALUE = 120  # a longer value is not offered (nobody picks it from a list)
MAX_LIST_ITEMS = 20  # a list attribute with more items is not offered
MAX_VALUES = 30  # distinct values offered per attribute (the most common)
MAX_ATTRIBUTES = 60  # attribute names offered
DEFAULT_READABLE = ("arc_display_name",)


@dataclass(frozen=True)
class AttributeValues:
    """One attribute's values on the tenant's assets, most common first, with their counts."""

    name: str
    values: tuple[tuple[str, int], ...]
    left_out: int = 0  # distinct values not offered (past MAX_VALUES)


@dataclass(frozen=True)
class TenantAssets:
    assets: tuple[Asset, ...]
    more: bool = False  # the tenant has more assets than were read


def _offerable_name(name: object) -> bool:
    if not isinstance(name, str) or not name or len(name) > rules.MAX_ENTRY:
        return False
    try:
        test = rules.parse_asset_test(f"{rules.ATTRIBUTE_PREFIX}{name}=x")
    except rules.RuleError:
        return False
    return test.name == name and not test.negated


def _offerable_value(value: object) -> bool:
    return isinstance(value, str) and value.strip() != "" and value != rules.ANY_VALUE and len(value) <= MAX_VALUE


def _values_of(held: Any) -> list[str]:
    if isinstance(held, str):
        return [held] if _offerable_value(held) else []
    if isinstance(held, list) and len(held) <= MAX_LIST_ITEMS:
        return list(dict.fromkeys(v for v in held if _offerable_value(v)))
    return []


def attribute_values(assets: Iterable[Asset]) -> list[AttributeValues]:
    """The values that exist on these assets, per attribute, fewest distinct values first; bounded."""
    counts: dict[str, Counter[str]] = {}
    for asset in assets:
        for name, held in asset.attributes.items():
            if not _offerable_name(name):
                continue
            values = _values_of(held)
            if values:
                counts.setdefault(name, Counter()).update(values)
    found = []
    # Attributes that group assets (few distinct values: a type, a location) first; the ones
    # unique to each asset (a name, a serial number) after them.
    for name in sorted(counts, key=lambda n: (len(counts[n]), n))[:MAX_ATTRIBUTES]:
        ranked = sorted(counts[name].items(), key=lambda item: (-item[1], item[0]))
        found.append(AttributeValues(name, tuple(ranked[:MAX_VALUES]), max(0, len(ranked) - MAX_VALUES)))
    return found


def attribute_names(assets: Iterable[Asset]) -> list[str]:
    """Every attribute name the assets carry (what a share may let the registration read)."""
    names = {name for asset in assets for name in asset.attributes if _offerable_name(name)}
    return sorted(names)[: rules.MAX_LIST]  # include_attributes holds at most this many


@dataclass(frozen=True)
class Choice:
    """The chosen values: an asset matches when, for every attribute, it holds one of its values."""

    values: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> Choice:
        chosen: dict[str, set[str]] = {}
        for name, value in pairs:
            chosen.setdefault(name, set()).add(value)
        return cls({name: frozenset(values) for name, values in chosen.items()})

    @property
    def empty(self) -> bool:
        return not any(self.values.values())

    def filters(self) -> list[dict[str, list[str]]]:
        return [
            {"or": [f"{rules.ATTRIBUTE_PREFIX}{name}={value}" for value in sorted(self.values[name])]}
            for name in sorted(self.values)
            if self.values[name]
        ]

    def words(self) -> str:
        parts = []
        for name in sorted(self.values):
            values = sorted(self.values[name])
            if values:
                either = " or ".join(repr(v) for v in values)
                parts.append(f"{name} is {either}" if len(values) == 1 else f"{name} is ({either})")
        return " and ".join(parts) if parts else "nothing chosen"


def matching(assets: Iterable[Asset], choice: Choice) -> list[Asset]:
    """The assets the choice's filters match (none when nothing is chosen, as for the policy)."""
    body = {"filters": choice.filters()}
    return [asset for asset in assets if rules.filters_match(body, asset.attributes)]


def naming_entry(app: Application, claim: str | None = None) -> str:
    """`subject=<client id>`, or `jwt_<claim>=<value>` for one of the registration's custom claims."""
    if claim is None:
        return f"subject={app.client_id}"
    if claim not in app.custom_claims:
        raise ValueError(f"the registration has no custom claim {claim[:40]!r}")
    return f"{rules.CLAIM_PREFIX}{claim}={app.custom_claims[claim]}"


def suggested_name(app: Application) -> str:
    return f"Share with {app.display_name or app.client_id}"[: rules.MAX_DISPLAY_NAME]


def share_body(
    app: Application,
    choice: Choice,
    readable: Sequence[str],
    *,
    claim: str | None = None,
    display_name: str | None = None,
) -> dict[str, Any]:
    """The create body of the policy that shares the chosen assets' `readable` attributes with `app`."""
    name = suggested_name(app) if display_name is None else display_name
    return {
        "display_name": name,
        "description": f"Shares the assets where {choice.words()}"[: rules.MAX_DESCRIPTION],
        "filters": choice.filters(),
        "access_permissions": [
            {
                "user_attributes": [{"or": [naming_entry(app, claim)]}],
                "include_attributes": list(dict.fromkeys(readable)),
            }
        ],
    }


def others_named(app: Application, claim: str | None, registrations: Iterable[Application]) -> list[Application]:
    """The other registrations a policy naming `app` this way also names (none by subject)."""
    test = rules.parse_user_test(naming_entry(app, claim))
    return [
        other
        for other in registrations
        if other.client_id != app.client_id
        and test.passes(rules.Who.registration(other.client_id, other.display_name, other.custom_claims))
    ]


async def tenant_assets(client: RkvstClient, limit: int = MAX_ASSETS) -> TenantAssets:
    """The tenant's assets as the caller sees them: one page of at most `limit`."""
    body = await client._call("GET", ASSETS_PATH, params={"page_size": limit})
    what = f"GET {ASSETS_PATH}"
    items = client._field(body, "assets", what, list)
    more = bool(body.get("next_page_token")) if isinstance(body, dict) else False
    return TenantAssets(tuple(Asset.from_wire(item) for item in items[:limit]), more or len(items) > limit)


__all__ = [
    "AttributeValues",
    "Choice",
    "TenantAssets",
    "attribute_names",
    "attribute_values",
    "matching",
    "naming_entry",
    "others_named",
    "share_body",
    "suggested_name",
    "tenant_assets",
]
