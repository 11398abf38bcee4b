"""The official SDK's access_policies and asset-filter calls against the sandbox, unchanged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sandbox_helpers import ASSETS, session, token_for

archivist_module = pytest.importorskip("archivist.archivist", reason="datatrails-archivist is not installed")
errors = pytest.importorskip("archivist.errors")
Archivist = archivist_module.Archivist

REPO = Path(__file__).resolve().parents[2]
FILTERS = [
    {"or": ["attributes.arc_display_type=Traffic Light"]},
    {"or": ["attributes.location=Cambridge", "attributes.location=Newmarket"]},
]


def test_sdk_read_by_signature_finds_the_one_asset_with_those_attributes(sandbox) -> None:
    arch = Archivist(sandbox.base_url, (sandbox.admin_client_id, sandbox.admin_secret))
    asset = arch.assets.read_by_signature(attrs={"serial_number": "TL1000000101"})
    assert asset["attributes"]["arc_display_name"] == "Traffic light 101"
    assert arch.assets.count(attrs={"arc_display_type": "Traffic Light"}) == 4
    assert [a["attributes"]["arc_display_name"] for a in arch.assets.list(attrs={"location": "Newmarket"})] == [
        "Weather station 3",
        "Traffic light 201",
    ]
    with pytest.raises(errors.ArchivistNotFoundError):
        arch.assets.read_by_signature(attrs={"serial_number": "no such"})
    with pytest.raises(errors.ArchivistDuplicateError):
        arch.assets.read_by_signature(attrs={"location": "Cambridge"})


def test_sdk_manages_access_policies_and_the_shared_registration_sees_what_they_grant(sandbox) -> None:
    arch = Archivist(sandbox.base_url, (sandbox.admin_client_id, sandbox.admin_secret))
    created_app = arch.applications.create("TrafficLight101", {"serial_number": "TL1000000101"})
    policy = arch.access_policies.create(
        {"display_name": "Lights", "description": "traffic lights of two towns"},
        FILTERS,
        [
            {
                "user_attributes": [{"or": ["jwt_serial_number=TL1000000101"]}],
                "include_attributes": ["arc_display_name", "arc_display_type"],
                "subjects": [],
                "behaviours": ["RecordEvidence"],
            }
        ],
    )
    assert policy.name == "Lights" and policy["identity"].startswith("access_policies/")
    assert arch.access_policies.read(policy["identity"]) == policy
    # The SDK's own example permission names a user group: accepted, names no registration.
    arch.access_policies.create(
        {"display_name": "Maintainers"},
        FILTERS,
        [{"user_attributes": [{"or": ["group:maintainers", "group:supervisors"]}]}],
    )
    assert arch.access_policies.count() == 2
    assert arch.access_policies.count(display_name="Lights") == 1
    assert [p.name for p in arch.access_policies.list(page_size=1)] == ["Lights", "Maintainers"]
    matched = [
        a["attributes"]["arc_display_name"] for a in arch.access_policies.list_matching_assets(policy["identity"])
    ]
    assert matched == ["Traffic light 101", "Traffic light 102", "Cyclist light 7", "Traffic light 201"]
    asset = arch.assets.read_by_signature(attrs={"serial_number": "TL2000000201"})
    assert [p.name for p in arch.access_policies.list_matching_access_policies(asset["identity"])] == [
        "Lights",
        "Maintainers",
    ]

    reader = Archivist(sandbox.base_url, (created_app["client_id"], created_app["credentials"][0]["secret"]))
    seen = list(reader.assets.list())
    assert [a["attributes"] for a in seen] == [
        {"arc_display_name": n, "arc_display_type": "Traffic Light"} for n in matched
    ]
    with pytest.raises(errors.ArchivistForbiddenError):
        reader.access_policies.read(policy["identity"])

    updated = arch.access_policies.update(policy["identity"], filters=[{"or": ["attributes.location=Newmarket"]}])
    assert updated["filters"] == [{"or": ["attributes.location=Newmarket"]}] and updated["description"]
    assert [a["attributes"]["arc_display_name"] for a in reader.assets.list()] == [
        "Weather station 3",
        "Traffic light 201",
    ]
    arch.access_policies.delete(policy["identity"])
    with pytest.raises(errors.ArchivistNotFoundError):
        arch.access_policies.read(policy["identity"])
    assert list(reader.assets.list()) == []
    with pytest.raises(errors.ArchivistBadRequestError):
        arch.access_policies.create({"display_name": "bad"}, [{"or": ["location=Cambridge"]}], [])


def test_seed_assets_adds_assets_of_every_type_and_location(tmp_path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rkvst_tui.sandbox.runner",
            "--port",
            "0",
            "--data-dir",
            str(tmp_path / "d"),
            "--seed-assets",
            "60",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Press Ctrl+C"):
                break
        assert "seeded 60 assets" in lines, lines
        base = next(line.split("listening on ", 1)[1].split()[0] for line in lines if "listening on " in line)
        credentials = dict(line.split("=", 1) for line in lines if line.startswith(("CLIENT_ID=", "SECRET=")))
        with session(base, token_for(base, credentials["CLIENT_ID"], credentials["SECRET"])) as client:
            total = client.get(ASSETS, params={"page_size": 1}, headers={"X-Request-Total-Count": "true"})
            assert total.headers["X-Total-Count"] == "66"  # the six demo assets and sixty more
            ely = client.get(ASSETS, params={"attributes.location": "Ely", "page_size": 1000}).json()["assets"]
            assert len(ely) == 15
            seeded = [a["attributes"] for a in ely]
            assert {a["arc_display_type"] for a in seeded} == {"Traffic Light", "Weather Station", "Door Access Reader"}
            assert len({a["serial_number"] for a in seeded}) == 15
    finally:
        process.terminate()
        process.communicate(timeout=15)
