"""The official Python SDK (datatrails-archivist) works against the sandbox unchanged."""

from __future__ import annotations

import pytest

archivist_module = pytest.importorskip("archivist.archivist", reason="datatrails-archivist is not installed")
errors = pytest.importorskip("archivist.errors")
Archivist = archivist_module.Archivist


def test_sdk_manages_app_registrations(sandbox) -> None:
    arch = Archivist(sandbox.base_url, (sandbox.admin_client_id, sandbox.admin_secret))
    created = arch.applications.create("TrafficLight101", {"serial_number": "TL1000000101"})
    secret = created["credentials"][0]["secret"]
    assert len(secret) == 64
    identity = created["identity"]

    read = arch.applications.read(identity)
    assert read["display_name"] == "TrafficLight101" and read["credentials"][0]["secret"] == ""
    updated = arch.applications.update(identity, display_name="TrafficLight102", custom_claims={"colour": "red"})
    assert updated["display_name"] == "TrafficLight102" and updated["custom_claims"] == {"colour": "red"}

    for index in range(5):
        arch.applications.create("bulk", {"n": str(index)})
    listed = list(arch.applications.list(display_name="bulk", page_size=2))  # the SDK follows the page tokens
    assert [a["custom_claims"]["n"] for a in listed] == ["0", "1", "2", "3", "4"]
    assert len(list(arch.applications.list())) == 7

    token = arch.appidp.token(created["client_id"], secret)
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600

    regenerated = arch.applications.regenerate(identity)
    new_secret = regenerated["credentials"][0]["secret"]
    assert new_secret != secret
    with pytest.raises(errors.ArchivistUnauthenticatedError):
        arch.appidp.token(created["client_id"], secret)
    assert arch.appidp.token(created["client_id"], new_secret)["access_token"]

    arch.applications.delete(identity)
    with pytest.raises(errors.ArchivistNotFoundError):
        arch.applications.read(identity)


def test_sdk_sees_assets_as_root_and_nothing_as_a_new_registration(sandbox) -> None:
    admin = Archivist(sandbox.base_url, (sandbox.admin_client_id, sandbox.admin_secret))
    names = [asset["attributes"]["arc_display_name"] for asset in admin.assets.list()]
    assert "Traffic light 101" in names
    created = admin.applications.create("reader", {})
    reader = Archivist(sandbox.base_url, (created["client_id"], created["credentials"][0]["secret"]))
    assert list(reader.assets.list()) == []
    with pytest.raises(errors.ArchivistForbiddenError):
        reader.applications.read(created["identity"])


def test_sdk_retries_after_a_429(make_sandbox) -> None:
    lines: list[str] = []
    server = make_sandbox(rate_limit=3, log=lines.append)
    arch = Archivist(server.base_url, (server.admin_client_id, server.admin_secret))
    for _ in range(6):  # more than three a second: the SDK sleeps Archivist-Rate-Limit-Reset and retries
        assert arch.applications.read(f"applications/{server.admin_client_id}")["display_name"] == "sandbox-admin"
    assert any(" 429 " in line for line in lines)


def test_sdk_gets_payment_required_past_the_quota(make_sandbox) -> None:
    server = make_sandbox(max_apps=1)
    arch = Archivist(server.base_url, (server.admin_client_id, server.admin_secret))
    arch.applications.create("the only one", {})
    with pytest.raises(errors.ArchivistPaymentRequiredError):
        arch.applications.create("one too many", {})


def test_sdk_creates_an_owner_registration_on_datatrails_whose_token_manages_registrations(make_sandbox) -> None:
    server = make_sandbox(flavour="datatrails")
    admin = Archivist(server.base_url, (server.admin_client_id, server.admin_secret))
    owner = admin.applications.create_from_data({"display_name": "sdk-owner", "custom_claims": {}, "roles": ["OWNER"]})
    assert owner["roles"] == ["OWNER"]
    as_owner = Archivist(server.base_url, (owner["client_id"], owner["credentials"][0]["secret"]))
    made = as_owner.applications.create("made-by-the-owner", {"k": "v"})
    assert as_owner.applications.read(made["identity"])["roles"] == []
    as_owner.applications.delete(made["identity"])
    assert "sdk-owner" in [a["display_name"] for a in as_owner.applications.list()]
    plain = admin.applications.create("plain", {})
    as_plain = Archivist(server.base_url, (plain["client_id"], plain["credentials"][0]["secret"]))
    with pytest.raises(errors.ArchivistForbiddenError):
        list(as_plain.applications.list())


@pytest.mark.parametrize("flavour", ["rkvst", "datatrails"])
def test_sdk_count_reads_the_total(make_sandbox, flavour) -> None:
    server = make_sandbox(flavour=flavour)
    arch = Archivist(server.base_url, (server.admin_client_id, server.admin_secret))
    for index in range(3):
        arch.applications.create("counted", {"n": str(index)})
    assert arch.count(f"{server.base_url}/archivist/iam/v1/applications") == 4
    assert arch.count(f"{server.base_url}/archivist/iam/v1/applications", params={"display_name": "counted"}) == 3
    assert arch.assets.count() == len(list(arch.assets.list())) > 0


def test_sdk_roles_are_dropped_by_the_rkvst_flavour_as_the_2022_documents_have_none(sandbox) -> None:
    admin = Archivist(sandbox.base_url, (sandbox.admin_client_id, sandbox.admin_secret))
    created = admin.applications.create_from_data(
        {"display_name": "would-be-owner", "custom_claims": {}, "roles": ["OWNER"]}
    )
    assert "roles" not in created
    as_it = Archivist(sandbox.base_url, (created["client_id"], created["credentials"][0]["secret"]))
    with pytest.raises(errors.ArchivistForbiddenError):
        list(as_it.applications.list())


@pytest.mark.parametrize(
    ("flavour", "path", "params"),
    [
        ("rkvst", "/archivist/iam/v1/applications:caps", None),
        ("datatrails", "/archivist/v1/caps", {"service": "applications"}),
    ],
)
def test_sdk_reads_the_caps_of_each_era(make_sandbox, flavour, path, params) -> None:
    server = make_sandbox(flavour=flavour, max_apps=3)
    arch = Archivist(server.base_url, (server.admin_client_id, server.admin_secret))
    arch.applications.create("one", {})
    (cap,) = arch.get(server.base_url + path, params=params)["caps"]
    assert cap["resource_type"] == "applications" and cap["resource_remaining"] == "2"
    arch.applications.create("two", {})
    arch.applications.create("three", {})
    assert arch.get(server.base_url + path, params=params)["caps"][0]["resource_remaining"] == "0"
    with pytest.raises(errors.ArchivistPaymentRequiredError):
        arch.applications.create("four", {})
