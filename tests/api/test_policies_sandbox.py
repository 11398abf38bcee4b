"""api/policies.py and api/access.py against a real sandbox over HTTP: the calls, the errors,
and that the explanation says exactly what the registration's own token then gets."""

from __future__ import annotations

import httpx
import pytest

from rkvst_tui.api import policies as api_policies
from rkvst_tui.api.access import explain_access
from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.connection import Connection
from rkvst_tui.api.errors import BadRequest, InvalidArgument, NotFound, PermissionDenied
from rkvst_tui.api.models import Application

CAMBRIDGE = ["Traffic light 101", "Traffic light 102", "Cyclist light 7"]


def lights_policy(**overrides) -> dict:
    body = {
        "display_name": "Traffic lights in Cambridge",
        "description": "for the lights themselves",
        "filters": [{"or": ["attributes.arc_display_type=Traffic Light"]}, {"or": ["attributes.location=Cambridge"]}],
        "access_permissions": [
            {
                "user_attributes": [{"or": ["jwt_serial_number=TL1000000101"]}],
                "asset_attributes_read": ["arc_display_name", "serial_number"],
            }
        ],
    }
    body.update(overrides)
    return body


def seen_over_http(sandbox, app) -> list[dict]:
    """GET /archivist/v2/assets with a token of the registration itself."""
    token = httpx.post(
        sandbox.base_url + "/archivist/iam/v1/appidp/token",
        data={"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": app.secret},
    ).json()["access_token"]
    answer = httpx.get(sandbox.base_url + "/archivist/v2/assets", headers={"Authorization": f"Bearer {token}"})
    return [{"identity": a["identity"], "attributes": a["attributes"]} for a in answer.json()["assets"]]


async def test_create_list_get_update_and_delete(client: RkvstClient) -> None:
    created = await api_policies.create_policy(client, lights_policy())
    assert created.display_name == "Traffic lights in Cambridge" and created.uuid
    assert created.access_permissions[0].readable == ("arc_display_name", "serial_number")
    assert created.filters_in_words() == "arc_display_type is 'Traffic Light' and location is 'Cambridge'"
    assert "whoever has the claim serial_number='TL1000000101'" in created.grantees_in_words()
    assert await api_policies.get_policy(client, created.identity) == created
    for index in range(3):
        await api_policies.create_policy(client, lights_policy(display_name=f"p{index}"))
    assert [p.display_name for p in await api_policies.list_policies(client, page_size=2)] == [
        "Traffic lights in Cambridge",
        "p0",
        "p1",
        "p2",
    ]
    assert [p.display_name for p in await api_policies.find_policies(client, "p1")] == ["p1"]
    assert await api_policies.find_policies(client, created.identity) == [created]
    assert await api_policies.find_policies(client, "no such") == []

    renamed = await api_policies.update_policy(client, created, {"display_name": "Lights"})
    assert renamed.display_name == "Lights" and renamed.filters == created.filters
    masked = await api_policies.update_policy(
        client, created.uuid, {"filters": [{"or": ["attributes.location=Ely"]}]}, mask=["filters", "description"]
    )
    assert masked.filters == (("attributes.location=Ely",),) and masked.description == ""
    assert await api_policies.policy_assets(client, masked) == []

    await api_policies.delete_policy(client, created)
    with pytest.raises(NotFound):
        await api_policies.get_policy(client, created)


async def test_bad_policies_and_ids_fail_with_the_field_named_before_anything_is_sent(client: RkvstClient) -> None:
    with pytest.raises(InvalidArgument, match=r"filters\[0\]\.or\[0\]: 'location=Cambridge' is not attributes"):
        await api_policies.create_policy(client, lights_policy(filters=[{"or": ["location=Cambridge"]}]))
    with pytest.raises(InvalidArgument, match="display_name: is missing"):
        await api_policies.create_policy(client, {"filters": []})
    with pytest.raises(InvalidArgument, match="is not an access policy id"):
        await api_policies.get_policy(client, "../applications")
    with pytest.raises(InvalidArgument, match="nothing to update"):
        await api_policies.update_policy(client, "access_policies/" + "0" * 8 + "-0000-4000-8000-" + "0" * 12, {})
    assert await api_policies.list_policies(client) == []
    # The sandbox answers a bad body sent anyway with a 400 naming the field (the client maps it).
    with pytest.raises(BadRequest, match=r"access_permissions\[0\]\.user_attributes\[0\]\.or\[0\]"):
        await client._call(
            "POST",
            api_policies.POLICIES_PATH,
            json_body=lights_policy(access_permissions=[{"user_attributes": [{"or": ["nobody"]}]}]),
        )


