"""Who may do what: a non-root registration on every management path, and credentials that
must stop working (regenerated, deleted, expired). Over real HTTP against the sandbox."""

from __future__ import annotations

import pytest
from security_helpers import (
    APPS,
    ASSETS,
    ROOTS,
    MovableClock,
    assert_refused,
    call,
    create_registration,
    list_apps,
    mint,
    secret_of,
    token_answer,
)


@pytest.fixture(scope="module")
def cast(shared_sandbox):
    """On one sandbox: a non-root registration (the attacker) and another one (the victim)."""
    attacker = create_registration(shared_sandbox, "attacker", {"serial_number": "X"})
    victim = create_registration(shared_sandbox, "victim", {"serial_number": "V"})
    token = mint(shared_sandbox, attacker["client_id"], secret_of(attacker))
    return attacker, victim, token


def management_calls(server, attacker: dict, victim: dict) -> dict[str, tuple[str, str, object]]:
    issuer = server.base_url + "/appidpv1"
    current = [{"issuer": issuer, "subject": server.admin_client_id}]
    return {
        "L list": ("GET", APPS, None),
        "C create": ("POST", APPS, {"display_name": "made by a non-root", "custom_claims": {}}),
        "G get": ("GET", f"{APPS}/{victim['client_id']}", None),
        "U update": ("PATCH", f"{APPS}/{victim['client_id']}", {"display_name": "renamed by a non-root"}),
        "D delete": ("DELETE", f"{APPS}/{victim['client_id']}", None),
        "D delete the admin": ("DELETE", f"{APPS}/{server.admin_client_id}", None),
        "R regenerate": ("POST", f"{APPS}/{victim['client_id']}:regenerate-secret", None),
        "R regenerate itself": ("POST", f"{APPS}/{attacker['client_id']}:regenerate-secret", None),
        "P read root principals": ("GET", ROOTS, None),
        # The escalation itself: keep the list and add yourself as a root.
        "Q make itself root": (
            "PATCH",
            ROOTS,
            {"root_principals": [*current, {"issuer": issuer, "subject": attacker["client_id"]}]},
        ),
        "Q replace the roots": (
            "PATCH",
            ROOTS,
            {"root_principals": [{"issuer": issuer, "subject": attacker["client_id"]}]},
        ),
    }


CALLS = [
    "L list",
    "C create",
    "G get",
    "U update",
    "D delete",
    "D delete the admin",
    "R regenerate",
    "R regenerate itself",
    "P read root principals",
    "Q make itself root",
    "Q replace the roots",
]


@pytest.mark.parametrize("what", CALLS)
def test_a_non_root_registration_is_refused_on_every_management_path(shared_sandbox, cast, what) -> None:
    server = shared_sandbox
    attacker, victim, token = cast
    before_apps = server.store.count_applications()
    before_roots = server.store.get_root_principals()
    method, path, body = management_calls(server, attacker, victim)[what]
    answer = assert_refused(call(server, method, path, token, body), (403,), attack=f"non-root {what}")
    assert answer["code"] == 7
    # And nothing happened: no new registration, the victim untouched, the roots as they were.
    assert server.store.count_applications() == before_apps
    assert server.store.get_application(victim["client_id"]).display_name == "victim"
    assert token_answer(server, victim["client_id"], secret_of(victim)).status_code == 200
    assert token_answer(server, attacker["client_id"], secret_of(attacker)).status_code == 200
    assert server.store.get_root_principals() == before_roots
    assert list_apps(server, token).status_code == 403  # still not root


def test_a_non_root_registration_reads_an_empty_asset_list(shared_sandbox, cast) -> None:
    """Secure by default: the one call a non-root may make shows it nothing (contract §6)."""
    _, _, token = cast
    answer = call(shared_sandbox, "GET", ASSETS, token)
    assert answer.status_code == 200 and answer.json() == {"assets": [], "next_page_token": ""}
    assert call(shared_sandbox, "GET", ASSETS, mint(shared_sandbox)).json()["assets"]  # the root sees the demo ones


def test_the_old_secret_is_refused_after_regenerate(sandbox) -> None:
    application = create_registration(sandbox, "rotating")
    old_secret = secret_of(application)
    issued_before = mint(sandbox, application["client_id"], old_secret)
    answer = call(sandbox, "POST", f"{APPS}/{application['client_id']}:regenerate-secret", mint(sandbox))
    assert answer.status_code == 200
    new_secret = secret_of(answer.json())
    assert new_secret != old_secret and len(new_secret) == 64

    body = assert_refused(token_answer(sandbox, application["client_id"], old_secret), attack="secret after regenerate")
    assert body["error"] == "invalid_client"
    assert token_answer(sandbox, application["client_id"], new_secret).status_code == 200
    # Contract §2: tokens already issued live on until their exp.
    assert call(sandbox, "GET", ASSETS, issued_before).status_code == 200


def test_a_deleted_registrations_secret_is_refused(sandbox) -> None:
    application = create_registration(sandbox, "doomed")
    assert token_answer(sandbox, application["client_id"], secret_of(application)).status_code == 200
    assert call(sandbox, "DELETE", f"{APPS}/{application['client_id']}", mint(sandbox)).status_code == 200
    assert_refused(
        token_answer(sandbox, application["client_id"], secret_of(application)),
        attack="secret of a deleted registration",
    )


