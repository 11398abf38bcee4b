"""One log line per request without secrets; the seed guide's curl commands work unchanged."""

from __future__ import annotations

import logging
import os
import shutil
import stat
import subprocess
import time

import pytest
from sandbox_helpers import APPS, TOKEN, session


def settle(condition, timeout: float = 2.0) -> None:
    """The line is written just after the answer is sent: give the server thread a moment."""
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_one_line_per_request_and_never_a_secret_or_token(make_sandbox, caplog) -> None:
    caplog.set_level(logging.INFO, logger="rkvst_tui.sandbox")
    server = make_sandbox()
    with session(server.base_url, None) as anonymous:
        answer = anonymous.post(
            TOKEN,
            data={
                "grant_type": "client_credentials",
                "client_id": server.admin_client_id,
                "client_secret": server.admin_secret,
            },
        )
    token = answer.json()["access_token"]
    with session(server.base_url, token) as client:
        created = client.post(APPS, json={"display_name": "logged"}).json()
        client.get(APPS, params={"display_name": "logged"})
        client.get("/nowhere")

    def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "rkvst_tui.sandbox"]

    settle(lambda: len(lines()) >= 4)
    lines = lines()
    assert len(lines) == 4
    assert lines[0].startswith(f"POST {TOKEN} 200 ")
    assert lines[1].startswith(f"POST {APPS} 200 ") and lines[1].endswith("ms")
    assert lines[2].startswith(f"GET {APPS} 200 ")
    assert lines[3].startswith("GET /nowhere 404 ")
    everything = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (server.admin_secret, token, created["credentials"][0]["secret"]):
        assert secret not in everything
    assert not [r for r in caplog.records if r.name == "uvicorn.access"]


def test_a_log_callable_receives_the_lines(make_sandbox) -> None:
    seen: list[str] = []
    server = make_sandbox(log=seen.append)
    with session(server.base_url, None) as anonymous:
        anonymous.get("/appidpv1/.well-known/jwks.json")
    settle(lambda: len(seen) >= 1)
    assert len(seen) == 1 and seen[0].startswith("GET /appidpv1/.well-known/jwks.json 200 ")


GUIDE_SCRIPT = r"""
set -eu
RESPONSE=$(curl -s "$BASE/archivist/iam/v1/appidp/token" \
    --data-urlencode "grant_type=client_credentials" \
    --data-urlencode "client_id=${CLIENT_ID}" \
    --data-urlencode "client_secret=${SECRET}")
TOKEN=$(echo -n $RESPONSE | jq -r .access_token)
umask 077
echo "Authorization: Bearer $TOKEN" > "$BEARER_TOKEN_FILE"
cat > app.json <<'JSON'
{
    "display_name": "TrafficLight101",
    "custom_claims": {
      "serial_number": "TL1000000101",
      "has_cyclist_light": "true"
    }
}
JSON
curl -s -X POST \
     -H "@$BEARER_TOKEN_FILE" \
     -H "Content-Type: application/json" \
     -d "@app.json" \
     "$BASE/archivist/iam/v1/applications" > created.json
curl -s -v -X GET \
     -H "@$BEARER_TOKEN_FILE" \
     "$BASE/archivist/v2/assets" > assets.json 2> assets.log
"""


@pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("jq") and shutil.which("bash")),
    reason="the guide's commands need bash, curl and jq",
)
def test_the_seed_guides_curl_commands_work_unchanged(sandbox, tmp_path) -> None:
    import json

    env = {
        **os.environ,
        "BASE": sandbox.base_url,
        "CLIENT_ID": sandbox.admin_client_id,
        "SECRET": sandbox.admin_secret,
        "BEARER_TOKEN_FILE": str(tmp_path / "bearer_token"),
    }
    result = subprocess.run(
        ["bash", "-c", GUIDE_SCRIPT], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE((tmp_path / "bearer_token").stat().st_mode) == 0o600
    created = json.loads((tmp_path / "created.json").read_text())
    assert created["display_name"] == "TrafficLight101"
    assert created["custom_claims"] == {"serial_number": "TL1000000101", "has_cyclist_light": "true"}
    assert len(created["credentials"][0]["secret"]) == 64
    assets = json.loads((tmp_path / "assets.json").read_text())
    assert "Traffic light 101" in [a["attributes"]["arc_display_name"] for a in assets["assets"]]
    assert "HTTP/1.1 200 OK" in (tmp_path / "assets.log").read_text()
