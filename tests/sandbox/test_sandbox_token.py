"""The token endpoint (contract §1 T, §4, §6) and the published key set."""

from __future__ import annotations

import base64

import httpx
import jwt
import pytest
from sandbox_helpers import TOKEN, token_for

FORM = {"grant_type": "client_credentials"}


def post_token(server, data: dict, **kwargs) -> httpx.Response:
    return httpx.post(server.base_url + TOKEN, data=data, **kwargs)


def test_token_answer_has_the_contract_shape_and_no_store(sandbox) -> None:
    answer = post_token(sandbox, {**FORM, "client_id": sandbox.admin_client_id, "client_secret": sandbox.admin_secret})
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert answer.headers["cache-control"] == "no-store"


def test_token_header_and_claims_follow_the_contract(sandbox, create_app) -> None:
    application = create_app("TrafficLight101", {"serial_number": "TL1000000101", "has_cyclist_light": "true"})
    token = token_for(sandbox.base_url, application["client_id"], application["credentials"][0]["secret"])
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    assert header["typ"] == "at+jwt"
    jwks = httpx.get(sandbox.base_url + "/appidpv1/.well-known/jwks.json").json()
    assert header["kid"] == jwks["keys"][0]["kid"]

    key = jwt.PyJWK(jwks["keys"][0]).key
    claims = jwt.decode(
        token,
        key,
        algorithms=["RS256"],
        audience=sandbox.base_url + "/archivist",
        issuer=sandbox.base_url + "/appidpv1",
    )
    assert claims["sub"] == claims["client_id"] == application["client_id"]
    assert claims["name"] == "TrafficLight101"
    assert claims["jit_tenant_id"] == application["tenant_id"]
    assert claims["jit_tier"] == "FREE"
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["serial_number"] == "TL1000000101"
    assert claims["has_cyclist_light"] == "true"
    assert claims["jti"]
    other = token_for(sandbox.base_url, application["client_id"], application["credentials"][0]["secret"])
    assert jwt.decode(other, options={"verify_signature": False})["jti"] != claims["jti"]


def test_issuer_follows_the_base_url_the_client_used(sandbox) -> None:
    via_localhost = sandbox.base_url.replace("127.0.0.1", "localhost")
    token = token_for(via_localhost, sandbox.admin_client_id, sandbox.admin_secret)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == via_localhost + "/appidpv1"
    assert claims["aud"] == via_localhost + "/archivist"
    bearer = {"Authorization": f"Bearer {token}"}
    assert httpx.get(via_localhost + "/archivist/iam/v1/applications", headers=bearer).status_code == 200
    # The same token at the other name is for another issuer and audience.
    refused = httpx.get(sandbox.base_url + "/archivist/iam/v1/applications", headers=bearer)
    assert refused.status_code == 401
    assert "issuer" in refused.json()["message"] or "audience" in refused.json()["message"]


def test_http_basic_client_authentication_works(sandbox) -> None:
    answer = post_token(sandbox, FORM, auth=(sandbox.admin_client_id, sandbox.admin_secret))
    assert answer.status_code == 200
    assert (
        jwt.decode(answer.json()["access_token"], options={"verify_signature": False})["sub"] == sandbox.admin_client_id
    )


def test_basic_and_form_secret_at_once_are_refused(sandbox) -> None:
    answer = post_token(
        sandbox,
        {**FORM, "client_id": sandbox.admin_client_id, "client_secret": sandbox.admin_secret},
        auth=(sandbox.admin_client_id, sandbox.admin_secret),
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"
    assert answer.json()["code"] == 3


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_id": "ADMIN", "client_secret": "0" * 64}, 401, "invalid_client"),
        ({"client_id": "00000000-0000-4000-8000-000000000000", "client_secret": "SECRET"}, 401, "invalid_client"),
        ({"client_id": "ADMIN", "client_secret": ""}, 400, "invalid_request"),
        ({"client_secret": "SECRET"}, 400, "invalid_request"),
        ({}, 401, "invalid_client"),
    ],
    ids=["wrong-secret", "unknown-client", "empty-secret", "missing-client-id", "no-credentials"],
)
def test_bad_client_credentials(shared_sandbox, form, status, error) -> None:
    sandbox = shared_sandbox
    values = {"ADMIN": sandbox.admin_client_id, "SECRET": sandbox.admin_secret}
    data = {**FORM, **{name: values.get(value, value) for name, value in form.items()}}
    answer = post_token(sandbox, data)
    assert answer.status_code == status
    body = answer.json()
    assert body["error"] == error
    assert body["code"] == (16 if status == 401 else 3)
    assert body["message"] == body["error_description"]
    assert body["details"] == []
    assert answer.headers["cache-control"] == "no-store"
    assert sandbox.admin_secret not in answer.text


