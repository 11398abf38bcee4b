"""Hostile input on every path that reads some: never a 5xx, always the contract's error body.

Page tokens are the server's own base64 JSON, so a client can hand back anything in that
shape; JSON bodies can hold what Python's parser takes but SQLite or UTF-8 cannot (a lone
surrogate escape, integers past 64 bits, nesting thousands deep); query strings and forms can
carry bytes that are not UTF-8. Each is sent as raw bytes over real HTTP.
"""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from security_helpers import APPS, ASSETS, ROOTS, TALLY, TOKEN, mint

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
LIMITS = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def admin(shared_sandbox):
    client = httpx.Client(
        base_url=shared_sandbox.base_url, timeout=10, headers={"Authorization": f"Bearer {mint(shared_sandbox)}"}
    )
    yield shared_sandbox, client
    client.close()


def assert_clean_refusal(answer: httpx.Response, what: str) -> None:
    TALLY["hostile inputs sent"] += 1
    assert answer.status_code < 500, f"{what}: {answer.status_code} {answer.text[:200]}"
    if answer.status_code >= 400:
        body = answer.json()
        assert isinstance(body.get("code"), int) and isinstance(body.get("message"), str), body
        assert "Traceback" not in body["message"]


def page_token(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


@pytest.mark.parametrize("after", [2**63 - 1, 2**63, 2**64, 10**30, -1, 1.5, "7", None])
@pytest.mark.parametrize(("kind", "path"), [("applications", APPS), ("assets", ASSETS)])
def test_a_page_token_with_an_impossible_position_is_a_400_not_a_crash(admin, kind, path, after) -> None:
    server, client = admin
    answer = client.get(
        path, params={"page_token": page_token({"kind": kind, "orig_req": {"page_size": 2}, "after": after})}
    )
    assert_clean_refusal(answer, f"after={after!r}")
    if after == 2**63 - 1:
        assert answer.status_code == 200 and answer.json()["next_page_token"] == ""  # simply past the end
    else:
        assert answer.status_code == 400


@LIMITS
@given(orig_req=JSON_VALUES, after=JSON_VALUES)
def test_any_page_token_of_the_servers_shape_is_answered_cleanly(admin, orig_req, after) -> None:
    server, client = admin
    for kind, path in (("applications", APPS), ("assets", ASSETS)):
        answer = client.get(
            path, params={"page_token": page_token({"kind": kind, "orig_req": orig_req, "after": after})}
        )
        assert_clean_refusal(answer, f"{kind} page token")


@LIMITS
@given(body=JSON_VALUES)
def test_any_json_body_is_answered_cleanly(admin, body) -> None:
    server, client = admin
    raw = json.dumps(body).encode()
    victim = server.store.list_applications(limit=1)[0].client_id
    for method, path in (("POST", APPS), ("PATCH", f"{APPS}/{victim}"), ("PATCH", ROOTS)):
        answer = client.request(method, path, content=raw, headers={"Content-Type": "application/json"})
        assert_clean_refusal(answer, f"{method} {path}")


@pytest.mark.parametrize(
    ("method", "path", "raw"),
    [
        ("POST", APPS, rb'{"display_name": "lone \ud800 surrogate"}'),
        ("POST", APPS, rb'{"display_name": "x", "custom_claims": {"serial\udfff": "1"}}'),
        ("POST", APPS, rb'{"display_name": "x", "custom_claims": {"serial": "\ud83d"}}'),
        ("PATCH", "{app}", rb'{"display_name": "\udc00"}'),
        (
            "PATCH",
            ROOTS,
            rb'{"root_principals": [{"issuer": "{issuer}", "subject": "{admin}"},'
            rb' {"issuer": "https://idp.example", "subject": "\ud800"}]}',
        ),
        ("POST", APPS, b"[" * 100_000 + b"]" * 100_000),
        ("POST", APPS, b'{"display_name": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_001),
        ("POST", APPS, b'{"display_name": "x", "custom_claims": {"n": 1' + b"0" * 5000 + b"}}"),
        ("POST", APPS, b'{"display_name": "\xff\xfe not utf-8"}'),
        ("POST", APPS, b'{"display_name": "NaN", "custom_claims": {"a": NaN}}'),
    ],
    ids=[
        "lone surrogate in a name",
        "surrogate in a claim name",
        "half an emoji in a claim value",
        "surrogate in an update",
        "surrogate in a root principal",
        "nested 100,000 deep",
        "objects nested 50,000 deep",
        "a 5,000-digit number",
        "bytes that are not UTF-8",
        "NaN",
    ],
)
def test_json_python_accepts_but_storage_cannot_is_a_400(admin, method, path, raw) -> None:
    server, client = admin
    victim = server.store.list_applications(limit=1)[0].client_id
    path = path.replace("{app}", f"{APPS}/{victim}")
    raw = raw.replace(b"{issuer}", f"{server.base_url}/appidpv1".encode()).replace(
        b"{admin}", server.admin_client_id.encode()
    )
    before = server.store.count_applications()
    answer = client.request(method, path, content=raw, headers={"Content-Type": "application/json"})
    assert_clean_refusal(answer, path)
    assert answer.status_code == 400
    assert server.store.count_applications() == before
    assert client.get(APPS).status_code == 200  # and the sandbox serves on


@pytest.mark.parametrize(
    "query",
    [
        "display_name=%ED%A0%80",
        "display_name=%FF%FE",
        "display_name=%00",
        "page_size=%ED%A0%80",
        "page_token=%ED%A0%80",
        "page_size=99999999999999999999999",
        "page_size=-0",
        "page_size=1e3",
    ],
)
def test_query_strings_that_are_not_text_are_answered_cleanly(admin, query) -> None:
    server, client = admin
    for path in (APPS, ASSETS):
        assert_clean_refusal(client.get(f"{server.base_url}{path}?{query}"), f"{path}?{query}")


@pytest.mark.parametrize("segment", ["%ED%A0%80", "%FF", "%00", "..%2F..%2Fetc%2Fpasswd", "a" * 5000])
def test_odd_registration_ids_in_the_path_are_answered_cleanly(admin, segment) -> None:
    server, client = admin
    for method in ("GET", "PATCH", "DELETE"):
        answer = client.request(method, f"{server.base_url}{APPS}/{segment}", json={"display_name": "x"})
        assert_clean_refusal(answer, f"{method} {segment[:20]}")
        assert answer.status_code == 404
    assert_clean_refusal(client.post(f"{server.base_url}{APPS}/{segment}:regenerate-secret"), segment[:20])


@pytest.mark.parametrize(
    "form",
    [
        b"grant_type=client_credentials&client_id=%ED%A0%80&client_secret=x",
        b"grant_type=client_credentials&client_id=%FF&client_secret=%FF",
        b"grant_type=client_credentials&client_id=%00&client_secret=%00",
        b"grant_type=client_credentials&client_id=\xff\xfe&client_secret=\xff",
        b"grant_type=client_credentials&" + b"&".join(b"f%d=x" % i for i in range(20_000)),
    ],
    ids=["surrogate", "invalid utf-8 escapes", "NUL", "raw invalid bytes", "20,000 fields"],
)
def test_token_requests_that_are_not_text_are_refused_cleanly(shared_sandbox, form) -> None:
    answer = httpx.post(
        shared_sandbox.base_url + TOKEN,
        content=form,
        timeout=10,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_clean_refusal(answer, "token form")
    assert answer.status_code in (400, 401)
