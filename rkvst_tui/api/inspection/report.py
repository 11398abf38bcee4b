"""Step 6: `inspect_token`, the steps put together into one `TokenReport`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone, tzinfo
from typing import Any

from .decode import decode_json_part, decode_signature
from .explain import claim_rows, report_warnings
from .extract import find_token
from .keys import ALG_FAMILIES, KEY_CARRYING_HEADERS
from .results import NOT_CHECKED, PartReport, TokenReport, TokenWarning
from .verify import DEFAULT_ALGORITHMS, Verdict, verify_signature


def inspect_token(
    text: str,
    *,
    now: datetime | None = None,
    expected_issuer: str | None = None,
    expected_audience: str | None = None,
    jwks: dict[str, Any] | None = None,
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
    algorithms = tuple(a for a in algorithms if a in ALG_FAMILIES)
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
        parts.append(decode_json_part(segments[0], "header"))
        if len(segments) >= 2 and len(segments) != 5:
            parts.append(decode_json_part(segments[1], "payload"))
        if len(segments) >= 3 and len(segments) != 5:
            parts.append(decode_signature(segments[2]))
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
        verdict = verify_signature(
            segments, header, signature_part, jwks=jwks, key=key, algorithms=algorithms, no_key_reason=no_key_reason
        )
    except Exception as exc:  # noqa: BLE001 - the report must survive any key library surprise
        verdict = Verdict(NOT_CHECKED, f"the signature could not be checked ({type(exc).__name__})")
    rows, omitted = claim_rows(header, payload, now, local_tz)
    warnings = report_warnings(header, payload, rows, now, expected_issuer, expected_audience, verdict, ignored)
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
