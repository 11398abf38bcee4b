"""The sandbox's token signer and verifier: RS256 keys kept in the store.

One current key signs; a "next" key is published in the JWKS before it is ever used,
so a client that caches the key set (PyJWT's PyJWKClient waits 30 s before it fetches
again for an unknown kid) already knows it on the day of rotation. The loaded private
key objects are cached: parsing a PEM per token would cost more than signing.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import random
import threading
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from .clock import rfc3339
from .store import KeyRecord, Store

ALGORITHM = "RS256"
TOKEN_TYPE = "at+jwt"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def jwk_thumbprint(public_key: rsa.RSAPublicKey) -> str:
    """RFC 7638 thumbprint: the key id that names the key by its content."""
    numbers = public_key.public_numbers()
    canonical = json.dumps(
        {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)},
        separators=(",", ":"),
        sort_keys=True,
    )
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode("ascii")


_SMALL_PRIMES = (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97)


def _probably_prime(n: int, rng: random.Random, rounds: int = 40) -> bool:
    if any(n % p == 0 for p in _SMALL_PRIMES):
        return n in _SMALL_PRIMES
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(rounds):
        x = pow(rng.randrange(2, n - 2), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


@functools.lru_cache(maxsize=8)  # every fresh deterministic sandbox asks for the same few seeds
def seeded_rsa_key(seed: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    """An RSA key that depends only on `seed`: deterministic mode's tokens are byte-stable.

    Never used outside deterministic mode: a key anyone can re-derive protects nothing.
    """
    rng = random.Random(hashlib.sha256(seed.encode()).digest())
    e = 65537

    def prime() -> int:
        while True:
            candidate = rng.getrandbits(bits // 2) | (1 << (bits // 2 - 1)) | (1 << (bits // 2 - 2)) | 1
            if (candidate - 1) % e and _probably_prime(candidate, rng):
                return candidate

    while True:
        p, q = prime(), prime()
        if p != q and (p * q).bit_length() == bits:
            break
    p, q = max(p, q), min(p, q)
    d = pow(e, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=d % (p - 1),
        dmq1=d % (q - 1),
        iqmp=pow(q, -1, p),
        public_numbers=rsa.RSAPublicNumbers(e, p * q),
    )
    return numbers.private_key()


class TokenRejected(Exception):
    """A bearer token the sandbox will not accept; the message says why (never the token)."""


@dataclass(frozen=True)
class _LoadedKey:
    kid: str
    state: str
    private_key: rsa.RSAPrivateKey

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()


class KeyRing:
    """Signs access tokens with the current key; verifies with any key the sandbox owns."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._keys: dict[str, _LoadedKey] = {}
        self._load_or_create()

    def _new_key(self, state: str) -> KeyRecord:
        if self._store.deterministic:
            private_key = seeded_rsa_key(f"rkvst-sandbox-key:{self._store.new_id('signing-key')}")
        else:
            private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii")
        return KeyRecord(jwk_thumbprint(private_key.public_key()), pem, state, rfc3339(self._store.clock.now()))

    def _load_or_create(self) -> None:
        records = self._store.signing_keys()
        states = {record.state for record in records}
        fresh: list[KeyRecord] = []
        if "current" not in states:
            fresh.append(self._new_key("current"))
        if "next" not in states:
            fresh.append(self._new_key("next"))
        if fresh:
            self._store.save_signing_keys(fresh)
            records = self._store.signing_keys()
        keys = {}
        for record in records:
            # Our own keys, written by us: skip the RSA consistency check, slow for each key.
            private_key = serialization.load_pem_private_key(
                record.private_pem.encode("ascii"), password=None, unsafe_skip_rsa_key_validation=True
            )
            assert isinstance(private_key, rsa.RSAPrivateKey)
            keys[record.kid] = _LoadedKey(record.kid, record.state, private_key)
        with self._lock:
            self._keys = keys

    @property
    def current(self) -> _LoadedKey:
        with self._lock:
            return next(k for k in self._keys.values() if k.state == "current")

    @property
    def next_key(self) -> _LoadedKey:
        with self._lock:
            return next(k for k in self._keys.values() if k.state == "next")

    def rotate(self) -> str:
        """Promote the published next key, retire the current one (it still verifies), publish a new next."""
        with self._lock:
            old = next(k for k in self._keys.values() if k.state == "current")
            promoted = next(k for k in self._keys.values() if k.state == "next")
        pem = lambda key: key.private_key.private_bytes(  # noqa: E731
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii")
        now = rfc3339(self._store.clock.now())
        self._store.save_signing_keys(
            [
                KeyRecord(old.kid, pem(old), "retired", now),
                KeyRecord(promoted.kid, pem(promoted), "current", now),
                self._new_key("next"),
            ]
        )
        self._load_or_create()
        return promoted.kid

    def jwks(self) -> dict:
        """The public key set: current, next and retired keys (retired ones verify old tokens)."""
        with self._lock:
            keys = list(self._keys.values())
        order = {"current": 0, "next": 1, "retired": 2}
        published = []
        for key in sorted(keys, key=lambda k: order[k.state]):
            jwk = RSAAlgorithm.to_jwk(key.public_key, as_dict=True)
            jwk.update({"kid": key.kid, "use": "sig", "alg": ALGORITHM})
            published.append(jwk)
        return {"keys": published}

    def sign(self, claims: dict[str, Any]) -> str:
        key = self.current
        return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": TOKEN_TYPE})

    def verify(self, token: str, *, issuer: str, audience: str, now: int) -> dict[str, Any]:
        """The claims of a token this sandbox signed, still valid at `now`; TokenRejected otherwise.

        The key is chosen by kid from the sandbox's own keys only: jku, x5u and jwk in
        the header are never followed. Time is checked against the sandbox clock (the
        deterministic clock is not the wall clock), not PyJWT's.
        """
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenRejected(f"the bearer token is not a JWT ({exc})") from None
        if header.get("alg") != ALGORITHM:
            raise TokenRejected(f"the bearer token's algorithm {header.get('alg')!r} is not accepted: only RS256")
        if "crit" in header:
            raise TokenRejected("the bearer token has a 'crit' header, which this service does not support")
        kid = header.get("kid")
        with self._lock:
            key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise TokenRejected("the bearer token was not signed by this sandbox (unknown key id)")
        try:
            claims = jwt.decode(
                token,
                key.public_key,
                algorithms=[ALGORITHM],
                audience=audience,
                issuer=issuer,
                options={"require": REQUIRED_CLAIMS, "verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.InvalidAudienceError:
            raise TokenRejected(f"the bearer token is for another audience (expected {audience})") from None
        except jwt.InvalidIssuerError:
            raise TokenRejected(f"the bearer token was issued by another issuer (expected {issuer})") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenRejected(f"the bearer token lacks the required claim '{exc.claim}'") from None
        except jwt.InvalidSignatureError:
            raise TokenRejected("the bearer token's signature does not verify") from None
        except jwt.PyJWTError as exc:
            raise TokenRejected(f"the bearer token is invalid ({exc})") from None
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int) or not isinstance(iat, int):
            raise TokenRejected("the bearer token's exp and iat must be integers")
        if exp <= now:
            raise TokenRejected(f"the bearer token expired {now - exp}s ago: request a new one")
        if iat > now + 60:
            raise TokenRejected("the bearer token was issued in the future")
        if not isinstance(claims.get("sub"), str):
            raise TokenRejected("the bearer token's sub must be a string")
        return claims
