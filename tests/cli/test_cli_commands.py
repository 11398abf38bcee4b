"""What a new user of the command line hit: `inspect --verify`, asking before a regenerate,
the console without a terminal, the claim-rule hint, and finding registrations by name.

Run in process against a real sandbox, except where a real process and terminal matter.
"""

from __future__ import annotations

import base64
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

import httpx
import pytest
from jwt_helpers import b64url
from test_cli import FakeTerminal, _create, env, isolated, run  # noqa: F401 - fixtures and helpers

from rkvst_tui.api.files import write_bearer_token_file

ASSETS = "/archivist/v2/assets"


def _payload(token: str) -> dict:
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _service_accepts(server, token: str) -> bool:
    answer = httpx.get(server.base_url + ASSETS, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    return answer.status_code == 200


def _unsigned(claims: dict) -> str:
    header = b64url(json.dumps({"alg": "none", "typ": "at+jwt"}).encode())
    return f"{header}.{b64url(json.dumps(claims).encode())}."


# Each: how to spoil a good token, and a word of the reason `inspect --verify` must give.
SPOILED = {
    "unsigned": (lambda s, c: _unsigned(c), "alg is 'none'"),
    "expired": (lambda s, c: s.keys.sign({**c, "iat": c["iat"] - 7200, "exp": c["iat"] - 3600}), "expired"),
    "not yet valid": (lambda s, c: s.keys.sign({**c, "nbf": c["iat"] + 3600}), "not yet valid"),
    "wrong issuer": (lambda s, c: s.keys.sign({**c, "iss": "https://evil.example/appidpv1"}), "iss is"),
    "wrong audience": (lambda s, c: s.keys.sign({**c, "aud": "https://evil.example/archivist"}), "aud is"),
    "bad signature": (lambda s, c: s.keys.sign(c)[:-8] + "AAAAAAAA", "signature INVALID"),
    "unsigned, expired, wrong issuer": (
        lambda s, c: _unsigned({**c, "exp": c["iat"] - 60, "iss": "https://evil.example/appidpv1"}),
        "alg is 'none'",
    ),
}


# -- inspect --verify ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", SPOILED, ids=list(SPOILED))
def test_verify_exits_1_for_a_token_the_service_refuses(env, capsys, mint_token, case):
    spoil, reason = SPOILED[case]
    good = mint_token(env)
    token = spoil(env, _payload(good))
    if case != "not yet valid":  # the sandbox does not check nbf; RFC 7519 §4.1.5 says a service must
        assert not _service_accepts(env, token), "the case must be one the service refuses"
    code, out, err = run(capsys, "inspect", token, "--verify")
    assert code == 1, out + err
    assert "error: the service would refuse this token:" in err and reason in err
    refusal = next(line for line in err.splitlines() if "would refuse" in line)
    assert refusal.count("alg is 'none'") <= 1  # each reason once
    code, out, err = run(capsys, "inspect", token, "--verify", "--json")
    assert code == 1 and json.loads(out)["schema"]


def test_verify_exits_0_for_a_token_the_service_accepts(env, capsys, mint_token):
    token = mint_token(env)
    assert _service_accepts(env, token)
    code, out, err = run(capsys, "inspect", token, "--verify")
    assert code == 0, err
    assert "SIGNATURE  VERIFIED" in out and "refuse" not in err


def test_verify_needs_only_the_services_url(isolated, sandbox, capsys, mint_token, monkeypatch):
    """RKVST_URL=… rkvst-tui inspect --file bearer_token --verify: the key set is public."""
    token_file = isolated / "bearer_token"
    write_bearer_token_file(token_file, mint_token(sandbox))
    monkeypatch.setenv("RKVST_URL", sandbox.base_url)
    code, out, err = run(capsys, "inspect", "--file", str(token_file), "--verify")
    assert code == 0, err
    assert "no credentials" not in err and "SIGNATURE  VERIFIED" in out


def test_verify_with_nothing_configured_uses_the_local_sandbox(isolated, make_sandbox, capsys, mint_token):
    sandbox = make_sandbox(data_dir=isolated / "data" / "sandbox")  # found where it records its address
    code, out, err = run(capsys, "inspect", mint_token(sandbox), "--verify")
    assert code == 0, err
    assert "SIGNATURE  VERIFIED" in out


def test_the_exit_codes_of_inspect_are_in_its_help(isolated, capsys):
    code, out, _ = run(capsys, "inspect", "--help")
    text = " ".join(out.split())
    assert code == 0
    assert "Exit codes: 0 the token decodes (with --verify: the service would accept it" in text
    assert "1 it does not (with --verify: it would be refused; the reasons are on stderr)" in text


# -- apps regenerate asks first ------------------------------------------------------------------


def test_regenerate_on_a_terminal_asks_first(env, capsys, monkeypatch, mint_token):
    app = _create(capsys, "rotate-me")
    old_secret = app["credentials"][0]["secret"]
    monkeypatch.setattr(sys, "stdin", FakeTerminal("n\n"))
    code, out, err = run(capsys, "apps", "regenerate", app["client_id"])
    assert code == 1 and out == ""
    assert f"Give app registration 'rotate-me' (client id {app['client_id']}) a new secret?" in err
    assert "[y/N]" in err and "not regenerated" in err
    assert mint_token(env, app["client_id"], old_secret)  # the old secret still works

    monkeypatch.setattr(sys, "stdin", FakeTerminal("y\n"))
    code, out, err = run(capsys, "apps", "regenerate", app["client_id"], "--json")
    assert code == 0, err
    new_secret = json.loads(out)["application"]["credentials"][0]["secret"]
    assert new_secret != old_secret and mint_token(env, app["client_id"], new_secret)

    monkeypatch.setattr(sys, "stdin", FakeTerminal(""))  # --yes: nothing is read, nothing asked
    code, _, err = run(capsys, "apps", "regenerate", app["client_id"], "--yes", "--json")
    assert code == 0 and "[y/N]" not in err


# -- the console needs a terminal -----------------------------------------------------------------


def _console_env(isolated) -> dict:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("RKVST", "DATATRAILS"))}
    environ.update(
        RKVST_TUI_CONFIG_DIR=str(isolated / "config"),
        RKVST_TUI_DATA_DIR=str(isolated / "data"),
        RKVST_TUI_STATE_DIR=str(isolated / "state"),
    )
    return environ


