"""Helpers for the sandbox's own tests (imported by tests/sandbox/conftest.py and the tests)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

APPS = "/archivist/iam/v1/applications"
TOKEN = "/archivist/iam/v1/appidp/token"
ROOTS = "/archivist/v1/tenancies/root_principals"
ASSETS = "/archivist/v2/assets"
SPEC_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "spec"


def token_for(base_url: str, client_id: str, secret: str) -> str:
    answer = httpx.post(
        base_url + TOKEN,
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def session(base_url: str, token: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=10)


def load_definitions(name: str) -> dict:
    """The `definitions` of a swagger file; skips the test when the spec folder is absent."""
    path = SPEC_DIR / name
    if not path.exists():
        pytest.skip(f"the OpenAPI specs are not present at {SPEC_DIR.resolve()}")
    return json.loads(path.read_text(encoding="utf-8"))["definitions"]
