"""Error rows of contract §6 that other files do not cover, and answers checked against the
service's own OpenAPI schemas (../shared/spec)."""

from __future__ import annotations

import copy
import re
import time

import httpx
import jsonschema
import pytest
from sandbox_helpers import APPS, ASSETS, ROOTS, TOKEN, load_definitions, session, token_for

KNOWN_PATHS_AND_WRONG_METHODS = [
    (TOKEN, "GET"),
    (TOKEN, "PUT"),
    (APPS, "PUT"),
    (APPS, "DELETE"),
    (APPS + "/{uuid}", "POST"),
    (APPS + "/{uuid}", "PUT"),
    (APPS + "/{uuid}:regenerate-secret", "GET"),
    (APPS + "/{uuid}:regenerate-secret", "DELETE"),
    (ROOTS, "POST"),
    (ROOTS, "DELETE"),
    (ASSETS, "POST"),
    ("/appidpv1/.well-known/jwks.json", "POST"),
]


@pytest.mark.parametrize(("path", "method"), KNOWN_PATHS_AND_WRONG_METHODS)
def test_a_wrong_method_on_a_known_path_is_501(shared_api, shared_sandbox, path, method) -> None:
    answer = shared_api.request(method, path.format(uuid=shared_sandbox.admin_client_id))
    assert answer.status_code == 501
    assert answer.json() == {"code": 12, "message": "Method Not Allowed", "details": []}


@pytest.mark.parametrize(
    "path", ["/", "/archivist", "/archivist/v1/assets", "/archivist/iam/v1/applications/a/b", "/appidpv1/.well-known/x"]
)
def test_an_unknown_route_is_404_not_found(shared_api, path) -> None:
    answer = shared_api.get(path)
    assert answer.status_code == 404
    assert answer.json() == {"code": 5, "message": "Not Found", "details": []}


def test_the_rate_limit_answers_429_with_a_reset_header(make_sandbox, mint_token) -> None:
    server = make_sandbox(rate_limit=5)
    token = mint_token(server)
    time.sleep(1.0 - time.monotonic() % 1.0 + 0.01)  # start at the beginning of a one-second window
    with session(server.base_url, token) as client:
        statuses = [client.get(ASSETS) for _ in range(8)]
    limited = [a for a in statuses if a.status_code == 429]
    assert [a.status_code for a in statuses[:4]] == [200] * 4
    assert limited, [a.status_code for a in statuses]
    assert limited[0].json()["code"] == 8
    reset = int(limited[0].headers["Archivist-Rate-Limit-Reset"])
    assert reset == 1  # one-second windows
    time.sleep(reset)
    with session(server.base_url, token) as client:
        assert client.get(ASSETS).status_code == 200


# -- schemas ----------------------------------------------------------------------------


# jsonschema checks "date-time" only with an extra package; the contract wants whole seconds and Z anyway.
FORMATS = jsonschema.FormatChecker(formats=())
FORMATS.checks("date-time")(
    lambda value: not isinstance(value, str) or re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value) is not None
)


def validator(spec_file: str, definition: str, patch=None) -> jsonschema.Validator:
    definitions = copy.deepcopy(load_definitions(spec_file))
    if patch:
        patch(definitions)
    schema = {"$ref": f"#/definitions/{definition}", "definitions": definitions}
    return jsonschema.Draft4Validator(schema, format_checker=FORMATS)


def strict(definitions: dict, *names: str) -> None:
    """Forbid properties the swagger does not list, so a misspelt field fails validation."""
    for name in names:
        definitions[name]["additionalProperties"] = False


