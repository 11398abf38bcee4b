"""Attacks on the sandbox's bearer-token check, over real HTTP: every forged, altered, expired
or misdirected token gets 401, and the sandbox never fetches a key from where a token points.

Each attack is built by hand (security_helpers.jwt_by_hand) on claims that would pass if the
signature were the sandbox's: `test_the_forging_kit_makes_tokens_the_sandbox_accepts` proves
that, so a refusal below is the refusal of the attack and not of a clumsy token.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from jwt.algorithms import RSAAlgorithm
from security_helpers import (
    ASSETS,
    JWKS,
    MovableClock,
    assert_refused,
    b64url,
    b64url_decode,
    hs256,
    jwt_by_hand,
    list_apps,
    mint,
    new_rsa_key,
    public_pem,
    rs256,
    sandbox_claims,
    sandbox_key,
    segment,
    unsigned,
)

from rkvst_tui.sandbox.signing import jwk_thumbprint


@pytest.fixture(scope="module")
def attacker_key():
    return new_rsa_key()


def header(kid: str | None, alg: str = "RS256", **extra) -> dict:
    value = {"alg": alg, "typ": "at+jwt", "kid": kid, **extra}
    return {name: item for name, item in value.items() if item is not None}


class KeyHost:
    """A loopback web server the attacker runs to serve keys; it records every request."""

    def __init__(self, body: bytes, content_type: str) -> None:
        self.requests: list[str] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                host.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def key_host(attacker_key) -> Iterator[KeyHost]:
    jwk = RSAAlgorithm.to_jwk(attacker_key.public_key(), as_dict=True)
    jwk.update({"kid": "attacker", "use": "sig", "alg": "RS256"})
    host = KeyHost(json.dumps({"keys": [jwk]}).encode(), "application/json")
    yield host
    host.close()


@pytest.fixture
def certificate_host(attacker_key) -> Iterator[KeyHost]:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rkvst sandbox (not really)")])
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(attacker_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(attacker_key, hashes.SHA256())
    )
    host = KeyHost(certificate.public_bytes(serialization.Encoding.PEM), "application/pem-certificate-chain")
    yield host
    host.close()


@pytest.fixture(scope="module")
def sandbox(shared_sandbox):
    """These attacks change nothing: one sandbox serves the whole module."""
    return shared_sandbox


def assert_never_fetched(host: KeyHost) -> None:
    time.sleep(0.2)  # a fetch made after the answer would still show up
    assert host.requests == [], f"the sandbox fetched the attacker's key from {host.requests}"


# ------------------------------------------------------------------------------------ control


def test_the_forging_kit_makes_tokens_the_sandbox_accepts(sandbox) -> None:
    kid, private_key = sandbox_key(sandbox)
    genuine = jwt_by_hand(header(kid), sandbox_claims(sandbox), rs256(private_key))
    assert list_apps(sandbox, genuine).status_code == 200


# ------------------------------------------------------------------------------------ attacks


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
@pytest.mark.parametrize("signature", ["empty", "kept from a real token"])
def test_alg_none_is_refused(sandbox, alg, signature) -> None:
    real_signature = mint(sandbox).rsplit(".", 1)[1]
    token = jwt_by_hand(header(None, alg=alg), sandbox_claims(sandbox), unsigned)
    if signature != "empty":
        token += real_signature
    assert_refused(list_apps(sandbox, token), attack=f"alg {alg}, signature {signature}")


@pytest.mark.parametrize("material", ["PEM", "PEM without its last newline", "DER", "JWK JSON", "modulus"])
def test_hs256_signed_with_the_sandbox_public_key_is_refused(sandbox, material) -> None:
    """Key confusion: an HMAC keyed with the public key, taken from the sandbox's own JWKS."""
    published = httpx.get(sandbox.base_url + JWKS, timeout=10).json()["keys"][0]
    public_key = RSAAlgorithm.from_jwk(json.dumps(published))
    secret = {
        "PEM": public_pem(public_key),
        "PEM without its last newline": public_pem(public_key).rstrip(b"\n"),
        "DER": public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
        "JWK JSON": json.dumps(published).encode(),
        "modulus": b64url_decode(published["n"]),
    }[material]
    token = jwt_by_hand(header(published["kid"], alg="HS256"), sandbox_claims(sandbox), hs256(secret))
    assert_refused(list_apps(sandbox, token), attack=f"HS256 keyed with the public key ({material})")


