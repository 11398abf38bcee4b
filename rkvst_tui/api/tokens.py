"""JWT inspection: decode, explain, check and verify an access token, headless.

One function, `inspect_token`, turns whatever a person pasted (a bare JWT, a `Bearer ...`
or `Authorization: Bearer ...` line, a whole HTTP request, a curl command, a token
endpoint answer, a `bearer_token` file) into a `TokenReport`: each part decoded or the
reason it would not decode, each claim with its kind and meaning, the times in UTC,
local and relative form, the signature state and the warnings a person should act on.

It never raises on any input string, and caps its work so a megabyte paste stays fast.

Security choices (see api-contract.md §4 and the console page):
- the verification key comes only from the caller (the connected backend's JWKS or a
  key the user gave); the token's own `jku`, `x5u`, `jwk` and `x5c` are reported as
  ignored and never fetched or used;
- the algorithm must be on an allow-list of public-key algorithms *and* match the key's
  type, so an `HS256` token can never be "verified" with a public key used as an HMAC
  secret (the algorithm-confusion attack), and `alg: none` is reported as UNSECURED.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from typing import Any

from .claims import (
    IANA_REGISTERED_CLAIMS,
    REGISTERED_CLAIMS,
    TOKEN_SERVICE_CLAIMS,
    Severity,
    check_name,
    check_value,
)

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

DEFAULT_ALGORITHMS: tuple[str, ...] = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA")

# Header members that carry or point at a key. Trusting them would let whoever made the
# token choose the key that "verifies" it, so they are shown and never used.
KEY_CARRYING_HEADERS = ("jku", "jwk", "x5u", "x5c")

# Limits that keep a pathological paste fast and the report small.
MAX_SHOWN_JSON_CHARS = 64 * 1024  # pretty-printed JSON kept for display per part
MAX_SHOWN_VALUE_CHARS = 512  # one claim value as shown in a table cell
MAX_CLAIM_ROWS = 500  # claims listed; the rest are counted
MAX_WARNINGS = 60  # beyond this, one summary line

_JWT_CHARS = re.compile(r"[A-Za-z0-9_\-+/=.]+")
_WORD_SEPARATORS = re.compile(r"[\s\"'`<>(),;\[\]{}|]+")
_NOT_B64URL = re.compile(r"[^A-Za-z0-9_\-]")
_AUTHORIZATION = re.compile(r"(?im)^[ \t>\-]*(?:-H\s*)?[\"']?authorization[ \t]*:[ \t]*(.*)$")
_AUTHORIZATION_ANYWHERE = re.compile(r"(?i)authorization[ \t]*:[ \t]*([^\r\n]*)")
_BEARER = re.compile(r"(?i)^bearer\s+(.*)$", re.DOTALL)
_ACCESS_TOKEN_JSON = re.compile(r"\"access_token\"\s*:\s*\"([^\"]*)\"")
# JWS compact serialisation (RFC 7515 §7.1): header.payload.signature, each base64url.
_JWS_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_QUOTES = "\"'`\u201c\u201d\u2018\u2019"

HEADER_MEANINGS: dict[str, str] = {
    "alg": "Signing algorithm the token claims to use (checked against the key's type)",
    "typ": "Token type; RKVST access tokens say at+jwt (RFC 9068)",
    "kid": "Key id: which key of the issuer's key set signed it",
    "cty": "Content type of the payload (only for nested tokens)",
    "crit": "Extensions a verifier must understand or else reject the token",
    "jku": "URL of a key set, chosen by the token itself: ignored, never fetched",
    "jwk": "A public key carried by the token itself: ignored, never used",
    "x5u": "URL of a certificate, chosen by the token itself: ignored, never fetched",
    "x5c": "Certificate chain carried by the token itself: ignored, never used",
    "x5t": "SHA-1 thumbprint of the signing certificate",
    "x5t#S256": "SHA-256 thumbprint of the signing certificate",
    "enc": "Content encryption algorithm (encrypted tokens only)",
    "zip": "Compression of the payload (encrypted tokens only)",
    "b64": "Whether the payload is base64url-encoded (RFC 7797)",
}

REGISTERED_MEANINGS: dict[str, str] = {
    "iss": "Issuer: who minted the token (RKVST: <base>/appidpv1)",
    "sub": "Subject: who the token speaks for (RKVST: the app registration's client id)",
    "aud": "Audience: who should accept it (RKVST: <base>/archivist)",
    "exp": "Expiry: not to be accepted at or after this time",
    "nbf": "Not before: not to be accepted before this time",
    "iat": "Issued at: when the token was minted",
    "jti": "JWT id: a unique id for this one token",
}

RKVST_MEANINGS: dict[str, str] = {
    "name": "RKVST: the app registration's display name",
    "client_id": "RKVST: the app registration's client id",
    "jit_tenant_id": "RKVST: the tenant this token acts in",
    "jit_tier": "RKVST: the tenant's subscription tier",
}

TIME_CLAIMS = ("exp", "iat", "nbf")


# --------------------------------------------------------------------------- results


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
        return shorten(_compact_json(self.value), MAX_SHOWN_VALUE_CHARS)

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
    header: dict | None
    payload: dict | None
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
            "now": _rfc3339(self.now),
            "input": {"note": self.input_note, "length": len(self.token), "fingerprint": self.fingerprint},
            "ok": self.ok,
            "errors": list(self.errors),
            "parts": [_strict_json(p.to_json()) for p in self.parts],
            "header": _strict_json(self.header),
            "payload": _strict_json(self.payload),
            "claims": [_strict_json(c.to_json()) for c in self.claims],
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


def _strict_json(value: Any) -> Any:
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


class KeyLoadError(ValueError):
    """A verification key the user gave could not be read; the message says why."""


# --------------------------------------------------------------------------- input


def is_jws_compact(token: str) -> bool:
    """True for three base64url segments joined by dots (the signature may be empty): the only
    shape of access token worth printing or saving; anything else may carry terminal escapes."""
    return isinstance(token, str) and _JWS_COMPACT.fullmatch(token) is not None


def normalise(text: str) -> str:
    """The token inside whatever was pasted (see `find_token` for how it was found)."""
    return find_token(text)[0]


def find_token(text: str) -> tuple[str, str]:
    """(token, note): the token text and a sentence saying where it was found.

    Accepts a bare JWT, `Bearer x`, `Authorization: Bearer x` (any case), a whole HTTP
    request or curl command (the Authorization header), a token endpoint JSON answer
    (`access_token`), a `bearer_token` file's content, surrounding whitespace and quotes,
    and a token broken over several lines by a terminal.
    """
    if not isinstance(text, str):
        return "", "the input is not text"
    stripped = text.lstrip("\ufeff").strip()
    if not stripped:
        return "", "nothing was given"

    match = _AUTHORIZATION.search(stripped) or _AUTHORIZATION_ANYWHERE.search(stripped)
    if match:
        words = [w.strip(_QUOTES) for w in match.group(1).split()]
        words = [w for w in words if w]
        where = "the Authorization header of the request" if "\n" in stripped else "the Authorization line"
        if not words:
            return "", f"found an empty {where[4:]}"
        if words[0].lower() == "bearer":
            return (words[1] if len(words) > 1 else ""), f"found in {where}"
        if len(words) > 1:
            return words[1], f"found in {where} (scheme {shorten(words[0], 20)!r}, not Bearer)"
        return words[0], f"found in {where} (no Bearer scheme)"

    match = _ACCESS_TOKEN_JSON.search(stripped[:2_000_000])
    if match:
        return match.group(1), "found in the access_token field of a token endpoint answer"

    unquoted = _unquote(stripped)
    bearer = _BEARER.match(unquoted)
    if bearer:
        return _join_wrapped(_unquote(bearer.group(1).strip())), "found after the Bearer prefix"

    joined = _join_wrapped(unquoted)
    if joined is not unquoted and _JWT_CHARS.fullmatch(joined):
        return joined, "joined from several lines"
    if _JWT_CHARS.fullmatch(unquoted):
        return unquoted, "as given"
    # A log line or a message with a token in it: take the first word shaped like a JWT.
    for word in _WORD_SEPARATORS.split(unquoted):
        if word.startswith("eyJ") and word.count(".") == 2 and _JWT_CHARS.fullmatch(word):
            return word, "found inside the text given"
    return unquoted, "as given"


def _unquote(text: str) -> str:
    while len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text.strip(_QUOTES + " \t\r\n")


def _join_wrapped(text: str) -> str:
    """A token a terminal wrapped over lines, joined; other text unchanged."""
    if any(ch.isspace() for ch in text):
        parts = text.split()
        joined = "".join(parts)
        if _JWT_CHARS.fullmatch(joined):
            return joined
    return text


# --------------------------------------------------------------------------- decoding


def b64url_decode(segment: str, part: str) -> tuple[bytes | None, str | None, list[str]]:
    """(bytes, error, notes). Tolerates padding and standard base64 characters, with a note."""
    notes: list[str] = []
    body = segment
    if body.endswith("="):
        stripped = body.rstrip("=")
        if "=" in stripped:
            pos = stripped.index("=") + 1
            return None, f"{part}: not valid base64url at character {pos} ('=' inside the text)", notes
        notes.append(f"{part} has '=' padding, which base64url in a JWT omits (RFC 7515)")
        body = stripped
    if "+" in body or "/" in body:
        notes.append(f"{part} uses standard base64 characters '+' or '/' instead of base64url '-' and '_'")
        body = body.replace("+", "-").replace("/", "_")
    bad = _NOT_B64URL.search(body)
    if bad:
        ch = bad.group(0)
        shown = repr(ch) if ch.isprintable() else f"U+{ord(ch):04X}"
        return None, f"{part}: not valid base64url at character {bad.start() + 1} ({shown})", notes
    if len(body) % 4 == 1:
        return None, f"{part}: not valid base64url: {len(body)} characters is one too many or too few (truncated?)", notes
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)), None, notes
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - alphabet and length checked above
        return None, f"{part}: not valid base64url: {exc}", notes


def _decode_json_part(segment: str, part: str) -> PartReport:
    report = PartReport(part, segment)
    if segment == "":
        report.error = f"{part}: empty"
        return report
    raw, error, notes = b64url_decode(segment, part)
    report.notes.extend(notes)
    if raw is None:
        report.error = error
        return report
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        report.error = f"{part}: not UTF-8 (byte {exc.start + 1} is 0x{raw[exc.start]:02x})"
        report.decoded = None
        report.shown_json = shorten(raw.decode("utf-8", "replace"), MAX_SHOWN_JSON_CHARS)
        return report
    duplicates: list[str] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen and len(duplicates) < 10:
                duplicates.append(key)
            seen[key] = value
        return seen

    try:
        value = json.loads(text, object_pairs_hook=pairs_hook)
    except RecursionError:
        report.error = f"{part}: JSON nested too deeply to read"
        report.shown_json = shorten(text, MAX_SHOWN_JSON_CHARS)
        return report
    except ValueError as exc:  # JSONDecodeError, and int-too-long from the digit limit
        report.error = f"{part}: not JSON: {exc}"
        report.shown_json = shorten(text, MAX_SHOWN_JSON_CHARS)
        return report
    if not isinstance(value, dict):
        report.error = f"{part}: JSON but not an object (it is {_json_kind(value)})"
        report.shown_json = shorten(text, MAX_SHOWN_JSON_CHARS)
        return report
    report.decoded = value
    for key in duplicates:
        report.notes.append(f"{part} names {key!r} twice: readers disagree which value counts (the last is shown)")
    report.shown_json, report.truncated = _pretty(value, len(text), part)
    return report


def _decode_signature(segment: str) -> PartReport:
    report = PartReport("signature", segment)
    if segment == "":
        report.decoded = b""
        return report
    raw, error, notes = b64url_decode(segment, "signature")
    report.notes.extend(notes)
    if raw is None:
        report.error = error
    else:
        report.decoded = raw
        report.shown_json = shorten(raw.hex(), MAX_SHOWN_JSON_CHARS)
    return report


def _pretty(value: Any, source_chars: int, part: str) -> tuple[str, bool]:
    """Indented JSON for display, without building megabytes of text."""
    if source_chars > MAX_SHOWN_JSON_CHARS:
        try:
            compact = json.dumps(value, ensure_ascii=False)[:MAX_SHOWN_JSON_CHARS]
        except (ValueError, RecursionError):
            compact = ""
        return (
            f"{compact}\n... {part} too large to show in full ({source_chars:,} characters; "
            f"the first {MAX_SHOWN_JSON_CHARS:,} are shown)",
            True,
        )
    try:
        return json.dumps(value, indent=2, ensure_ascii=False), False
    except (ValueError, RecursionError):
        return "", False


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list"}.get(
        type(value), type(value).__name__
    )


# --------------------------------------------------------------------------- time


def format_duration(seconds: float) -> str:
    """'42m 10s', '3h', '2d 4h': the two largest non-zero units."""
    try:
        seconds = int(abs(seconds))
    except (OverflowError, ValueError):
        return "forever"
    units = (("y", 365 * 86400), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
    pieces: list[str] = []
    for label, size in units:
        if seconds >= size or (label == "s" and not pieces):
            amount, seconds = divmod(seconds, size)
            pieces.append(f"{amount}{label}")
            if len(pieces) == 2:
                break
        elif pieces:
            break  # a zero unit after a non-zero one ends the text: "3h", not "3h 0m"
    return " ".join(pieces)


def relative_time(ts: float, now: datetime, claim: str = "exp") -> str:
    """'expires in 42m 10s' / 'expired 3h ago' / 'issued 5m ago' / 'valid in 2m'."""
    delta = float(ts) - now.timestamp()
    span = format_duration(delta)
    future = delta > 0
    if claim == "exp":
        if delta == 0:
            return "expired just now"
        return f"expires in {span}" if future else f"expired {span} ago"
    if claim == "iat":
        return f"issued {span} in the future" if future else f"issued {span} ago"
    if claim == "nbf":
        return f"becomes valid in {span}" if future else f"valid since {span} ago"
    return f"in {span}" if future else f"{span} ago"


def claim_times(ts: Any, now: datetime, claim: str, local_tz: tzinfo | None = None) -> ClaimTimes | None:
    """UTC, local and relative text for a NumericDate, or None when it is not one."""
    if not _is_number(ts):
        return None
    try:
        moment = datetime.fromtimestamp(ts, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
    local = moment.astimezone(local_tz) if local_tz is not None else moment.astimezone()
    zone = local.strftime("%Z") or local.strftime("%z")
    return ClaimTimes(
        utc=moment.strftime("%Y-%m-%d %H:%M:%S UTC"),
        local=f"{local.strftime('%Y-%m-%d %H:%M:%S')} {zone}".strip(),
        relative=relative_time(ts, now, claim),
    )


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- keys


@dataclass
class _Key:
    public_key: Any  # a cryptography public key object
    kid: str | None
    source: str  # "the key you gave", "the backend's key set (kid abc)"
    alg: str | None = None  # the JWK's own "alg", when it names one
    family: str = ""  # "RSA" | "EC P-256" | "EC P-384" | "EC P-521" | "Ed25519" | ...


def _family(public_key: Any) -> str:
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

    if isinstance(public_key, rsa.RSAPublicKey):
        return "RSA"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return {"secp256r1": "EC P-256", "secp384r1": "EC P-384", "secp521r1": "EC P-521"}.get(
            public_key.curve.name, f"EC {public_key.curve.name}"
        )
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(public_key, ed448.Ed448PublicKey):
        return "Ed448"
    return type(public_key).__name__


# Which key type each algorithm needs: the token's alg alone never decides.
_ALG_FAMILIES: dict[str, tuple[str, ...]] = {
    "RS256": ("RSA",), "RS384": ("RSA",), "RS512": ("RSA",),
    "PS256": ("RSA",), "PS384": ("RSA",), "PS512": ("RSA",),
    "ES256": ("EC P-256",), "ES384": ("EC P-384",), "ES512": ("EC P-521",),
    "EdDSA": ("Ed25519", "Ed448"),
}


def _jwk_to_key(jwk: Mapping[str, Any], source: str) -> _Key:
    import jwt
    from jwt.exceptions import PyJWKError, PyJWTError

    if not isinstance(jwk, Mapping):
        raise KeyLoadError(f"{source}: a JWK must be a JSON object")
    kty = jwk.get("kty")
    if kty == "oct":
        raise KeyLoadError(
            f"{source}: a symmetric ('oct') key: only public keys verify RKVST tokens, and a shared "
            "secret is never used here"
        )
    # The JWK's own "alg" must not pick the algorithm used to parse it: derive from kty/crv.
    parse_alg = {"RSA": "RS256", "OKP": "EdDSA"}.get(str(kty))
    if kty == "EC":
        parse_alg = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}.get(str(jwk.get("crv")), None)
        if parse_alg is None:
            raise KeyLoadError(f"{source}: unsupported EC curve {str(jwk.get('crv'))[:40]!r}")
    if parse_alg is None:
        raise KeyLoadError(f"{source}: unsupported key type (kty) {str(kty)[:40]!r}")
    try:
        key = jwt.PyJWK(dict(jwk), algorithm=parse_alg).key
    except (PyJWKError, PyJWTError, ValueError, TypeError, KeyError) as exc:
        raise KeyLoadError(f"{source}: not a usable JWK: {exc}") from None
    public = key.public_key() if hasattr(key, "public_key") else key
    kid = jwk.get("kid") if isinstance(jwk.get("kid"), str) else None
    alg = jwk.get("alg") if isinstance(jwk.get("alg"), str) else None
    return _Key(public, kid, source, alg, _family(public))


def load_verification_key(text: str) -> list[_Key]:
    """The public key(s) in a user-given PEM (public key, certificate or private key), JWK or JWKS.

    Raises KeyLoadError with a sentence saying what is wrong.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import (
        load_pem_private_key,
        load_pem_public_key,
        load_ssh_public_key,
    )

    source = "the key you gave"
    text = (text or "").strip()
    if not text:
        raise KeyLoadError("no key given: paste a PEM public key, a certificate, a JWK or a JWKS")
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise KeyLoadError(f"{source}: looks like JSON but is not: {exc}") from None
        if isinstance(data, dict) and isinstance(data.get("keys"), list):
            return [_jwk_to_key(k, f"{source} (kid {k.get('kid')})" if isinstance(k, dict) else source)
                    for k in data["keys"]]
        return [_jwk_to_key(data, source)]
    data_bytes = text.encode("utf-8", "replace")
    try:
        if "-----BEGIN CERTIFICATE-----" in text:
            public = x509.load_pem_x509_certificate(data_bytes).public_key()
        elif "PRIVATE KEY-----" in text:
            public = load_pem_private_key(data_bytes, password=None).public_key()
        elif text.startswith(("ssh-", "ecdsa-")):
            public = load_ssh_public_key(data_bytes)
        elif "-----BEGIN" in text:
            public = load_pem_public_key(data_bytes)
        else:
            raise KeyLoadError(f"{source}: not a PEM block, JWK or JWKS (expected '-----BEGIN ...' or '{{')")
    except KeyLoadError:
        raise
    except TypeError:
        raise KeyLoadError(f"{source}: the private key is encrypted; give the public key instead") from None
    except Exception as exc:  # cryptography raises several types for malformed keys
        raise KeyLoadError(f"{source}: could not be read as a key ({type(exc).__name__}: {str(exc)[:120]})") from None
    return [_Key(public, None, source, None, _family(public))]


