"""Access policies (ABAC): the one reading of their rules, for the sandbox and the console.

The sandbox evaluates policies with these functions and refuses a bad policy with the
messages of `check_policy`; the console checks a policy as it is typed with the same
function, adds the warnings that need the tenant's assets and registrations
(`policy_warnings`), and explains what a registration sees with `names`, `filters_match` and
`readable`. The semantics, and why, are in docs/access-policies.md.

A policy (accesspoliciesv1 swagger):
    {"display_name", "description",
     "filters": [{"or": ["attributes.NAME=VALUE", "attributes.NAME!=VALUE", ...]}, ...],
     "access_permissions": [{"user_attributes": [{"or": ["subject=<client id>", "jwt_<claim>=V"]}],
                             "include_attributes": [...], "asset_attributes_read": [...], ...}]}
The outer lists are ANDed, the strings of one `or` are ORed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ATTRIBUTE_PREFIX = "attributes."
ANY_VALUE = "*"
CLAIM_PREFIX = "jwt_"
GROUP_PREFIX = "group:"
# Limits (decided; the swagger gives only the two string lengths).
MAX_DISPLAY_NAME = 128  # v1CreateIAMAccessPolicyRequest.display_name maxLength
MAX_DESCRIPTION = 4096
MAX_ENTRY = 1024  # one filter string, attribute name or subject
MAX_LIST = 100  # filters, entries of one `or`, permissions, names in one permission list

PERMISSION_LISTS = (
    "subjects",
    "behaviours",
    "include_attributes",
    "asset_attributes_read",
    "asset_attributes_write",
    "event_arc_display_type_read",
    "event_arc_display_type_write",
)
POLICY_FIELDS = ("display_name", "description", "filters", "access_permissions")
SERVER_FIELDS = ("identity", "tenant")  # sent back by a client that read the policy; ignored
# Claims the token service sets itself (contract §4): a jwt_ test may name them too.
SERVICE_CLAIMS = ("sub", "client_id", "name", "iss", "aud", "jit_tenant_id", "jit_tier")


class RuleError(ValueError):
    """A string that is not a filter or user attribute of the documented forms."""


@dataclass(frozen=True)
class AssetTest:
    """One entry of a filter's `or`: `attributes.NAME=VALUE` or `attributes.NAME!=VALUE`."""

    text: str
    name: str
    value: str
    negated: bool = False

    def passes(self, attributes: Mapping[str, Any]) -> bool:
        return self.negated != _has_value(attributes, self.name, self.value)

    def words(self) -> str:
        if self.value == ANY_VALUE:
            return f"has no {self.name}" if self.negated else f"has a {self.name}"
        return f"{self.name} {'is not' if self.negated else 'is'} {self.value!r}"


@dataclass(frozen=True)
class UserTest:
    """One entry of a permission's user_attributes `or`: `subject=`, `email=` or `jwt_<claim>=`."""

    text: str
    kind: str  # "subject" | "email" | "claim" | "group"
    name: str  # the claim's name for "claim", else the kind
    value: str

    def passes(self, who: Who) -> bool:
        if self.kind == "subject":
            return who.subject == self.value
        if self.kind == "claim":
            return who.claims.get(self.name) == self.value
        if self.kind == "group":
            return self.value in who.groups
        return bool(who.email) and who.email == self.value

    def words(self) -> str:
        if self.kind == "subject":
            return f"the registration {self.value}"
        if self.kind == "claim":
            return f"whoever has the claim {self.name}={self.value!r}"
        if self.kind == "group":
            return f"users of the group {self.value!r}"
        return f"the user {self.value}"


@dataclass(frozen=True)
class Who:
    """A caller as policies see it: the token's subject and its string claims."""

    subject: str
    claims: Mapping[str, str] = field(default_factory=dict)
    email: str = ""
    groups: frozenset[str] = frozenset()  # a user's identity-provider groups; an app registration has none

    @classmethod
    def from_token_claims(cls, claims: Mapping[str, Any]) -> Who:
        strings = {k: v for k, v in claims.items() if isinstance(k, str) and isinstance(v, str)}
        return cls(subject=strings.get("sub", ""), claims=strings, email="")

    @classmethod
    def registration(cls, client_id: str, display_name: str, custom_claims: Mapping[str, str]) -> Who:
        """The claims a token of this registration carries (contract §4), without minting one."""
        claims = {k: v for k, v in custom_claims.items() if isinstance(v, str)}
        claims.update({"sub": client_id, "client_id": client_id, "name": display_name})
        return cls(subject=client_id, claims=claims)


