"""Assets and access policies in the sandbox, over real HTTP: filters, paging, counts, the
policies API (root only, 400 naming the field), and what a non-root registration sees."""

from __future__ import annotations

import httpx
import pytest
from sandbox_helpers import ASSETS, session, token_for

POLICIES = "/archivist/iam/v1/access_policies"
WANT_COUNT = {"X-Request-Total-Count": "true"}
CAMBRIDGE_LIGHTS = ["Traffic light 101", "Traffic light 102", "Cyclist light 7"]


def names(listing: dict) -> list[str]:
    return [asset["attributes"].get("arc_display_name") for asset in listing["assets"]]


def policy_body(**overrides) -> dict:
    body = {
        "display_name": "Traffic lights in Cambridge",
        "description": "the city's lights, for their maintainers",
        "filters": [
            {"or": ["attributes.arc_display_type=Traffic Light"]},
            {"or": ["attributes.location=Cambridge"]},
        ],
        "access_permissions": [
            {
                "user_attributes": [{"or": ["jwt_serial_number=TL1000000101"]}],
                "include_attributes": ["arc_display_name", "serial_number"],
            }
        ],
    }
    body.update(overrides)
    return body


def as_app(sandbox, application: dict) -> httpx.Client:
    token = token_for(sandbox.base_url, application["client_id"], application["credentials"][0]["secret"])
    return session(sandbox.base_url, token)


# -- assets ------------------------------------------------------------------------------


def test_demo_assets_have_names_types_serial_numbers_and_locations(shared_api) -> None:
    assets = shared_api.get(ASSETS).json()["assets"]
    assert len(assets) == 6
    for asset in assets:
        attributes = asset["attributes"]
        assert {"arc_display_name", "arc_display_type", "serial_number", "location"} <= set(attributes)
    assert {a["attributes"]["location"] for a in assets} == {"Cambridge", "Newmarket", "Basingstoke"}
    assert len({a["attributes"]["serial_number"] for a in assets}) == 6


def test_attribute_filters_are_anded_and_both_query_forms_work(shared_api) -> None:
    lights = shared_api.get(ASSETS, params={"attributes.arc_display_type": "Traffic Light"}).json()
    assert names(lights) == [*CAMBRIDGE_LIGHTS, "Traffic light 201"]
    both = shared_api.get(
        ASSETS, params={"attributes.arc_display_type": "Traffic Light", "attributes[location]": "Newmarket"}
    ).json()
    assert names(both) == ["Traffic light 201"]
    assert shared_api.get(ASSETS, params={"attributes.location": "Ely"}).json() == {"assets": [], "next_page_token": ""}
    assert names(
        shared_api.get(ASSETS, params={"tracked": "TRACKED", "attributes.serial_number": "WS3000000003"}).json()
    ) == ["Weather station 3"]


def test_a_filter_is_kept_by_the_page_token_and_the_total_is_counted(shared_api) -> None:
    query = {"attributes.arc_display_type": "Traffic Light", "page_size": 3}
    first = shared_api.get(ASSETS, params=query, headers=WANT_COUNT)
    assert first.headers["X-Total-Count"] == "4"
    assert names(first.json()) == CAMBRIDGE_LIGHTS and first.json()["next_page_token"]
    rest = shared_api.get(ASSETS, params={"page_token": first.json()["next_page_token"]}).json()
    assert names(rest) == ["Traffic light 201"] and rest["next_page_token"] == ""
    assert shared_api.get(ASSETS, headers=WANT_COUNT).headers["X-Total-Count"] == "6"
    changed = shared_api.get(
        ASSETS, params={"page_token": first.json()["next_page_token"], "attributes.arc_display_type": "Weather Station"}
    )
    assert changed.status_code == 400 and "page_token" in changed.json()["message"]


# -- the policies API --------------------------------------------------------------------