def test_a_deleted_registrations_unexpired_token_is_refused(sandbox) -> None:
    """Decided (and what the sandbox does): unlike a regenerate, a delete ends the registration's
    tokens at once, since nothing is left for them to name. A registration made again with the
    same name is another client id and does not revive them."""
    application = create_registration(sandbox, "doomed")
    token = mint(sandbox, application["client_id"], secret_of(application))
    assert call(sandbox, "GET", ASSETS, token).status_code == 200
    assert call(sandbox, "DELETE", f"{APPS}/{application['client_id']}", mint(sandbox)).status_code == 200
    body = assert_refused(call(sandbox, "GET", ASSETS, token), attack="token of a deleted registration")
    assert "no longer exists" in body["message"]
    create_registration(sandbox, "doomed")
    assert_refused(call(sandbox, "GET", ASSETS, token), attack="token of a deleted registration, name reused")


def test_a_deleted_root_registrations_token_loses_root(sandbox) -> None:
    """A root registration deleted while its token lives: the token must not keep managing the tenant."""
    application = create_registration(sandbox, "root-then-gone")
    admin = mint(sandbox)
    roots = call(sandbox, "GET", ROOTS, admin).json()["root_principals"]
    roots.append({"issuer": sandbox.base_url + "/appidpv1", "subject": application["client_id"]})
    assert call(sandbox, "PATCH", ROOTS, admin, {"root_principals": roots}).status_code == 200
    token = mint(sandbox, application["client_id"], secret_of(application))
    assert list_apps(sandbox, token).status_code == 200
    assert call(sandbox, "DELETE", f"{APPS}/{application['client_id']}", admin).status_code == 200
    assert_refused(list_apps(sandbox, token), attack="token of a deleted root registration")


def test_an_expired_secret_is_refused(make_sandbox) -> None:
    # Tokens that outlive the year, so the admin can still act once every secret has expired.
    server = make_sandbox(clock=MovableClock(), token_ttl=400 * 86400)
    admin = mint(server)
    application = create_registration(server, "ageing")
    secret = secret_of(application)
    assert application["credentials"][0]["valid_until"][:4] == str(server.clock.now().year + 1)
    server.clock.advance(364 * 86400)
    assert token_answer(server, application["client_id"], secret).status_code == 200
    server.clock.advance(2 * 86400)  # past valid_until: one year from creation
    body = assert_refused(token_answer(server, application["client_id"], secret), attack="expired secret")
    assert "expired" in body["message"] and "regenerate" in body["message"]
    # The way out the message names works: a regenerated secret is valid a year from now.
    regenerated = call(server, "POST", f"{APPS}/{application['client_id']}:regenerate-secret", admin).json()
    assert token_answer(server, application["client_id"], secret_of(regenerated)).status_code == 200


@pytest.mark.parametrize(
    "attempt",
    [
        "wrong secret",
        "secret in upper case",
        "secret with a trailing newline",
        "secret cut short",
        "another registration's secret",
        "sql injection in client_id",
        "sql injection in the secret",
        "hash of the secret",
        "a megabyte secret",
        "client id with a wildcard",
    ],
)
def test_wrong_credentials_at_the_token_endpoint_are_refused(shared_sandbox, cast, attempt) -> None:
    import hashlib

    server = shared_sandbox
    attacker, victim, _ = cast
    admin_id, admin_secret = server.admin_client_id, server.admin_secret
    client_id, secret = {
        "wrong secret": (admin_id, "0" * 64),
        "secret in upper case": (admin_id, admin_secret.upper()),
        "secret with a trailing newline": (admin_id, admin_secret + "\n"),
        "secret cut short": (admin_id, admin_secret[:-1]),
        "another registration's secret": (admin_id, secret_of(attacker)),
        "sql injection in client_id": ("' OR '1'='1' --", admin_secret),
        "sql injection in the secret": (admin_id, "' OR '1'='1' --"),
        "hash of the secret": (admin_id, hashlib.sha256(admin_secret.encode()).hexdigest()),
        "a megabyte secret": (admin_id, "a" * 1_000_000),
        "client id with a wildcard": ("%", admin_secret),
    }[attempt]
    body = assert_refused(token_answer(server, client_id, secret), (400, 401), attack=f"token endpoint: {attempt}")
    assert secret not in body["message"] and admin_secret not in str(body)


def test_removing_a_root_principal_takes_effect_on_its_live_token(sandbox) -> None:
    """Root is looked up on every request, not baked into the token: a demoted registration's
    unexpired token stops managing the tenant at once."""
    application = create_registration(sandbox, "demoted")
    admin = mint(sandbox)
    roots = call(sandbox, "GET", ROOTS, admin).json()["root_principals"]
    promoted = [*roots, {"issuer": sandbox.base_url + "/appidpv1", "subject": application["client_id"]}]
    assert call(sandbox, "PATCH", ROOTS, admin, {"root_principals": promoted}).status_code == 200
    token = mint(sandbox, application["client_id"], secret_of(application))
    assert list_apps(sandbox, token).status_code == 200
    assert call(sandbox, "PATCH", ROOTS, admin, {"root_principals": roots}).status_code == 200
    assert_refused(list_apps(sandbox, token), (403,), attack="live token of a demoted root")
    assert call(sandbox, "GET", ASSETS, token).json()["assets"] == []