def assert_valid(validator: jsonschema.Validator, body) -> None:
    errors = sorted(validator.iter_errors(body), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def app_schema(name: str) -> jsonschema.Validator:
    def tighten(definitions):
        strict(definitions, "v1Application", "v1Credential", "v1ListAppRegistrationsResponse")
        for field in ("identity", "display_name", "client_id", "tenant_id", "credentials", "custom_claims"):
            definitions["v1Application"].setdefault("required", []).append(field)

    return validator("appregistrationsv1.rkvst-2022-11.swagger.json", name, tighten)


def test_application_answers_match_the_app_registrations_schema(api, create_app) -> None:
    created = create_app("schema", {"serial_number": "TL1"})
    application = app_schema("v1Application")
    assert_valid(application, created)
    assert_valid(application, api.get(f"{APPS}/{created['client_id']}").json())
    assert_valid(application, api.patch(f"{APPS}/{created['client_id']}", json={"display_name": "s2"}).json())
    assert_valid(application, api.post(f"{APPS}/{created['client_id']}:regenerate-secret").json())
    assert_valid(app_schema("v1ListAppRegistrationsResponse"), api.get(APPS, params={"page_size": 1}).json())


def test_a_wrong_answer_fails_the_schema_check() -> None:
    """Guard: the validator would notice a broken answer."""
    broken = {
        "identity": "applications/x",
        "display_name": 5,
        "client_id": "x",
        "tenant_id": "t",
        "credentials": [{"secret": "", "valid_from": "yesterday"}],
        "custom_claims": {"a": 1},
    }
    errors = list(app_schema("v1Application").iter_errors(broken))
    assert len(errors) >= 3


def test_root_principal_answers_match_the_tenancies_schema(sandbox, api) -> None:
    def tighten(definitions):
        strict(definitions, "v1GetTenantRootPrincipalsResponse", "v2Principal")

    check = validator("tenanciesv1.rkvst-2022-11.swagger.json", "v1GetTenantRootPrincipalsResponse", tighten)
    assert_valid(check, api.get(ROOTS).json())
    assert_valid(check, api.patch(ROOTS, json=api.get(ROOTS).json()).json())


def test_asset_answers_match_the_assets_schema(api, non_root) -> None:
    def tighten(definitions):
        strict(definitions, "v2ListAssetsResponse", "v2AssetResponse")
        # The swagger describes attribute values by their protobuf oneof (str_val, dict_val,
        # list_val); on the wire, and in the swagger's own example, a string attribute is a
        # plain JSON string. Accept what the example shows.
        definitions["v2Attribute"] = {"anyOf": [{"type": "string"}, {"type": "object"}, {"type": "array"}]}
        # Draft 4 ignores "$ref" siblings; the enums are what matter.

    check = validator("assetsv2.rkvst-2022-11.swagger.json", "v2ListAssetsResponse", tighten)
    listing = api.get(ASSETS).json()
    assert listing["assets"]
    assert_valid(check, listing)
    for asset in listing["assets"]:
        assert asset["identity"].startswith("assets/")
        assert asset["attributes"]["arc_display_name"]
        assert asset["tenant_identity"].startswith("tenant/")
    _, client = non_root
    assert_valid(check, client.get(ASSETS).json())


def test_error_answers_match_the_rpc_status_schema(sandbox, api) -> None:
    check = validator(
        "appregistrationsv1.rkvst-2022-11.swagger.json",
        "rpcStatus",
        lambda d: d["rpcStatus"].update(required=["code", "message", "details"]),
    )
    answers = [
        api.get("/nowhere"),
        api.put(APPS),
        api.get(f"{APPS}/00000000-0000-4000-8000-000000000000"),
        api.post(APPS, json={"display_name": ""}),
        httpx.get(sandbox.base_url + APPS),
        httpx.post(sandbox.base_url + TOKEN, data={"grant_type": "client_credentials"}),
    ]
    assert [a.status_code for a in answers] == [404, 501, 404, 400, 401, 401]
    for answer in answers:
        assert_valid(check, answer.json())


def test_a_token_answer_is_json_with_three_fields(sandbox) -> None:
    token = token_for(sandbox.base_url, sandbox.admin_client_id, sandbox.admin_secret)
    assert token.count(".") == 2
