"""Tools for the security suite: forging JWTs by hand, probing the sandbox, keeping score.

Tokens are built here byte by byte (not with PyJWT's encoder) so that an attack can carry
whatever header, algorithm or signature it likes: PyJWT refuses some of them on purpose.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from rkvst_tui.sandbox.clock import FixedClock
from rkvst_tui.sandbox.server import SandboxServer

APPS = "/archivist/iam/v1/applications"
TOKEN = "/archivist/iam/v1/appidp/token"
ROOTS = "/archivist/v1/tenancies/root_principals"
ASSETS = "/archivist/v2/assets"
JWKS = "/appidpv1/.well-known/jwks.json"
SPEC_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "spec"

# What the suite did, printed at the end of the run (tests/security/conftest.py) for the README.
TALLY: Counter[str] = Counter()
NOTES: dict[str, object] = {}  # measurements worth quoting (timing)


class MovableClock(FixedClock):
    """A clock the test moves by hand, starting now, without deterministic mode's seeded keys and ids
    (deriving the seeded RSA keys costs seconds; these tests need real random ones anyway)."""

    deterministic = False

    def __init__(self) -> None:
        super().__init__(datetime.now(timezone.utc).replace(microsecond=0))


# -------------------------------------------------------------------------- JWTs by hand


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def segment(value: dict) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def rs256(private_key: rsa.RSAPrivateKey) -> Callable[[bytes], bytes]:
    return lambda signing_input: private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())


def hs256(secret: bytes) -> Callable[[bytes], bytes]:
    return lambda signing_input: hmac.new(secret, signing_input, hashlib.sha256).digest()


def unsigned(_signing_input: bytes) -> bytes:
    return b""


def jwt_by_hand(header: dict, claims: dict, sign: Callable[[bytes], bytes]) -> str:
    signing_input = f"{segment(header)}.{segment(claims)}"
    return f"{signing_input}.{b64url(sign(signing_input.encode('ascii')))}"


def sandbox_claims(server: SandboxServer, subject: str | None = None, **overrides) -> dict:
    """Claims shaped like the sandbox's own tokens, for its own issuer and audience, valid now."""
    subject = subject or server.admin_client_id
    now = server.clock.timestamp()
    claims = {
        "iss": server.base_url + "/appidpv1",
        "aud": server.base_url + "/archivist",
        "sub": subject,
        "client_id": subject,
        "name": "forged",
        "jit_tenant_id": server.store.tenant_id,
        "jit_tier": "FREE",
        "jti": "forged-" + str(now),
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def sandbox_key(server: SandboxServer) -> tuple[str, rsa.RSAPrivateKey]:
    """The sandbox's current signing key (kid, private key): what a legitimate token uses."""
    current = server.keys.current
    return current.kid, current.private_key


def public_pem(public_key: rsa.RSAPublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


# -------------------------------------------------------------------------- the sandbox over HTTP


def token_answer(
    server: SandboxServer, client_id: str, secret: str, client: httpx.Client | None = None
) -> httpx.Response:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    if client is not None:
        return client.post(server.base_url + TOKEN, data=form)
    return httpx.post(server.base_url + TOKEN, data=form, timeout=10)


def mint(server: SandboxServer, client_id: str | None = None, secret: str | None = None) -> str:
    answer = token_answer(server, client_id or server.admin_client_id, secret or server.admin_secret)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def call(server: SandboxServer, method: str, path: str, token: str | None, json_body=None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.request(method, server.base_url + path, headers=headers, json=json_body, timeout=10)


def list_apps(server: SandboxServer, token: str) -> httpx.Response:
    """L: the cheapest call that only a valid root token passes."""
    return call(server, "GET", APPS, token)


def create_registration(server: SandboxServer, name: str, claims: dict[str, str] | None = None) -> dict:
    """A new, non-root registration made over HTTP by the admin; the answer holds its secret."""
    answer = call(server, "POST", APPS, mint(server), {"display_name": name, "custom_claims": claims or {}})
    assert answer.status_code == 200, answer.text
    return answer.json()


def secret_of(application: dict) -> str:
    return application["credentials"][0]["secret"]


def assert_refused(answer: httpx.Response, statuses: tuple[int, ...] = (401,), *, attack: str) -> dict:
    """The attack was refused with one of `statuses` and a status body; it counts as one attack."""
    TALLY["attacks tried"] += 1
    assert answer.status_code in statuses, (
        f"{attack}: expected {statuses}, got {answer.status_code} {answer.text[:300]}"
    )
    body = answer.json()
    assert isinstance(body.get("code"), int) and isinstance(body.get("message"), str), body
    TALLY["attacks refused"] += 1
    return body
