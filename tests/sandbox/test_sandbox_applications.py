"""App registrations: create, read, update, delete, regenerate (contract §1 C G U D R, §2, §5)."""

from __future__ import annotations

import re
import threading

import httpx
import pytest
from sandbox_helpers import APPS, TOKEN, session, token_for

HEX64 = re.compile(r"^[0-9a-f]{64}$")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_create_returns_the_application_with_its_one_time_secret(api, sandbox) -> None:
    answer = api.post(
        APPS,
        json={
            "display_name": "TrafficLight101",
            "custom_claims": {"serial_number": "TL1000000101", "has_cyclist_light": "true"},
        },
    )
    assert answer.status_code == 200
    app = answer.json()
    assert app["identity"] == f"applications/{app['client_id']}"
    assert app["display_name"] == "TrafficLight101"
    assert re.match(r"^tenant/[0-9a-f-]{36}$", app["tenant_id"])
    assert app["custom_claims"] == {"serial_number": "TL1000000101", "has_cyclist_light": "true"}
    [credential] = app["credentials"]
    assert HEX64.match(credential["secret"])
    assert RFC3339.match(credential["valid_from"]) and RFC3339.match(credential["valid_until"])
    assert int(credential["valid_until"][:4]) == int(credential["valid_from"][:4]) + 1
    assert credential["valid_until"][4:] == credential["valid_from"][4:]
    assert answer.headers["cache-control"] == "no-store"
    # The secret works at the token endpoint.
    token_for(sandbox.base_url, app["client_id"], credential["secret"])


def test_get_list_and_update_never_return_the_secret(api, create_app) -> None:
    app = create_app("quiet", {"a": "1"})
    got = api.get(f"{APPS}/{app['client_id']}").json()
    assert got["credentials"][0]["secret"] == ""
    assert got["credentials"][0]["valid_until"] == app["credentials"][0]["valid_until"]
    listed = [a for a in api.get(APPS).json()["applications"] if a["client_id"] == app["client_id"]]
    assert listed[0]["credentials"][0]["secret"] == ""
    updated = api.patch(f"{APPS}/{app['client_id']}", json={"display_name": "loud"}).json()
    assert updated["credentials"][0]["secret"] == ""
    assert app["credentials"][0]["secret"] not in api.get(APPS).text


def test_update_changes_only_what_is_sent(api, create_app) -> None:
    app = create_app("before", {"serial_number": "1", "colour": "red"})
    url = f"{APPS}/{app['client_id']}"
    renamed = api.patch(url, json={"display_name": "after"}).json()
    assert renamed["display_name"] == "after"
    assert renamed["custom_claims"] == {"serial_number": "1", "colour": "red"}
    reclaimed = api.patch(url, json={"custom_claims": {"colour": "green"}}).json()
    assert reclaimed["display_name"] == "after"
    assert reclaimed["custom_claims"] == {"colour": "green"}  # the map is replaced, not merged
    cleared = api.patch(url, json={"custom_claims": {}}).json()
    assert cleared["custom_claims"] == {}
    assert api.get(url).json()["display_name"] == "after"


def test_delete_answers_empty_object_then_404(api, create_app) -> None:
    app = create_app("doomed")
    url = f"{APPS}/{app['client_id']}"
    answer = api.delete(url)
    assert answer.status_code == 200 and answer.json() == {}
    for method in ("GET", "PATCH", "DELETE"):
        gone = api.request(method, url, json={"display_name": "x"} if method == "PATCH" else None)
        assert gone.status_code == 404, method
        assert gone.json()["code"] == 5
        assert app["client_id"] in gone.json()["message"]
    assert api.post(f"{url}:regenerate-secret").status_code == 404


@pytest.mark.parametrize("ref", ["00000000-0000-4000-8000-000000000000", "not-a-uuid"])
def test_unknown_application_is_404(shared_api, ref) -> None:
    answer = shared_api.get(f"{APPS}/{ref}")
    assert answer.status_code == 404
    assert answer.json()["code"] == 5


def test_regenerate_returns_a_new_secret_and_the_old_one_fails_at_once(sandbox, api, create_app) -> None:
    app = create_app("rotating")
    old_secret = app["credentials"][0]["secret"]
    old_token = token_for(sandbox.base_url, app["client_id"], old_secret)
    sandbox.clock.now()  # (real clock) validity dates are whole seconds
    answer = api.post(f"{APPS}/{app['client_id']}:regenerate-secret")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    fresh = answer.json()
    new_secret = fresh["credentials"][0]["secret"]
    assert HEX64.match(new_secret) and new_secret != old_secret
    assert fresh["client_id"] == app["client_id"]
    refused = httpx.post(
        sandbox.base_url + TOKEN,
        data={"grant_type": "client_credentials", "client_id": app["client_id"], "client_secret": old_secret},
    )
    assert refused.status_code == 401
    token_for(sandbox.base_url, app["client_id"], new_secret)
    # Tokens issued before the rotation stay valid until their exp (contract §2).
    with session(sandbox.base_url, old_token) as client:
        assert client.get("/archivist/v2/assets").status_code == 200


