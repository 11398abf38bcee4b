"""The JWT inspection core: what a person pasting a token would check."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta, timezone

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwt_helpers import b64url, public_pem

from rkvst_tui.api.inspection import (
    INVALID,
    NOT_CHECKED,
    UNSECURED,
    VERIFIED,
    KeyLoadError,
    find_token,
    inspect_token,
    load_verification_key,
    normalise,
)
from rkvst_tui.api.time_words import claim_relative, span

BASE = "http://127.0.0.1:8123"
ISSUER = f"{BASE}/appidpv1"
AUDIENCE = f"{BASE}/archivist"
NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=timezone.utc)
NOW_TS = int(NOW.timestamp())
RS256_HEADER = b'{"alg":"RS256","typ":"at+jwt"}'


@pytest.fixture(scope="module")
def other_rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _claims(**overrides):
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065",
        "client_id": "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065",
        "name": "TrafficLight101",
        "jit_tenant_id": "tenant/53e6bed7-6f4c-4a37-8c4f-cf889f2b1aa6",
        "jit_tier": "FREE",
        "jti": "3f1c",
        "iat": NOW_TS - 300,
        "exp": NOW_TS + 3300,
        "serial_number": "TL1000000101",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _token(key, algorithm="RS256", kid="key-1", typ="at+jwt", **claims) -> str:
    headers = {"typ": typ}
    if kid is not None:
        headers["kid"] = kid
    return jwt.encode(_claims(**claims), key, algorithm=algorithm, headers=headers)


def _jwks(*public_keys_and_kids) -> dict:
    keys = []
    for public_key, kid in public_keys_and_kids:
        entry = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public_key))
        entry.update({"kid": kid, "use": "sig", "alg": "RS256"})
        keys.append(entry)
    return {"keys": keys}


def _inspect(text, **kwargs):
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("expected_issuer", ISSUER)
    kwargs.setdefault("expected_audience", AUDIENCE)
    return inspect_token(text, **kwargs)


# --------------------------------------------------------------------------- input forms


@pytest.mark.parametrize(
    "wrap",
    [
        "{t}",
        "  \n{t}\n\n",
        '"{t}"',
        "'{t}'",
        "Bearer {t}",
        "bearer   {t}",
        "Authorization: Bearer {t}",
        "authorization:bearer {t}",
        "AUTHORIZATION: BEARER {t}\n",
        'curl -v -H "Authorization: Bearer {t}" https://app.rkvst.io/archivist/v2/assets',
        '{{"access_token": "{t}", "token_type": "Bearer", "expires_in": 3600}}',
        "GET /archivist/v2/assets HTTP/1.1\r\nHost: app.rkvst.io\r\nAccept: */*\r\n"
        "Authorization: Bearer {t}\r\nUser-Agent: curl/8\r\n\r\n",
        "2026-01-15 12:00:00 INFO sending token {t} to the service",
    ],
)
def test_the_token_is_found_in_every_way_people_paste_it(rsa_key, wrap):
    token = _token(rsa_key)
    assert normalise(wrap.format(t=token)) == token
    report = _inspect(wrap.format(t=token), key=public_pem(rsa_key.public_key()))
    assert report.ok and report.signature_state == VERIFIED


def test_a_bearer_token_file_written_as_the_guide_says_is_read(rsa_key, tmp_path):
    token = _token(rsa_key)
    path = tmp_path / "bearer_token"
    path.write_text(f"Authorization: Bearer {token}\n")
    found, note = find_token(path.read_text())
    assert found == token
    assert "Authorization" in note


def test_a_token_wrapped_over_lines_by_a_terminal_is_joined(rsa_key):
    token = _token(rsa_key)
    wrapped = "\n".join(token[i : i + 60] for i in range(0, len(token), 60))
    assert normalise(wrapped) == token


def test_the_note_says_where_the_token_was_found(rsa_key):
    token = _token(rsa_key)
    request = f"GET /archivist/v2/assets HTTP/1.1\nHost: x\nAuthorization: Bearer {token}\n\n"
    assert find_token(request)[1] == "found in the Authorization header of the request"
    assert find_token(f"Bearer {token}")[1] == "found after the Bearer prefix"
    assert "not Bearer" in find_token("Authorization: Basic dXNlcjpwYXNz")[1]


def test_empty_input_says_what_to_paste():
    report = _inspect("   \n ")
    assert not report.ok
    assert report.errors[0].startswith("nothing to inspect")
    assert report.signature_state == NOT_CHECKED


# --------------------------------------------------------------------------- decoding


def test_a_good_rkvst_token_decodes_with_claims_classified(rsa_key):
    report = _inspect(_token(rsa_key))
    assert report.ok
    assert report.header == {"alg": "RS256", "kid": "key-1", "typ": "at+jwt"}
    assert report.payload["jit_tier"] == "FREE"
    kinds = {(c.name, c.kind) for c in report.claims}
    assert {("alg", "header"), ("kid", "header"), ("typ", "header")} <= kinds
    assert {
        ("iss", "registered"),
        ("sub", "registered"),
        ("aud", "registered"),
        ("exp", "registered"),
        ("iat", "registered"),
        ("jti", "registered"),
    } <= kinds
    assert {("jit_tenant_id", "rkvst"), ("jit_tier", "rkvst"), ("name", "rkvst"), ("client_id", "rkvst")} <= kinds
    assert ("serial_number", "custom") in kinds
    assert report.claim("exp").meaning.startswith("Expiry")
    assert report.claim("kid", "header").meaning.startswith("Key id")
    assert report.claim("jit_tenant_id").meaning == "RKVST: the tenant this token acts in"
    assert all(c.meaning for c in report.claims)
    # A clean token from the connected backend raises nothing to worry about.
    assert report.warnings == []


def test_times_are_shown_utc_local_and_relative(rsa_key):
    report = _inspect(
        _token(rsa_key, exp=NOW_TS + 42 * 60 + 10, iat=NOW_TS - 5 * 60), local_tz=timezone(timedelta(hours=2))
    )
    exp = report.claim("exp").times
    assert exp.utc == "2026-01-15 12:42:10 UTC"
    assert exp.local == "2026-01-15 14:42:10 UTC+02:00"
    assert exp.relative == "expires in 42m 10s"
    assert report.claim("iat").times.relative == "issued 5m ago"
    assert report.claim("jti").times is None


@pytest.mark.parametrize(
    ("delta", "claim", "text"),
    [
        (42 * 60 + 10, "exp", "expires in 42m 10s"),
        (-3 * 3600, "exp", "expired 3h ago"),
        (-(3 * 3600 + 120), "exp", "expired 3h 2m ago"),
        (-5 * 60, "iat", "issued 5m ago"),
        (30, "iat", "issued 30s in the future"),
        (90, "nbf", "becomes valid in 1m 30s"),
        (-2 * 86400 - 4 * 3600, "nbf", "valid since 2d 4h ago"),
        (0, "exp", "expired just now"),
        (400 * 86400, "exp", "expires in 1y 35d"),
    ],
)
def test_claim_times_read_like_a_person_would_say_it(delta, claim, text):
    assert claim_relative(NOW_TS + delta, NOW, claim) == text


def test_span_keeps_two_units():
    assert span(0) == "0s"
    assert span(59) == "59s"
    assert span(3600) == "1h"
    assert span(3661) == "1h 1m"


def test_padded_token_decodes_and_says_so(rsa_key):
    token = _token(rsa_key)
    header, payload, signature = token.split(".")
    padded = ".".join(p + "=" * (-len(p) % 4) for p in (header, payload, signature))
    assert padded != token  # at least one part needed padding, or this test proves nothing
    report = _inspect(padded)
    assert report.ok
    assert report.payload["sub"] == _claims()["sub"]
    assert any("padding" in w for w in report.warnings)


def test_standard_base64_characters_are_tolerated_with_a_note():
    payload = json.dumps({"sub": "x", "data": "\xfb\xff\xfe?>"}).encode()
    std = base64.b64encode(payload).decode().rstrip("=")
    assert "+" in std or "/" in std
    token = f"{b64url(RS256_HEADER)}.{std}.c2ln"
    report = _inspect(token)
    assert report.payload == json.loads(payload)
    assert any("standard base64" in w for w in report.warnings)


def test_non_ascii_custom_claims_survive(rsa_key):
    report = _inspect(_token(rsa_key, site="Zürich — 東京", emoji="🚦"))
    assert report.ok
    assert report.claim("site").value == "Zürich — 東京"
    assert report.claim("emoji").kind == "custom"
    assert "東京" in report.part("payload").shown_json


def test_truncated_token_keeps_what_decoded_and_names_the_part(rsa_key):
    token = _token(rsa_key)
    header, payload, _ = token.split(".")
    report = _inspect(f"{header}.{payload[:17]}")
    assert "expected 3 parts separated by '.', found 2" in report.errors
    assert report.header == {"alg": "RS256", "kid": "key-1", "typ": "at+jwt"}
    assert report.payload is None
    assert report.part("payload").error.startswith("payload: ")
    assert report.claim("alg", "header") is not None


def test_bad_base64_names_the_part_and_the_character(rsa_key):
    header, payload, signature = _token(rsa_key).split(".")
    bad = payload[:16] + "*" + payload[17:]
    report = _inspect(f"{header}.{bad}.{signature}")
    assert report.part("payload").error == "payload: not valid base64url at character 17 ('*')"
    assert report.header is not None


def test_header_not_utf8_is_named():
    token = ".".join([b64url(b"\xff\xfe{}"), b64url(b'{"sub":"x"}'), "c2ln"])
    report = _inspect(token)
    assert report.part("header").error.startswith("header: not UTF-8")
    assert report.payload == {"sub": "x"}
    assert report.signature_state == NOT_CHECKED
    assert "header could not be decoded" in report.signature_reason


def test_payload_not_json_quotes_the_parser():
    token = ".".join([b64url(b'{"alg":"RS256"}'), b64url(b'{"sub":"x" "exp":1}'), "c2ln"])
    report = _inspect(token)
    assert report.part("payload").error.startswith("payload: not JSON: Expecting ',' delimiter")
    assert report.header == {"alg": "RS256"}


def test_payload_json_but_not_object_is_named():
    token = ".".join([b64url(b'{"alg":"RS256"}'), b64url(b"[1,2]"), "c2ln"])
    assert _inspect(token).part("payload").error == "payload: JSON but not an object (it is a list)"


def test_encrypted_token_is_recognised():
    token = ".".join([b64url(b'{"alg":"RSA-OAEP","enc":"A256GCM"}'), "a", "b", "c", "d"])
    report = _inspect(token)
    assert any("encrypted token (JWE" in e for e in report.errors)
    assert report.header["enc"] == "A256GCM"


def test_duplicate_claim_names_are_pointed_out():
    token = ".".join([b64url(b'{"alg":"RS256"}'), b64url(b'{"sub":"a","sub":"b"}'), "c2ln"])
    report = _inspect(token)
    assert report.payload == {"sub": "b"}
    assert any("'sub' twice" in w for w in report.warnings)


# --------------------------------------------------------------------------- signature


def test_verified_with_the_backend_key_set_chosen_by_kid(rsa_key, other_rsa_key):
    jwks = _jwks((other_rsa_key.public_key(), "key-0"), (rsa_key.public_key(), "key-1"))
    report = _inspect(_token(rsa_key), jwks=jwks)
    assert report.signature_state == VERIFIED
    assert report.key_source == "the backend's key set (kid key-1)"


def test_kid_unknown_is_invalid(rsa_key, other_rsa_key):
    report = _inspect(_token(rsa_key, kid="key-9"), jwks=_jwks((rsa_key.public_key(), "key-1")))
    assert report.signature_state == INVALID
    assert report.signature_reason.startswith("kid unknown: 'key-9'")


def test_token_signed_by_another_key_is_invalid(rsa_key, other_rsa_key):
    report = _inspect(_token(other_rsa_key), jwks=_jwks((rsa_key.public_key(), "key-1")))
    assert report.signature_state == INVALID
    assert report.signature_reason.startswith("bad signature")


def test_tampered_payload_is_invalid_but_still_decoded(rsa_key):
    header, payload, signature = _token(rsa_key).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["jit_tier"] = "ENTERPRISE"
    tampered = f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"
    report = _inspect(tampered, key=public_pem(rsa_key.public_key()))
    assert report.payload["jit_tier"] == "ENTERPRISE"
    assert report.signature_state == INVALID
    assert "bad signature" in report.signature_reason


def test_user_given_keys_in_every_form_verify(rsa_key):
    token = _token(rsa_key)
    public = rsa_key.public_key()
    private_pem = rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(public)
    for key in (public_pem(public), private_pem, jwk, json.dumps({"keys": [json.loads(jwk)]})):
        report = _inspect(token, key=key)
        assert report.signature_state == VERIFIED, key[:40]
        assert report.key_source.startswith("the key you gave")


def test_user_key_that_cannot_be_read_says_why(rsa_key):
    report = _inspect(_token(rsa_key), key="-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----")
    assert report.signature_state == NOT_CHECKED
    assert "could not be read as a key" in report.signature_reason
    with pytest.raises(KeyLoadError, match="symmetric"):
        load_verification_key('{"kty": "oct", "k": "c2VjcmV0"}')
    with pytest.raises(KeyLoadError, match="not a PEM block"):
        load_verification_key("hello")


@pytest.mark.parametrize(("curve", "alg"), [(ec.SECP256R1(), "ES256"), (ec.SECP384R1(), "ES384")])
def test_ec_keys_verify(curve, alg):
    key = ec.generate_private_key(curve)
    report = _inspect(_token(key, algorithm=alg), key=public_pem(key.public_key()))
    assert report.signature_state == VERIFIED


def test_eddsa_verifies():
    key = ed25519.Ed25519PrivateKey.generate()
    report = _inspect(_token(key, algorithm="EdDSA"), key=public_pem(key.public_key()))
    assert report.signature_state == VERIFIED


def test_hs256_signed_with_the_public_key_is_refused(rsa_key):
    """The algorithm-confusion attack: HMAC keyed with the public PEM must not verify."""
    pem = public_pem(rsa_key.public_key())
    header = b64url(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": "key-1"}).encode())
    payload = b64url(json.dumps(_claims()).encode())
    signature = b64url(hmac.new(pem.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest())
    forged = f"{header}.{payload}.{signature}"
    for source in ({"key": pem}, {"jwks": _jwks((rsa_key.public_key(), "key-1"))}):
        report = _inspect(forged, **source)
        assert report.signature_state == INVALID
        assert report.signature_reason.startswith("alg not allowed: HS256")


def test_the_key_type_decides_not_the_token(rsa_key):
    ec_key = ec.generate_private_key(ec.SECP256R1())
    report = _inspect(_token(ec_key, algorithm="ES256"), key=public_pem(rsa_key.public_key()))
    assert report.signature_state == INVALID
    assert "the key is RSA" in report.signature_reason


def test_algorithm_outside_the_allow_list_is_invalid(rsa_key):
    report = _inspect(_token(rsa_key, algorithm="PS512"), key=public_pem(rsa_key.public_key()))
    assert report.signature_state == INVALID
    assert report.signature_reason.startswith("alg not allowed: 'PS512'")
    narrowed = _inspect(_token(rsa_key), key=public_pem(rsa_key.public_key()), algorithms=("ES256",))
    assert narrowed.signature_state == INVALID


def test_alg_none_is_unsecured_even_with_a_key(rsa_key):
    token = jwt.encode(_claims(), None, algorithm="none")
    report = _inspect(token, key=public_pem(rsa_key.public_key()))
    assert report.signature_state == UNSECURED
    assert "unsecured" in report.warning_codes()


def test_not_checked_says_why(rsa_key):
    report = _inspect(_token(rsa_key))
    assert report.signature_state == NOT_CHECKED
    assert "no key" in report.signature_reason
    custom = _inspect(_token(rsa_key), no_key_reason="the backend publishes no key set (the real service does not)")
    assert custom.signature_reason == "the backend publishes no key set (the real service does not)"


def test_the_token_own_key_headers_are_ignored(rsa_key, other_rsa_key):
    """A token that brings its own key (jwk) and key URL (jku) must not verify with them."""
    attacker_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(other_rsa_key.public_key()))
    token = jwt.encode(
        _claims(),
        other_rsa_key,
        algorithm="RS256",
        headers={
            "typ": "at+jwt",
            "kid": "key-1",
            "jwk": attacker_jwk,
            "jku": "http://127.0.0.1:9/jwks.json",
            "x5u": "http://127.0.0.1:9/cert.pem",
        },
    )
    unchecked = _inspect(token)
    assert unchecked.signature_state == NOT_CHECKED
    assert unchecked.ignored_header_keys == ["jku", "jwk", "x5u"]
    checked = _inspect(token, jwks=_jwks((rsa_key.public_key(), "key-1")))
    assert checked.signature_state == INVALID
    assert checked.warning_codes().count("ignored-key-header") == 3
    assert "ignored, never fetched" in checked.claim("jku", "header").meaning


def test_missing_signature_is_invalid(rsa_key):
    header, payload, _ = _token(rsa_key).split(".")
    report = _inspect(f"{header}.{payload}.", key=public_pem(rsa_key.public_key()))
    assert report.signature_state == INVALID
    assert "signature part is empty" in report.signature_reason


# --------------------------------------------------------------------------- warnings


def test_expired_token_warns(rsa_key):
    report = _inspect(_token(rsa_key, iat=NOW_TS - 4 * 3600, exp=NOW_TS - 3 * 3600))
    assert "expired" in report.warning_codes()
    assert report.claim("exp").times.relative == "expired 3h ago"


def test_not_yet_valid_warns(rsa_key):
    report = _inspect(_token(rsa_key, nbf=NOW_TS + 120))
    assert "not-yet-valid" in report.warning_codes()
    assert report.claim("nbf").times.relative == "becomes valid in 2m"


def test_iat_in_the_future_names_the_clock_offset(rsa_key):
    report = _inspect(_token(rsa_key, iat=NOW_TS + 125))
    [warning] = [w for w in report.warnings if w.code == "iat-in-future"]
    assert "2m 5s in the future" in warning
    assert "+125s" in warning


def test_wrong_issuer_and_audience_warn(rsa_key):
    report = _inspect(_token(rsa_key, iss="https://app.rkvst.io/appidpv1", aud=["https://app.rkvst.io/archivist"]))
    codes = report.warning_codes()
    assert "issuer-mismatch" in codes and "audience-mismatch" in codes
    assert any(ISSUER in w for w in report.warnings)
    # aud as a list that contains ours is fine.
    assert "audience-mismatch" not in _inspect(_token(rsa_key, aud=[AUDIENCE, "other"])).warning_codes()


def test_typ_other_than_at_jwt_warns(rsa_key):
    assert "typ" in _inspect(_token(rsa_key, typ="JWT")).warning_codes()
    assert "typ" not in _inspect(_token(rsa_key, typ="application/at+jwt")).warning_codes()


def test_no_exp_warns(rsa_key):
    report = _inspect(_token(rsa_key, exp=None))
    assert "no-exp" in report.warning_codes()


def test_crit_header_warns(rsa_key):
    token = jwt.encode(_claims(), rsa_key, algorithm="RS256", headers={"typ": "at+jwt", "crit": ["b64"], "b64": True})
    report = _inspect(token)
    assert "crit" in report.warning_codes()


def test_custom_claims_breaking_the_rules_warn(rsa_key):
    report = _inspect(_token(rsa_key, arc_owner="me", count=3, **{"bad name": "x"}))
    custom = [w for w in report.warnings if w.code == "custom-claim"]
    assert any("'arc_owner'" in w and "arc_" in w for w in custom)
    assert any("'count'" in w and "must be strings" in w for w in custom)
    assert any("'bad name'" in w and "whitespace" in w for w in custom)
    assert not any("serial_number" in w for w in custom)


def test_a_custom_claim_with_only_a_warning_is_not_said_to_break_the_rules(rsa_key):
    report = _inspect(_token(rsa_key, location="lab 3", arc_owner="me"))
    custom = {w.split("'")[1]: str(w) for w in report.warnings if w.code == "custom-claim"}
    assert custom["location"].startswith("custom claim 'location': warning: ")
    assert "breaks" not in custom["location"] and "IANA" in custom["location"]
    # An error does break them, and says so once.
    assert custom["arc_owner"].startswith("custom claim 'arc_owner' breaks the claim rules: ")
    assert "error:" not in custom["arc_owner"]


def test_time_claim_that_is_not_a_number_warns(rsa_key):
    report = _inspect(_token(rsa_key, exp="tomorrow"))
    assert "bad-time" in report.warning_codes()
    assert report.claim("exp").times is None


# --------------------------------------------------------------------------- JSON shape


def test_to_json_has_the_documented_shape_and_never_the_token(rsa_key):
    token = _token(rsa_key)
    report = _inspect(token, jwks=_jwks((rsa_key.public_key(), "key-1")))
    data = report.to_json()
    text = json.dumps(data)  # serialisable as is
    assert token not in text
    header_b64, payload_b64, signature_b64 = token.split(".")
    assert signature_b64 not in text and payload_b64 not in text
    assert set(data) == {
        "schema",
        "now",
        "input",
        "ok",
        "errors",
        "parts",
        "header",
        "payload",
        "claims",
        "omitted_claims",
        "signature",
        "ignored_header_keys",
        "warnings",
    }
    assert data["schema"] == "rkvst-tui/token-report/1"
    assert data["now"] == "2026-01-15T12:00:00Z"
    assert data["signature"] == {
        "state": "VERIFIED",
        "reason": "signature matches the backend's key set (kid key-1) (RS256)",
        "algorithm": "RS256",
        "key_source": "the backend's key set (kid key-1)",
    }
    exp = next(c for c in data["claims"] if c["name"] == "exp")
    assert exp["kind"] == "registered" and exp["times"]["relative"] == "expires in 55m"
    assert [p["name"] for p in data["parts"]] == ["header", "payload", "signature"]
    assert data["parts"][2]["decoded"]["bytes"] == 256
    assert data["input"]["fingerprint"] == hashlib.sha256(token.encode()).hexdigest()[:16]


def test_repr_never_shows_the_token(rsa_key):
    token = _token(rsa_key)
    report = _inspect(token)
    assert token not in repr(report)
    assert token.split(".")[1] not in repr(report)


# --------------------------------------------------------------------------- robustness


def test_one_megabyte_paste_is_fast_and_bounded(rsa_key):
    big_token = _token(rsa_key, blob="x" * 1_000_000)
    started = time.perf_counter()
    report = _inspect(big_token, key=public_pem(rsa_key.public_key()))
    assert time.perf_counter() - started < 2
    assert report.signature_state == VERIFIED
    shown = report.part("payload").shown_json
    assert len(shown) < 70_000
    assert "payload too large to show in full" in shown
    assert len(report.claim("blob").shown_value) <= 512
    for junk in ("A" * 1_000_000, "eyJ" * 340_000 + " x", ("." * 1000 + "ab") * 500, "Bearer " + "é" * 500_000):
        started = time.perf_counter()
        report = _inspect(junk)
        assert time.perf_counter() - started < 2
        assert report.errors  # it says what is wrong rather than crashing


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_text_gives_a_report(text):
    report = inspect_token(text, now=NOW, expected_issuer=ISSUER, expected_audience=AUDIENCE)
    assert report.signature_state in (VERIFIED, INVALID, NOT_CHECKED, UNSECURED)
    json.dumps(report.to_json(), allow_nan=False)


_SAMPLE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_SAMPLE = _token(_SAMPLE_KEY, weird="☃", n=1)
_SAMPLE_PEM = public_pem(_SAMPLE_KEY.public_key())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.integers(0, len(_SAMPLE)), st.integers(0, 8), st.text(max_size=4)), min_size=1, max_size=4)
)
def test_mutated_real_tokens_give_a_report(edits):
    token = _SAMPLE
    for position, cut, insert in edits:
        token = token[:position] + insert + token[position + cut :]
    report = inspect_token(token, now=NOW, key=_SAMPLE_PEM)
    json.dumps(report.to_json())
    if token != _SAMPLE and report.signature_state == VERIFIED:
        # Only a change that leaves the signed bytes as they were may still verify.
        assert normalise(token) == _SAMPLE


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=8),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
            max_leaves=6,
        ),
        max_size=6,
    )
)
def test_any_json_payload_gives_a_report(payload):
    header = b64url(b'{"alg":"RS256","typ":"at+jwt"}')
    body = b64url(json.dumps(payload).encode())
    report = inspect_token(f"{header}.{body}.c2ln", now=NOW, expected_issuer=ISSUER, expected_audience=AUDIENCE)
    assert report.payload is not None
    json.dumps(report.to_json(), allow_nan=False)


# --------------------------------------------------------------------------- the real sandbox


def _sandbox_jwks(server) -> dict:
    import httpx

    answer = httpx.get(server.base_url + "/appidpv1/.well-known/jwks.json", timeout=10)
    answer.raise_for_status()
    return answer.json()


def test_a_sandbox_token_is_verified_with_the_sandbox_key_set(sandbox, admin_token):
    report = inspect_token(
        f"Authorization: Bearer {admin_token}\n",
        expected_issuer=sandbox.base_url + "/appidpv1",
        expected_audience=sandbox.base_url + "/archivist",
        jwks=_sandbox_jwks(sandbox),
    )
    assert report.ok
    assert report.signature_state == VERIFIED, report.signature_reason
    assert report.warnings == []
    assert report.payload["sub"] == sandbox.admin_client_id
    assert report.claim("jit_tenant_id").kind == "rkvst"
    assert report.claim("exp").times.relative.startswith("expires in ")


def test_a_sandbox_token_from_another_backend_warns_and_does_not_verify(make_sandbox, mint_token):
    ours, theirs = make_sandbox(), make_sandbox()
    foreign = mint_token(theirs)
    report = inspect_token(
        foreign,
        expected_issuer=ours.base_url + "/appidpv1",
        expected_audience=ours.base_url + "/archivist",
        jwks=_sandbox_jwks(ours),
    )
    assert report.signature_state == INVALID
    assert report.signature_reason.startswith("kid unknown")
    assert {"issuer-mismatch", "audience-mismatch"} <= set(report.warning_codes())


def test_an_expired_sandbox_token_is_reported_expired(make_sandbox, mint_token):
    server = make_sandbox(deterministic=True, token_ttl=60)
    token = mint_token(server)
    later = datetime(2026, 1, 15, 12, 5, 0, tzinfo=timezone.utc)  # the fixed clock starts at 12:00:00
    report = inspect_token(token, now=later, jwks=_sandbox_jwks(server))
    assert report.signature_state == VERIFIED
    assert "expired" in report.warning_codes()
    assert report.claim("exp").times.relative == "expired 4m ago"


@pytest.mark.parametrize("value", ["-Infinity", "Infinity", "NaN", "1e308", "1" + "0" * 400, "true"])
def test_time_claims_that_are_not_usable_times_are_named_not_crashed_on(value):
    body = f'{{"sub":"x","exp":{value},"nbf":{value},"iat":{value}}}'
    token = ".".join([b64url(RS256_HEADER), b64url(body.encode()), "c2ln"])
    report = _inspect(token)
    assert report.payload is not None
    assert "bad-time" in report.warning_codes()
    assert report.claim("exp").times is None
    assert "exp is not a NumericDate" in report.claim("exp").notes[0]
    json.dumps(report.to_json(), allow_nan=False)  # strict JSON for jq and friends


def test_a_certificate_verifies_and_an_encrypted_private_key_is_explained(rsa_key):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "issuer.example")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(rsa_key.public_key())
        .serial_number(1)
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1))
        .sign(rsa_key, hashes.SHA256())
    )
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    assert _inspect(_token(rsa_key), key=cert_pem).signature_state == VERIFIED
    encrypted = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase"),
    ).decode()
    report = _inspect(_token(rsa_key), key=encrypted)
    assert report.signature_state == NOT_CHECKED
    assert "encrypted" in report.signature_reason and "public key" in report.signature_reason
