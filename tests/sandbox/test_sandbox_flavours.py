"""The sandbox's two flavours: `rkvst` (the 2022-11 documents, the default) and `datatrails`
(the Owner role instead of root principals, tenancies/self, /archivist/v1/caps), and what both
share: X-Total-Count on lists, PATCH's mask, caps that track --max-apps."""

from __future__ import annotations

import sqlite3

import pytest
from sandbox_helpers import APPS, ASSETS, ROOTS, session, token_for

from rkvst_tui.sandbox import runner
from rkvst_tui.sandbox.assets import DEMO_ASSETS
from rkvst_tui.sandbox.server import SandboxServer
from rkvst_tui.sandbox.store import DATABASE_NAME

SELF = "/archivist/v1/tenancies/self"
CAPS = "/archivist/v1/caps"
RKVST_CAPS = "/archivist/iam/v1/applications:caps"


def admin_session(server: SandboxServer):
    return session(server.base_url, token_for(server.base_url, server.admin_client_id, server.admin_secret))


def session_of(server: SandboxServer, application: dict):
    token = token_for(server.base_url, application["client_id"], application["credentials"][0]["secret"])
    return session(server.base_url, token)


@pytest.fixture
def datatrails(make_sandbox) -> SandboxServer:
    return make_sandbox(flavour="datatrails")


# -- DataTrails: the Owner role ------------------------------------------------------------


def test_an_owner_registration_can_manage_registrations_and_a_plain_one_cannot(datatrails) -> None:
    with admin_session(datatrails) as admin:
        owner = admin.post(APPS, json={"display_name": "ci-owner", "custom_claims": {}, "roles": ["OWNER"]}).json()
        plain = admin.post(APPS, json={"display_name": "reader", "custom_claims": {}}).json()
        assert owner["roles"] == ["OWNER"] and plain["roles"] == []
        listed = {a["display_name"]: a["roles"] for a in admin.get(APPS).json()["applications"]}
        assert listed == {"sandbox-admin": ["OWNER"], "ci-owner": ["OWNER"], "reader": []}
        assert admin.get(f"{APPS}/{owner['client_id']}").json()["roles"] == ["OWNER"]

    with session_of(datatrails, owner) as as_owner:
        made = as_owner.post(APPS, json={"display_name": "made-by-owner"})
        assert made.status_code == 200, made.text
        assert as_owner.delete(f"{APPS}/{made.json()['client_id']}").status_code == 200
        assert len(as_owner.get(ASSETS).json()["assets"]) == len(DEMO_ASSETS)  # an Owner sees all, as a root does
    with session_of(datatrails, plain) as as_plain:
        refused = as_plain.get(APPS)
        assert refused.status_code == 403
        assert "does not have the Owner role" in refused.json()["message"]
        assert as_plain.get(ASSETS).json()["assets"] == []  # secure by default


def test_the_owner_role_is_given_and_taken_by_update_but_not_from_yourself(datatrails) -> None:
    with admin_session(datatrails) as admin:
        plain = admin.post(APPS, json={"display_name": "later-owner"}).json()
        path = f"{APPS}/{plain['client_id']}"
        given = admin.patch(path, json={"roles": ["OWNER"]})
        assert given.status_code == 200 and given.json()["roles"] == ["OWNER"]
        with session_of(datatrails, plain) as as_new_owner:
            assert as_new_owner.get(APPS).status_code == 200
            own = as_new_owner.patch(path, json={"roles": []})
            assert own.status_code == 400 and "Owner role from yourself" in own.json()["message"]
        taken = admin.patch(path, json={"roles": ["ROLE_UNSPECIFIED"]})
        assert taken.status_code == 200 and taken.json()["roles"] == []
        bad = admin.post(APPS, json={"display_name": "x", "roles": ["ADMIN"]})
        assert bad.status_code == 400 and "'ADMIN' is not a role" in bad.json()["message"]
        assert admin.post(APPS, json={"display_name": "x", "roles": "OWNER"}).status_code == 400


