"""`rkvst-tui policies ...` and `rkvst-tui apps access ID`, in process against a real sandbox:
every flag, --json, the exit codes, and that what `apps access` says is what the token gets."""

from __future__ import annotations

import json

import httpx
import pytest
from test_cli import FakeTerminal, _create, env, isolated, run  # noqa: F401 - fixtures and helpers

ASSETS = "/archivist/v2/assets"
CAMBRIDGE = ["Traffic light 101", "Traffic light 102", "Cyclist light 7"]


def token_sees(sandbox, app: dict) -> list[dict]:
    token = httpx.post(
        sandbox.base_url + "/archivist/iam/v1/appidp/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["credentials"][0]["secret"],
        },
    ).json()["access_token"]
    answer = httpx.get(sandbox.base_url + ASSETS, headers={"Authorization": f"Bearer {token}"})
    return answer.json()["assets"]


def test_create_from_flags_then_the_registration_sees_exactly_that(env, capsys) -> None:
    app = _create(capsys, "TrafficLight101", "--claim", "serial_number=TL1000000101")
    code, out, err = run(
        capsys,
        "policies",
        "create",
        "--name",
        "Lights in Cambridge",
        "--description",
        "city",
        "--filter",
        "arc_display_type=Traffic Light",
        "--filter",
        "location=Cambridge|location=Ely",
        "--grant-claim",
        "serial_number=TL1000000101",
        "--read",
        "arc_display_name",
        "--read",
        "serial_number",
        "--write",
        "arc_description",
        "--behaviour",
        "RecordEvidence",
        "--json",
    )
    assert code == 0, err
    created = json.loads(out)
    policy = created["access_policy"]
    assert policy["filters"] == [
        {"or": ["attributes.arc_display_type=Traffic Light"]},
        {"or": ["attributes.location=Cambridge", "attributes.location=Ely"]},
    ]
    permission = policy["access_permissions"][0]
    assert permission["user_attributes"] == [{"or": ["jwt_serial_number=TL1000000101"]}]
    assert permission["asset_attributes_read"] == ["arc_display_name", "serial_number"]
    assert permission["asset_attributes_write"] == ["arc_description"] and permission["behaviours"] == [
        "RecordEvidence"
    ]
    assert created["warnings"] == [
        "filters[1].or[1]: attributes.location=Ely matches none of the 6 assets "
        "(values of location: Basingstoke, Cambridge, Newmarket)"
    ]

    seen = token_sees(env, app)
    assert [a["attributes"] for a in seen] == [
        {"arc_display_name": name, "serial_number": serial}
        for name, serial in zip(CAMBRIDGE, ["TL1000000101", "TL1000000102", "TL1000000107"])
    ]

    code, out, err = run(capsys, "apps", "access", "TrafficLight101")
    assert code == 0, err
    assert out.splitlines()[0] == "TrafficLight101 sees 3 assets through 'Lights in Cambridge'"
    assert "named by `jwt_serial_number=TL1000000101`; reads arc_display_name, serial_number" in out
    assert "every registration with the same claim value" in out
    assert "Traffic light 102" in out and "arc_display_name, serial_number" in out
    code, out, _ = run(capsys, "apps", "access", app["client_id"], "--json")
    explained = json.loads(out)
    assert explained["status"] == "shared"
    assert [a["identity"] for a in explained["assets"]] == [a["identity"] for a in seen]
    assert [a["attributes"] for a in explained["assets"]] == [a["attributes"] for a in seen]


def test_list_show_update_and_delete(env, capsys) -> None:
    app = _create(capsys, "Reader")
    code, out, err = run(capsys, "policies", "list")
    assert (code, out.strip()) == (0, "No access policies to display")
    code, _, err = run(
        capsys,
        "policies",
        "create",
        "--name",
        "Weather",
        "--filter",
        "arc_display_type=Weather Station",
        "--grant-app",
        "Reader",
        "--read",
        "*",
    )
    assert code == 0, err
    assert "created access policy 'Weather'" in err
    code, out, err = run(capsys, "policies", "list")
    assert code == 0 and "Weather" in out and "arc_display_type is 'Weather Station'" in out
    assert f"the registration {app['client_id']}" in out and err.strip() == "1 access policy"
    assert run(capsys, "policies", "list", "--name", "weather")[1].strip() == "No access policies to display"
    code, out, _ = run(capsys, "policies", "list", "--name", "Weather", "--json")
    assert [p["display_name"] for p in json.loads(out)["access_policies"]] == ["Weather"]
    code, out, _ = run(capsys, "policies", "show", "Weather")
    assert "Assets        1: Weather station 3" in out and "reads       *" in out
    code, out, _ = run(capsys, "policies", "show", "Weather", "--json")
    shown = json.loads(out)
    assert [a["arc_display_name"] for a in shown["assets"]] == ["Weather station 3"]
    identity = shown["access_policy"]["identity"]
    assert token_sees(env, app)[0]["attributes"]["arc_firmware_version"] == "1.4.2"

    code, out, err = run(
        capsys,
        "policies",
        "update",
        identity,
        "--filter",
        "location=Newmarket",
        "--description",
        "all of Newmarket",
        "--json",
    )
    assert code == 0, err
    updated = json.loads(out)["access_policy"]
    assert updated["filters"] == [{"or": ["attributes.location=Newmarket"]}]
    assert updated["access_permissions"] == shown["access_policy"]["access_permissions"]  # kept
    assert [a["attributes"]["arc_display_name"] for a in token_sees(env, app)] == [
        "Weather station 3",
        "Traffic light 201",
    ]

    code, _, err = run(capsys, "policies", "delete", "Weather")
    assert code == 2 and "without confirmation" in err and "--yes" in err
    code, out, err = run(capsys, "policies", "delete", identity.removeprefix("access_policies/"), "--yes", "--json")
    assert code == 0 and json.loads(out) == {"deleted": identity, "display_name": "Weather"}
    assert token_sees(env, app) == []
    code, _, err = run(capsys, "policies", "show", identity)
    assert code == 1 and "not found" in err


