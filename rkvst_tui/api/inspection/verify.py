"""Step 4: the signature's verdict (VERIFIED, INVALID, NOT CHECKED, UNSECURED) and why.

The algorithm must be on an allow-list of public-key algorithms *and* match the key's type,
so an HS256 token can never be "verified" with a public key used as an HMAC secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .keys import ALG_FAMILIES, KeyLoadError, keys_from_jwks, load_verification_key
from .results import INVALID, NOT_CHECKED, UNSECURED, VERIFIED, PartReport

DEFAULT_ALGORITHMS: tuple[str, ...] = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA")


@dataclass
class Verdict:
    state: str
    reason: str
    key_source: str | None = None


def verify_signature(
    segments: list[str],
    header: dict[str, Any] | None,
    signature: PartReport | None,
    *,
    jwks: Any,
    key: str | None,
    algorithms: Sequence[str],
    no_key_reason: str | None,
) -> Verdict:
    if header is None:
        return Verdict(NOT_CHECKED, "the header could not be decoded, so the algorithm is unknown")
    alg = header.get("alg")
    if isinstance(alg, str) and alg.lower() == "none":
        return Verdict(UNSECURED, "alg is 'none': the token carries no signature and anyone could have written it")
    if not isinstance(alg, str) or not alg:
        return Verdict(INVALID, "alg not allowed: the header names no algorithm")
    if len(segments) != 3:
        return Verdict(NOT_CHECKED, f"a signed JWT has 3 parts; this has {len(segments)}")
    if alg.upper().startswith("HS"):
        return Verdict(
            INVALID,
            f"alg not allowed: {alg} is a shared-secret (HMAC) algorithm; checking it with a public key is the "
            "algorithm-confusion attack, so it is refused",
        )
    if alg not in algorithms:
        return Verdict(INVALID, f"alg not allowed: {alg[:40]!r} is not one of {', '.join(algorithms)}")
    if signature is None or signature.error:
        return Verdict(INVALID, "bad signature: the signature part is not valid base64url")
    if signature.decoded == b"":
        return Verdict(INVALID, f"bad signature: alg is {alg} but the signature part is empty")

    if key is not None and key.strip():
        try:
            candidates = load_verification_key(key)
        except KeyLoadError as exc:
            return Verdict(NOT_CHECKED, f"{exc}")
        skipped: list[str] = []
        from_set = False
    elif jwks is not None:
        candidates, skipped = keys_from_jwks(jwks)
        from_set = True
        if not candidates:
            why = f" ({'; '.join(skipped[:3])})" if skipped else ""
            return Verdict(NOT_CHECKED, f"the backend's key set holds no usable signing key{why}")
    else:
        return Verdict(
            NOT_CHECKED,
            no_key_reason or "no key to check it with: no key set from a connected backend and no PEM or JWK given",
        )

    kid = header.get("kid")
    if from_set and isinstance(kid, str):
        matching = [k for k in candidates if k.kid == kid]
        if not matching:
            known = ", ".join(str(k.kid) for k in candidates[:6])
            return Verdict(INVALID, f"kid unknown: {kid[:80]!r} is not in the backend's key set (it has: {known})")
        candidates = matching
    elif from_set and kid is not None:
        return Verdict(INVALID, "kid unknown: the header's kid is not a string")

    families = ALG_FAMILIES.get(alg, ())
    fitting = [k for k in candidates if k.family in families and (k.alg in (None, alg))]
    if not fitting:
        got = ", ".join(sorted({k.family + (f" for {k.alg}" if k.alg else "") for k in candidates}))
        return Verdict(
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
                return Verdict(VERIFIED, f"signature matches {candidate.source} ({alg})", candidate.source)
        except Exception:  # noqa: BLE001 - a malformed signature of the wrong size is just a bad signature
            continue
    source = fitting[0].source if len(fitting) == 1 else f"any of {len(fitting)} keys"
    return Verdict(
        INVALID,
        f"bad signature: it does not match the header and payload with {source} ({alg}); the token was "
        "altered or signed by another key",
        fitting[0].source,
    )