def test_create_read_list_patch_and_delete_a_policy(api) -> None:
    created = api.post(POLICIES, json=policy_body())
    assert created.status_code == 200, created.text
    policy = created.json()
    assert policy["identity"].startswith("access_policies/") and policy["tenant"].startswith("tenant/")
    assert policy["filters"] == policy_body()["filters"]
    assert policy["access_permissions"][0]["include_attributes"] == ["arc_display_name", "serial_number"]
    assert policy["access_permissions"][0]["asset_attributes_read"] == []  # every list present
    path = f"/archivist/iam/v1/{policy['identity']}"
    assert api.get(path).json() == policy

    for index in range(3):
        assert api.post(POLICIES, json=policy_body(display_name=f"other {index}")).status_code == 200
    first = api.get(POLICIES, params={"page_size": 2}, headers=WANT_COUNT)
    assert first.headers["X-Total-Count"] == "4" and len(first.json()["access_policies"]) == 2
    rest = api.get(POLICIES, params={"page_token": first.json()["next_page_token"]}).json()
    assert [p["display_name"] for p in rest["access_policies"]] == ["other 1", "other 2"]
    by_name = api.get(POLICIES, params={"display_name": "other 1"}).json()["access_policies"]
    assert [p["display_name"] for p in by_name] == ["other 1"]

    # PATCH without a mask replaces the fields it sends (as the SDK's update does) and keeps the rest.
    patched = api.patch(path, json={"description": "now for everyone"}).json()
    assert patched["description"] == "now for everyone" and patched["filters"] == policy["filters"]
    # With a mask, the masked fields are replaced; one the body leaves out is emptied.
    masked = api.patch(path, params={"mask": "display_name,description"}, json={"display_name": "Lights"}).json()
    assert masked["display_name"] == "Lights" and masked["description"] == ""
    assert masked["filters"] == policy["filters"]
    assert api.get(path).json() == masked

    assert api.delete(path).status_code == 200
    assert api.get(path).status_code == 404
    assert api.delete(path).status_code == 404


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"description": "no name"}, "display_name: is missing"),
        (
            policy_body(filters=[{"or": ["location=Cambridge"]}]),
            "filters[0].or[0]: 'location=Cambridge' is not attributes.NAME=VALUE",
        ),
        (policy_body(filters=[{"or": []}]), "filters[0].or: is empty"),
        (policy_body(filters="attributes.x=1"), "filters: must be a list"),
        (
            policy_body(access_permissions=[{"user_attributes": [{"or": ["client=abc"]}]}]),
            "access_permissions[0].user_attributes[0].or[0]: 'client=abc' names 'client'",
        ),
        (
            policy_body(access_permissions=[{"include_attributes": "arc_display_name"}]),
            "access_permissions[0].include_attributes: must be a list of strings",
        ),
        (
            policy_body(access_permissions=[{"read": ["x"]}]),
            "access_permissions[0].read: is not a field of a permission",
        ),
        (policy_body(colour="red"), "colour: is not a field of an access policy"),
        (policy_body(display_name="x" * 129), "display_name: is 129 characters long: the limit is 128"),
    ],
)
def test_a_bad_policy_is_a_400_that_names_the_field(shared_api, body, words) -> None:
    answer = shared_api.post(POLICIES, json=body)
    assert answer.status_code == 400
    assert words in answer.json()["message"], answer.json()["message"]
    assert (
        shared_api.get(POLICIES, params={"display_name": body.get("display_name", "")}).json()["access_policies"] == []
    )


def test_a_bad_patch_or_mask_is_a_400_and_changes_nothing(api) -> None:
    policy = api.post(POLICIES, json=policy_body()).json()
    path = f"/archivist/iam/v1/{policy['identity']}"
    bad_mask = api.patch(path, params={"mask": "tenant"}, json={"tenant": "x"})
    assert bad_mask.status_code == 400 and "mask names 'tenant'" in bad_mask.json()["message"]
    emptied = api.patch(path, params={"mask": "display_name"}, json={})
    assert emptied.status_code == 400 and "display_name: is missing" in emptied.json()["message"]
    bad_filter = api.patch(path, json={"filters": [{"or": ["attributes.=x"]}]})
    assert bad_filter.status_code == 400 and "filters[0].or[0]" in bad_filter.json()["message"]
    assert api.get(path).json() == policy