def _keys_from_jwks(jwks: Any) -> tuple[list[_Key], list[str]]:
    """Usable keys of a JWKS dict, and notes on the ones skipped."""
    keys: list[_Key] = []
    skipped: list[str] = []
    entries = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(entries, list):
        return [], ["the key set has no 'keys' list"]
    for entry in entries:
        kid = entry.get("kid") if isinstance(entry, Mapping) else None
        label = f"the backend's key set (kid {kid})" if kid else "the backend's key set"
        if isinstance(entry, Mapping) and entry.get("use") not in (None, "sig"):
            skipped.append(f"key {kid} is for {entry.get('use')!r}, not signatures")
            continue
        try:
            keys.append(_jwk_to_key(entry, label))
        except KeyLoadError as exc:
            skipped.append(str(exc))
    return keys, skipped


# --------------------------------------------------------------------------- verification


@dataclass
class _Verdict:
    state: str
    reason: str
    key_source: str | None = None


def _verify(
    segments: list[str],
    header: dict | None,
    signature: PartReport | None,
    *,
    jwks: Any,
    key: str | None,
    algorithms: Sequence[str],
    no_key_reason: str | None,
) -> _Verdict:
    if header is None:
        return _Verdict(NOT_CHECKED, "the header could not be decoded, so the algorithm is unknown")
    alg = header.get("alg")
    if isinstance(alg, str) and alg.lower() == "none":
        return _Verdict(UNSECURED, "alg is 'none': the token carries no signature and anyone could have written it")
    if not isinstance(alg, str) or not alg:
        return _Verdict(INVALID, "alg not allowed: the header names no algorithm")
    if len(segments) != 3:
        return _Verdict(NOT_CHECKED, f"a signed JWT has 3 parts; this has {len(segments)}")
    if alg.upper().startswith("HS"):
        return _Verdict(
            INVALID,
            f"alg not allowed: {alg} is a shared-secret (HMAC) algorithm; checking it with a public key is the "
            "algorithm-confusion attack, so it is refused",
        )
    if alg not in algorithms:
        return _Verdict(INVALID, f"alg not allowed: {alg[:40]!r} is not one of {', '.join(algorithms)}")
    if signature is None or signature.error:
        return _Verdict(INVALID, "bad signature: the signature part is not valid base64url")
    if signature.decoded == b"":
        return _Verdict(INVALID, f"bad signature: alg is {alg} but the signature part is empty")

    if key is not None and key.strip():
        try:
            candidates = load_verification_key(key)
        except KeyLoadError as exc:
            return _Verdict(NOT_CHECKED, f"{exc}")
        skipped: list[str] = []
        from_set = False
    elif jwks is not None:
        candidates, skipped = _keys_from_jwks(jwks)
        from_set = True
        if not candidates:
            why = f" ({'; '.join(skipped[:3])})" if skipped else ""
            return _Verdict(NOT_CHECKED, f"the backend's key set holds no usable signing key{why}")
    else:
        return _Verdict(
            NOT_CHECKED,
            no_key_reason
            or "no key to check it with: no key set from a connected backend and no PEM or JWK given",
        )

    kid = header.get("kid")
    if from_set and isinstance(kid, str):
        matching = [k for k in candidates if k.kid == kid]
        if not matching:
            known = ", ".join(str(k.kid) for k in candidates[:6])
            return _Verdict(INVALID, f"kid unknown: {kid[:80]!r} is not in the backend's key set (it has: {known})")
        candidates = matching
    elif from_set and kid is not None:
        return _Verdict(INVALID, "kid unknown: the header's kid is not a string")

    families = _ALG_FAMILIES.get(alg, ())
    fitting = [k for k in candidates if k.family in families and (k.alg in (None, alg))]
    if not fitting:
        got = ", ".join(sorted({k.family + (f" for {k.alg}" if k.alg else "") for k in candidates}))
        return _Verdict(
            INVALID,
            f"alg not allowed for this key: the token says {alg} but the key is {got}; the key's type decides, "
            "not the token",
            candidates[0].source if candidates else None,
        )

    from jwt.algorithms import get_default_algorithms

    verifier = get_default_algorithms()[alg]
    signing_input = f"{segments[0]}.{segments[1]}".encode("ascii", "replace")
    for candidate in fitting:
        try:
            if verifier.verify(signing_input, candidate.public_key, signature.decoded):
                return _Verdict(VERIFIED, f"signature matches {candidate.source} ({alg})", candidate.source)
        except Exception:  # a malformed signature of the wrong size is just a bad signature
            continue
    source = fitting[0].source if len(fitting) == 1 else f"any of {len(fitting)} keys"
    return _Verdict(
        INVALID,
        f"bad signature: it does not match the header and payload with {source} ({alg}); the token was "
        "altered or signed by another key",
        fitting[0].source,
    )


