"""Root principals (contract §1 P Q, §2): the list, its replacement, and the self-removal guard."""

from __future__ import annotations

import pytest
from sandbox_helpers import APPS, ASSETS, ROOTS, session, token_for


def admin_principal(sandbox, base: str | None = None) -> dict:
    return {
        "issuer": (base or sandbox.base_url) + "/appidpv1",
        "subject": sandbox.admin_client_id,
        "display_name": "sandbox-admin",
        "email": "",
    }


def test_the_bootstrap_admin_is_the_only_root_at_first(sandbox, api) -> None:
    answer = api.get(ROOTS)
    assert answer.status_code == 200
    assert answer.json() == {"root_principals": [admin_principal(sandbox)]}


def test_adding_a_registration_makes_it_root(sandbox, api, non_root) -> None:
    application, client = non_root
    assert client.get(APPS).status_code == 403
    assert client.get(ASSETS).json()["assets"] == []
    new_list = [
        admin_principal(sandbox),
        {
            "issuer": sandbox.base_url + "/appidpv1",
            "subject": application["client_id"],
            "display_name": "not-root",
            "email": "ops@example.com",
        },
    ]
    answer = api.patch(ROOTS, json={"root_principals": new_list})
    assert answer.status_code == 200
    assert answer.json() == {"root_principals": new_list}
    # The same token now has root rights: root is looked up per request, not baked into the token.
    assert client.get(APPS).status_code == 200
    assert len(client.get(ASSETS).json()["assets"]) >= 3
    assert client.get(ROOTS).json() == {"root_principals": new_list}


def test_patch_replaces_the_whole_list(sandbox, api, non_root) -> None:
    application, client = non_root
    other = {
        "issuer": "https://login.example.com",
        "subject": "alice",
        "display_name": "Alice",
        "email": "a@example.com",
    }
    api.patch(ROOTS, json={"root_principals": [admin_principal(sandbox), other]})
    me = {
        "issuer": sandbox.base_url + "/appidpv1",
        "subject": application["client_id"],
        "display_name": "",
        "email": "",
    }
    api.patch(ROOTS, json={"root_principals": [admin_principal(sandbox), me]})
    assert api.get(ROOTS).json()["root_principals"] == [admin_principal(sandbox), me]
    # The new root may remove the admin, but not itself.
    assert client.patch(ROOTS, json={"root_principals": [me]}).status_code == 200
    assert api.get(APPS).status_code == 403


def test_removing_yourself_is_400_and_changes_nothing(sandbox, api) -> None:
    other = {"issuer": "https://login.example.com", "subject": "alice", "display_name": "", "email": ""}
    answer = api.patch(ROOTS, json={"root_principals": [other]})
    assert answer.status_code == 400
    assert answer.json()["code"] == 3
    assert "yourself" in answer.json()["message"]
    assert sandbox.admin_client_id in answer.json()["message"]
    assert api.get(ROOTS).json() == {"root_principals": [admin_principal(sandbox)]}
    assert api.patch(ROOTS, json={"root_principals": []}).status_code == 400


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "root_principals must be a list"),
        ({"root_principals": "admin"}, "root_principals must be a list"),
        ({"root_principals": ["admin"]}, "must be an object"),
        ({"root_principals": [{"issuer": "x", "subject": ""}]}, "subject is empty"),
        ({"root_principals": [{"issuer": "x", "subject": 5}]}, "subject must be a string"),
        ({"root_principals": [{"issuer": "x" * 1025, "subject": "s"}]}, "limit is 1024"),
    ],
)
def test_bad_principal_lists_are_400(shared_api, body, words) -> None:
    answer = shared_api.patch(ROOTS, json=body)
    assert answer.status_code == 400
    assert words in answer.json()["message"]


def test_a_principal_listed_twice_is_400(sandbox, api) -> None:
    answer = api.patch(ROOTS, json={"root_principals": [admin_principal(sandbox), admin_principal(sandbox)]})
    assert answer.status_code == 400
    assert "twice" in answer.json()["message"]


def test_the_sandbox_issuer_is_shown_as_the_base_url_the_client_uses(sandbox) -> None:
    via_localhost = sandbox.base_url.replace("127.0.0.1", "localhost")
    token = token_for(via_localhost, sandbox.admin_client_id, sandbox.admin_secret)
    with session(via_localhost, token) as client:
        answer = client.get(ROOTS)
    assert answer.status_code == 200
    assert answer.json()["root_principals"] == [admin_principal(sandbox, via_localhost)]


def test_root_survives_a_restart_on_another_port(make_sandbox, sandbox_data_dir) -> None:
    server = make_sandbox(data_dir=sandbox_data_dir)
    first_port = server.port
    server.stop()
    # Something else takes the port; the sandbox comes back elsewhere and the admin is still root.
    import socket

    blocker = socket.socket()
    try:
        try:
            blocker.bind(("127.0.0.1", first_port))
            blocker.listen()
        except OSError:
            pytest.skip("could not occupy the old port")
        server.start()
        assert server.port != first_port
        token = token_for(server.base_url, server.admin_client_id, server.admin_secret)
        with session(server.base_url, token) as client:
            assert client.get(APPS).status_code == 200
            assert client.get(ROOTS).json()["root_principals"][0]["issuer"] == server.base_url + "/appidpv1"
    finally:
        blocker.close()