def test_the_assets_of_a_policy_and_the_policies_of_an_asset(api) -> None:
    cambridge = api.post(POLICIES, json=policy_body()).json()
    newmarket = api.post(
        POLICIES,
        json=policy_body(
            display_name="Newmarket", filters=[{"or": ["attributes.location=Newmarket", "attributes.location=Ely"]}]
        ),
    ).json()
    matched = api.get(f"/archivist/iam/v1/{cambridge['identity']}/assets").json()
    assert names(matched) == CAMBRIDGE_LIGHTS
    assert "arc_firmware_version" in matched["assets"][0]["attributes"]  # the root sees the assets whole
    paged = api.get(f"/archivist/iam/v1/{newmarket['identity']}/assets", params={"page_size": 1}).json()
    rest = api.get(
        f"/archivist/iam/v1/{newmarket['identity']}/assets", params={"page_token": paged["next_page_token"]}
    ).json()
    assert names(paged) + names(rest) == ["Weather station 3", "Traffic light 201"]

    weather = api.get(ASSETS, params={"attributes.serial_number": "WS3000000003"}).json()["assets"][0]
    found = api.get(f"/archivist/iam/v1/{weather['identity']}/access_policies").json()["access_policies"]
    assert [p["display_name"] for p in found] == ["Newmarket"]
    reader = api.get(ASSETS, params={"attributes.arc_display_type": "Door Access Reader"}).json()["assets"][0]
    assert api.get(f"/archivist/iam/v1/{reader['identity']}/access_policies").json()["access_policies"] == []
    assert api.get("/archivist/iam/v1/assets/7a1b5e0c-0000-4000-8000-000000000000/access_policies").status_code == 404


def test_the_policies_api_is_root_only(sandbox, api, create_app) -> None:
    policy = api.post(POLICIES, json=policy_body()).json()
    with as_app(sandbox, create_app("curious", {"serial_number": "TL1000000101"})) as client:
        for method, path in [
            ("GET", POLICIES),
            ("POST", POLICIES),
            ("GET", f"/archivist/iam/v1/{policy['identity']}"),
            ("PATCH", f"/archivist/iam/v1/{policy['identity']}"),
            ("DELETE", f"/archivist/iam/v1/{policy['identity']}"),
            ("GET", f"/archivist/iam/v1/{policy['identity']}/assets"),
        ]:
            answer = client.request(method, path, json=policy_body() if method in ("POST", "PATCH") else None)
            assert answer.status_code == 403, (method, path, answer.text)
    assert api.get(f"/archivist/iam/v1/{policy['identity']}").json() == policy
    assert httpx.get(sandbox.base_url + POLICIES).status_code == 401


# -- what a non-root registration sees -------------------------------------------------------


def test_a_registration_named_by_a_claim_sees_exactly_the_granted_assets_and_attributes(
    sandbox, api, create_app
) -> None:
    tl101 = create_app("TrafficLight101", {"serial_number": "TL1000000101"})
    tl201 = create_app("TrafficLight201", {"serial_number": "TL2000000201"})
    with as_app(sandbox, tl101) as client:
        assert client.get(ASSETS).json() == {"assets": [], "next_page_token": ""}  # nothing shared yet
    api.post(POLICIES, json=policy_body())
    with as_app(sandbox, tl101) as client:
        listing = client.get(ASSETS, headers=WANT_COUNT)
        assert names(listing.json()) == CAMBRIDGE_LIGHTS and listing.headers["X-Total-Count"] == "3"
        for asset in listing.json()["assets"]:
            assert set(asset["attributes"]) == {"arc_display_name", "serial_number"}
            assert asset["identity"].startswith("assets/")
        one = listing.json()["assets"][0]
        assert client.get(f"{ASSETS}/{one['identity'].removeprefix('assets/')}").json() == one
        # A filter on an attribute not shared finds nothing: hidden values cannot be probed.
        assert client.get(ASSETS, params={"attributes.location": "Cambridge"}).json()["assets"] == []
        assert names(client.get(ASSETS, params={"attributes.serial_number": "TL1000000102"}).json()) == [
            "Traffic light 102"
        ]
    with as_app(sandbox, tl201) as client:
        assert client.get(ASSETS).json()["assets"] == []
        hidden = api.get(ASSETS, params={"attributes.serial_number": "TL1000000101"}).json()["assets"][0]
        assert client.get(f"{ASSETS}/{hidden['identity'].removeprefix('assets/')}").status_code == 404