def test_the_console_into_a_pipe_says_so_and_exits_2(isolated):
    answer = subprocess.run(
        [sys.executable, "-m", "rkvst_tui"],
        capture_output=True,
        timeout=60,
        env=_console_env(isolated),
        stdin=subprocess.DEVNULL,
    )
    assert answer.returncode == 2
    assert answer.stdout == b""  # no escape codes in the pipe
    assert b"error: the console needs a terminal, and standard output is not one" in answer.stderr
    assert not (isolated / "data" / "sandbox").exists()  # and no sandbox was started for nothing


def test_the_console_in_a_terminal_still_starts(isolated):
    leader, follower = pty.openpty()
    environ = {**_console_env(isolated), "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    process = subprocess.Popen(
        [sys.executable, "-m", "rkvst_tui"],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=environ,
        start_new_session=True,
    )
    os.close(follower)
    seen = b""
    try:
        deadline = time.monotonic() + 30
        while b"APP REGISTRATIONS" not in seen and time.monotonic() < deadline and process.poll() is None:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(leader, 65536)
                except OSError:
                    break
        assert b"APP REGISTRATIONS" in seen, seen[-500:]
        assert b"needs a terminal" not in seen
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        os.close(leader)


# -- claims: the rule itself, and what was set ---------------------------------------------------------


def test_a_claim_error_hint_says_the_rule(env, capsys):
    code, _, err = run(capsys, "apps", "create", "--name", "bad", "--claim", "jit_tier=GOLD")
    assert code == 2
    hint = next(line for line in err.splitlines() if line.startswith("hint: "))
    assert "contract" not in hint and "§" not in hint
    assert "a claim name may not start with jit_ or arc_" in hint and "exp" in hint and "at most 50 claims" in hint


def test_create_echoes_the_claims_it_set(env, capsys):
    code, out, err = run(
        capsys,
        "apps",
        "create",
        "--name",
        "TrafficLight101",
        "--claim",
        "serial_number=TL1",
        "--claim",
        "has_cyclist_light=true",
    )
    assert code == 0, err
    lines = [line.split() for line in out.splitlines()]
    assert ["Custom", "claims", "has_cyclist_light", "=", "true"] in lines
    assert ["serial_number", "=", "TL1"] in lines
    code, out, _ = run(capsys, "apps", "create", "--name", "bare")
    assert ["Custom", "claims", "(none)"] in [line.split() for line in out.splitlines()]


# -- finding registrations by name -------------------------------------------------------------------


def test_show_accepts_a_unique_display_name(env, capsys):
    app = _create(capsys, "TrafficLight101", "--claim", "serial_number=TL1")
    code, out, err = run(capsys, "apps", "show", "TrafficLight101")
    assert code == 0, err
    assert re.search(rf"Client id\s+{app['client_id']}", out) and "serial_number = TL1" in out
    code, out, _ = run(capsys, "apps", "show", "TrafficLight101", "--json")
    assert json.loads(out)["client_id"] == app["client_id"]


def test_show_by_an_ambiguous_name_lists_the_ids(env, capsys):
    first, second = _create(capsys, "twin"), _create(capsys, "twin")
    code, out, err = run(capsys, "apps", "show", "twin")
    assert code == 2 and out == ""
    assert "2 app registrations are named 'twin'" in err
    assert first["client_id"] in err and second["client_id"] in err
    assert "give the client id" in err


def test_show_by_a_name_nobody_has(env, capsys):
    code, _, err = run(capsys, "apps", "show", "NobodyHere")
    assert code == 1 and "no app registration has the client id or display name 'NobodyHere'" in err
    assert "apps list --match NobodyHere" in err
    code, _, err = run(capsys, "apps", "show", "Nobody Here")  # can not be an id: a usage error
    assert code == 2 and "'Nobody Here' is not an app registration id, nor the display name of one" in err


def test_list_match_is_a_substring_in_any_case_and_name_is_exact(env, capsys):
    light = _create(capsys, "TrafficLight101")
    _create(capsys, "spotlight")
    _create(capsys, "camera")
    code, out, _ = run(capsys, "apps", "list", "--match", "LIGHT", "--json")
    assert code == 0
    assert sorted(a["display_name"] for a in json.loads(out)["applications"]) == ["TrafficLight101", "spotlight"]
    code, out, _ = run(capsys, "apps", "list", "--match", light["client_id"][:8], "--json")
    assert [a["display_name"] for a in json.loads(out)["applications"]] == ["TrafficLight101"]
    code, out, _ = run(capsys, "apps", "list", "--name", "trafficlight101", "--json")
    assert json.loads(out)["applications"] == []  # exact, as the API filters
    code, out, err = run(capsys, "apps", "list", "--match", "light")
    assert code == 0 and "2 app registrations" in err and "camera" not in out
    code, out, _ = run(capsys, "apps", "list", "--help")
    text = " ".join(out.split())
    assert "exactly this display name" in text and "contains TEXT, in any case" in text