# --------------------------------------------------------------------------- claims


def _claim_kind_and_meaning(name: str) -> tuple[str, str]:
    if name in REGISTERED_CLAIMS:
        return "registered", REGISTERED_MEANINGS[name]
    if name in RKVST_MEANINGS:
        return "rkvst", RKVST_MEANINGS[name]
    if name in TOKEN_SERVICE_CLAIMS:
        return "rkvst", "RKVST: set by the token service"
    if name.startswith("jit_"):
        return "rkvst", "RKVST: a claim in RKVST's own jit_ namespace"
    if name in IANA_REGISTERED_CLAIMS:
        return "custom", "Custom claim; the name is also registered with IANA, so readers may give it a meaning"
    return "custom", "Custom claim of the app registration"


def _claim_rows(
    header: Mapping[str, Any] | None, payload: Mapping[str, Any] | None, now: datetime, local_tz: tzinfo | None
) -> tuple[list[ClaimRow], int]:
    rows: list[ClaimRow] = []
    omitted = 0
    for name, value in (header or {}).items():
        if len(rows) >= MAX_CLAIM_ROWS:
            omitted += 1
            continue
        meaning = HEADER_MEANINGS.get(name, "Header entry without a registered meaning")
        rows.append(ClaimRow(name, value, "header", meaning))
    for name, value in (payload or {}).items():
        if len(rows) >= MAX_CLAIM_ROWS:
            omitted += 1
            continue
        kind, meaning = _claim_kind_and_meaning(name)
        row = ClaimRow(name, value, kind, meaning)
        if name in TIME_CLAIMS:
            row.times = claim_times(value, now, name, local_tz)
            if row.times is None:
                row.notes.append(f"{name} is not a NumericDate (seconds since 1970)")
        if kind == "custom":
            row.notes.extend(str(issue) for issue in check_name(name) + check_value(name, value))
        rows.append(row)
    return rows, omitted


