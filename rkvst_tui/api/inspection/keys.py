"""Step 3: the keys a signature may be checked with: a key the user gave (PEM, JWK, JWKS) or
the connected backend's key set. Never a key the token names or carries."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Header members that carry or point at a key. Trusting them would let whoever made the
# token choose the key that "verifies" it, so they are shown and never used.
KEY_CARRYING_HEADERS = ("jku", "jwk", "x5u", "x5c")


class KeyLoadError(ValueError):
    """A verification key the user gave could not be read; the message says why."""


@dataclass
class Key:
    public_key: Any  # a cryptography public key object
    kid: str | None
    source: str  # "the key you gave", "the backend's key set (kid abc)"
    alg: str | None = None  # the JWK's own "alg", when it names one
    family: str = ""  # "RSA" | "EC P-256" | "EC P-384" | "EC P-521" | "Ed25519" | ...


def key_family(public_key: Any) -> str:
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
ALG_FAMILIES: dict[str, tuple[str, ...]] = {
    "RS256": ("RSA",),
    "RS384": ("RSA",),
    "RS512": ("RSA",),
    "PS256": ("RSA",),
    "PS384": ("RSA",),
    "PS512": ("RSA",),
    "ES256": ("EC P-256",),
    "ES384": ("EC P-384",),
    "ES512": ("EC P-521",),
    "EdDSA": ("Ed25519", "Ed448"),
}


def jwk_to_key(jwk: Mapping[str, Any], source: str) -> Key:
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
    return Key(public, kid, source, alg, key_family(public))


def load_verification_key(text: str) -> list[Key]:
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
            return [
                jwk_to_key(k, f"{source} (kid {k.get('kid')})" if isinstance(k, dict) else source) for k in data["keys"]
            ]
        return [jwk_to_key(data, source)]
    data_bytes = text.encode("utf-8", "replace")
    public: Any  # a cryptography public key, of whichever type the text holds
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
    except Exception as exc:  # noqa: BLE001 - cryptography raises several types for malformed keys
        raise KeyLoadError(f"{source}: could not be read as a key ({type(exc).__name__}: {str(exc)[:120]})") from None
    return [Key(public, None, source, None, key_family(public))]


def keys_from_jwks(jwks: Any) -> tuple[list[Key], list[str]]:
    """Usable keys of a JWKS dict, and notes on the ones skipped."""
    keys: list[Key] = []
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
            keys.append(jwk_to_key(entry, label))
        except KeyLoadError as exc:
            skipped.append(str(exc))
    return keys, skipped
