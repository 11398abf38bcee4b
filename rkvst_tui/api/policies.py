"""Access policies (accesspoliciesv1) through an RkvstClient: list, get, create, update, delete,
the assets a policy covers and the policies that cover an asset; and assets by attribute.

Functions take the client (they use its one request path, `_call`, so the retry policy,
bounds and error mapping of client.py apply unchanged) and keep client.py itself small.
Writes are never retried blindly (client.py); a policy is checked with
`access_rules.check_policy` before it is sent, so a bad one fails here with the same words the
sandbox would answer with, naming the field. docs/access-policies.md says how policies are read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from . import access_rules as rules
from .errors import InvalidArgument, InvalidResponse
from .models import UUID_PATTERN, Asset, _object, _string

if TYPE_CHECKING:
    from .client import RkvstClient

POLICIES_PATH = "/archivist/iam/v1/access_policies"
ASSETS_PATH = "/archivist/v2/assets"
POLICY_PREFIX = "access_policies/"
ASSET_PREFIX = "assets/"
MAX_PAGES = 100_000


def _uuid_of(ref: str, prefix: str, what: str) -> str:
    text = ref.strip().removeprefix(prefix)
    if not UUID_PATTERN.fullmatch(text):
        raise InvalidArgument(f"{ref[:80]!r} is not {what} id: give the uuid or {prefix}<uuid>")
    return text


def policy_uuid(ref: str | Policy) -> str:
    """The uuid of `access_policies/<uuid>`, `<uuid>` or a Policy."""
    if isinstance(ref, Policy):
        return ref.uuid
    return _uuid_of(ref, POLICY_PREFIX, "an access policy")


def _string_list(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidResponse(f"{what} is not a list of strings")
    return tuple(value)


def _groups(value: Any, what: str) -> tuple[tuple[str, ...], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidResponse(f"{what} is {type(value).__name__}, not a list")
    groups = []
    for index, group in enumerate(value):
        group = _object(group, f"{what}[{index}]")
        groups.append(_string_list(group.get("or"), f"{what}[{index}].or"))
    return tuple(groups)


@dataclass(frozen=True)
class Permission:
    """One entry of access_permissions: whom it names and what it shares."""

    user_attributes: tuple[tuple[str, ...], ...] = ()
    include_attributes: tuple[str, ...] = ()
    asset_attributes_read: tuple[str, ...] = ()
    asset_attributes_write: tuple[str, ...] = ()
    behaviours: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    event_arc_display_type_read: tuple[str, ...] = ()
    event_arc_display_type_write: tuple[str, ...] = ()

    @classmethod
    def from_wire(cls, data: Any, what: str = "permission") -> Permission:
        data = _object(data, what)
        lists = {key: _string_list(data.get(key), f"{what} '{key}'") for key in rules.PERMISSION_LISTS}
        return cls(user_attributes=_groups(data.get("user_attributes"), f"{what} 'user_attributes'"), **lists)

    def to_wire(self) -> dict[str, Any]:
        body: dict[str, Any] = {"user_attributes": [{"or": list(group)} for group in self.user_attributes]}
        for key in rules.PERMISSION_LISTS:
            body[key] = list(getattr(self, key))
        return body

    @property
    def readable(self) -> tuple[str, ...]:
        """The attribute names it lets whoever it names read (include_attributes + asset_attributes_read)."""
        return tuple(dict.fromkeys(self.include_attributes + self.asset_attributes_read))


@dataclass(frozen=True)
class Policy:
    identity: str
    display_name: str = ""
    description: str = ""
    filters: tuple[tuple[str, ...], ...] = ()
    access_permissions: tuple[Permission, ...] = ()
    tenant: str = ""
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    _KNOWN = ("identity", "display_name", "description", "filters", "access_permissions", "tenant")

    @property
    def uuid(self) -> str:
        return self.identity.removeprefix(POLICY_PREFIX)

    @classmethod
    def from_wire(cls, data: Any) -> Policy:
        data = _object(data, "access policy")
        identity = _string(data, "identity", "access policy", required=True)
        if not identity.startswith(POLICY_PREFIX) or not UUID_PATTERN.fullmatch(identity.removeprefix(POLICY_PREFIX)):
            raise InvalidResponse(f"access policy identity {identity[:80]!r} is not access_policies/<uuid>")
        permissions = data.get("access_permissions")
        if permissions is not None and not isinstance(permissions, list):
            raise InvalidResponse("access policy 'access_permissions' is not a list")
        return cls(
            identity=identity,
            display_name=_string(data, "display_name", "access policy"),
            description=_string(data, "description", "access policy"),
            filters=_groups(data.get("filters"), "access policy 'filters'"),
            access_permissions=tuple(
                Permission.from_wire(p, f"access_permissions[{i}]") for i, p in enumerate(permissions or [])
            ),
            tenant=_string(data, "tenant", "access policy"),
            extra={k: v for k, v in data.items() if k not in cls._KNOWN},
        )

    def body(self) -> dict[str, Any]:
        """The four writable fields, as a create or replace body (and what access_rules reads)."""
        return {
            "display_name": self.display_name,
            "description": self.description,
            "filters": [{"or": list(group)} for group in self.filters],
            "access_permissions": [p.to_wire() for p in self.access_permissions],
        }

    def to_wire(self) -> dict[str, Any]:
        return {"identity": self.identity, **self.body(), "tenant": self.tenant, **self.extra}

    def filters_in_words(self) -> str:
        return rules.describe_filters(self.body())

    def grantees_in_words(self) -> str:
        return rules.describe_grantees(self.body())


def check_body(body: Any, *, creating: bool = True, only: Sequence[str] | None = None) -> dict[str, Any]:
    """The body, if the service would take it; else InvalidArgument naming the first bad field."""
    problems = rules.errors(rules.check_policy(body, creating=creating, only=only))
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InvalidArgument(
            f"invalid access policy: {problems[0]}{more}",
            hint="see docs/access-policies.md for the forms of filters and user attributes",
        )
    assert isinstance(body, dict)
    return {k: v for k, v in body.items() if k not in rules.SERVER_FIELDS}


def load_body(text: str, *, source: str = "the policy file") -> dict[str, Any]:
    """A policy body from JSON text (the API's create body; a policy as `show --json` prints it works too)."""
    try:
        body = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidArgument(
            f"{source} is not valid JSON: {exc}", hint="give a JSON object like the API's body"
        ) from None
    if not isinstance(body, dict):
        raise InvalidArgument(
            f"{source} holds a JSON {type(body).__name__}, not an object",
            hint='write {"display_name": ..., "filters": [...], "access_permissions": [...]}',
        )
    return body


# -- calls ---------------------------------------------------------------------------------


async def _pages(client: RkvstClient, path: str, key: str, params: dict[str, Any]) -> list[Any]:
    items: list[Any] = []
    token = ""
    seen: set[str] = set()
    what = f"GET {path}"
    for _ in range(MAX_PAGES):
        query = dict(params) if not token else {k: v for k, v in params.items() if k == "page_size"}
        if token:
            query["page_token"] = token
        body = await client._call("GET", path, params=query)
        items.extend(client._field(body, key, what, list))
        token = client._field(body, "next_page_token", what, str)
        if not token:
            return items
        if token in seen:
            raise InvalidResponse("the server sent the same page token twice: paging would never end")
        seen.add(token)
    raise InvalidResponse(f"the server sent more than {MAX_PAGES} pages")


def _page_size(page_size: int | None) -> dict[str, Any]:
    if page_size is None:
        return {}
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise InvalidArgument(f"page size {page_size!r} is not a positive whole number")
    return {"page_size": page_size}


async def list_policies(
    client: RkvstClient, *, display_name: str | None = None, page_size: int | None = None
) -> list[Policy]:
    params = _page_size(page_size)
    if display_name is not None:
        params["display_name"] = display_name
    return [Policy.from_wire(item) for item in await _pages(client, POLICIES_PATH, "access_policies", params)]


def _path(ref: str | Policy, suffix: str = "") -> str:
    return f"{POLICIES_PATH}/{quote(policy_uuid(ref), safe='')}{suffix}"


async def get_policy(client: RkvstClient, ref: str | Policy) -> Policy:
    return Policy.from_wire(await client._call("GET", _path(ref), subject=f"access policy {policy_uuid(ref)}"))


async def find_policies(client: RkvstClient, ref: str) -> list[Policy]:
    """A policy by id, or every policy with exactly this display name (for the command line)."""
    text = ref.strip()
    if UUID_PATTERN.fullmatch(text.removeprefix(POLICY_PREFIX)):
        return [await get_policy(client, text)]
    return [p for p in await list_policies(client, display_name=text) if p.display_name == text]


async def create_policy(client: RkvstClient, body: Mapping[str, Any]) -> Policy:
    checked = check_body(dict(body), creating=True)
    return Policy.from_wire(await client._call("POST", POLICIES_PATH, json_body=checked))


async def update_policy(
    client: RkvstClient, ref: str | Policy, changes: Mapping[str, Any], *, mask: Iterable[str] | None = None
) -> Policy:
    """PATCH: with `mask`, exactly those fields (one `changes` leaves out is emptied); without,
    the fields `changes` holds replace theirs."""
    fields = list(mask) if mask is not None else [k for k in rules.POLICY_FIELDS if k in changes]
    unknown = [name for name in fields if name not in rules.POLICY_FIELDS]
    if unknown:
        raise InvalidArgument(
            f"{unknown[0][:40]!r} is not a field of an access policy you can update "
            f"(the fields are {', '.join(rules.POLICY_FIELDS)})"
        )
    if not fields:
        raise InvalidArgument("nothing to update: give at least one of " + ", ".join(rules.POLICY_FIELDS))
    checked = check_body(dict(changes), creating=False, only=fields)
    body = {name: checked.get(name) for name in fields if name in checked}
    params = {"mask": ",".join(fields)} if mask is not None else None
    answer = await client._call(
        "PATCH", _path(ref), params=params, json_body=body, subject=f"access policy {policy_uuid(ref)}"
    )
    return Policy.from_wire(answer)


async def delete_policy(client: RkvstClient, ref: str | Policy) -> None:
    await client._call("DELETE", _path(ref), subject=f"access policy {policy_uuid(ref)}")


async def policy_assets(client: RkvstClient, ref: str | Policy, *, page_size: int | None = None) -> list[Asset]:
    """The assets the policy's filters cover (whoever it names)."""
    items = await _pages(client, _path(ref, "/assets"), "assets", _page_size(page_size))
    return [Asset.from_wire(item) for item in items]


async def asset_policies(client: RkvstClient, asset_ref: str, *, page_size: int | None = None) -> list[Policy]:
    """The policies whose filters cover this asset (`assets/<uuid>` or the uuid)."""
    asset_uuid = _uuid_of(asset_ref, ASSET_PREFIX, "an asset")
    path = f"/archivist/iam/v1/assets/{quote(asset_uuid, safe='')}/access_policies"
    return [Policy.from_wire(item) for item in await _pages(client, path, "access_policies", _page_size(page_size))]


async def assets_where(
    client: RkvstClient, attributes: Mapping[str, str] | None = None, *, page_size: int | None = None
) -> list[Asset]:
    """The assets the caller sees whose attributes hold these values (`attributes.NAME=VALUE`)."""
    params = _page_size(page_size)
    for name, value in (attributes or {}).items():
        params[rules.ATTRIBUTE_PREFIX + name] = value
    return [Asset.from_wire(item) for item in await _pages(client, ASSETS_PATH, "assets", params)]