# --------------------------------------------------------------------------- warnings


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# The warnings that change as time passes (and the ones about the same claims), in the order
# `_warnings` gives them: the inspector recounts them every second with its TIMES table.
TIME_WARNING_CODES = frozenset({"no-exp", "expired", "bad-time", "not-yet-valid", "iat-in-future"})


def time_warnings(payload: dict | None, now: datetime) -> list[TokenWarning]:
    """What exp, nbf and iat say about the token at `now` (codes in TIME_WARNING_CODES)."""
    found: list[TokenWarning] = []
    if payload is None:
        return found
    add = lambda code, message: found.append(TokenWarning(code, message))  # noqa: E731
    now_ts = now.timestamp()
    exp = payload.get("exp")
    if "exp" not in payload:
        add("no-exp", "no exp claim: this token never expires")
    elif _is_number(exp):
        if exp <= now_ts:
            add("expired", f"expired {format_duration(now_ts - exp)} ago: get a new token")
    else:
        add("bad-time", "exp is not a number of seconds since 1970: services will reject it")
    nbf = payload.get("nbf")
    if "nbf" in payload:
        if not _is_number(nbf):
            add("bad-time", "nbf is not a number of seconds since 1970")
        elif nbf > now_ts:
            add("not-yet-valid", f"not yet valid: nbf is {format_duration(nbf - now_ts)} from now")
    iat = payload.get("iat")
    if "iat" in payload:
        if not _is_number(iat):
            add("bad-time", "iat is not a number of seconds since 1970")
        elif iat > now_ts:
            offset = iat - now_ts
            add(
                "iat-in-future",
                f"iat is {format_duration(offset)} in the future: this machine's clock and the issuer's "
                f"differ (offset {offset:+.0f}s); check NTP on both",
            )
    return found