@dataclass(frozen=True)
class Issue:
    """A problem with a policy: `where` is a field path such as `filters[0].or[1]`."""

    where: str
    message: str
    severity: str = "error"  # "error" (the service refuses it) | "warning" (allowed, but read it)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


# -- parsing -----------------------------------------------------------------------------


def parse_asset_test(text: str) -> AssetTest:
    if not isinstance(text, str):
        raise RuleError(f"is {type(text).__name__}, not a string such as 'attributes.arc_display_type=Traffic Light'")
    if not text.startswith(ATTRIBUTE_PREFIX):
        example = f"{ATTRIBUTE_PREFIX}{text}" if "=" in text else f"{ATTRIBUTE_PREFIX}arc_display_type=Traffic Light"
        raise RuleError(
            f"{text[:80]!r} is not attributes.NAME=VALUE or attributes.NAME!=VALUE (for example {example[:80]!r})"
        )
    body = text[len(ATTRIBUTE_PREFIX) :]
    name, sep, value = body.partition("=")
    negated = name.endswith("!")
    if negated:
        name = name[:-1]
    if not sep or not name.strip():
        raise RuleError(f"{text[:80]!r} names no attribute: write attributes.NAME=VALUE")
    if name != name.strip() or any(ch.isspace() or ord(ch) < 32 for ch in name):
        raise RuleError(f"{text[:80]!r}: the attribute name has spaces or control characters")
    if value == "":
        raise RuleError(f"{text[:80]!r} has no value: write a value, or * for any value")
    return AssetTest(text, name, value, negated)


def parse_user_test(text: str) -> UserTest:
    if not isinstance(text, str):
        raise RuleError(f"is {type(text).__name__}, not a string such as 'subject=<client id>'")
    if text.startswith(GROUP_PREFIX) and len(text) > len(GROUP_PREFIX) and "=" not in text:
        # The swagger's and the SDK's example (`group:maintainers`): an identity provider's user group.
        # Kept and shown, but no app registration is in a group, so it names none of them.
        return UserTest(text, "group", "group", text[len(GROUP_PREFIX) :])
    name, sep, value = text.partition("=")
    hint = "write subject=<client id>, jwt_<claim>=<value> or email=<address>"
    if not sep or name.endswith("!"):
        raise RuleError(f"{text[:80]!r} is not NAME=VALUE: {hint}")
    if value == "":
        raise RuleError(f"{text[:80]!r} has no value: {hint}")
    if value == ANY_VALUE:
        raise RuleError(f"{text[:80]!r}: user attributes match exact values (* is for asset filters only)")
    if name == "subject":
        return UserTest(text, "subject", "subject", value)
    if name == "email":
        return UserTest(text, "email", "email", value)
    if name.startswith(CLAIM_PREFIX) and len(name) > len(CLAIM_PREFIX):
        return UserTest(text, "claim", name[len(CLAIM_PREFIX) :], value)
    raise RuleError(f"{text[:80]!r} names {name[:40]!r}, which is not a user attribute: {hint}")


def _has_value(attributes: Mapping[str, Any], name: str, value: str) -> bool:
    """Does the attribute hold `value`? `*` means "has the attribute"; a list holds each of its strings."""
    if name not in attributes:
        return False
    held = attributes[name]
    if value == ANY_VALUE:
        return True
    if isinstance(held, str):
        return held == value
    if isinstance(held, list):
        return any(isinstance(item, str) and item == value for item in held)
    return False


# -- evaluation (the policy is already checked) ------------------------------------------------


def _groups(items: Any) -> list[list[str]]:
    groups = []
    for item in items or []:
        entries = item.get("or") if isinstance(item, dict) else None
        groups.append([e for e in entries or [] if isinstance(e, str)])
    return groups


def asset_tests(policy: Mapping[str, Any]) -> list[list[AssetTest]]:
    """The policy's filters, parsed; an entry that does not parse is left out (it can match nothing)."""
    parsed = []
    for group in _groups(policy.get("filters")):
        tests = []
        for text in group:
            try:
                tests.append(parse_asset_test(text))
            except RuleError:
                continue
        parsed.append(tests)
    return parsed


