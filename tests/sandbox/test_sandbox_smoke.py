"""The fixtures other tests build on: a started sandbox, its admin, a token."""

from __future__ import annotations

import stat

import httpx


def test_fixture_sandbox_answers_with_admin_credentials(sandbox, admin_token) -> None:
    assert sandbox.base_url.startswith("http://127.0.0.1:")
    listing = httpx.get(
        sandbox.base_url + "/archivist/iam/v1/applications",
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert listing.status_code == 200
    names = [app["display_name"] for app in listing.json()["applications"]]
    assert names == ["sandbox-admin"]
    assert listing.json()["applications"][0]["client_id"] == sandbox.admin_client_id

    credentials = sandbox.data_dir / "admin-credentials.env"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert credentials.read_text() == f"CLIENT_ID={sandbox.admin_client_id}\nSECRET={sandbox.admin_secret}\n"


def test_make_sandbox_passes_options(make_sandbox, mint_token) -> None:
    server = make_sandbox(max_apps=1)
    token = mint_token(server)
    headers = {"Authorization": f"Bearer {token}"}
    url = server.base_url + "/archivist/iam/v1/applications"
    assert httpx.post(url, headers=headers, json={"display_name": "one"}).status_code == 200
    refused = httpx.post(url, headers=headers, json={"display_name": "two"})
    assert refused.status_code == 402
    assert refused.json()["message"].endswith(": Payment Required")