def test_a_token_signed_by_another_rsa_key_with_the_sandbox_kid_is_refused(sandbox, attacker_key) -> None:
    kid, _ = sandbox_key(sandbox)
    token = jwt_by_hand(header(kid), sandbox_claims(sandbox), rs256(attacker_key))
    body = assert_refused(list_apps(sandbox, token), attack="another RSA key, same kid")
    assert "signature" in body["message"]


def test_a_tampered_payload_with_a_root_subject_is_refused(sandbox, non_root) -> None:
    application, token = non_root
    # The genuine token works, and is refused for what it is: not root.
    assert list_apps(sandbox, token).status_code == 403
    assert httpx.get(sandbox.base_url + ASSETS, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    head, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    assert claims["sub"] == application["client_id"]
    claims.update(sub=sandbox.admin_client_id, client_id=sandbox.admin_client_id)
    tampered = f"{head}.{segment(claims)}.{signature}"
    body = assert_refused(list_apps(sandbox, tampered), attack="payload sub changed to the root's client id")
    assert "signature" in body["message"]


def test_an_expired_token_is_refused(make_sandbox) -> None:
    server = make_sandbox(clock=MovableClock(), token_ttl=60)
    token = mint(server)
    server.clock.advance(59)
    assert list_apps(server, token).status_code == 200  # still valid a second before exp
    server.clock.advance(1)
    body = assert_refused(list_apps(server, token), attack="a token at its exp")
    assert "expired" in body["message"]
    server.clock.advance(3600)
    assert_refused(list_apps(server, token), attack="a token an hour past exp")


def test_an_expired_token_forged_with_the_right_key_is_refused(sandbox) -> None:
    kid, private_key = sandbox_key(sandbox)
    now = sandbox.clock.timestamp()
    token = jwt_by_hand(header(kid), sandbox_claims(sandbox, iat=now - 7200, exp=now - 3600), rs256(private_key))
    assert_refused(list_apps(sandbox, token), attack="exp an hour ago")


@pytest.mark.parametrize(
    "audience",
    [
        "https://app.rkvst.io/archivist",
        ["https://app.rkvst.io/archivist"],
        "{base}/appidpv1",  # the issuer used as an audience
        "{base}/archivist/",
        "",
        None,  # no aud at all
    ],
)
def test_a_token_for_another_audience_is_refused(sandbox, audience) -> None:
    kid, private_key = sandbox_key(sandbox)
    if isinstance(audience, str):
        audience = audience.format(base=sandbox.base_url)
    claims = sandbox_claims(sandbox)
    claims.pop("aud")
    if audience is not None:
        claims["aud"] = audience
    token = jwt_by_hand(header(kid), claims, rs256(private_key))
    assert_refused(list_apps(sandbox, token), attack=f"audience {audience!r}")


@pytest.mark.parametrize(
    "issuer",
    ["https://app.rkvst.io/appidpv1", "{base}/appidpv1/", "{base}", "http://evil.example/appidpv1", None],
)
def test_a_token_from_another_issuer_is_refused(sandbox, issuer) -> None:
    kid, private_key = sandbox_key(sandbox)
    claims = sandbox_claims(sandbox)
    claims.pop("iss")
    if issuer is not None:
        claims["iss"] = issuer.format(base=sandbox.base_url)
    token = jwt_by_hand(header(kid), claims, rs256(private_key))
    assert_refused(list_apps(sandbox, token), attack=f"issuer {issuer!r}")


@pytest.mark.parametrize("kid", ["attacker", "sandbox"])
def test_a_jku_header_is_never_fetched(sandbox, attacker_key, key_host, kid) -> None:
    kid_value = "attacker" if kid == "attacker" else sandbox_key(sandbox)[0]
    token = jwt_by_hand(
        header(kid_value, jku=key_host.url + "/jwks.json"), sandbox_claims(sandbox), rs256(attacker_key)
    )
    # The attacker's server does serve the key: a sandbox that followed jku would accept.
    assert httpx.get(key_host.url + "/jwks.json").json()["keys"][0]["kid"] == "attacker"
    key_host.requests.clear()
    assert_refused(list_apps(sandbox, token), attack=f"jku to a loopback key server, {kid} kid")
    assert_never_fetched(key_host)


def test_an_x5u_header_is_never_fetched(sandbox, attacker_key, certificate_host) -> None:
    token = jwt_by_hand(
        header("attacker", x5u=certificate_host.url + "/chain.pem"), sandbox_claims(sandbox), rs256(attacker_key)
    )
    assert_refused(list_apps(sandbox, token), attack="x5u to a loopback certificate server")
    assert_never_fetched(certificate_host)


@pytest.mark.parametrize("kid", ["thumbprint", "sandbox"])
def test_an_embedded_jwk_header_is_never_trusted(sandbox, attacker_key, kid) -> None:
    jwk = RSAAlgorithm.to_jwk(attacker_key.public_key(), as_dict=True)
    kid_value = jwk_thumbprint(attacker_key.public_key()) if kid == "thumbprint" else sandbox_key(sandbox)[0]
    token = jwt_by_hand(header(kid_value, jwk=jwk), sandbox_claims(sandbox), rs256(attacker_key))
    assert_refused(list_apps(sandbox, token), attack=f"jwk header with the attacker's key, {kid} kid")


@pytest.mark.parametrize("kid", ["not-a-sandbox-key", "", 12345, None, "next"])
def test_an_unknown_or_wrong_kid_is_refused(sandbox, kid) -> None:
    _, private_key = sandbox_key(sandbox)
    if kid == "next":  # a kid the sandbox publishes, but not of the key that signed
        kid = sandbox.keys.next_key.kid
    token = jwt_by_hand(
        header(None) | ({} if kid is None else {"kid": kid}), sandbox_claims(sandbox), rs256(private_key)
    )
    assert_refused(list_apps(sandbox, token), attack=f"kid {kid!r} on a token signed with the sandbox key")


@pytest.mark.parametrize("crit", [["exp"], ["b64"], ["http://evil.example/ext"], []])
def test_a_crit_header_is_refused(sandbox, crit) -> None:
    kid, private_key = sandbox_key(sandbox)
    extra = {"crit": crit, "b64": False} if crit == ["b64"] else {"crit": crit}
    token = jwt_by_hand(header(kid, **extra), sandbox_claims(sandbox), rs256(private_key))
    assert_refused(list_apps(sandbox, token), attack=f"crit {crit}")


@pytest.mark.parametrize(
    "mangle",
    ["signature removed", "signature of another token", "two tokens joined", "payload not JSON", "four parts"],
)
def test_mangled_sandbox_tokens_are_refused(sandbox, mangle) -> None:
    token = mint(sandbox)
    head, payload, signature = token.split(".")
    other = mint(sandbox)
    mangled = {
        "signature removed": f"{head}.{payload}.",
        "signature of another token": f"{head}.{payload}.{other.rsplit('.', 1)[1]}",
        "two tokens joined": token + other,
        "payload not JSON": f"{head}.{b64url(b'not json')}.{signature}",
        "four parts": f"{token}.{signature}",
    }[mangle]
    assert_refused(list_apps(sandbox, mangled), attack=mangle)


def test_a_token_from_another_sandbox_is_refused_even_under_its_host_name(sandbox, make_sandbox) -> None:
    """Two tenants, two key sets: a genuine token of one is nothing to the other, whatever Host says."""
    other = make_sandbox()
    foreign = mint(other)
    assert list_apps(other, foreign).status_code == 200
    assert_refused(list_apps(sandbox, foreign), attack="a genuine token of another sandbox")
    spoofed_host = other.base_url.removeprefix("http://")  # so the issuer and audience checks would pass
    answer = httpx.get(
        sandbox.base_url + "/archivist/iam/v1/applications",
        timeout=10,
        headers={"Authorization": f"Bearer {foreign}", "Host": spoofed_host},
    )
    body = assert_refused(answer, attack="another sandbox's token with that sandbox's Host header")
    assert "key" in body["message"]


@pytest.mark.parametrize("where", ["query access_token", "form access_token", "cookie", "Basic scheme"])
def test_a_token_anywhere_but_the_bearer_header_is_refused(sandbox, where) -> None:
    token = mint(sandbox)
    url = sandbox.base_url + "/archivist/iam/v1/applications"
    if where == "query access_token":
        answer = httpx.get(url, params={"access_token": token}, timeout=10)
    elif where == "form access_token":
        answer = httpx.post(url, data={"access_token": token, "display_name": "x"}, timeout=10)
    elif where == "cookie":
        answer = httpx.get(url, headers={"Cookie": f"access_token={token}; token={token}"}, timeout=10)
    else:
        answer = httpx.get(url, headers={"Authorization": f"Basic {token}"}, timeout=10)
    assert_refused(answer, attack=f"token in the {where}")