def user_tests(permission: Mapping[str, Any]) -> list[list[UserTest]]:
    parsed = []
    for group in _groups(permission.get("user_attributes")):
        tests = []
        for text in group:
            try:
                tests.append(parse_user_test(text))
            except RuleError:
                continue
        parsed.append(tests)
    return parsed


def filters_match(policy: Mapping[str, Any], attributes: Mapping[str, Any]) -> bool:
    """Every filter has an entry the asset passes. A policy without filters matches no asset."""
    groups = asset_tests(policy)
    return bool(groups) and all(any(test.passes(attributes) for test in group) for group in groups)


def names(permission: Mapping[str, Any], who: Who) -> bool:
    """Does the permission name this caller? Every user_attributes group must have a passing entry;
    a permission without user_attributes names no app registration (its `subjects` are OBAC)."""
    groups = user_tests(permission)
    return bool(groups) and all(any(test.passes(who) for test in group) for group in groups)


def readable(permission: Mapping[str, Any]) -> frozenset[str]:
    """The attribute names a permission shares: include_attributes and asset_attributes_read."""
    shared: set[str] = set()
    for key in ("include_attributes", "asset_attributes_read"):
        shared.update(v for v in permission.get(key) or [] if isinstance(v, str))
    return frozenset(shared)


def permissions_for(policy: Mapping[str, Any], who: Who) -> list[int]:
    """The indexes of the policy's permissions that name the caller."""
    return [
        index
        for index, permission in enumerate(policy.get("access_permissions") or [])
        if isinstance(permission, dict) and names(permission, who)
    ]


@dataclass(frozen=True)
class Grant:
    """A policy's share for one caller, parsed once: its filters and the attributes shared."""

    filters: tuple[tuple[AssetTest, ...], ...]
    readable: frozenset[str]

    def covers(self, attributes: Mapping[str, Any]) -> bool:
        return bool(self.filters) and all(any(t.passes(attributes) for t in group) for group in self.filters)


def grants_for(policies: Iterable[Mapping[str, Any]], who: Who) -> list[Grant]:
    """The shares of the policies that name the caller (one per policy; its naming permissions' union)."""
    grants = []
    for policy in policies:
        granted = permissions_for(policy, who)
        if not granted:
            continue
        permissions = policy.get("access_permissions") or []
        shared: set[str] = set()
        for index in granted:
            shared |= readable(permissions[index])
        grants.append(Grant(tuple(tuple(group) for group in asset_tests(policy)), frozenset(shared)))
    return grants


def visible_through(grants: Sequence[Grant], attributes: Mapping[str, Any]) -> dict[str, Any] | None:
    """What of an asset these grants show: None if none covers it, else the union of what they share
    (`*` shares all)."""
    shared: set[str] = set()
    seen = False
    for grant in grants:
        if grant.covers(attributes):
            seen = True
            shared |= grant.readable
    if not seen:
        return None
    if ANY_VALUE in shared:
        return dict(attributes)
    return {name: value for name, value in attributes.items() if name in shared}


def visible_attributes(
    policies: Iterable[Mapping[str, Any]], who: Who, attributes: Mapping[str, Any]
) -> dict[str, Any] | None:
    """What of an asset the caller may read through these policies: None if no policy shares it,
    else the attributes every matching permission shares together (`*` shares all)."""
    return visible_through(grants_for(policies, who), attributes)


def describe_filters(policy: Mapping[str, Any]) -> str:
    """The filters in words: `(A or B) and C`."""
    parts = []
    for group in asset_tests(policy):
        words = [test.words() for test in group]
        if not words:
            continue
        parts.append(words[0] if len(words) == 1 else "(" + " or ".join(words) + ")")
    return " and ".join(parts) if parts else "no filter: no asset"


def describe_grantees(policy: Mapping[str, Any]) -> str:
    """Who the policy's permissions name, in words."""
    people = []
    for permission in policy.get("access_permissions") or []:
        if not isinstance(permission, dict):
            continue
        groups = user_tests(permission)
        if not groups:
            subjects = [s for s in permission.get("subjects") or [] if isinstance(s, str)]
            people.append(f"{len(subjects)} subject(s) of other organisations" if subjects else "nobody")
            continue
        words = [" or ".join(test.words() for test in group) or "nobody" for group in groups]
        people.append(" and ".join(words))
    return "; ".join(people) if people else "nobody"


# -- checking ------------------------------------------------------------------------------


