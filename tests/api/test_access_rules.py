"""access_rules: the one reading of policies (docs/access-policies.md), without a server."""

from __future__ import annotations

import pytest

from rkvst_tui.api import access_rules as rules
from rkvst_tui.api.access import explain, filter_expression
from rkvst_tui.api.models import Application, Asset
from rkvst_tui.api.policies import Policy

LIGHT = {"arc_display_type": "Traffic Light", "location": "Cambridge", "serial_number": "TL1", "tags": ["a", "b"]}
STATION = {"arc_display_type": "Weather Station", "location": "Ely"}
TL1 = rules.Who.registration("c1", "TL1", {"serial_number": "TL1", "role": "tracker"})


def policy(filters, permissions) -> dict:
    return {"display_name": "p", "filters": [{"or": g} for g in filters], "access_permissions": permissions}


@pytest.mark.parametrize(
    ("filters", "light", "station"),
    [
        ([["attributes.arc_display_type=Traffic Light"]], True, False),
        ([["attributes.location=Cambridge", "attributes.location=Ely"]], True, True),  # OR inside
        ([["attributes.location=Ely"], ["attributes.arc_display_type=Weather Station"]], False, True),  # AND across
        ([["attributes.serial_number=*"]], True, False),  # * is "has it"
        ([["attributes.serial_number!=*"]], False, True),
        ([["attributes.location!=Cambridge"]], False, True),
        ([["attributes.tags=b"]], True, False),  # a list holds each of its strings
        ([["attributes.location=cambridge"]], False, False),  # exact, case included
        ([], False, False),  # no filter: no asset
    ],
)
def test_filters_are_anded_and_entries_ored(filters, light, station) -> None:
    body = policy(filters, [])
    assert (rules.filters_match(body, LIGHT), rules.filters_match(body, STATION)) == (light, station)


def test_user_attributes_name_by_subject_or_claim_with_the_same_and_or_reading() -> None:
    def names(*groups) -> bool:
        return rules.names({"user_attributes": [{"or": list(g)} for g in groups]}, TL1)

    assert names(["subject=c1"]) and names(["jwt_serial_number=TL1"]) and names(["jwt_name=TL1"])
    assert names(["subject=other", "jwt_role=tracker"]) and not names(["subject=other"])
    assert not names(["jwt_role=tracker"], ["subject=other"])  # groups are ANDed
    assert not names(["group:maintainers"]) and not names(["email=a@b.c"]) and not names()


def test_what_a_caller_sees_is_the_union_of_what_the_naming_permissions_share() -> None:
    by_claim = policy(
        [["attributes.location=Cambridge"]],
        [
            {"user_attributes": [{"or": ["jwt_serial_number=TL1"]}], "include_attributes": ["serial_number"]},
            {"user_attributes": [{"or": ["subject=someone else"]}], "asset_attributes_read": ["tags"]},
        ],
    )
    by_subject = policy(
        [["attributes.arc_display_type=*"]],
        [{"user_attributes": [{"or": ["subject=c1"]}], "asset_attributes_read": ["location"]}],
    )
    assert rules.visible_attributes([by_claim, by_subject], TL1, LIGHT) == {
        "location": "Cambridge",
        "serial_number": "TL1",
    }
    assert rules.visible_attributes([by_claim, by_subject], TL1, STATION) == {"location": "Ely"}
    assert rules.visible_attributes([by_claim], TL1, STATION) is None
    everything = policy(
        [["attributes.location=Ely"]], [{"user_attributes": [{"or": ["subject=c1"]}], "include_attributes": ["*"]}]
    )
    assert rules.visible_attributes([everything], TL1, STATION) == STATION
    nothing = policy([["attributes.location=Ely"]], [{"user_attributes": [{"or": ["subject=c1"]}]}])
    assert rules.visible_attributes([nothing], TL1, STATION) == {}  # the identity, no attribute