def test_regenerating_the_admin_keeps_admin_credentials_file_working(sandbox, api) -> None:
    answer = api.post(f"{APPS}/{sandbox.admin_client_id}:regenerate-secret").json()
    new_secret = answer["credentials"][0]["secret"]
    assert sandbox.admin_secret == new_secret
    text = (sandbox.data_dir / "admin-credentials.env").read_text()
    assert f"SECRET={new_secret}\n" in text
    token_for(sandbox.base_url, sandbox.admin_client_id, new_secret)


@pytest.mark.parametrize(
    ("claims", "named"),
    [
        ({"jit_tier": "x"}, "jit_tier"),
        ({"arc_owner": "x"}, "arc_owner"),
        ({"sub": "x"}, "sub"),
        ({"exp": "x"}, "exp"),
        ({"name": "x"}, "name"),
        ({"client_id": "x"}, "client_id"),
        ({"kid": "x"}, "kid"),
        ({"x5t#S256": "x"}, "x5t#S256"),
        ({"": "x"}, "empty"),
        ({"has space": "x"}, "has space"),
        ({"n" * 129: "x"}, "129"),
        ({"count": 3}, "count"),
        ({"flag": True}, "flag"),
        ({"nothing": None}, "nothing"),
        ({"long": "v" * 1025}, "long"),
        ({f"c{i}": "v" for i in range(51)}, "51"),
    ],
)
def test_bad_custom_claims_are_400_naming_the_claim(shared_api, claims, named) -> None:
    api = shared_api
    answer = api.post(APPS, json={"display_name": "claims", "custom_claims": claims})
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == 3
    assert named in body["message"]
    assert all(a["display_name"] != "claims" for a in api.get(APPS).json()["applications"])


def test_bad_custom_claims_on_update_are_400_and_change_nothing(api, create_app) -> None:
    app = create_app("steady", {"ok": "1"})
    answer = api.patch(f"{APPS}/{app['client_id']}", json={"display_name": "changed", "custom_claims": {"iss": "x"}})
    assert answer.status_code == 400
    assert "iss" in answer.json()["message"]
    unchanged = api.get(f"{APPS}/{app['client_id']}").json()
    assert unchanged["display_name"] == "steady" and unchanged["custom_claims"] == {"ok": "1"}


def test_claims_that_only_warn_are_accepted(api, create_app) -> None:
    app = create_app("warned", {"email": "ops@example.com", "Exp": "soon"})
    assert app["custom_claims"] == {"email": "ops@example.com", "Exp": "soon"}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "display_name is missing"),
        ({"display_name": ""}, "display_name must not be empty"),
        ({"display_name": "   "}, "display_name must not be empty"),
        ({"display_name": 7}, "display_name must be a string"),
        ({"display_name": "x" * 1025}, "limit is 1024"),
        ({"display_name": "x", "custom_claims": ["a"]}, "custom_claims"),
    ],
)
def test_bad_create_bodies_are_400(shared_api, body, words) -> None:
    api = shared_api
    answer = api.post(APPS, json=body)
    assert answer.status_code == 400
    assert words in answer.json()["message"]


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"'])
def test_non_object_bodies_are_400(shared_api, raw) -> None:
    api = shared_api
    answer = api.post(APPS, content=raw, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["code"] == 3


def test_quota_answers_402_with_payment_required(make_sandbox, mint_token) -> None:
    server = make_sandbox(max_apps=2)
    with session(server.base_url, mint_token(server)) as client:
        assert client.post(APPS, json={"display_name": "one"}).status_code == 200
        assert client.post(APPS, json={"display_name": "two"}).status_code == 200
        refused = client.post(APPS, json={"display_name": "three"})
        assert refused.status_code == 402
        assert refused.json()["code"] == 12
        assert refused.json()["message"].endswith(": Payment Required")
        assert [a["display_name"] for a in client.get(APPS).json()["applications"]] == ["sandbox-admin", "one", "two"]
        # Deleting one frees a place.
        two = client.get(APPS, params={"display_name": "two"}).json()["applications"][0]
        client.delete(f"{APPS}/{two['client_id']}")
        assert client.post(APPS, json={"display_name": "three"}).status_code == 200


def test_twenty_concurrent_creates_give_twenty_registrations(sandbox, admin_token) -> None:
    answers: list[httpx.Response] = []
    lock = threading.Lock()
    barrier = threading.Barrier(20)

    def create(index: int) -> None:
        with session(sandbox.base_url, admin_token) as client:
            barrier.wait()
            answer = client.post(APPS, json={"display_name": f"concurrent-{index}"})
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200] * 20
    ids = {a.json()["client_id"] for a in answers}
    secrets = {a.json()["credentials"][0]["secret"] for a in answers}
    assert len(ids) == 20 and len(secrets) == 20
    with session(sandbox.base_url, admin_token) as client:
        names = {a["display_name"] for a in client.get(APPS).json()["applications"]}
    assert {f"concurrent-{i}" for i in range(20)} <= names