def _check_strings(value: Any, where: str, issues: list[Issue], *, limit: int = MAX_LIST) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        issues.append(Issue(where, f"must be a list of strings, not {type(value).__name__}"))
        return []
    if len(value) > limit:
        issues.append(Issue(where, f"has {len(value)} entries: the limit is {limit}"))
    strings = []
    for index, item in enumerate(value):
        if not isinstance(item, str):
            issues.append(Issue(f"{where}[{index}]", f"must be a string, not {type(item).__name__}"))
        elif not item.strip():
            issues.append(Issue(f"{where}[{index}]", "is empty"))
        elif len(item) > MAX_ENTRY:
            issues.append(Issue(f"{where}[{index}]", f"is {len(item)} characters long: the limit is {MAX_ENTRY}"))
        else:
            strings.append(item)
    return strings


def _check_groups(value: Any, where: str, parse: Callable[[str], object], issues: list[Issue]) -> None:
    if value is None:
        return
    if not isinstance(value, list):
        issues.append(Issue(where, f'must be a list of {{"or": [...]}} objects, not {type(value).__name__}'))
        return
    if len(value) > MAX_LIST:
        issues.append(Issue(where, f"has {len(value)} entries: the limit is {MAX_LIST}"))
    for index, group in enumerate(value):
        here = f"{where}[{index}]"
        if not isinstance(group, dict):
            issues.append(Issue(here, f'must be an object {{"or": [...]}}, not {type(group).__name__}'))
            continue
        unknown = sorted(set(group) - {"or"})
        if unknown:
            issues.append(Issue(here, f'has the unknown field {unknown[0][:40]!r}: only "or" is allowed'))
        entries = group.get("or")
        if not entries:
            issues.append(Issue(f"{here}.or", "is empty: it would match nothing; give at least one entry"))
            continue
        for position, text in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(text, str) and len(text) > MAX_ENTRY:
                continue  # reported by _check_strings
            try:
                parse(text)
            except RuleError as exc:
                issues.append(Issue(f"{here}.or[{position}]", str(exc)))
        _check_strings(entries, f"{here}.or", issues)


def check_policy(body: Any, *, creating: bool = True, only: Sequence[str] | None = None) -> list[Issue]:
    """Errors that make the service refuse the policy (the sandbox answers 400 with the first).

    `creating`: display_name is required. `only`: check just these fields (a PATCH with a mask).
    """
    if not isinstance(body, dict):
        return [Issue("", "the policy must be a JSON object")]
    issues: list[Issue] = []
    wanted = set(only) if only is not None else set(POLICY_FIELDS)
    for key in body:
        if key not in POLICY_FIELDS and key not in SERVER_FIELDS:
            issues.append(
                Issue(str(key)[:40], f"is not a field of an access policy (the fields are {', '.join(POLICY_FIELDS)})")
            )
    if "display_name" in wanted:
        name = body.get("display_name")
        if name is None or (isinstance(name, str) and not name.strip()):
            if creating or "display_name" in body:
                issues.append(Issue("display_name", "is missing: give the policy a name"))
        elif not isinstance(name, str):
            issues.append(Issue("display_name", f"must be a string, not {type(name).__name__}"))
        elif len(name) > MAX_DISPLAY_NAME:
            issues.append(Issue("display_name", f"is {len(name)} characters long: the limit is {MAX_DISPLAY_NAME}"))
    if "description" in wanted:
        description = body.get("description")
        if description is not None and not isinstance(description, str):
            issues.append(Issue("description", f"must be a string, not {type(description).__name__}"))
        elif isinstance(description, str) and len(description) > MAX_DESCRIPTION:
            issues.append(
                Issue("description", f"is {len(description)} characters long: the limit is {MAX_DESCRIPTION}")
            )
    if "filters" in wanted:
        _check_groups(body.get("filters"), "filters", parse_asset_test, issues)
    if "access_permissions" in wanted:
        permissions = body.get("access_permissions")
        if permissions is not None and not isinstance(permissions, list):
            issues.append(
                Issue("access_permissions", f"must be a list of permissions, not {type(permissions).__name__}")
            )
            permissions = []
        if permissions and len(permissions) > MAX_LIST:
            issues.append(Issue("access_permissions", f"has {len(permissions)} entries: the limit is {MAX_LIST}"))
        for index, permission in enumerate(permissions or []):
            here = f"access_permissions[{index}]"
            if not isinstance(permission, dict):
                issues.append(Issue(here, f"must be an object, not {type(permission).__name__}"))
                continue
            for key in permission:
                if key not in PERMISSION_LISTS and key != "user_attributes":
                    issues.append(
                        Issue(
                            f"{here}.{str(key)[:40]}",
                            "is not a field of a permission (the fields are "
                            f"user_attributes, {', '.join(PERMISSION_LISTS)})",
                        )
                    )
            for key in PERMISSION_LISTS:
                _check_strings(permission.get(key), f"{here}.{key}", issues)
            _check_groups(permission.get("user_attributes"), f"{here}.user_attributes", parse_user_test, issues)
    return issues