def test_subject_names_one_registration_and_the_attributes_of_matching_permissions_add_up(
    sandbox, api, create_app
) -> None:
    tl101 = create_app("TrafficLight101", {"serial_number": "TL1000000101"})
    twin = create_app("Twin", {"serial_number": "TL1000000101"})
    api.post(
        POLICIES,
        json=policy_body(
            display_name="by subject",
            access_permissions=[
                {
                    "user_attributes": [{"or": [f"subject={tl101['client_id']}", "jwt_serial_number=nobody"]}],
                    "asset_attributes_read": ["location"],
                }
            ],
        ),
    )
    api.post(
        POLICIES,
        json=policy_body(
            display_name="weather",
            filters=[
                {"or": ["attributes.arc_display_type=Weather Station", "attributes.arc_display_type=Traffic Light"]},
                {"or": ["attributes.location!=Cambridge"]},
            ],
            access_permissions=[
                {
                    "user_attributes": [
                        {"or": ["jwt_serial_number=TL1000000101"]},
                        {"or": ["jwt_name=TrafficLight101"]},
                    ],
                    "include_attributes": ["*"],
                }
            ],
        ),
    )
    with as_app(sandbox, tl101) as client:
        assets = {
            a["attributes"].get("arc_display_name", a["identity"]): a for a in client.get(ASSETS).json()["assets"]
        }
    cambridge = [a for a in assets.values() if a["attributes"].get("location") == "Cambridge"]
    assert len(cambridge) == 3 and all(set(a["attributes"]) == {"location"} for a in cambridge)
    assert {"Weather station 3", "Traffic light 201"} <= set(assets)
    assert assets["Weather station 3"]["attributes"]["arc_firmware_version"] == "1.4.2"  # `*` shares everything
    assert len(assets) == 5
    with as_app(sandbox, twin) as client:  # same claim, another name: the second group of `weather` fails
        assert client.get(ASSETS).json()["assets"] == []


def test_a_root_registration_sees_every_asset_whole_whatever_the_policies(sandbox, api) -> None:
    api.post(POLICIES, json=policy_body())
    assets = api.get(ASSETS).json()["assets"]
    assert len(assets) == 6 and all("arc_firmware_version" in a["attributes"] for a in assets)


def test_policies_survive_a_restart(make_sandbox, tmp_path) -> None:
    first = make_sandbox(data_dir=tmp_path / "data")
    with session(first.base_url, token_for(first.base_url, first.admin_client_id, first.admin_secret)) as client:
        created = client.post(POLICIES, json=policy_body()).json()
    first.stop()
    second = make_sandbox(data_dir=tmp_path / "data")
    with session(second.base_url, token_for(second.base_url, second.admin_client_id, second.admin_secret)) as client:
        assert client.get(POLICIES).json()["access_policies"] == [created]
        assert len(client.get(ASSETS).json()["assets"]) == 6  # the demo set is made once


def test_answers_have_the_documented_shape_and_order_by_display_name_sorts(api) -> None:
    from sandbox_helpers import load_definitions

    definitions = load_definitions("accesspoliciesv1.rkvst-2022-11.swagger.json")
    for name in ("b policy", "a policy", "c policy"):
        api.post(POLICIES, json=policy_body(display_name=name))
    listing = api.get(POLICIES, params={"order_by": "DISPLAY_NAME", "page_size": 2}).json()
    rest = api.get(POLICIES, params={"page_token": listing["next_page_token"]}).json()
    assert [p["display_name"] for p in listing["access_policies"] + rest["access_policies"]] == [
        "a policy",
        "b policy",
        "c policy",
    ]
    assert set(listing) <= set(definitions["v1ListIAMAccessPoliciesResponse"]["properties"]) | {"next_page_token"}
    for policy in listing["access_policies"]:
        assert set(policy) == set(definitions["v1IAMAccessPolicy"]["properties"])
        for permission in policy["access_permissions"]:
            assert set(permission) == set(definitions["v1Permission"]["properties"])
    assert api.get(POLICIES, params={"order_by": "NAME"}).status_code == 400
    asset = api.get(ASSETS).json()["assets"][0]
    assert set(asset) <= set(definitions["v2AssetResponse"]["properties"])