async def test_assets_where_and_the_policies_of_an_asset(client: RkvstClient) -> None:
    lights = await api_policies.assets_where(client, {"arc_display_type": "Traffic Light", "location": "Cambridge"})
    assert [a.display_name for a in lights] == CAMBRIDGE
    policy = await api_policies.create_policy(client, lights_policy())
    assert [p.identity for p in await api_policies.asset_policies(client, lights[0].identity)] == [policy.identity]
    weather = await api_policies.assets_where(client, {"arc_display_type": "Weather Station"}, page_size=1)
    assert await api_policies.asset_policies(client, weather[0].identity) == []
    assert [a.display_name for a in await api_policies.policy_assets(client, policy, page_size=2)] == CAMBRIDGE


async def test_the_explanation_matches_what_the_registrations_token_gets(sandbox, client: RkvstClient) -> None:
    tl101 = await client.create_application("TrafficLight101", {"serial_number": "TL1000000101"})
    tl201 = await client.create_application("TrafficLight201", {"serial_number": "TL2000000201"})
    nothing = await explain_access(client, tl101)
    assert nothing.status == "none" and nothing.visible == ()
    assert nothing.summary() == (
        f"TrafficLight101 sees no asset: no policy names this registration (`subject={tl101.client_id}`) "
        "or its claims (`jwt_serial_number=TL1000000101`)"
    )

    await api_policies.create_policy(
        client,
        lights_policy(
            display_name="Lights",
            access_permissions=[
                {"user_attributes": [{"or": ["jwt_serial_number=TL2000000299"]}], "include_attributes": ["location"]}
            ],
        ),
    )
    await api_policies.create_policy(client, lights_policy())
    shared = await explain_access(client, tl101)
    assert shared.status == "shared"
    assert shared.summary() == "TrafficLight101 sees 3 assets through 'Traffic lights in Cambridge'"
    assert shared.lines()[1] == (
        "  3 assets through 'Traffic lights in Cambridge' (filter `arc_display_type=Traffic Light` AND "
        "`location=Cambridge`), named by `jwt_serial_number=TL1000000101`; reads arc_display_name, serial_number"
    )
    assert "every registration with the same claim value" in shared.lines()[2]
    explained = [{"identity": a.identity, "attributes": a.attributes} for a in shared.visible]
    assert explained == seen_over_http(sandbox, tl101)
    assert [a["attributes"]["arc_display_name"] for a in explained] == CAMBRIDGE

    missed = await explain_access(client, tl201)
    assert missed.status == "none" and seen_over_http(sandbox, tl201) == []
    assert missed.summary().endswith("; nearest: 'Lights' names `jwt_serial_number=TL2000000299`")
    assert missed.to_json()["nearest"]["names"] == ["jwt_serial_number=TL2000000299"]

    await client.add_root_principal(client.app_principal(tl201))
    root = await explain_access(client, tl201)
    assert root.status == "root" and len(root.visible) == 6 == len(seen_over_http(sandbox, tl201))
    assert root.summary() == (
        "TrafficLight201 is a root principal: it sees every asset (6 assets), whole; policies do not restrict it"
    )


async def test_a_policy_that_names_it_but_matches_no_asset_says_so(sandbox, client: RkvstClient) -> None:
    app = await client.create_application("Reader", {})
    await api_policies.create_policy(
        client,
        lights_policy(
            display_name="Ely",
            filters=[{"or": ["attributes.location=Ely"]}],
            access_permissions=[{"user_attributes": [{"or": [f"subject={app.client_id}"]}]}],
        ),
    )
    explained = await explain_access(client, app)
    assert explained.status == "named" and seen_over_http(sandbox, app) == []
    assert "'Ely' names it (`subject=" in explained.lines()[1] and "matches no asset" in explained.lines()[1]


async def test_the_policy_calls_need_a_root_registration(sandbox, client: RkvstClient) -> None:
    app = await client.create_application("not root", {})
    async with RkvstClient(Connection(sandbox.base_url, client_id=app.client_id, secret=app.secret)) as reader:
        with pytest.raises(PermissionDenied):
            await api_policies.list_policies(reader)
        assert await api_policies.assets_where(reader, {"location": "Cambridge"}) == []


async def test_under_the_datatrails_flavour_an_owner_sees_everything_and_says_so(make_sandbox) -> None:
    server = make_sandbox(flavour="datatrails")
    async with RkvstClient(
        Connection(server.base_url, client_id=server.admin_client_id, secret=server.admin_secret)
    ) as admin:
        owner_body = await admin._call(
            "POST", "/archivist/iam/v1/applications", json_body={"display_name": "Owner", "roles": ["OWNER"]}
        )
        reader = await admin.create_application("Reader", {"serial_number": "TL1000000101"})
        await api_policies.create_policy(admin, lights_policy())
        owner = await admin.get_application(owner_body["identity"])
        explained = await explain_access(admin, owner)
        assert explained.status == "owner" and len(explained.visible) == 6
        assert "is an Owner registration: it sees every asset (6 assets)" in explained.summary()
        assert len(seen_over_http(server, Application.from_wire(owner_body))) == 6  # its token: the secret is in it
        shared = await explain_access(admin, reader)
        assert shared.status == "shared"
        assert [{"identity": a.identity, "attributes": a.attributes} for a in shared.visible] == seen_over_http(
            server, reader
        )