@pytest.mark.parametrize(
    ("grant_type", "error"),
    [
        (None, "invalid_request"),
        ("password", "unsupported_grant_type"),
        ("authorization_code", "unsupported_grant_type"),
    ],
)
def test_grant_type_must_be_client_credentials(shared_sandbox, grant_type, error) -> None:
    sandbox = shared_sandbox
    data = {"client_id": sandbox.admin_client_id, "client_secret": sandbox.admin_secret}
    if grant_type:
        data["grant_type"] = grant_type
    answer = post_token(sandbox, data)
    assert answer.status_code == 400
    assert answer.json()["error"] == error
    assert "client_credentials" in answer.json()["error_description"]


def test_a_json_body_is_not_a_token_request(sandbox) -> None:
    answer = httpx.post(
        sandbox.base_url + TOKEN,
        json={**FORM, "client_id": sandbox.admin_client_id, "client_secret": sandbox.admin_secret},
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"
    assert "x-www-form-urlencoded" in answer.json()["message"]


def test_a_repeated_form_field_is_refused(sandbox) -> None:
    body = (
        f"grant_type=client_credentials&client_id={sandbox.admin_client_id}"
        f"&client_secret={sandbox.admin_secret}&client_secret=other"
    )
    answer = httpx.post(
        sandbox.base_url + TOKEN, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert answer.status_code == 400
    assert "client_secret" in answer.json()["message"]


def test_an_expired_secret_is_refused_at_the_token_endpoint(sandbox, create_app) -> None:
    application = create_app("short-lived")
    secret = application["credentials"][0]["secret"]
    sandbox.store.expire_secret(application["client_id"], sandbox.clock.now())
    answer = post_token(sandbox, {**FORM, "client_id": application["client_id"], "client_secret": secret})
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert "expired" in answer.json()["message"] and "regenerate" in answer.json()["message"]


def test_basic_credentials_are_url_decoded(sandbox) -> None:
    """RFC 6749 §2.3.1: the client id and secret are form-encoded before Basic encoding."""
    raw = base64.b64encode(f"{sandbox.admin_client_id}:{sandbox.admin_secret}".encode()).decode()
    answer = httpx.post(sandbox.base_url + TOKEN, data=FORM, headers={"Authorization": f"Basic {raw}"})
    assert answer.status_code == 200
    garbage = httpx.post(sandbox.base_url + TOKEN, data=FORM, headers={"Authorization": "Basic !!!"})
    assert garbage.status_code == 401
    assert garbage.json()["error"] == "invalid_client"


def test_openid_configuration_and_jwks_publish_current_and_next_key(sandbox) -> None:
    config = httpx.get(sandbox.base_url + "/appidpv1/.well-known/openid-configuration").json()
    assert config["issuer"] == sandbox.base_url + "/appidpv1"
    assert config["token_endpoint"] == sandbox.base_url + TOKEN
    assert config["jwks_uri"] == sandbox.base_url + "/appidpv1/.well-known/jwks.json"
    jwks = httpx.get(config["jwks_uri"]).json()
    assert len(jwks["keys"]) == 2
    assert len({key["kid"] for key in jwks["keys"]}) == 2
    for key in jwks["keys"]:
        assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
        assert "d" not in key and "p" not in key  # never a private part


def test_pyjwkclient_verifies_tokens_and_rotation_uses_the_published_next_key(sandbox, admin_token) -> None:
    jwks_uri = sandbox.base_url + "/appidpv1/.well-known/jwks.json"
    client = jwt.PyJWKClient(jwks_uri)
    signing_key = client.get_signing_key_from_jwt(admin_token)
    jwt.decode(admin_token, signing_key.key, algorithms=["RS256"], audience=sandbox.base_url + "/archivist")

    next_kid = httpx.get(jwks_uri).json()["keys"][1]["kid"]
    assert sandbox.keys.rotate() == next_kid
    rotated = token_for(sandbox.base_url, sandbox.admin_client_id, sandbox.admin_secret)
    assert jwt.get_unverified_header(rotated)["kid"] == next_kid
    # A client that cached the key set before the rotation already knows the new key.
    assert client.get_signing_key_from_jwt(rotated).key_id == next_kid
    # Tokens signed with the retired key still work until they expire.
    old = httpx.get(sandbox.base_url + "/archivist/v2/assets", headers={"Authorization": f"Bearer {admin_token}"})
    assert old.status_code == 200