def test_datatrails_has_no_root_principals_but_its_tenancy_record(datatrails) -> None:
    with admin_session(datatrails) as admin:
        for method in ("GET", "PATCH"):
            gone = admin.request(method, ROOTS, json={"root_principals": []})
            assert gone.status_code == 404 and gone.json()["code"] == 5
        tenancy = admin.get(SELF).json()
        assert tenancy["identity"] == datatrails.store.tenant_id and tenancy["display_name"]
        renamed = admin.patch(SELF, json={"display_name": "Acme"})
        assert renamed.status_code == 200 and renamed.json()["display_name"] == "Acme"
        # mask: only the named fields change
        assert admin.patch(SELF + "?mask=enterprise_sso_config", json={"display_name": "Other"}).status_code == 400
        assert admin.get(SELF).json()["display_name"] == "Acme"
        assert admin.patch(SELF, json={"display_name": "x" * 129}).status_code == 400
        plain = admin.post(APPS, json={"display_name": "plain"}).json()
    with session_of(datatrails, plain) as as_plain:
        assert as_plain.get(SELF).status_code == 403


def test_rkvst_flavour_ignores_roles_and_has_no_tenancy_record(sandbox) -> None:
    with admin_session(sandbox) as admin:
        created = admin.post(APPS, json={"display_name": "no-roles", "roles": ["OWNER"]}).json()
        assert "roles" not in created
        assert all("roles" not in a for a in admin.get(APPS).json()["applications"])
        assert admin.get(ROOTS).status_code == 200
        assert admin.get(SELF).status_code == 404
        assert admin.get(CAPS, params={"service": "applications"}).status_code == 404
    with session_of(sandbox, created) as not_root:
        assert not_root.get(APPS).status_code == 403  # the role asked for was not given


# -- caps ------------------------------------------------------------------------------------


@pytest.mark.parametrize("flavour", ["rkvst", "datatrails"])
def test_caps_track_max_apps(make_sandbox, flavour) -> None:
    server = make_sandbox(flavour=flavour, max_apps=2)

    def remaining(api) -> dict:
        if flavour == "rkvst":
            answer = api.get(RKVST_CAPS)
        else:
            answer = api.get(CAPS, params={"service": "applications"})
        assert answer.status_code == 200, answer.text
        (cap,) = answer.json()["caps"]
        assert cap["resource_type"] == "applications"
        return cap

    with admin_session(server) as admin:
        first = remaining(admin)
        assert first["resource_remaining"] == "2"
        assert first.get("resource_cap") == ("2" if flavour == "datatrails" else None)
        made = admin.post(APPS, json={"display_name": "one"}).json()
        assert remaining(admin)["resource_remaining"] == "1"
        admin.post(APPS, json={"display_name": "two"})
        assert remaining(admin)["resource_remaining"] == "0"
        assert admin.post(APPS, json={"display_name": "three"}).status_code == 402
        admin.delete(f"{APPS}/{made['client_id']}")
        assert remaining(admin)["resource_remaining"] == "1"
        if flavour == "datatrails":
            assert admin.get(CAPS, params={"service": "assets"}).json() == {"caps": []}
            assert admin.get(CAPS, params={"service": "nonsense"}).status_code == 400
            assert admin.get(RKVST_CAPS).status_code == 404


def test_no_max_apps_means_no_cap(datatrails) -> None:
    with admin_session(datatrails) as admin:
        assert admin.get(CAPS, params={"service": "applications"}).json() == {"caps": []}
    with session(datatrails.base_url, None) as anonymous:
        assert anonymous.get(CAPS, params={"service": "applications"}).status_code == 401


# -- both: X-Total-Count and mask -------------------------------------------------------------


@pytest.mark.parametrize("flavour", ["rkvst", "datatrails"])
def test_lists_carry_the_total_count(make_sandbox, flavour) -> None:
    server = make_sandbox(flavour=flavour)
    with admin_session(server) as admin:
        for index in range(5):
            admin.post(APPS, json={"display_name": "bulk" if index % 2 else "other"})
        assert admin.get(APPS).headers["x-total-count"] == "6"
        first = admin.get(APPS, params={"page_size": 1})
        assert first.headers["x-total-count"] == "6" and len(first.json()["applications"]) == 1
        later = admin.get(APPS, params={"page_token": first.json()["next_page_token"]})
        assert later.headers["x-total-count"] == "6"
        assert admin.get(APPS, params={"display_name": "bulk", "page_size": 1}).headers["x-total-count"] == "2"
        counted = admin.get(ASSETS, params={"page_size": 1}, headers={"X-Request-Total-Count": "true"})
        assert counted.headers["x-total-count"] == str(len(DEMO_ASSETS))