def _warnings(
    report_header: dict | None,
    payload: dict | None,
    rows: Iterable[ClaimRow],
    now: datetime,
    expected_issuer: str | None,
    expected_audience: str | None,
    verdict: _Verdict,
    ignored: list[str],
) -> list[TokenWarning]:
    found: list[TokenWarning] = []
    add = lambda code, message: found.append(TokenWarning(code, message))  # noqa: E731

    if verdict.state == UNSECURED:
        add("unsecured", "alg is 'none': the token is not signed; no service should accept it")

    found.extend(time_warnings(payload, now))
    if payload is not None:
        if expected_issuer is not None and payload.get("iss") != expected_issuer:
            got = payload.get("iss")
            add(
                "issuer-mismatch",
                f"iss is {shorten(_compact_json(got), 120) if 'iss' in payload else 'missing'}, not the connected "
                f"backend's issuer {expected_issuer}",
            )
        if expected_audience is not None:
            auds = _as_list(payload.get("aud"))
            if expected_audience not in auds:
                got = shorten(_compact_json(payload.get("aud")), 120) if "aud" in payload else "missing"
                add("audience-mismatch", f"aud is {got}, not the connected backend's audience {expected_audience}")

    if report_header is not None:
        typ = report_header.get("typ")
        if not (isinstance(typ, str) and typ.lower() in ("at+jwt", "application/at+jwt")):
            shown = shorten(_compact_json(typ), 60) if "typ" in report_header else "missing"
            add("typ", f"typ is {shown}, not at+jwt: not marked as an OAuth access token (RFC 9068)")
        if "crit" in report_header:
            add(
                "crit",
                f"crit header lists {shorten(_compact_json(report_header['crit']), 120)}: a verifier that does not "
                "understand these extensions must reject the token",
            )
    for name in ignored:
        add("ignored-key-header", f"header carries {name}: ignored; the key never comes from the token itself")

    for row in rows:
        if row.kind == "custom":
            for note in row.notes:
                severity, _, words = note.partition(": ")
                name = shorten(row.name, 60)
                if severity == Severity.ERROR.value:
                    add("custom-claim", f"custom claim {name!r} breaks the claim rules: {words}")
                else:  # a warning breaks nothing: it says what to keep in mind
                    add("custom-claim", f"custom claim {name!r}: {note}")
    if len(found) > MAX_WARNINGS:
        extra = len(found) - MAX_WARNINGS
        found = found[:MAX_WARNINGS] + [TokenWarning("more", f"... and {extra} more warnings")]
    return found


