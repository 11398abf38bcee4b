"""Bearer tokens on every path but T and .well-known: forged, expired and foreign tokens get 401;
non-root callers get 403 on management paths and an empty asset list (contract §6)."""

from __future__ import annotations

import base64
import json
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sandbox_helpers import APPS, ASSETS, ROOTS, session, token_for

MANAGEMENT_CALLS = [
    ("GET", APPS, None),
    ("POST", APPS, {"display_name": "x"}),
    ("GET", APPS + "/{uuid}", None),
    ("PATCH", APPS + "/{uuid}", {"display_name": "renamed"}),
    ("DELETE", APPS + "/{uuid}", None),
    ("POST", APPS + "/{uuid}:regenerate-secret", None),
    ("GET", ROOTS, None),
    ("PATCH", ROOTS, {"root_principals": []}),
]
ALL_PROTECTED = [*MANAGEMENT_CALLS, ("GET", ASSETS, None)]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_like(sandbox, **overrides) -> dict:
    now = int(time.time())
    claims = {
        "iss": sandbox.base_url + "/appidpv1",
        "aud": sandbox.base_url + "/archivist",
        "sub": sandbox.admin_client_id,
        "client_id": sandbox.admin_client_id,
        "name": "sandbox-admin",
        "iat": now,
        "exp": now + 600,
        "jti": "forged",
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def call(client: httpx.Client, method: str, path: str, body, uuid: str) -> httpx.Response:
    return client.request(method, path.format(uuid=uuid), json=body)


@pytest.mark.parametrize(("method", "path", "body"), ALL_PROTECTED)
def test_no_token_is_401_everywhere(shared_sandbox, method, path, body) -> None:
    with session(shared_sandbox.base_url, None) as anonymous:
        answer = call(anonymous, method, path, body, shared_sandbox.admin_client_id)
    assert answer.status_code == 401
    assert answer.json()["code"] == 16
    assert "bearer" in answer.json()["message"].lower()


@pytest.mark.parametrize(("method", "path", "body"), MANAGEMENT_CALLS)
def test_non_root_gets_403_on_management_paths(non_root, method, path, body) -> None:
    application, client = non_root
    answer = call(client, method, path, body, application["client_id"])
    assert answer.status_code == 403
    assert answer.json()["code"] == 7
    # The message tells the caller how to become root.
    assert application["client_id"] in answer.json()["message"]


def test_non_root_sees_an_empty_asset_list_and_root_sees_the_demo_assets(non_root, api) -> None:
    _, client = non_root
    answer = client.get(ASSETS)
    assert answer.status_code == 200
    assert answer.json() == {"assets": [], "next_page_token": ""}
    names = [asset["attributes"]["arc_display_name"] for asset in api.get(ASSETS).json()["assets"]]
    assert "Traffic light 101" in names and len(names) >= 3


def test_a_token_signed_by_another_key_is_401(sandbox) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    real_kid = jwt.get_unverified_header(token_for(sandbox.base_url, sandbox.admin_client_id, sandbox.admin_secret))[
        "kid"
    ]
    forged = jwt.encode(claims_like(sandbox), other, algorithm="RS256", headers={"kid": real_kid, "typ": "at+jwt"})
    with session(sandbox.base_url, forged) as client:
        answer = client.get(APPS)
    assert answer.status_code == 401
    assert "signature" in answer.json()["message"]


def test_jku_and_jwk_headers_are_never_followed(sandbox) -> None:
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(attacker.public_key()))
    forged = jwt.encode(
        claims_like(sandbox),
        attacker,
        algorithm="RS256",
        headers={"kid": "attacker", "jku": "http://127.0.0.1:1/jwks.json", "jwk": public_jwk},
    )
    with session(sandbox.base_url, forged) as client:
        answer = client.get(APPS)
    assert answer.status_code == 401
    assert "unknown key id" in answer.json()["message"]


