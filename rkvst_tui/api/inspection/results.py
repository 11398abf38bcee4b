"""What an inspection finds: the report, its parts, its claim rows and warnings, and the limits
that keep a pathological paste fast and the report small."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..time_words import rfc3339

REPORT_SCHEMA = "rkvst-tui/token-report/1"

VERIFIED = "VERIFIED"
INVALID = "INVALID"
NOT_CHECKED = "NOT CHECKED"
UNSECURED = "UNSECURED"
# Warnings a verifying service refuses a token for (RFC 7519 §4.1, RFC 7515 §4.1.11); the
# others (typ, no exp, iat ahead of this clock, custom claims) are advice.
REFUSED_WARNINGS = frozenset(
    {"unsecured", "expired", "not-yet-valid", "bad-time", "issuer-mismatch", "audience-mismatch", "crit"}
)

# Limits that keep a pathological paste fast and the report small.
MAX_SHOWN_JSON_CHARS = 64 * 1024  # pretty-printed JSON kept for display per part
MAX_SHOWN_VALUE_CHARS = 512  # one claim value as shown in a table cell
MAX_CLAIM_ROWS = 500  # claims listed; the rest are counted
MAX_WARNINGS = 60  # beyond this, one summary line


class TokenWarning(str):
    """A warning sentence that also carries a stable code for scripts and tests."""

    code: str

    def __new__(cls, code: str, message: str) -> TokenWarning:
        obj = super().__new__(cls, message)
        obj.code = code
        return obj

    @property
    def message(self) -> str:
        return str(self)

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": str(self)}


@dataclass(frozen=True)
class ClaimTimes:
    utc: str
    local: str
    relative: str

    def to_json(self) -> dict[str, str]:
        return {"utc": self.utc, "local": self.local, "relative": self.relative}


@dataclass
class ClaimRow:
    """One header entry or payload claim, ready for a table."""

    name: str
    value: Any
    kind: str  # "header" | "registered" | "rkvst" | "custom"
    meaning: str
    times: ClaimTimes | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def shown_value(self) -> str:
        """The value as a single line of bounded length."""
        return shorten(compact_json(self.value), MAX_SHOWN_VALUE_CHARS)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "kind": self.kind,
            "meaning": self.meaning,
            "times": self.times.to_json() if self.times else None,
            "notes": list(self.notes),
        }


@dataclass
class PartReport:
    """One dot-separated part of the token and what became of it."""

    name: str  # "header" | "payload" | "signature" | "part 4" ...
    raw: str
    decoded: Any = None  # dict for header/payload, bytes for the signature
    error: str | None = None  # "payload: not JSON: ..." — names the part
    notes: list[str] = field(default_factory=list)
    shown_json: str | None = None  # pretty JSON for display, capped
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        decoded: Any = self.decoded
        if isinstance(decoded, bytes):
            decoded = {"bytes": len(decoded), "hex": decoded[:512].hex()}
        return {
            "name": self.name,
            "raw_length": len(self.raw),
            "decoded": decoded,
            "error": self.error,
            "notes": list(self.notes),
        }


@dataclass
class TokenReport:
    token: str  # the normalised token text (never put in to_json)
    input_note: str  # how the token was found in the input
    parts: list[PartReport]
    header: dict[str, Any] | None
    payload: dict[str, Any] | None
    claims: list[ClaimRow]
    signature_state: str
    signature_reason: str
    signature_algorithm: str | None
    key_source: str | None
    warnings: list[TokenWarning]
    ignored_header_keys: list[str]
    errors: list[str]
    now: datetime
    omitted_claims: int = 0

    def __repr__(self) -> str:  # a token is a credential: never in a repr or a log
        return (
            f"TokenReport(signature_state={self.signature_state!r}, parts={len(self.parts)}, "
            f"errors={len(self.errors)}, warnings={len(self.warnings)})"
        )

    @property
    def ok(self) -> bool:
        """Every part decoded."""
        return not self.errors

    @property
    def fingerprint(self) -> str:
        """A short SHA-256 of the token: tells two tokens apart without showing either."""
        return hashlib.sha256(self.token.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    def part(self, name: str) -> PartReport | None:
        return next((p for p in self.parts if p.name == name), None)

    def claim(self, name: str, kind: str | None = None) -> ClaimRow | None:
        return next((c for c in self.claims if c.name == name and (kind is None or c.kind == kind)), None)

    def warning_codes(self) -> list[str]:
        return [w.code for w in self.warnings]

    def refusals(self) -> list[str]:
        """Why a service that checks it would refuse this token (empty: it would accept it):
        what could not be decoded, a signature that is not VERIFIED, and the warnings of
        `REFUSED_WARNINGS` (times, issuer, audience, `crit`)."""
        reasons = list(self.errors)
        if self.signature_state != VERIFIED:
            reasons.append(f"signature {self.signature_state}: {self.signature_reason}")
        said = {"unsecured"} if self.signature_state == UNSECURED else set()  # the signature's reason says it
        reasons += [w.message for w in self.warnings if w.code in REFUSED_WARNINGS - said]
        return reasons

    def to_json(self) -> dict[str, Any]:
        """The stable shape printed by `rkvst-tui inspect --json` (schema REPORT_SCHEMA).

        {
          "schema": "rkvst-tui/token-report/1",
          "now": RFC 3339 UTC time the report was made against,
          "input": {"note": how the token was found, "length": characters, "fingerprint": sha256[:16]},
          "ok": every part decoded,
          "errors": ["payload: not JSON: ...", ...],
          "parts": [{"name", "raw_length", "decoded", "error", "notes"}],  # signature decoded = {"bytes","hex"}
          "header": {...} | null, "payload": {...} | null,
          "claims": [{"name", "value", "kind": header|registered|rkvst|custom, "meaning",
                      "times": {"utc","local","relative"} | null, "notes": [...]}],
          "omitted_claims": int,
          "signature": {"state": VERIFIED|INVALID|NOT CHECKED|UNSECURED, "reason", "algorithm", "key_source"},
          "ignored_header_keys": ["jku", ...],
          "warnings": [{"code", "message"}]
        }
        The token itself is never included: the output of a script is often logged.
        """
        return {
            "schema": REPORT_SCHEMA,
            "now": rfc3339(self.now),
            "input": {"note": self.input_note, "length": len(self.token), "fingerprint": self.fingerprint},
            "ok": self.ok,
            "errors": list(self.errors),
            "parts": [strict_json(p.to_json()) for p in self.parts],
            "header": strict_json(self.header),
            "payload": strict_json(self.payload),
            "claims": [strict_json(c.to_json()) for c in self.claims],
            "omitted_claims": self.omitted_claims,
            "signature": {
                "state": self.signature_state,
                "reason": self.signature_reason,
                "algorithm": self.signature_algorithm,
                "key_source": self.key_source,
            },
            "ignored_header_keys": list(self.ignored_header_keys),
            "warnings": [w.to_json() for w in self.warnings],
        }


def strict_json(value: Any) -> Any:
    """`value` with NaN and Infinity (which json.loads accepts) as strings, so the output is strict JSON."""

    def walk(item: Any) -> Any:
        if isinstance(item, float) and not math.isfinite(item):
            return repr(item).replace("inf", "Infinity").replace("nan", "NaN")
        if isinstance(item, dict):
            return {key: walk(val) for key, val in item.items()}
        if isinstance(item, list):
            return [walk(val) for val in item]
        return item

    try:
        return walk(value)
    except RecursionError:
        return value


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + "…"


def compact_json(value: Any) -> str:
    if isinstance(value, str):
        return value.replace("\n", "\\n").replace("\r", "\\r")
    try:
        return json.dumps(value, ensure_ascii=False)[: MAX_SHOWN_VALUE_CHARS * 4]
    except (ValueError, TypeError, RecursionError):
        return repr(value)[:MAX_SHOWN_VALUE_CHARS]
