"""sharing: the values a share can pick from, what a choice matches, the policy body, who else it names."""

from __future__ import annotations

import pytest

from rkvst_tui.api import access_rules as rules
from rkvst_tui.api import sharing
from rkvst_tui.api.models import Application, Asset
from rkvst_tui.api.policies import check_body
from rkvst_tui.api.sharing import Choice

LIGHT_1 = Asset("assets/1", {"arc_display_name": "TL 1", "arc_display_type": "Traffic Light", "location": "Cambridge"})
LIGHT_2 = Asset("assets/2", {"arc_display_name": "TL 2", "arc_display_type": "Traffic Light", "location": "Ely"})
STATION = Asset("assets/3", {"arc_display_name": "WS 3", "arc_display_type": "Weather Station", "location": "Ely"})
ASSETS = [LIGHT_1, LIGHT_2, STATION]

TL101 = Application("applications/a", "TrafficLight101", "client-a", custom_claims={"serial_number": "TL1"})
TWIN = Application("applications/b", "Twin", "client-b", custom_claims={"serial_number": "TL1", "site": "x"})
OTHER = Application("applications/c", "Other", "client-c", custom_claims={"serial_number": "TL2"})


def test_values_are_counted_per_attribute_most_common_first():
    found = {v.name: v for v in sharing.attribute_values(ASSETS)}
    assert found["arc_display_type"].values == (("Traffic Light", 2), ("Weather Station", 1))
    assert found["location"].values == (("Ely", 2), ("Cambridge", 1))
    assert list(found) == ["arc_display_type", "location", "arc_display_name"]  # the grouping ones first


def test_huge_values_long_lists_odd_names_and_star_are_not_offered():
    odd = Asset(
        "assets/9",
        {
            "big": "x" * (sharing.MAX_VALUE + 1),
            "tags": ["a", "b", 7],
            "many": [str(i) for i in range(sharing.MAX_LIST_ITEMS + 1)],
            "with space": "v",
            "star": "*",
            "nested": {"a": "b"},
        },
    )
    found = {v.name: v for v in sharing.attribute_values([odd])}
    assert set(found) == {"tags"}
    assert found["tags"].values == (("a", 1), ("b", 1))


def test_distinct_values_are_capped_and_the_rest_counted():
    assets = [Asset(f"assets/{i}", {"serial": f"S{i:03}"}) for i in range(sharing.MAX_VALUES + 5)]
    (serial,) = sharing.attribute_values(assets)
    assert len(serial.values) == sharing.MAX_VALUES and serial.left_out == 5


def test_a_choice_ors_values_of_one_attribute_and_ands_attributes_as_the_sandbox_does():
    choice = Choice.of([("arc_display_type", "Traffic Light"), ("location", "Cambridge"), ("location", "Ely")])
    assert sharing.matching(ASSETS, choice) == [LIGHT_1, LIGHT_2]
    narrow = Choice.of([("arc_display_type", "Traffic Light"), ("location", "Cambridge")])
    assert sharing.matching(ASSETS, narrow) == [LIGHT_1]
    body = sharing.share_body(TL101, narrow, ["arc_display_name"])
    for asset in ASSETS:
        assert rules.filters_match(body, asset.attributes) == (asset in [LIGHT_1])


def test_nothing_chosen_matches_nothing():
    assert Choice().empty and sharing.matching(ASSETS, Choice()) == []


def test_the_body_by_subject_is_one_the_service_takes():
    choice = Choice.of([("arc_display_type", "Traffic Light")])
    body = sharing.share_body(TL101, choice, ["arc_display_name", "location"])
    check_body(body)  # raises if the sandbox would refuse it
    assert body["display_name"] == "Share with TrafficLight101"
    assert body["filters"] == [{"or": ["attributes.arc_display_type=Traffic Light"]}]
    (permission,) = body["access_permissions"]
    assert permission["user_attributes"] == [{"or": ["subject=client-a"]}]
    assert permission["include_attributes"] == ["arc_display_name", "location"]
    who = rules.Who.registration("client-a", "TrafficLight101", TL101.custom_claims)
    assert rules.visible_attributes([body], who, LIGHT_1.attributes) == {
        "arc_display_name": "TL 1",
        "location": "Cambridge",
    }
    assert rules.visible_attributes([body], who, STATION.attributes) is None


def test_the_body_by_claim_names_the_claim_and_value():
    body = sharing.share_body(TL101, Choice.of([("location", "Ely")]), [], claim="serial_number", display_name="Mine")
    check_body(body)
    assert body["display_name"] == "Mine"
    assert body["access_permissions"][0]["user_attributes"] == [{"or": ["jwt_serial_number=TL1"]}]


def test_a_claim_the_registration_does_not_have_is_refused():
    with pytest.raises(ValueError, match="no custom claim"):
        sharing.naming_entry(TL101, "site")


def test_by_claim_names_every_other_registration_with_the_same_value_by_subject_none():
    everyone = [TL101, TWIN, OTHER]
    assert sharing.others_named(TL101, "serial_number", everyone) == [TWIN]
    assert sharing.others_named(TL101, None, everyone) == []
    assert sharing.others_named(OTHER, "serial_number", everyone) == []


def test_the_suggested_name_is_cut_to_the_limit():
    long = Application("applications/d", "n" * 300, "client-d")
    assert len(sharing.suggested_name(long)) == rules.MAX_DISPLAY_NAME
    assert sharing.suggested_name(Application("applications/e", "", "client-e")) == "Share with client-e"


async def test_tenant_assets_reads_one_bounded_page_and_says_there_are_more(sandbox):
    from api_helpers import admin_connection

    from rkvst_tui.api.client import RkvstClient

    async with RkvstClient(admin_connection(sandbox)) as client:
        everything = await client.list_assets()
        read = await sharing.tenant_assets(client)
        assert [a.identity for a in read.assets] == [a.identity for a in everything] and not read.more
        cut = await sharing.tenant_assets(client, limit=2)
        assert len(cut.assets) == 2 and cut.more
