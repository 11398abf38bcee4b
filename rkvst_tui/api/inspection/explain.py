"""Step 5: each claim's kind and meaning, its times in words, and the warnings a person should act on."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone, tzinfo
from typing import Any, TypeGuard

from ..claims import IANA_REGISTERED_CLAIMS, REGISTERED_CLAIMS, TOKEN_SERVICE_CLAIMS, Severity, check_name, check_value
from ..time_words import claim_relative, span, utc_stamp
from .results import MAX_CLAIM_ROWS, MAX_WARNINGS, UNSECURED, ClaimRow, ClaimTimes, TokenWarning, compact_json, shorten
from .verify import Verdict

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


def claim_times(ts: Any, now: datetime, claim: str, local_tz: tzinfo | None = None) -> ClaimTimes | None:
    """UTC, local and relative text for a NumericDate, or None when it is not one."""
    if not is_numeric_date(ts):
        return None
    try:
        moment = datetime.fromtimestamp(ts, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
    local = moment.astimezone(local_tz) if local_tz is not None else moment.astimezone()
    zone = local.strftime("%Z") or local.strftime("%z")
    return ClaimTimes(
        utc=utc_stamp(moment),
        local=f"{local.strftime('%Y-%m-%d %H:%M:%S')} {zone}".strip(),
        relative=claim_relative(ts, now, claim),
    )


def claim_kind_and_meaning(name: str) -> tuple[str, str]:
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


def claim_rows(
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
        kind, meaning = claim_kind_and_meaning(name)
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
# `report_warnings` gives them: the inspector recounts them every second with its TIMES table.
TIME_WARNING_CODES = frozenset({"no-exp", "expired", "bad-time", "not-yet-valid", "iat-in-future"})


def time_warnings(payload: dict[str, Any] | None, now: datetime) -> list[TokenWarning]:
    """What exp, nbf and iat say about the token at `now` (codes in TIME_WARNING_CODES)."""
    found: list[TokenWarning] = []
    if payload is None:
        return found

    def add(code: str, message: str) -> None:
        found.append(TokenWarning(code, message))

    now_ts = now.timestamp()
    exp = payload.get("exp")
    if "exp" not in payload:
        add("no-exp", "no exp claim: this token never expires")
    elif is_numeric_date(exp):
        if exp <= now_ts:
            add("expired", f"expired {span(now_ts - exp)} ago: get a new token")
    else:
        add("bad-time", "exp is not a number of seconds since 1970: services will reject it")
    nbf = payload.get("nbf")
    if "nbf" in payload:
        if not is_numeric_date(nbf):
            add("bad-time", "nbf is not a number of seconds since 1970")
        elif nbf > now_ts:
            add("not-yet-valid", f"not yet valid: nbf is {span(nbf - now_ts)} from now")
    iat = payload.get("iat")
    if "iat" in payload:
        if not is_numeric_date(iat):
            add("bad-time", "iat is not a number of seconds since 1970")
        elif iat > now_ts:
            offset = iat - now_ts
            add(
                "iat-in-future",
                f"iat is {span(offset)} in the future: this machine's clock and the issuer's "
                f"differ (offset {offset:+.0f}s); check NTP on both",
            )
    return found


def report_warnings(
    report_header: dict[str, Any] | None,
    payload: dict[str, Any] | None,
    rows: Iterable[ClaimRow],
    now: datetime,
    expected_issuer: str | None,
    expected_audience: str | None,
    verdict: Verdict,
    ignored: list[str],
) -> list[TokenWarning]:
    found: list[TokenWarning] = []

    def add(code: str, message: str) -> None:
        found.append(TokenWarning(code, message))

    if verdict.state == UNSECURED:
        add("unsecured", "alg is 'none': the token is not signed; no service should accept it")

    found.extend(time_warnings(payload, now))
    if payload is not None:
        if expected_issuer is not None and payload.get("iss") != expected_issuer:
            got = payload.get("iss")
            add(
                "issuer-mismatch",
                f"iss is {shorten(compact_json(got), 120) if 'iss' in payload else 'missing'}, not the connected "
                f"backend's issuer {expected_issuer}",
            )
        if expected_audience is not None:
            auds = _as_list(payload.get("aud"))
            if expected_audience not in auds:
                got = shorten(compact_json(payload.get("aud")), 120) if "aud" in payload else "missing"
                add("audience-mismatch", f"aud is {got}, not the connected backend's audience {expected_audience}")

    if report_header is not None:
        typ = report_header.get("typ")
        if not (isinstance(typ, str) and typ.lower() in ("at+jwt", "application/at+jwt")):
            shown = shorten(compact_json(typ), 60) if "typ" in report_header else "missing"
            add("typ", f"typ is {shown}, not at+jwt: not marked as an OAuth access token (RFC 9068)")
        if "crit" in report_header:
            add(
                "crit",
                f"crit header lists {shorten(compact_json(report_header['crit']), 120)}: a verifier that does not "
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


def is_numeric_date(value: Any) -> TypeGuard[int | float]:
    """A usable NumericDate: a finite number, not a bool (JSON's NaN and Infinity are not times)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value) and abs(value) < 1e15
    except OverflowError:  # an int too large for a float
        return False