def _is_number(value: Any) -> bool:
    """A usable NumericDate: a finite number, not a bool (JSON's NaN and Infinity are not times)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value) and abs(value) < 1e15
    except OverflowError:  # an int too large for a float
        return False


# --------------------------------------------------------------------------- the report


def inspect_token(
    text: str,
    *,
    now: datetime | None = None,
    expected_issuer: str | None = None,
    expected_audience: str | None = None,
    jwks: dict | None = None,
    key: str | None = None,
    algorithms: Sequence[str] = DEFAULT_ALGORITHMS,
    no_key_reason: str | None = None,
    local_tz: tzinfo | None = None,
) -> TokenReport:
    """Everything a person needs to know about the token in `text`. Never raises on a string.

    `jwks`: the connected backend's key set (api client `fetch_jwks()`); `key`: a PEM or
    JWK the user gave (wins over `jwks`). `no_key_reason`: the sentence shown as NOT
    CHECKED when neither is given (e.g. "the backend publishes no key set").
    `algorithms` may only narrow the public-key allow-list: HMAC and none never verify.
    """
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    algorithms = tuple(a for a in algorithms if a in _ALG_FAMILIES)
    token, note = find_token(text if isinstance(text, str) else "")
    errors: list[str] = []
    parts: list[PartReport] = []

    segments = token.split(".") if token else []
    if not token:
        errors.append("nothing to inspect: paste a token, a Bearer line, an Authorization header or a request")
    elif len(segments) == 5:
        errors.append(
            "this is an encrypted token (JWE, 5 parts): its payload cannot be read without the decryption key"
        )
    elif len(segments) != 3:
        errors.append(f"expected 3 parts separated by '.', found {len(segments)}")

    if token:
        parts.append(_decode_json_part(segments[0], "header"))
        if len(segments) >= 2 and len(segments) != 5:
            parts.append(_decode_json_part(segments[1], "payload"))
        if len(segments) >= 3 and len(segments) != 5:
            parts.append(_decode_signature(segments[2]))
        for index, extra in enumerate(segments[3:6] if len(segments) != 5 else [], start=4):
            parts.append(PartReport(f"part {index}", extra, error=f"part {index}: unexpected in a JWT"))
    for part in parts:
        if part.error and part.error not in errors:
            errors.append(part.error)

    header_part = next((p for p in parts if p.name == "header"), None)
    payload_part = next((p for p in parts if p.name == "payload"), None)
    signature_part = next((p for p in parts if p.name == "signature"), None)
    header = header_part.decoded if header_part and isinstance(header_part.decoded, dict) else None
    payload = payload_part.decoded if payload_part and isinstance(payload_part.decoded, dict) else None

    ignored = [name for name in KEY_CARRYING_HEADERS if header and name in header]
    try:
        verdict = _verify(
            segments, header, signature_part, jwks=jwks, key=key, algorithms=algorithms, no_key_reason=no_key_reason
        )
    except Exception as exc:  # the report must survive any key library surprise
        verdict = _Verdict(NOT_CHECKED, f"the signature could not be checked ({type(exc).__name__})")
    rows, omitted = _claim_rows(header, payload, now, local_tz)
    warnings = _warnings(header, payload, rows, now, expected_issuer, expected_audience, verdict, ignored)
    for part in parts:
        for part_note in part.notes:
            warnings.append(TokenWarning("encoding", part_note))

    alg = header.get("alg") if header else None
    return TokenReport(
        token=token,
        input_note=note,
        parts=parts,
        header=header,
        payload=payload,
        claims=rows,
        signature_state=verdict.state,
        signature_reason=verdict.reason,
        signature_algorithm=alg if isinstance(alg, str) else None,
        key_source=verdict.key_source,
        warnings=warnings,
        ignored_header_keys=ignored,
        errors=errors,
        now=now,
        omitted_claims=omitted,
    )


# --------------------------------------------------------------------------- text helpers


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + "…"


def _compact_json(value: Any) -> str:
    if isinstance(value, str):
        return value.replace("\n", "\\n").replace("\r", "\\r")
    try:
        return json.dumps(value, ensure_ascii=False)[: MAX_SHOWN_VALUE_CHARS * 4]
    except (ValueError, TypeError, RecursionError):
        return repr(value)[:MAX_SHOWN_VALUE_CHARS]
