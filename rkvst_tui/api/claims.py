"""Custom-claim rules (api-contract.md §5), shared by the console, the CLI and the sandbox.

One module decides, so the client and the server can never disagree about a claim.
Every verdict is a `ClaimIssue` that names the claim, the rule it broke, and a sentence
a person can act on.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

MAX_NAME_LENGTH = 128  # decided (contract §5)
MAX_VALUE_LENGTH = 1024  # decided
MAX_CLAIMS = 50  # decided

RESERVED_PREFIXES = ("jit_", "arc_")
REGISTERED_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti"})
TOKEN_SERVICE_CLAIMS = frozenset({"name", "client_id"})
JOSE_HEADER_NAMES = frozenset(
    {"alg", "typ", "cty", "kid", "jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256", "crit", "enc", "zip"}
)
RESERVED_NAMES = REGISTERED_CLAIMS | TOKEN_SERVICE_CLAIMS | JOSE_HEADER_NAMES

# Names in the IANA "JSON Web Token Claims" registry that a token service or relying
# party may read with a meaning of its own: allowed, but worth a warning.
IANA_REGISTERED_CLAIMS = frozenset(
    {
        "email",
        "email_verified",
        "scope",
        "roles",
        "groups",
        "entitlements",
        "azp",
        "nonce",
        "auth_time",
        "acr",
        "amr",
        "sid",
        "cnf",
        "act",
        "may_act",
        "given_name",
        "family_name",
        "middle_name",
        "nickname",
        "preferred_username",
        "profile",
        "picture",
        "website",
        "gender",
        "birthdate",
        "zoneinfo",
        "locale",
        "phone_number",
        "phone_number_verified",
        "address",
        "updated_at",
        "at_hash",
        "c_hash",
        "s_hash",
        "events",
        "toe",
        "txn",
        "rph",
        "orig",
        "dest",
        "mky",
        "sub_jwk",
        "client_id",
        "htm",
        "htu",
        "ath",
        "origin",
        "attest",
        "vot",
        "vtm",
        "jcard",
        "sip_callid",
        "sip_cseqnum",
        "sip_date",
        "sip_via_branch",
        "eat_nonce",
        "ueid",
        "oemid",
        "hwmodel",
        "hwversion",
        "secboot",
        "dbgstat",
        "location",
        "eat_profile",
        "submods",
        "organization",
        "role",
    }
)

RULE_EMPTY = "empty-name"
RULE_NAME_NOT_STRING = "name-not-string"
RULE_WHITESPACE = "whitespace-or-control"
RULE_NAME_TOO_LONG = "name-too-long"
RULE_RESERVED_PREFIX = "reserved-prefix"
RULE_REGISTERED = "registered-claim"
RULE_TOKEN_SERVICE = "set-by-token-service"
RULE_JOSE_HEADER = "jose-header-name"
RULE_VALUE_NOT_STRING = "value-not-string"
RULE_VALUE_TOO_LONG = "value-too-long"
RULE_TOO_MANY = "too-many-claims"
RULE_DUPLICATE = "duplicate-name"
RULE_IANA = "iana-registered"
RULE_LOOKALIKE = "case-lookalike"


class Severity(str, Enum):  # noqa: UP042 - not StrEnum: str() of a member stays as it is
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class ClaimIssue:
    """One verdict on one claim: which claim, which rule, and what to do."""

    claim: str
    rule: str
    severity: Severity
    message: str
    row: int | None = None  # position in the list that was checked, when rows were given

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        return f"{self.severity.value}: {self.message}"


def _shown(name: str) -> str:
    """A claim name as it can safely be put in a sentence."""
    if name == "":
        return "(empty)"
    return repr(name) if any(not ch.isprintable() for ch in name) else f"'{name}'"


def _error(name: str, rule: str, message: str, row: int | None) -> ClaimIssue:
    return ClaimIssue(name, rule, Severity.ERROR, message, row)


def _warning(name: str, rule: str, message: str, row: int | None) -> ClaimIssue:
    return ClaimIssue(name, rule, Severity.WARNING, message, row)


def check_name(name: object, row: int | None = None) -> list[ClaimIssue]:
    """The verdicts on one claim name alone (no duplicate or count rules)."""
    if not isinstance(name, str):
        return [_error(str(name), RULE_NAME_NOT_STRING, f"claim name {name!r} is not a string", row)]
    shown = _shown(name)
    if name == "":
        return [_error(name, RULE_EMPTY, "claim name is empty: give the claim a name", row)]
    issues: list[ClaimIssue] = []
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in name):
        issues.append(
            _error(name, RULE_WHITESPACE, f"claim {shown} contains whitespace or control characters: remove them", row)
        )
    if len(name) > MAX_NAME_LENGTH:
        issues.append(
            _error(
                name,
                RULE_NAME_TOO_LONG,
                f"claim name {shown[:40]}... is {len(name)} characters long: the limit is {MAX_NAME_LENGTH}",
                row,
            )
        )
    lowered = name.lower()
    for prefix in RESERVED_PREFIXES:
        if name.startswith(prefix):
            owner = "RKVST's own claims" if prefix == "jit_" else "reserved by the vendor"
            issues.append(
                _error(
                    name,
                    RULE_RESERVED_PREFIX,
                    f"claim {shown} starts with '{prefix}' ({owner}): choose another name",
                    row,
                )
            )
    if name in REGISTERED_CLAIMS:
        issues.append(
            _error(
                name,
                RULE_REGISTERED,
                f"claim {shown} is a registered JWT claim (RFC 7519) that the token service sets",
                row,
            )
        )
    elif name in TOKEN_SERVICE_CLAIMS:
        issues.append(_error(name, RULE_TOKEN_SERVICE, f"claim {shown} is set by the RKVST token service itself", row))
    elif name in JOSE_HEADER_NAMES:
        issues.append(_error(name, RULE_JOSE_HEADER, f"claim {shown} is a JOSE header name: choose another name", row))
    if issues:
        return issues
    if name in IANA_REGISTERED_CLAIMS:
        issues.append(
            _warning(
                name,
                RULE_IANA,
                f"claim {shown} is registered with IANA: services that read tokens may give it their own meaning",
                row,
            )
        )
    reserved_lookalike = next((r for r in sorted(RESERVED_NAMES) if r.lower() == lowered and r != name), None) or next(
        (p for p in RESERVED_PREFIXES if lowered.startswith(p) and not name.startswith(p)), None
    )
    if reserved_lookalike:
        issues.append(
            _warning(
                name,
                RULE_LOOKALIKE,
                f"claim {shown} differs from the reserved '{reserved_lookalike}' only in case: easy to confuse",
                row,
            )
        )
    return issues


def check_value(name: str, value: object, row: int | None = None) -> list[ClaimIssue]:
    """The verdicts on one claim value."""
    shown = _shown(name) if isinstance(name, str) else repr(name)
    if not isinstance(value, str):
        kind = "null" if value is None else type(value).__name__
        return [
            _error(
                str(name),
                RULE_VALUE_NOT_STRING,
                f'claim {shown} has a {kind} value: custom claim values must be strings (quote it: "{value}")',
                row,
            )
        ]
    if len(value) > MAX_VALUE_LENGTH:
        return [
            _error(
                name,
                RULE_VALUE_TOO_LONG,
                f"claim {shown} has a value of {len(value)} characters: the limit is {MAX_VALUE_LENGTH}",
                row,
            )
        ]
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        # A lone surrogate (from a JSON "\ud800" escape, or undecodable bytes on a command line)
        # is a Python str but not Unicode text: it cannot be sent as UTF-8, and the server refuses it.
        return [
            _error(
                name,
                RULE_VALUE_NOT_STRING,
                f"claim {shown} has a value that is not valid Unicode text (a lone surrogate): retype it",
                row,
            )
        ]
    return []


def check_rows(rows: Iterable[tuple[object, object]]) -> list[ClaimIssue]:
    """Verdicts on claim rows as typed (duplicates allowed in, and reported per row)."""
    rows = list(rows)
    issues: list[ClaimIssue] = []
    seen: dict[str, int] = {}
    for index, (name, value) in enumerate(rows):
        issues.extend(check_name(name, index))
        issues.extend(check_value(name if isinstance(name, str) else str(name), value, index))
        if isinstance(name, str) and name != "":
            if name in seen:
                issues.append(
                    _error(
                        name,
                        RULE_DUPLICATE,
                        f"claim {_shown(name)} is given twice (rows {seen[name] + 1} and {index + 1}): keep one",
                        index,
                    )
                )
            else:
                seen[name] = index
    if len(rows) > MAX_CLAIMS:
        issues.append(
            _error(
                "",
                RULE_TOO_MANY,
                f"{len(rows)} custom claims: the limit is {MAX_CLAIMS}; remove {len(rows) - MAX_CLAIMS}",
                None,
            )
        )
    return issues


def check_claims(claims: Mapping[object, object] | object) -> list[ClaimIssue]:
    """Verdicts on a whole custom_claims map, as the server receives it."""
    if not isinstance(claims, Mapping):
        return [_error("", RULE_VALUE_NOT_STRING, "custom_claims must be an object mapping names to strings", None)]
    return check_rows(claims.items())


def errors(issues: Iterable[ClaimIssue]) -> list[ClaimIssue]:
    return [issue for issue in issues if issue.is_error]


def warnings(issues: Iterable[ClaimIssue]) -> list[ClaimIssue]:
    return [issue for issue in issues if not issue.is_error]


def rules_summary() -> str:
    """The rules in one sentence, for a hint where the person has no document to look them up in."""
    return (
        f"a claim name may not start with {' or '.join(RESERVED_PREFIXES)}, nor be one the token itself uses "
        f"({' '.join(sorted(REGISTERED_CLAIMS | TOKEN_SERVICE_CLAIMS))}) or a JOSE header name "
        f"({' '.join(sorted(JOSE_HEADER_NAMES))}), nor hold spaces or control characters, and is at most "
        f"{MAX_NAME_LENGTH} characters; a value is text of at most {MAX_VALUE_LENGTH} characters; "
        f"at most {MAX_CLAIMS} claims, each name once"
    )