@pytest.mark.parametrize(
    ("body", "where", "words"),
    [
        ({"filters": []}, "display_name", "is missing"),
        (
            policy([["arc_display_type=Traffic Light"]], []),
            "filters[0].or[0]",
            "for example 'attributes.arc_display_type=Traffic Light'",
        ),
        (policy([["attributes.=x"]], []), "filters[0].or[0]", "names no attribute"),
        (policy([["attributes.x="]], []), "filters[0].or[0]", "has no value"),
        (policy([["attributes.bad name=x"]], []), "filters[0].or[0]", "spaces or control characters"),
        (
            policy([], [{"user_attributes": [{"or": ["subject=*"]}]}]),
            "access_permissions[0].user_attributes[0].or[0]",
            "match exact values",
        ),
        (
            policy([], [{"user_attributes": [{"or": ["role=admin"]}]}]),
            "access_permissions[0].user_attributes[0].or[0]",
            "is not a user attribute",
        ),
        (
            policy([], [{"asset_attributes_read": ["ok", 3]}]),
            "access_permissions[0].asset_attributes_read[1]",
            "must be a string",
        ),
        (policy([], [{"asset_atributes_read": ["x"]}]), "access_permissions[0].asset_atributes_read", "not a field"),
        (policy([], "x"), "access_permissions", "must be a list"),
    ],
)
def test_bad_policies_are_errors_naming_the_field(body, where, words) -> None:
    body.setdefault("display_name", None)
    if body["display_name"] is None and where != "display_name":
        body["display_name"] = "p"
    found = [i for i in rules.errors(rules.check_policy(body)) if i.where == where]
    assert found and words in found[0].message, rules.check_policy(body)


def test_a_good_policy_has_no_errors_and_the_sdks_example_is_accepted() -> None:
    sdk_example = policy(
        [["attributes.arc_display_type=Valve", "attributes.arc_display_type=Pump"]],
        [
            {
                "subjects": ["subjects/1"],
                "behaviours": ["RecordEvidence"],
                "include_attributes": ["arc_display_name"],
                "user_attributes": [{"or": ["group:maintainers", "group:supervisors"]}],
            }
        ],
    )
    assert rules.check_policy(sdk_example) == []
    assert rules.check_policy({"display_name": "only a name"}) == []


def test_warnings_need_the_tenants_assets_and_registrations() -> None:
    body = policy(
        [["attributes.location=Cambridg"]],
        [{"user_attributes": [{"or": ["jwt_serial_numbr=TL1", "group:maintainers"]}]}],
    )
    warnings = rules.policy_warnings(body, assets=[LIGHT, STATION], registrations=[TL1])
    text = {w.where: w.message for w in warnings}
    assert "matches none of the 2 assets (values of location: Cambridge, Ely)" in text["filters[0].or[0]"]
    assert (
        "no app registration carries the claim 'serial_numbr'" in text["access_permissions[0].user_attributes[0].or[0]"]
    )
    assert "user group" in text["access_permissions[0].user_attributes[0].or[1]"]
    assert "names none of the tenant's app registrations" in text["access_permissions[0].user_attributes"]
    assert "shares no attribute" in text["access_permissions[0].asset_attributes_read"]
    assert all(w.severity == "warning" for w in warnings)
    good = policy(
        [["attributes.location=Cambridge"]],
        [{"user_attributes": [{"or": ["jwt_serial_number=TL1"]}], "include_attributes": ["serial_number"]}],
    )
    assert rules.policy_warnings(good, assets=[LIGHT, STATION], registrations=[TL1]) == []
    wrong_value = policy(
        [["attributes.location=Cambridge"]],
        [{"user_attributes": [{"or": ["jwt_serial_number=TL9"]}], "include_attributes": ["x"]}],
    )
    messages = [w.message for w in rules.policy_warnings(wrong_value, registrations=[TL1])]
    assert "no app registration has serial_number='TL9' (values: TL1)" in messages


def test_the_nearest_miss_prefers_the_same_claim_with_the_closest_value() -> None:
    app = Application(
        identity="applications/" + "1" * 8 + "-1111-4111-8111-" + "1" * 12,
        display_name="TL101",
        client_id="1" * 8 + "-1111-4111-8111-" + "1" * 12,
        custom_claims={"serial_number": "TL1000000101"},
    )

    def wire(name, entry) -> Policy:
        return Policy.from_wire(
            {
                "identity": "access_policies/" + "2" * 8 + "-2222-4222-8222-" + "2" * 12,
                "display_name": name,
                "filters": [{"or": ["attributes.location=Ely"]}],
                "access_permissions": [{"user_attributes": [{"or": [entry]}]}],
            }
        )

    policies = [
        wire("Other", "subject=x"),
        wire("Lights", "jwt_serial_number=TL2000000101"),
        wire("Colour", "jwt_colour=red"),
    ]
    explained = explain(app, policies, [Asset(identity="assets/1", attributes=dict(STATION))])
    assert explained.status == "none" and explained.nearest.policy.display_name == "Lights"
    assert explained.summary().endswith("nearest: 'Lights' names `jwt_serial_number=TL2000000101`")
    assert filter_expression(policies[0]) == "`location=Ely`"
    owner = explain(
        Application(identity=app.identity, client_id=app.client_id, display_name="O", extra={"roles": ["OWNER"]}),
        policies,
        [Asset(identity="assets/1")],
    )
    assert owner.status == "owner" and "an Owner registration" in owner.summary()
