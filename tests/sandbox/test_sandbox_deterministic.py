"""deterministic=True: a fixed clock and derived ids, so snapshot tests see the same bytes every run."""

from __future__ import annotations

import httpx
import jwt
from sandbox_helpers import APPS, ASSETS, session, token_for

from rkvst_tui.sandbox.clock import DETERMINISTIC_START, rfc3339


def snapshot_of(server) -> dict:
    token = token_for(server.base_url, server.admin_client_id, server.admin_secret)
    with session(server.base_url, token) as client:
        created = client.post(APPS, json={"display_name": "TrafficLight101", "custom_claims": {"a": "b"}}).json()
        return {
            "admin": server.admin_client_id,
            "created": {**created, "credentials": [{**created["credentials"][0], "secret": "-"}]},
            "apps": client.get(APPS).json(),
            "assets": client.get(ASSETS).json(),
            "jwks": httpx.get(server.base_url + "/appidpv1/.well-known/jwks.json").json(),
            "claims": jwt.decode(token, options={"verify_signature": False}) | {"iss": "-", "aud": "-"},
        }


def test_two_deterministic_sandboxes_answer_the_same(make_sandbox) -> None:
    first = snapshot_of(make_sandbox(deterministic=True))
    second = snapshot_of(make_sandbox(deterministic=True))
    assert first == second
    credential = first["created"]["credentials"][0]
    assert credential["valid_from"] == rfc3339(DETERMINISTIC_START) == "2026-01-15T12:00:00Z"
    assert credential["valid_until"] == "2027-01-15T12:00:00Z"
    assert first["claims"]["iat"] == int(DETERMINISTIC_START.timestamp())
    # Ordinary sandboxes are not alike.
    assert make_sandbox().admin_client_id != make_sandbox().admin_client_id


def test_fixed_secret_makes_secrets_predictable_too(make_sandbox) -> None:
    secret = "5" * 64
    server = make_sandbox(deterministic=True, fixed_secret=secret)
    assert server.admin_secret == secret
    token = token_for(server.base_url, server.admin_client_id, secret)
    with session(server.base_url, token) as client:
        created = client.post(APPS, json={"display_name": "x"}).json()
    assert created["credentials"][0]["secret"] == secret
    # Byte-stable tokens: same key, same clock, same jti counter (only the port in iss/aud differs).
    again = make_sandbox(deterministic=True, fixed_secret=secret)
    again_token = token_for(again.base_url, again.admin_client_id, secret)
    assert again_token.split(".")[0] == token.split(".")[0]
    unstable = {"iss", "aud"}
    claims = jwt.decode(token, options={"verify_signature": False})
    again_claims = jwt.decode(again_token, options={"verify_signature": False})
    assert {k: v for k, v in claims.items() if k not in unstable} == {
        k: v for k, v in again_claims.items() if k not in unstable
    }


def test_the_clock_moves_only_when_told(make_sandbox) -> None:
    server = make_sandbox(deterministic=True, token_ttl=60)
    token = token_for(server.base_url, server.admin_client_id, server.admin_secret)
    with session(server.base_url, token) as client:
        assert client.get(APPS).status_code == 200
        server.clock.advance(59)
        assert client.get(APPS).status_code == 200
        server.clock.advance(1)
        expired = client.get(APPS)
    assert expired.status_code == 401 and "expired" in expired.json()["message"]


def test_ids_do_not_repeat_after_a_restart(make_sandbox, sandbox_data_dir) -> None:
    server = make_sandbox(deterministic=True, data_dir=sandbox_data_dir)
    token = token_for(server.base_url, server.admin_client_id, server.admin_secret)
    with session(server.base_url, token) as client:
        first = client.post(APPS, json={"display_name": "one"}).json()["client_id"]
    server.stop()
    server.start()
    token = token_for(server.base_url, server.admin_client_id, server.admin_secret)
    with session(server.base_url, token) as client:
        second = client.post(APPS, json={"display_name": "two"}).json()["client_id"]
        assert first != second
        assert len(client.get(APPS).json()["applications"]) == 3