def test_delete_on_a_terminal_asks_and_no_keeps_it(env, capsys, monkeypatch) -> None:
    run(capsys, "policies", "create", "--name", "Keep", "--filter", "location=Ely", "--grant-subject", "x")
    monkeypatch.setattr("sys.stdin", FakeTerminal("n\n"))
    code, _, err = run(capsys, "policies", "delete", "Keep")
    assert code == 1 and "Delete access policy 'Keep'" in err and "not deleted" in err
    assert "Keep" in run(capsys, "policies", "list")[1]


def test_create_from_a_file_like_the_api_body_and_its_warnings(env, capsys, tmp_path) -> None:
    _create(capsys, "TrafficLight201", "--claim", "serial_number=TL2000000201")
    body = {
        "display_name": "From a file",
        "filters": [{"or": ["attributes.location=Cambrige"]}],
        "access_permissions": [
            {
                "user_attributes": [{"or": ["jwt_serial_number=TL2000000299"]}],
                "include_attributes": ["arc_display_name"],
            }
        ],
    }
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(body))
    code, out, err = run(capsys, "policies", "create", "--from-file", str(path))
    assert code == 0, err
    assert "warning: filters[0].or[0]: attributes.location=Cambrige matches none of the 6 assets" in err
    assert "no app registration has serial_number='TL2000000299' (values: TL2000000201)" in err
    code, out, _ = run(capsys, "apps", "access", "TrafficLight201")
    assert out.splitlines()[0].endswith("nearest: 'From a file' names `jwt_serial_number=TL2000000299`")
    # `show --json` output is accepted back (identity and tenant are left out), with flags on top.
    code, shown, _ = run(capsys, "policies", "show", "From a file", "--json")
    path.write_text(json.dumps(json.loads(shown)["access_policy"]))
    code, out, err = run(capsys, "policies", "create", "--from-file", str(path), "--name", "Copy", "--json")
    assert code == 0, err
    copied = json.loads(out)["access_policy"]
    assert copied["display_name"] == "Copy" and copied["filters"] == body["filters"]


@pytest.mark.parametrize(
    ("argv", "code", "words"),
    [
        (["policies", "create"], 2, "nothing to create from"),
        (["policies", "create", "--name", "x", "--filter", "location"], 2, "filters[0].or[0]"),
        (["policies", "create", "--filter", "location=Ely"], 2, "display_name: is missing"),
        (["policies", "create", "--name", "x", "--grant-claim", "serial"], 2, "is not NAME=VALUE"),
        (["policies", "create", "--name", "x", "--from-file", "/nonexistent/p.json"], 2, "cannot read"),
        (["policies", "create", "--name", "x", "--grant-app", "nobody"], 1, "no app registration has the client id"),
        (["policies", "update", "nobody", "--name", "y"], 1, "no access policy has the id or display name 'nobody'"),
        (["policies", "show", "access_policies/not-a-uuid"], 1, "no access policy"),
        (["apps", "access", "nobody"], 1, "no app registration"),
    ],
)
def test_bad_input_says_what_is_wrong_with_the_usual_exit_codes(env, capsys, argv, code, words) -> None:
    got, out, err = run(capsys, *argv)
    assert got == code and words in err, err
    assert "Traceback" not in err


def test_a_bad_json_file_and_a_non_root_caller(env, capsys, tmp_path, monkeypatch) -> None:
    path = tmp_path / "p.json"
    path.write_text("[1, 2]")
    code, _, err = run(capsys, "policies", "create", "--from-file", str(path))
    assert code == 2 and "holds a JSON list, not an object" in err
    path.write_text("{oops")
    code, _, err = run(capsys, "policies", "create", "--from-file", str(path))
    assert code == 2 and "is not valid JSON" in err
    app = _create(capsys, "NotRoot")
    secret = tmp_path / "secret"
    secret.write_text(app["credentials"][0]["secret"])
    secret.chmod(0o600)
    monkeypatch.setenv("RKVST_CLIENT_ID", app["client_id"])
    monkeypatch.setenv("RKVST_CLIENT_SECRET_FILE", str(secret))
    code, _, err = run(capsys, "policies", "list")
    assert code == 3, err


def test_apps_access_for_a_root_registration(env, capsys) -> None:
    code, out, err = run(capsys, "apps", "access", "sandbox-admin")
    assert code == 0, err
    assert (
        out.splitlines()[0]
        == "sandbox-admin is a root principal: it sees every asset (6 assets), whole; policies do not restrict it"
    )