def errors(issues: Iterable[Issue]) -> list[Issue]:
    return [issue for issue in issues if issue.severity == "error"]


def policy_warnings(
    policy: Mapping[str, Any],
    *,
    assets: Sequence[Mapping[str, Any]] | None = None,
    registrations: Sequence[Who] | None = None,
) -> list[Issue]:
    """What is allowed but probably not meant, given the tenant's asset attributes and registrations.

    `assets`: the attributes of each asset (None: not known, no asset warnings);
    `registrations`: every app registration as a Who (None: not known).
    """
    warnings: list[Issue] = []

    def warn(where: str, message: str) -> None:
        warnings.append(Issue(where, message, "warning"))

    groups = policy.get("filters") or []
    if not groups:
        warn(
            "filters", "no filter: the policy shares no asset (attributes.arc_display_type=* matches every typed asset)"
        )
    if assets is not None and isinstance(groups, list):
        any_fails = False
        for index, tests in enumerate(asset_tests(policy)):
            for position, test in enumerate(tests):
                if not any(test.passes(a) for a in assets):
                    values = sorted({str(a[test.name])[:40] for a in assets if isinstance(a.get(test.name), str)})[:5]
                    known = (
                        f" (values of {test.name}: {', '.join(values)})"
                        if values
                        else f" (no asset has the attribute {test.name})"
                    )
                    warn(
                        f"filters[{index}].or[{position}]",
                        f"{test.text} matches none of the {len(assets)} assets{known}",
                    )
                    any_fails = True
        if groups and not any(filters_match(policy, a) for a in assets) and not any_fails:
            warn("filters", f"together the filters match none of the {len(assets)} assets")
    permissions = policy.get("access_permissions") or []
    if not permissions:
        warn("access_permissions", "no permission: the policy gives nobody access")
    for index, permission in enumerate(permissions if isinstance(permissions, list) else []):
        if not isinstance(permission, dict):
            continue
        here = f"access_permissions[{index}]"
        groups_u = user_tests(permission)
        if not groups_u:
            if permission.get("subjects"):
                warn(
                    f"{here}.user_attributes",
                    "names no app registration of this tenant (subjects are other "
                    "organisations): add subject=<client id> or jwt_<claim>=<value>",
                )
            else:
                warn(f"{here}.user_attributes", "names nobody: add subject=<client id> or jwt_<claim>=<value>")
        if registrations is not None:
            carried = {name for who in registrations for name in who.claims}
            for g, group in enumerate(groups_u):
                for position, user_test in enumerate(group):
                    where = f"{here}.user_attributes[{g}].or[{position}]"
                    if user_test.kind == "group":
                        warn(
                            where,
                            f"{user_test.text[:60]!r} is a user group of an identity provider: "
                            "no app registration is in one (use subject=<client id> or jwt_<claim>=<value>)",
                        )
                    elif user_test.kind == "claim" and user_test.name not in carried:
                        warn(where, f"no app registration carries the claim {user_test.name!r}")
                    elif user_test.kind == "claim" and not any(user_test.passes(who) for who in registrations):
                        values = sorted(
                            {who.claims[user_test.name][:40] for who in registrations if user_test.name in who.claims}
                        )[:5]
                        warn(
                            where,
                            f"no app registration has {user_test.name}={user_test.value!r} (values: {', '.join(values)})",
                        )
                    elif user_test.kind == "subject" and not any(user_test.passes(who) for who in registrations):
                        warn(where, f"no app registration has the client id {user_test.value!r}")
            if groups_u and not any(names(permission, who) for who in registrations):
                warn(f"{here}.user_attributes", "names none of the tenant's app registrations")
        if not readable(permission):
            warn(
                f"{here}.asset_attributes_read",
                "shares no attribute: whoever it names sees only the assets' identities",
            )
    return warnings
