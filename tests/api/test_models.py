"""The typed models read and write the wire shapes without losing anything or showing secrets."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rkvst_tui.api.errors import InvalidResponse
from rkvst_tui.api.models import Application, Asset, Credential, Principal, TokenResponse, parse_time

SPEC = Path(__file__).resolve().parents[2] / ".." / "shared" / "spec"
GUIDE_APP = {
    "identity": "applications/d1fb6c87-faa9-4d56-b2fd-a5b70a9af065",
    "display_name": "TrafficLight101",
    "client_id": "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065",
    "tenant_id": "tenant/53e6bed7-6f4c-4a37-8c4f-cf889f2b1aa6",
    "credentials": [
        {
            "secret": "a0c09972b6ac912a4d67815fef88093c81a99b49977d35ecf6d162631aa29173",
            "valid_from": "2021-09-21T16:43:19Z",
            "valid_until": "2022-09-21T16:43:19Z",
        }
    ],
    "custom_claims": {"serial_number": "TL1000000101", "has_cyclist_light": "true"},
}


def test_the_guides_application_round_trips():
    app = Application.from_wire(GUIDE_APP)
    assert app.uuid == app.client_id == "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065"
    assert app.secret == GUIDE_APP["credentials"][0]["secret"]
    assert app.valid_from == datetime(2021, 9, 21, 16, 43, 19, tzinfo=timezone.utc)
    assert app.valid_until.year == 2022
    assert app.to_wire() == GUIDE_APP


def test_unknown_fields_are_kept_and_written_back():
    wire = dict(GUIDE_APP, tier={"name": "FREE"}, credentials=[dict(GUIDE_APP["credentials"][0], kind="x")])
    app = Application.from_wire(wire)
    assert app.extra == {"tier": {"name": "FREE"}}
    assert app.credentials[0].extra == {"kind": "x"}
    assert app.to_wire() == wire


def test_no_repr_shows_a_secret():
    app = Application.from_wire(GUIDE_APP)
    secret = GUIDE_APP["credentials"][0]["secret"]
    assert secret not in repr(app) and secret not in repr(app.credentials[0])
    assert "'***'" in repr(app.credentials[0])
    token = TokenResponse.from_wire({"access_token": "eyJ.abc.def", "token_type": "Bearer", "expires_in": 3600})
    assert "eyJ.abc.def" not in repr(token)


def test_without_secret_blanks_every_credential():
    app = Application.from_wire(GUIDE_APP)
    safe = app.without_secret()
    assert safe.secret == "" and safe.valid_until == app.valid_until
    assert app.secret  # the original is untouched


def test_empty_values_as_the_server_sends_them():
    uuid = GUIDE_APP["client_id"]
    app = Application.from_wire(
        {
            "identity": f"applications/{uuid}",
            "client_id": uuid,
            "credentials": [{"secret": "", "valid_from": ""}],
            "custom_claims": None,
        }
    )
    assert (app.display_name, app.secret, app.valid_from, app.custom_claims) == ("", "", None, {})


@pytest.mark.parametrize(
    ("wire", "words"),
    [
        ("text", "not a JSON object"),
        ({}, "has no 'identity'"),
        ({"identity": 7}, "'identity' is int"),
        ({"identity": "a", "credentials": {}}, "'credentials' is dict"),
        ({"identity": "a", "custom_claims": []}, "'custom_claims' is list"),
        ({"identity": "a", "custom_claims": {"n": None}}, "custom claim 'n' is NoneType"),
        ({"identity": "a", "credentials": [{"valid_until": 5}]}, "valid_until is int"),
    ],
)
def test_wrong_shapes_name_the_field(wire, words):
    with pytest.raises(InvalidResponse) as caught:
        Application.from_wire(wire)
    assert words in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_principals_are_equal_on_issuer_and_subject():
    a = Principal("https://app.rkvst.io/appidpv1", "abc", "one", "a@b")
    b = Principal("https://app.rkvst.io/appidpv1", "abc", "two")
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != Principal("other", "abc")
    wire = {"issuer": "i", "subject": "s", "display_name": "", "email": "", "picture": "p"}
    assert Principal.from_wire(wire).to_wire() == wire


def test_asset_display_name_and_extra():
    wire = {
        "identity": "assets/1",
        "attributes": {"arc_display_name": "Traffic light"},
        "behaviours": ["RecordEvidence"],
        "confirmation_status": "CONFIRMED",
        "tenant_identity": "tenant/t",
        "at_time": "2026-01-15T12:00:00Z",
        "tracked": "TRACKED",
    }
    asset = Asset.from_wire(wire)
    assert asset.display_name == "Traffic light"
    assert asset.extra == {"tracked": "TRACKED"}
    assert asset.to_wire() == wire


def test_token_answers_in_several_spellings():
    assert TokenResponse.from_wire({"access_token": "t", "expires_in": "3600"}).expires_in == 3600
    assert TokenResponse.from_wire({"access_token": "t"}).token_type == "Bearer"
    for bad in (
        {"access_token": ""},
        {"access_token": "t", "expires_in": "soon"},
        {"access_token": "t", "expires_in": True},
        {"access_token": "t", "expires_in": float("inf")},
        {"access_token": "t", "expires_in": "NaN"},
    ):
        with pytest.raises(InvalidResponse):
            TokenResponse.from_wire(bad)


def test_times_are_utc_and_tolerant_of_offsets():
    assert parse_time("2021-09-21T18:43:19+02:00", what="t") == datetime(2021, 9, 21, 16, 43, 19, tzinfo=timezone.utc)
    assert parse_time("2021-09-21T16:43:19.123Z", what="t").microsecond == 123000
    assert parse_time("", what="t") is None
    credential = Credential("", parse_time("2021-09-21T16:43:19.5Z", what="t"), None)
    assert credential.to_wire()["valid_from"] == "2021-09-21T16:43:19Z"


def test_the_published_example_parses():
    spec = SPEC / "appregistrationsv1.rkvst-2022-11.swagger.json"
    if not spec.exists():
        pytest.skip("the shared OpenAPI specs are not present")
    example = json.loads(spec.read_text())["definitions"]["v1Application"]["example"]
    app = Application.from_wire(example)
    assert app.to_wire() == example


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
shaped = st.fixed_dictionaries(
    {},
    optional={
        "identity": json_values,
        "display_name": json_values,
        "client_id": json_values,
        "credentials": json_values,
        "custom_claims": json_values,
        "issuer": json_values,
        "subject": json_values,
        "attributes": json_values,
        "behaviours": json_values,
        "at_time": json_values,
        "access_token": json_values,
        "expires_in": json_values,
    },
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(json_values, shaped))
def test_any_json_is_a_model_or_an_invalid_response(data):
    for model in (Application, Principal, Asset, TokenResponse, Credential):
        try:
            parsed = model.from_wire(data)
        except InvalidResponse as error:
            assert str(error)
        else:
            assert isinstance(parsed.to_wire(), dict)