def test_an_unsigned_alg_none_token_is_401(sandbox) -> None:
    header = b64url(json.dumps({"alg": "none", "typ": "at+jwt"}).encode())
    payload = b64url(json.dumps(claims_like(sandbox)).encode())
    with session(sandbox.base_url, f"{header}.{payload}.") as client:
        answer = client.get(APPS)
    assert answer.status_code == 401
    assert "RS256" in answer.json()["message"]


def test_hs256_signed_with_the_public_key_is_401(sandbox) -> None:
    """The classic algorithm confusion: the public key used as an HMAC secret."""
    jwks = httpx.get(sandbox.base_url + "/appidpv1/.well-known/jwks.json").json()
    public_pem = jwt.PyJWK(jwks["keys"][0]).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64url(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": jwks["keys"][0]["kid"]}).encode())
    payload = b64url(json.dumps(claims_like(sandbox)).encode())
    import hashlib
    import hmac

    signature = b64url(hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    with session(sandbox.base_url, f"{header}.{payload}.{signature}") as client:
        answer = client.get(APPS)
    assert answer.status_code == 401


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ({"aud": "https://app.rkvst.io/archivist"}, "audience"),
        ({"iss": "https://app.rkvst.io/appidpv1"}, "issuer"),
        ({"exp": None}, "exp"),
        ({"sub": None}, "sub"),
        ({"exp": 1000, "iat": 900}, "expired"),
        ({"sub": "00000000-0000-4000-8000-000000000000"}, "no longer exists"),
    ],
    ids=["foreign-audience", "foreign-issuer", "no-exp", "no-sub", "expired", "unknown-subject"],
)
def test_tokens_signed_by_the_sandbox_but_wrong_in_a_claim_are_401(sandbox, override, words) -> None:
    # Signed with the sandbox's own current key, to prove the claim checks and not the signature refuse them.
    key = sandbox.keys.current
    token = jwt.encode(
        claims_like(sandbox, **override), key.private_key, algorithm="RS256", headers={"kid": key.kid, "typ": "at+jwt"}
    )
    with session(sandbox.base_url, token) as client:
        answer = client.get(APPS)
    assert answer.status_code == 401
    assert words in answer.json()["message"]


def test_a_crit_header_is_refused(sandbox) -> None:
    key = sandbox.keys.current
    token = jwt.encode(
        claims_like(sandbox), key.private_key, algorithm="RS256", headers={"kid": key.kid, "crit": ["exp"]}
    )
    with session(sandbox.base_url, token) as client:
        answer = client.get(APPS)
    assert answer.status_code == 401
    assert "crit" in answer.json()["message"]


def test_an_expired_token_is_401(make_sandbox) -> None:
    server = make_sandbox(token_ttl=2)
    token = token_for(server.base_url, server.admin_client_id, server.admin_secret)
    with session(server.base_url, token) as client:
        assert client.get(APPS).status_code == 200
        time.sleep(2.1)  # iat and exp are whole seconds: exp has surely passed now
        answer = client.get(APPS)
    assert answer.status_code == 401
    assert "expired" in answer.json()["message"]


def test_a_token_of_a_deleted_registration_is_401(sandbox, api, create_app) -> None:
    application = create_app("soon-gone")
    token = token_for(sandbox.base_url, application["client_id"], application["credentials"][0]["secret"])
    assert api.delete(f"{APPS}/{application['client_id']}").status_code == 200
    with session(sandbox.base_url, token) as client:
        answer = client.get(ASSETS)
    assert answer.status_code == 401
    assert "no longer exists" in answer.json()["message"]


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer not.a.jwt", "token-without-scheme"])
def test_malformed_authorization_headers_are_401(shared_sandbox, header) -> None:
    answer = httpx.get(shared_sandbox.base_url + ASSETS, headers={"Authorization": header})
    assert answer.status_code == 401
    assert answer.json()["details"] == []
