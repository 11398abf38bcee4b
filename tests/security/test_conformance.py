"""Conformance of the sandbox to the service's own OpenAPI documents, property-based (schemathesis).

For every documented operation of app registrations, of the root principals in tenancies, and
the asset list, requests generated from the swagger parameter and body schemas (valid ones and,
where the operation takes input, invalid ones) go over real HTTP to a sandbox, with the admin's
token. No answer may be a 5xx, break the schema of its status, or come back without the
contract's error body; the sandbox must still serve afterwards.

Adjustments to the documents, each the documents' own word against their schema:
- basePath `/_api` is the gateway's; the service answers the paths under its base URL (contract §1).
- `v2Attribute` is the protobuf oneof {str_val, dict_val, list_val}; the service sends the
  value itself, as the same document's example of v2ListAssetsResponse shows
  (`"arc_display_name": "My Garden Fence"`).
- The DataTrails documents (2024-) dropped the `default` error response (and `rpcStatus`) that
  the 2022 ones give every operation; the service still answers errors in that shape (contract
  §6), so the 2022 `rpcStatus` is given back to them as every operation's `default`.

Each flavour of the sandbox is held to its own era's documents: `rkvst` to the 2022-11 ones,
`datatrails` to appregistrationsv1 2024-09 (roles), tenanciesv1 2025-02 (`self` only),
capsv1 2025-04 and assetsv2 2025-04.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections import Counter

import jsonschema
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from security_helpers import NOTES, SPEC_DIR, TALLY, list_apps, mint

from rkvst_tui.sandbox.server import SandboxServer

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Not run: positive_data_acceptance. The contract (§5) refuses some schema-valid input on
# purpose (an empty display name, a claim named `jit_x`): a 400 there is the contract, not a bug.

DOCUMENTS = {
    "rkvst": {
        "appregistrationsv1.rkvst-2022-11.swagger.json": lambda method, path: True,
        "tenanciesv1.rkvst-2022-11.swagger.json": lambda method, path: path.endswith("/root_principals"),
        "assetsv2.rkvst-2022-11.swagger.json": lambda method, path: (method, path) == ("GET", "/archivist/v2/assets"),
    },
    "datatrails": {
        "appregistrationsv1.datatrails-2024-09.swagger.json": lambda method, path: True,
        "tenanciesv1.datatrails-2025-02.swagger.json": lambda method, path: path == "/archivist/v1/tenancies/self",
        "capsv1.datatrails-2025-04.swagger.json": lambda method, path: True,
        "assetsv2.datatrails-2025-04.swagger.json": lambda method, path: (
            (method, path) == ("GET", "/archivist/v2/assets")
        ),
    },
}
ERRORS_DOCUMENT = "appregistrationsv1.rkvst-2022-11.swagger.json"  # where rpcStatus is defined
# Bounded so the security suite stays well under 90 s; RKVST_CONFORMANCE_EXAMPLES=500 for a deep run.
POSITIVE_EXAMPLES = int(os.environ.get("RKVST_CONFORMANCE_EXAMPLES", "50"))
NEGATIVE_EXAMPLES = max(1, POSITIVE_EXAMPLES // 2)
HEX64 = re.compile(r"^[0-9a-f]{64}$")
GIVES_SECRET = {
    ("POST", "/archivist/iam/v1/applications"),
    ("POST", "/archivist/iam/v1/applications/{uuid}:regenerate-secret"),
}


def load_document(name: str) -> dict:
    spec = json.loads((SPEC_DIR / name).read_text(encoding="utf-8"))
    spec["basePath"] = "/"
    spec["schemes"] = ["http"]
    definitions = spec.setdefault("definitions", {})
    if "rpcStatus" not in definitions:  # a DataTrails document: give back the default error answer
        old = json.loads((SPEC_DIR / ERRORS_DOCUMENT).read_text(encoding="utf-8"))["definitions"]
        definitions["rpcStatus"], definitions["protobufAny"] = old["rpcStatus"], old["protobufAny"]
        for operations in spec["paths"].values():
            for operation in operations.values():
                if isinstance(operation, dict) and "responses" in operation:
                    operation["responses"].setdefault(
                        "default", {"description": "An error", "schema": {"$ref": "#/definitions/rpcStatus"}}
                    )
    if "v2Attribute" in spec.get("definitions", {}):
        wrapper = spec["definitions"]["v2Attribute"]
        spec["definitions"]["v2Attribute"] = {"anyOf": [{"type": "string"}, {"type": "array"}, wrapper]}
    return spec


def documented_operations() -> list:
    if not SPEC_DIR.exists():
        return []
    operations = []
    for flavour, documents in DOCUMENTS.items():
        for name, wanted in documents.items():
            schema = schemathesis.openapi.from_dict(load_document(name))
            for result in schema.get_all_operations():
                operation = result.ok()
                if wanted(operation.method.upper(), operation.path):
                    operations.append(pytest.param((flavour, name, operation), id=f"{flavour} {operation.label}"))
    return operations


OPERATIONS = documented_operations()
if not OPERATIONS:
    pytest.skip(f"the service's OpenAPI documents are not at {SPEC_DIR.resolve()}", allow_module_level=True)


@pytest.fixture(scope="module", autouse=True)
def hypothesis_left_as_found():
    """schemathesis patches Hypothesis globals the first time it generates (a silent example
    printer, a bigger buffer); put them back so the rest of the suite's Hypothesis tests report
    falsifying examples as usual."""
    from hypothesis import core as root_core
    from hypothesis.internal import entropy
    from hypothesis.internal.conjecture import engine
    from hypothesis.strategies._internal import collections, core
    from schemathesis.generation import hypothesis as schemathesis_hypothesis

    saved = [
        (root_core, "RepresentationPrinter"),
        (root_core, "BUFFER_SIZE"),
        (engine, "BUFFER_SIZE"),
        (collections, "BUFFER_SIZE"),
        (core, "is_first_param_referenced_in_function"),
        (entropy, "register_random"),
    ]
    values = [(owner, name, getattr(owner, name)) for owner, name in saved if hasattr(owner, name)]
    yield
    for owner, name, value in values:
        setattr(owner, name, value)
    schemathesis_hypothesis.setup._is_patched = False


@pytest.fixture(scope="module")
def targets(tmp_path_factory):
    """One sandbox per flavour for the whole run (started when first needed), with registrations
    for the {uuid} paths to find; the DataTrails one has a quota, so its caps say something."""
    started: dict[str, tuple] = {}

    def target(flavour: str):
        if flavour not in started:
            server = SandboxServer(
                tmp_path_factory.mktemp(f"conformance-{flavour}"),
                flavour=flavour,
                max_apps=100_000 if flavour == "datatrails" else None,
            )
            server.start()
            started[flavour] = (server, mint(server), requests.Session())
        return started[flavour]

    yield target
    for server, _, session in started.values():
        session.close()
        server.stop()


def error_body_validator(spec: dict) -> jsonschema.Draft4Validator:
    """The documents' rpcStatus, with code and message required (contract §6); built once, as
    jsonschema.validate() would check the schema itself again on every answer."""
    schema = copy.deepcopy(spec["definitions"]["rpcStatus"])
    schema["required"] = ["code", "message"]
    schema["definitions"] = {"protobufAny": spec["definitions"]["protobufAny"]}
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def check_contract(method: str, path: str, answer, errors: jsonschema.Draft4Validator) -> None:
    """What the documents leave open and the contract settles (docs/api-contract.md §2, §6)."""
    assert answer.status_code != 401, "the admin's token was refused"
    if answer.status_code >= 300:
        errors.validate(answer.json())
        return
    body = answer.json()
    applications = body.get("applications", [body] if "credentials" in body else [])
    for application in applications:
        secrets = [credential.get("secret", "") for credential in application["credentials"]]
        if (method, path) in GIVES_SECRET:
            assert all(HEX64.match(secret) for secret in secrets), "C and R give the new 64-hex secret"
            assert answer.headers.get("cache-control") == ["no-store"], "a secret must not be cached"
        else:
            assert secrets == [""] * len(secrets), f"{method} {path} gave a secret away"


@pytest.mark.parametrize("document_and_operation", OPERATIONS)
def test_generated_requests_conform_to_the_service_documents(targets, document_and_operation) -> None:
    flavour, document, operation = document_and_operation
    server, token, session = targets(flavour)
    # Fresh registrations for the {uuid} paths to find (an earlier DELETE run may have taken the last ones).
    seeded = server.store.seed_applications(4, prefix=f"conformance-{operation.method}-")
    known = [
        app.client_id
        for app in server.store.list_applications(limit=100_000)
        if app.display_name.startswith(f"conformance-{operation.method}-")
    ]
    assert len(known) >= seeded
    spec = load_document(document)
    errors = error_body_validator(spec)
    method, path = operation.method.upper(), operation.path
    statuses: Counter[int] = Counter()

    def strategy(mode: GenerationMode):
        generated = operation.as_strategy(generation_mode=mode)
        if "{uuid}" in path:  # random uuids only ever meet a 404: also aim at registrations that exist
            generated = st.one_of(
                generated,
                st.sampled_from(known).flatmap(
                    lambda uuid: operation.as_strategy(generation_mode=mode, path_parameters={"uuid": uuid})
                ),
            )
        return st.tuples(generated, st.booleans())

    def send(case, keep_admin: bool) -> None:
        body = getattr(case, "body", None)
        if (
            keep_admin
            and path.endswith("/root_principals")
            and isinstance(body, dict)
            and isinstance(body.get("root_principals"), list)
        ):
            # Most generated lists drop the caller, which is refused (400): keep it in some, so the
            # replacement itself is exercised too.
            body["root_principals"].append({"issuer": server.base_url + "/appidpv1", "subject": server.admin_client_id})
        answer = case.call(
            base_url=server.base_url, session=session, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        statuses[answer.status_code] += 1
        case.validate_response(answer, checks=CHECKS)
        check_contract(method, path, answer, errors)

    modes = [(GenerationMode.POSITIVE, POSITIVE_EXAMPLES)]
    if list(operation.body) or list(operation.query):
        modes.append((GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES))
    for mode, examples in modes:

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.filter_too_much,
                HealthCheck.data_too_large,
                HealthCheck.function_scoped_fixture,
            ],
        )
        @given(drawn=strategy(mode))
        def run(drawn) -> None:
            send(*drawn)

        run()

    sent = sum(statuses.values())
    assert sent > 0
    TALLY["conformance requests (generated)"] += sent
    TALLY["conformance operations covered"] += 1
    NOTES[f"conformance {flavour} {operation.label}"] = dict(sorted(statuses.items()))
    # No crash: the sandbox still serves, and still knows its admin.
    assert server.running
    assert list_apps(server, token).status_code == 200
    assert server.store.get_application(server.admin_client_id) is not None