@pytest.mark.parametrize("flavour", ["rkvst", "datatrails"])
def test_patch_honours_the_mask(make_sandbox, flavour) -> None:
    server = make_sandbox(flavour=flavour)
    with admin_session(server) as admin:
        app = admin.post(APPS, json={"display_name": "masked", "custom_claims": {"a": "1"}}).json()
        path = f"{APPS}/{app['client_id']}"
        only_name = admin.patch(path + "?mask=display_name", json={"display_name": "renamed", "custom_claims": {}})
        assert only_name.json()["display_name"] == "renamed" and only_name.json()["custom_claims"] == {"a": "1"}
        cleared = admin.patch(path + "?mask=custom_claims", json={"display_name": "ignored"})
        assert cleared.json()["custom_claims"] == {} and cleared.json()["display_name"] == "renamed"
        both = admin.patch(
            path, params={"mask": "display_name,custom_claims"}, json={"display_name": "n", "custom_claims": {"b": "2"}}
        ).json()
        assert (both["display_name"], both["custom_claims"]) == ("n", {"b": "2"})
        unknown = admin.patch(path + "?mask=secret", json={})
        assert unknown.status_code == 400 and "not an updatable field" in unknown.json()["message"]
        roles = admin.patch(path + "?mask=roles", json={"roles": ["OWNER"]})
        assert roles.status_code == (200 if flavour == "datatrails" else 400)


# -- the data directory: schema migration and a change of flavour -------------------------------

SCHEMA_1_APPLICATIONS = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE applications (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, uuid TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
    custom_claims TEXT NOT NULL, secret_sha256 TEXT NOT NULL, valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL, created_at TEXT NOT NULL
);
"""


def test_a_data_directory_of_schema_1_is_migrated_and_keeps_its_registrations(make_sandbox, tmp_path) -> None:
    data_dir = tmp_path / "old"
    data_dir.mkdir()
    db = sqlite3.connect(data_dir / DATABASE_NAME)
    db.executescript(SCHEMA_1_APPLICATIONS)
    db.execute(
        "INSERT INTO applications (uuid, display_name, custom_claims, secret_sha256, valid_from, valid_until,"
        " created_at) VALUES ('6f0c2bb4-6b8e-4a3e-9d5c-0c8f2b1d1e01', 'from-2022', '{\"k\": \"v\"}', ?, "
        "'2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        ("0" * 64,),
    )
    db.commit()
    db.close()
    server = make_sandbox(data_dir=data_dir, flavour="datatrails")
    with admin_session(server) as admin:
        listed = {a["display_name"]: a for a in admin.get(APPS).json()["applications"]}
        assert listed["from-2022"]["roles"] == [] and listed["from-2022"]["custom_claims"] == {"k": "v"}
        assert listed["sandbox-admin"]["roles"] == ["OWNER"]
    assert server.store.get_meta("schema_version") == "2"


def test_root_registrations_of_the_rkvst_era_are_owners_under_datatrails(make_sandbox, tmp_path) -> None:
    data_dir = tmp_path / "moved"
    before = make_sandbox(data_dir=data_dir)
    with admin_session(before) as admin:
        root = admin.post(APPS, json={"display_name": "second-root"}).json()
        roots = admin.get(ROOTS).json()["root_principals"]
        admin.patch(
            ROOTS,
            json={"root_principals": [*roots, {"issuer": before.base_url + "/appidpv1", "subject": root["client_id"]}]},
        )
    before.stop()
    after = make_sandbox(data_dir=data_dir, flavour="datatrails")
    with session_of(after, root) as as_root:
        assert as_root.get(f"{APPS}/{root['client_id']}").json()["roles"] == ["OWNER"]


# -- the runner's option ---------------------------------------------------------------------------


def test_runner_flavour_option(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        runner.main(["--flavour", "jitsuin"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'jitsuin'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        runner.main(["--help"])
    assert "--flavour" in capsys.readouterr().out
    with pytest.raises(ValueError, match="flavour must be one of rkvst, datatrails"):
        SandboxServer("/nonexistent", flavour="jitsuin")


def test_an_empty_id_before_regenerate_secret_is_not_found(sandbox) -> None:
    with admin_session(sandbox) as admin:  # found by the DataTrails conformance run: was a 501
        answer = admin.get(f"{APPS}/:regenerate-secret")
        assert answer.status_code == 404 and answer.json()["code"] == 5
        assert admin.get(f"{APPS}/{sandbox.admin_client_id}:regenerate-secret").status_code == 501
