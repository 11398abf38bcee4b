"""The CLI's output stays terminal-safe against a hostile server (issue 13): `--json` escapes
C1 and format characters as well as C0, and `token` prints only a JWS compact token."""

from __future__ import annotations

import io
import json
import sys

import httpx
import pytest

from rkvst_tui import cli
from rkvst_tui.api.client import RkvstClient
from rkvst_tui.cli import connection as cli_connection
from tests.env_helpers import clear_service_environment

HOSTILE_NAME = "Prod\x1b]0;PWNED\x07\x9b2J\u202eevil\u200b\u2028x\x7f"


@pytest.fixture
def env(tmp_path, sandbox, monkeypatch):
    clear_service_environment(monkeypatch)
    monkeypatch.setenv("RKVST_TUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("RKVST_TUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    monkeypatch.setenv("RKVST_URL", sandbox.base_url)
    monkeypatch.setenv("RKVST_CLIENT_ID", sandbox.admin_client_id)
    monkeypatch.setenv("RKVST_CLIENT_SECRET_FILE", str(sandbox.credentials_file))
    return sandbox


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_output_escapes_every_unsafe_character_of_a_hostile_name(env, capsys):
    # What a hostile service answers: the store written directly (the API refuses no name).
    record, _ = env.store.create_application(HOSTILE_NAME, {"serial\u202e": "v\x9b\x1b[2J"})
    for argv in (("apps", "show", record.client_id, "--json"), ("apps", "list", "--json")):
        code, out, err = run(capsys, *argv)
        assert code == 0, err
        assert out.isascii(), f"{argv}: raw non-ASCII in --json output"
        assert "\x1b" not in out and "\x7f" not in out
        assert "\\u009b" in out and "\\u202e" in out and "\\u2028" in out and "\\u001b" in out
        shown = json.loads(out)
        apps = shown["applications"] if "applications" in shown else [shown]
        mine = next(app for app in apps if app["client_id"] == record.client_id)
        assert mine["display_name"] == HOSTILE_NAME  # escaped, not changed: a script reads the real value
        assert mine["custom_claims"] == {"serial\u202e": "v\x9b\x1b[2J"}


def test_token_prints_a_real_sandbox_token(env, capsys):
    code, out, err = run(capsys, "token")
    assert code == 0, err
    assert cli_is_jws(out.strip())


def cli_is_jws(text: str) -> bool:
    from rkvst_tui.api.inspection import is_jws_compact

    return is_jws_compact(text)


@pytest.mark.parametrize(
    "access_token",
    [
        "\x1b]52;c;UFdORUQ=\x1b\\",  # an OSC 52 in place of a token
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0\x1b[2J.c2ln",  # JWS-like with an escape inside
        "not-a-token",
        "a.b",  # two parts
        "a.b.c.d.e",  # a JWE has five parts: not an access token the console can use
        "ey J.e.s",  # a space
    ],
)
@pytest.mark.parametrize("as_json", [False, True])
def test_token_refuses_an_answer_that_is_not_a_jws_compact_token(
    env, capsys, monkeypatch, tmp_path, access_token, as_json
):
    """A hostile token endpoint (a real one cannot be made to answer this: MockTransport)."""

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path.endswith("/appidp/token")
        return httpx.Response(200, json={"access_token": access_token, "token_type": "Bearer", "expires_in": 3600})

    async def hostile_client(args, stdin):
        return RkvstClient(
            cli_connection.with_secret(cli_connection.configured_connection(args), stdin),
            transport=httpx.MockTransport(answer),
        )

    monkeypatch.setattr(cli_connection, "client_for", hostile_client)
    saved = tmp_path / "bearer_token"
    argv = ["token", "--save", str(saved)] if as_json else ["token"]
    code, out, err = run(capsys, *argv, *(["--json"] if as_json else []))
    assert code == 1
    assert access_token not in out + err and "\x1b" not in out + err
    assert "not a JWS compact token" in err and "three base64url parts" in err
    assert "hint:" in err and "Traceback" not in err
    assert not saved.exists()  # nothing half-saved either
