"""Every CLI command and exit code, run in process against a real sandbox over HTTP."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from rkvst_tui import cli
from rkvst_tui.api.files import read_bearer_token_file, read_credentials_file, write_bearer_token_file
from rkvst_tui.cli import connection as cli_connection
from rkvst_tui.cli import console as cli_console
from rkvst_tui.cli import dispatch, output
from rkvst_tui.cli import parser as cli_parser
from rkvst_tui.cli import token as cli_token
from tests.env_helpers import clear_service_environment

HEX64 = re.compile(r"[0-9a-f]{64}")


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No configuration from the machine running the tests; config and data in tmp dirs."""
    clear_service_environment(monkeypatch)
    monkeypatch.setenv("RKVST_TUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("RKVST_TUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    return tmp_path


@pytest.fixture
def env(isolated, sandbox, monkeypatch):
    """Configured through the environment, as the sandbox's root registration."""
    monkeypatch.setenv("RKVST_URL", sandbox.base_url)
    monkeypatch.setenv("RKVST_CLIENT_ID", sandbox.admin_client_id)
    monkeypatch.setenv("RKVST_CLIENT_SECRET_FILE", str(sandbox.credentials_file))
    return sandbox


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _create(capsys, name: str, *extra: str) -> dict:
    code, out, err = run(capsys, "apps", "create", "--name", name, "--json", *extra)
    assert code == 0, err
    return json.loads(out)["application"]


# -- help, version, usage -------------------------------------------------------------------


def test_a_bare_launch_reads_as_the_parser_reads_no_arguments():
    """`rkvst-tui` alone skips building the parser; it must mean what the parser says it means."""
    assert vars(dispatch.console_launch()) == vars(cli_parser.build_parser().parse_args([]))


def test_a_bare_launch_does_not_import_argparse_or_toml():
    # What the console does before it imports Textual: read the arguments, find no configuration.
    code = (
        "import sys; from rkvst_tui import cli; "
        "from rkvst_tui.cli import connection, console; "
        "console.run_console = lambda args, io: print(connection.configured_connection(args)); cli.main([]); "
        "print(sorted({'argparse', 'tomllib'} & set(sys.modules)))"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RKVST", "DATATRAILS"))}
    env["RKVST_TUI_CONFIG_DIR"] = "/nonexistent/rkvst-tui-test"
    answer = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert answer.stdout.splitlines() == ["None", "[]"]  # no connection configured: the local sandbox


def test_help_and_version(isolated, capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "apps" in out and "principals" in out and "inspect" in out
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("rkvst-tui ")


def test_usage_errors_exit_2(isolated, capsys):
    code, _, err = run(capsys, "apps", "frobnicate")
    assert code == 2 and "invalid choice" in err
    code, _, err = run(capsys, "apps")
    assert code == 2


@pytest.mark.parametrize("command", [["-m", "rkvst_tui"], ["rkvst-tui"]], ids=["python -m", "console script"])
def test_a_subprocess_smoke_run(command, isolated):
    if command[0] == "rkvst-tui":
        script = Path(sys.executable).with_name("rkvst-tui")
        if not script.exists():
            pytest.skip("the console script is not installed in this environment")
        argv = [str(script)]
    else:
        argv = [sys.executable, *command]
    answer = subprocess.run([*argv, "apps", "list"], capture_output=True, text=True, timeout=60, env=os.environ.copy())
    assert answer.returncode == 1
    assert answer.stdout == ""
    assert answer.stderr.startswith("error: nothing is configured")
    answer = subprocess.run([*argv, "--help"], capture_output=True, text=True, timeout=60)
    assert answer.returncode == 0 and "usage: rkvst-tui" in answer.stdout


# -- no configuration -------------------------------------------------------------------------


def test_without_configuration_commands_ask_for_a_sandbox(isolated, capsys):
    code, out, err = run(capsys, "apps", "list")
    assert code == 1 and out == ""
    assert "no local sandbox" in err and "rkvst-tui sandbox" in err and "RKVST_URL" in err
    assert "Traceback" not in err


def test_without_configuration_a_running_default_sandbox_is_used_where_it_records(isolated, make_sandbox, capsys):
    server = make_sandbox(data_dir=isolated / "data" / "sandbox")  # on a free port, not 8470
    assert server.port != cli_connection.DEFAULT_SANDBOX_PORT
    code, out, err = run(capsys, "apps", "list", "--json")
    assert code == 0, err
    assert [a["display_name"] for a in json.loads(out)["applications"]] == ["sandbox-admin"]


def test_a_sandbox_with_other_data_on_the_default_port_is_not_used(isolated, make_sandbox, capsys, monkeypatch):
    default = make_sandbox(data_dir=isolated / "data" / "sandbox")  # writes the default admin credentials
    default.stop()
    requests: list[str] = []
    other = make_sandbox(log=requests.append)
    monkeypatch.setattr(cli_connection, "DEFAULT_SANDBOX_PORT", other.port)
    code, _, err = run(capsys, "apps", "list")
    assert code == 1 and "no local sandbox is running" in err
    assert requests == []  # it was not asked anything, least of all a token


def test_locate_names_every_place(isolated, capsys):
    code, out, _ = run(capsys, "locate", "--json")
    info = json.loads(out)
    assert code == 0
    assert info["config_file"] == str(isolated / "config" / "config.toml")
    assert info["sandbox_data_dir"] == str(isolated / "data" / "sandbox")
    assert info["profiles"] == [] and info["config_file_exists"] is False
    code, out, _ = run(capsys, "locate")
    assert code == 0 and str(isolated / "config" / "config.toml") in out


def test_locate_gives_the_address_the_running_sandbox_records(isolated, make_sandbox, capsys):
    assert json.loads(run(capsys, "locate", "--json")[1])["sandbox_running_hint"] == "http://127.0.0.1:8470"
    server = make_sandbox(data_dir=isolated / "data" / "sandbox")
    assert json.loads(run(capsys, "locate", "--json")[1])["sandbox_running_hint"] == server.base_url


# -- token --------------------------------------------------------------------------------


def test_token_prints_only_the_token(env, capsys):
    code, out, err = run(capsys, "token")
    assert code == 0, err
    assert out.count("\n") == 1 and out.strip().count(".") == 2


def test_token_json_and_save(env, capsys, isolated):
    code, out, _ = run(capsys, "token", "--json")
    answer = json.loads(out)
    assert code == 0 and answer["token_type"] == "Bearer" and answer["expires_in"] == 3600
    target = isolated / "secrets" / "bearer_token"
    code, out, err = run(capsys, "token", "--save", str(target))
    assert code == 0, err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    token = read_bearer_token_file(target)
    assert token not in out + err
    assert target.read_text().startswith("Authorization: Bearer ")
    code, _, err = run(capsys, "token", "--save", str(target))
    assert code == 2 and "already exists" in err
    assert read_bearer_token_file(target) == token
    code, _, _ = run(capsys, "token", "--save", str(target), "--force")
    assert code == 0 and read_bearer_token_file(target) != token


def test_wrong_secret_exits_3(env, capsys, isolated, monkeypatch):
    wrong = isolated / "wrong.secret"
    wrong.write_text("f" * 64 + "\n")
    monkeypatch.setenv("RKVST_CLIENT_SECRET_FILE", str(wrong))
    code, out, err = run(capsys, "apps", "list")
    assert code == 3 and out == ""
    assert "the client id or secret was refused" in err
    assert "f" * 64 not in err


def test_a_token_file_connection(env, capsys, isolated, mint_token, monkeypatch):
    token_file = isolated / "bearer_token"
    write_bearer_token_file(token_file, mint_token(env))
    monkeypatch.delenv("RKVST_CLIENT_ID")
    monkeypatch.delenv("RKVST_CLIENT_SECRET_FILE")
    code, out, err = run(capsys, "--token-file", str(token_file), "principals", "list", "--json")
    assert code == 0, err
    assert json.loads(out)["root_principals"][0]["subject"] == env.admin_client_id
    code, _, err = run(capsys, "token", "--token-file", str(token_file))
    assert code == 2 and "client id and secret" in err


def test_missing_secret_without_a_terminal(env, capsys, monkeypatch):
    monkeypatch.delenv("RKVST_CLIENT_SECRET_FILE")
    code, _, err = run(capsys, "apps", "list")
    assert code == 2 and "no secret is configured" in err


def test_plain_http_to_another_machine_needs_insecure(isolated, capsys, monkeypatch):
    monkeypatch.setenv("RKVST_URL", "http://rkvst.example.com")
    monkeypatch.setenv("RKVST_CLIENT_ID", "x")
    monkeypatch.setenv("RKVST_CLIENT_SECRET", "y" * 64)
    code, _, err = run(capsys, "apps", "list")
    assert code == 2 and "unencrypted" in err and "--insecure" in err
    assert "y" * 64 not in err


def _this_machines_address() -> str | None:
    """An address of this machine that is not loopback (traffic to it stays on the machine)."""
    import socket

    # Connecting a UDP socket sends nothing: it only asks the kernel which address it would use.
    for target in ("192.0.2.1", "10.255.255.255", "198.51.100.1"):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.connect((target, 9))
                host = probe.getsockname()[0]
            except OSError:
                continue
        if not host.startswith("127.") and host != "0.0.0.0":
            return host
    return None


def test_insecure_allows_plain_http_to_an_address_that_is_not_loopback(isolated, make_sandbox, capsys, monkeypatch):
    host = _this_machines_address()
    if host is None:
        pytest.skip("this machine has no address but loopback")
    served = make_sandbox(host=host)
    monkeypatch.setenv("RKVST_URL", served.base_url)
    monkeypatch.setenv("RKVST_CLIENT_ID", served.admin_client_id)
    monkeypatch.setenv("RKVST_CLIENT_SECRET", served.admin_secret)
    code, out, err = run(capsys, "apps", "list")
    assert code == 2 and "unencrypted" in err and "--insecure" in err and out == ""
    code, out, err = run(capsys, "apps", "list", "--insecure")
    assert code == 0, err
    assert "sandbox-admin" in out

    # The same from a profile's allow_insecure.
    for name in ("RKVST_URL", "RKVST_CLIENT_ID", "RKVST_CLIENT_SECRET"):
        monkeypatch.delenv(name)
    config = isolated / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    profile = f'[profiles.lab]\nbase_url = "{served.base_url}"\nclient_id = "{served.admin_client_id}"\n'
    profile += f'secret_file = "{served.credentials_file}"\n'
    config.write_text(profile)
    code, out, err = run(capsys, "--profile", "lab", "apps", "list")
    assert code == 2 and "--insecure" in err
    config.write_text(profile + "allow_insecure = true\n")
    code, out, err = run(capsys, "--profile", "lab", "apps", "list")
    assert code == 0 and "sandbox-admin" in out, err


# -- apps -----------------------------------------------------------------------------------


def test_apps_create_prints_the_secret_once(env, capsys):
    code, out, err = run(capsys, "apps", "create", "--name", "TrafficLight101", "--claim", "serial_number=TL1")
    assert code == 0, err
    assert "CLIENT_ID" in out and HEX64.search(out)
    assert "can not be viewed again" in err
    client_id = re.search(r"CLIENT_ID\s+(\S+)", out).group(1)
    code, out, _ = run(capsys, "apps", "show", client_id)
    assert code == 0 and "TrafficLight101" in out and "serial_number = TL1" in out
    assert not HEX64.search(out)


def test_apps_create_from_the_guides_file_and_save(env, capsys, isolated):
    app_file = isolated / "app.json"
    app_file.write_text(
        json.dumps(
            {
                "display_name": "TrafficLight101",
                "custom_claims": {"serial_number": "TL1000000101", "has_cyclist_light": "true"},
            }
        )
    )
    target = isolated / "creds.json"
    code, out, err = run(
        capsys,
        "apps",
        "create",
        "--from-file",
        str(app_file),
        "--save-credentials",
        str(target),
        "--claim",
        "has_cyclist_light=false",
    )
    assert code == 0, err
    client_id, secret = read_credentials_file(target)
    assert secret not in out + err
    assert json.loads(target.read_text()).keys() == {"client_id", "secret"}
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    code, out, _ = run(capsys, "apps", "show", client_id, "--json")
    assert json.loads(out)["custom_claims"] == {"serial_number": "TL1000000101", "has_cyclist_light": "false"}


def test_apps_create_refuses_an_existing_credentials_file_before_creating(env, capsys, isolated):
    target = isolated / "creds.env"
    target.write_text("keep me")
    code, _, err = run(capsys, "apps", "create", "--name", "careful", "--save-credentials", str(target))
    assert code == 2 and "already exists" in err
    assert target.read_text() == "keep me"
    code, out, _ = run(capsys, "apps", "list", "--name", "careful", "--json")
    assert json.loads(out)["applications"] == []


def test_apps_create_checks_claims_first(env, capsys):
    code, out, err = run(capsys, "apps", "create", "--name", "bad", "--claim", "jit_tier=GOLD", "--claim", "exp=1")
    assert code == 2 and out == ""
    assert "jit_" in err and "'exp'" in err
    code, _, err = run(capsys, "apps", "create", "--name", "bad", "--claim", "novalue")
    assert code == 2 and "NAME=VALUE" in err
    code, _, err = run(capsys, "apps", "create", "--name", "warned", "--claim", "email=a@b")
    assert code == 0 and "warning:" in err
    code, _, err = run(capsys, "apps", "create", "--claim", "a=b")
    assert code == 2 and "display name" in err


def test_apps_create_from_a_broken_file(env, capsys, isolated):
    broken = isolated / "broken.json"
    broken.write_text("{not json")
    code, _, err = run(capsys, "apps", "create", "--from-file", str(broken))
    assert code == 2 and "not valid JSON (line 1" in err
    code, _, err = run(capsys, "apps", "create", "--from-file", str(isolated / "absent.json"))
    assert code == 2 and "file not found" in err


def test_apps_list_table_and_json(env, capsys):
    _create(capsys, "alpha", "--claim", "a=1")
    code, out, err = run(capsys, "apps", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["DISPLAY", "NAME", "CLIENT", "ID", "EXPIRY", "DATE", "CLAIMS", "ROOT"]
    assert any(line.startswith("sandbox-admin") and line.rstrip().endswith("yes") for line in lines)
    assert any(line.startswith("alpha ") for line in lines)
    assert "2 app registrations" in err
    code, out, _ = run(capsys, "apps", "list", "--name", "alpha", "--json")
    apps = json.loads(out)["applications"]
    assert [a["display_name"] for a in apps] == ["alpha"] and apps[0]["credentials"][0]["secret"] == ""


def test_apps_update_merges_unsets_and_replaces(env, capsys):
    app = _create(capsys, "before", "--claim", "a=1", "--claim", "b=2")
    code, out, err = run(
        capsys, "apps", "update", app["client_id"], "--name", "after", "--claim", "c=3", "--unset-claim", "a", "--json"
    )
    assert code == 0, err
    updated = json.loads(out)
    assert (updated["display_name"], updated["custom_claims"]) == ("after", {"b": "2", "c": "3"})
    code, out, _ = run(capsys, "apps", "update", app["identity"], "--replace-claims", "--claim", "d=4", "--json")
    assert json.loads(out)["custom_claims"] == {"d": "4"}
    code, _, err = run(capsys, "apps", "update", app["client_id"])
    assert code == 2 and "nothing to update" in err
    code, _, err = run(capsys, "apps", "update", app["client_id"], "--unset-claim", "zzz")
    assert code == 2 and "zzz" in err


def test_apps_delete_asks_on_a_terminal_and_refuses_without_one(env, capsys, monkeypatch):
    app = _create(capsys, "doomed")
    code, _, err = run(capsys, "apps", "delete", app["client_id"])
    assert code == 2 and "--yes" in err
    monkeypatch.setattr(sys, "stdin", FakeTerminal("n\n"))
    code, _, err = run(capsys, "apps", "delete", app["client_id"])
    assert code == 1 and "Delete app registration 'doomed'" in err and "not deleted" in err
    monkeypatch.setattr(sys, "stdin", FakeTerminal("y\n"))
    code, out, _ = run(capsys, "apps", "delete", app["client_id"])
    assert code == 0 and "deleted app registration 'doomed'" in out
    code, _, err = run(capsys, "apps", "show", app["client_id"])
    assert code == 1 and "was not found" in err


def test_apps_delete_with_yes_and_json(env, capsys):
    app = _create(capsys, "gone")
    code, out, _ = run(capsys, "apps", "delete", app["identity"], "--yes", "--json")
    assert code == 0 and json.loads(out) == {"deleted": app["client_id"], "display_name": "gone"}


def test_apps_regenerate(env, capsys, isolated):
    app = _create(capsys, "rotating")
    old = app["credentials"][0]["secret"]
    code, out, err = run(capsys, "apps", "regenerate", app["client_id"], "--json")
    assert code == 0, err
    new = json.loads(out)["application"]["credentials"][0]["secret"]
    assert HEX64.fullmatch(new) and new != old
    assert "old secret no longer works" in err
    target = isolated / "rotated.env"
    code, out, err = run(capsys, "apps", "regenerate", app["client_id"], "--save-credentials", str(target))
    assert code == 0
    client_id, newest = read_credentials_file(target)
    assert client_id == app["client_id"] and newest not in out + err
    assert target.read_text() == f"CLIENT_ID={client_id}\nSECRET={newest}\n"


def test_unknown_and_malformed_ids(env, capsys):
    code, _, err = run(capsys, "apps", "show", "00000000-0000-4000-8000-000000000000")
    assert code == 1 and "was not found" in err
    code, _, err = run(capsys, "apps", "show", "a/b")
    assert code == 2 and "not an app registration id" in err


def test_a_non_root_registration_exits_3(env, capsys, isolated, monkeypatch):
    target = isolated / "weak.env"
    app = _create(capsys, "weak", "--save-credentials", str(target))
    monkeypatch.setenv("RKVST_CLIENT_ID", app["client_id"])
    monkeypatch.setenv("RKVST_CLIENT_SECRET_FILE", str(target))
    code, _, err = run(capsys, "apps", "list")
    assert code == 3
    assert "not a root principal: add it to ROOT PRINCIPALS" in err
    assert f"principals add --app {app['client_id']}" in err


def test_quota_exits_1_with_the_reason(isolated, make_sandbox, capsys, monkeypatch):
    server = make_sandbox(max_apps=0)
    monkeypatch.setenv("RKVST_URL", server.base_url)
    monkeypatch.setenv("RKVST_CLIENT_ID", server.admin_client_id)
    monkeypatch.setenv("RKVST_CLIENT_SECRET", server.admin_secret)
    code, out, err = run(capsys, "apps", "create", "--name", "one-too-many")
    assert code == 1 and out == "" and "quota reached" in err
    assert server.admin_secret not in err


# -- principals -------------------------------------------------------------------------------


def test_principals_add_app_list_and_remove(env, capsys):
    app = _create(capsys, "promoted")
    code, out, err = run(capsys, "principals", "add", "--app", app["client_id"])
    assert code == 0, err
    assert "is now a root principal" in err
    assert "app registration 'promoted'" in out
    code, out, _ = run(capsys, "principals", "list")
    assert code == 0
    me = next(line for line in out.splitlines() if env.admin_client_id in line)
    assert "you" in me
    code, out, _ = run(capsys, "principals", "remove", "--app", app["client_id"], "--json")
    assert code == 0
    assert app["client_id"] not in [p["subject"] for p in json.loads(out)["root_principals"]]


def test_principals_add_by_issuer_and_subject(env, capsys):
    code, out, err = run(
        capsys,
        "principals",
        "add",
        "--issuer",
        "job.idp.server/1234",
        "--subject",
        "bob",
        "--display-name",
        "Bob Smith",
        "--email",
        "bob@job",
        "--json",
    )
    assert code == 0, err
    assert {
        "issuer": "job.idp.server/1234",
        "subject": "bob",
        "display_name": "Bob Smith",
        "email": "bob@job",
    } in json.loads(out)["root_principals"]
    code, _, err = run(capsys, "principals", "add", "--issuer", "x")
    assert code == 2 and "--subject" in err


def test_principals_remove_self_is_refused(env, capsys):
    code, _, err = run(
        capsys, "principals", "remove", "--issuer", f"{env.base_url}/appidpv1", "--subject", env.admin_client_id
    )
    assert code == 1 and "refusing to remove the signed-in registration" in err
    code, _, err = run(capsys, "principals", "remove", "--issuer", "nobody", "--subject", "nobody")
    assert code == 1 and "no root principal" in err


# -- inspect -----------------------------------------------------------------------------------


def test_inspect_a_token_offline_and_verified(env, capsys, mint_token, isolated, monkeypatch):
    token = mint_token(env)
    code, out, err = run(capsys, "inspect", token)
    assert code == 0, err
    assert "PAYLOAD" in out and env.admin_client_id in out and "NOT CHECKED" in out
    assert token not in out
    token_file = isolated / "bearer_token"
    write_bearer_token_file(token_file, token)
    code, out, _ = run(capsys, "inspect", "--file", str(token_file), "--verify", "--json")
    report = json.loads(out)
    assert code == 0 and report["signature"]["state"] == "VERIFIED"
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"Authorization: Bearer {token[:-6]}AAAAAA\n"))
    code, out, _ = run(capsys, "inspect", "-", "--verify", "--json")
    assert code == 1 and json.loads(out)["signature"]["state"] == "INVALID"


def test_inspect_checks_the_signature_with_a_key_file(env, capsys, mint_token, isolated, rsa_key):
    """--key PATH: the service's own key as a JWK or as PEM verifies its token; another key does not."""
    import httpx
    from cryptography.hazmat.primitives import serialization
    from jwt.algorithms import RSAAlgorithm

    from rkvst_tui.api.client import JWKS_PATH

    token = mint_token(env)
    jwk = httpx.get(env.base_url + JWKS_PATH).json()["keys"][0]
    jwk_file, pem_file, other_file, bad_file = (isolated / name for name in ("k.jwk", "k.pem", "o.pem", "bad"))
    jwk_file.write_text(json.dumps(jwk))
    service_key = RSAAlgorithm.from_jwk(json.dumps(jwk))
    pem = service_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    pem_file.write_bytes(pem)
    other = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    other_file.write_bytes(other)
    bad_file.write_text("not a key\n")
    for key_file in (jwk_file, pem_file):
        code, out, err = run(capsys, "inspect", token, "--key", str(key_file), "--json")
        assert code == 0, err
        assert json.loads(out)["signature"]["state"] == "VERIFIED"
    code, out, err = run(capsys, "inspect", token, "--key", str(other_file), "--json")
    assert code == 1 and json.loads(out)["signature"]["state"] == "INVALID"
    code, out, err = run(capsys, "inspect", token, "--key", str(bad_file))
    assert code == 2 and f"the key in {bad_file} can not be used" in err and "Traceback" not in err
    code, out, err = run(capsys, "inspect", token, "--key", str(isolated / "missing.pem"))
    assert code == 2 and "can not be read" in err


def test_inspect_without_input(isolated, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", FakeTerminal(""))
    code, _, err = run(capsys, "inspect")
    assert code == 2 and "nothing to inspect" in err
    code, out, _ = run(capsys, "inspect", "not-a-token", "--json")
    assert code == 1 and json.loads(out)["ok"] is False


# -- profiles ----------------------------------------------------------------------------------


def test_a_profile_from_config_toml(isolated, sandbox, capsys):
    config = isolated / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        'default_profile = "local"\n'
        "[profiles.local]\n"
        f'base_url = "{sandbox.base_url}/"\n'
        f'client_id = "{sandbox.admin_client_id}"\n'
        f'secret_file = "{sandbox.credentials_file}"\n'
    )
    code, out, err = run(capsys, "apps", "list", "--json")
    assert code == 0, err
    code, out, _ = run(capsys, "locate", "--json")
    assert json.loads(out)["profiles"] == ["local"]
    code, _, err = run(capsys, "--profile", "nope", "apps", "list")
    assert code == 2 and "no profile 'nope'" in err


def test_a_config_file_with_a_secret_is_refused(isolated, capsys):
    config = isolated / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[profiles.p]\nbase_url = "https://app.rkvst.io"\nsecret = "s3cr3t-value"\n')
    code, _, err = run(capsys, "apps", "list")
    assert code == 2 and "secrets are never kept in the config file" in err
    assert "s3cr3t-value" not in err


def test_no_traceback_on_an_unexpected_error(env, capsys, monkeypatch):
    async def boom(*args, **kwargs):
        raise RuntimeError("kaput")

    monkeypatch.setattr(cli_token, "cmd_token", boom)
    code, out, err = run(capsys, "token")
    assert code == 1 and "unexpected RuntimeError: kaput" in err and "Traceback" not in err


def test_the_sandbox_command_is_dispatched(isolated, capsys):
    code, out, _ = run(capsys, "sandbox", "--help")
    assert code == 0
    assert "--seed-apps" in out
    code, _, err = run(capsys, "sandbox", "--port", "notaport")
    assert code == 2 and "whole number" in err


# -- the console's connection ----------------------------------------------------------------------


def test_the_console_starts_the_sandbox_only_when_connecting(isolated, capsys):
    import asyncio

    args = cli_parser.build_parser().parse_args([])
    connect, servers = cli_console.console_connect(args, output.Io(sys.stdout, sys.stderr, sys.stdin, False))
    assert servers == []  # nothing started before the first frame

    async def use() -> tuple[bool, object]:
        client = await connect()
        async with client:
            return client.is_sandbox, await client.whoami()

    try:
        is_sandbox, me = asyncio.run(use())
    finally:
        for server in servers:
            server.stop()
    assert is_sandbox is True and me.is_root is True and me.display_name == "sandbox-admin"
    assert servers[0].data_dir == isolated / "data" / "sandbox"
    assert stat.S_IMODE((isolated / "data" / "sandbox" / "admin-credentials.env").stat().st_mode) == 0o600


def test_the_console_uses_the_configured_connection(env, capsys):
    import asyncio

    args = cli_parser.build_parser().parse_args(["--read-only"])
    connect, servers = cli_console.console_connect(args, output.Io(sys.stdout, sys.stderr, sys.stdin, False))

    async def use() -> str:
        async with await connect() as client:
            return client.base_url

    assert asyncio.run(use()) == env.base_url and servers == []


def test_the_startup_imports_stay_light():
    code = (
        "import sys, rkvst_tui.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('httpx', 'starlette', 'uvicorn', 'textual') or m.startswith('rkvst_tui.sandbox')))"
    )
    answer = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert answer.stdout.strip() == "[]"


def test_the_console_imports_only_what_its_first_frame_draws():
    """The HTTP stack comes on a thread once the frame is up; dialogs, the palette's providers,
    the other screens and TextArea when first used (tests/benchmarks/bench_first_frame.py)."""
    later = [
        "httpx",
        "httpcore",
        "jwt",
        "textual.widgets._text_area",
        "rkvst_tui.api.client",
        "rkvst_tui.tui.commands",
        "rkvst_tui.tui.screens.confirm",
        "rkvst_tui.tui.screens.app_form",
        "rkvst_tui.tui.views.inspector",
        "rkvst_tui.tui.screens.secret_reveal",
        "rkvst_tui.tui.screens.lost_create",
    ]
    code = f"import sys, rkvst_tui.tui.app; print([m for m in {later!r} if m in sys.modules])"
    answer = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert answer.returncode == 0 and answer.stdout.strip() == "[]", answer.stderr


# -- a create whose answer was lost ------------------------------------------------------------------


def test_a_lost_create_answer_points_at_the_registration_and_regenerate(env, capsys, monkeypatch):
    from rkvst_tui.api.client import RkvstClient
    from rkvst_tui.api.errors import ConnectionLost

    real_create = RkvstClient.create_application

    async def create_then_drop(self, display_name, custom_claims=None):
        await real_create(self, display_name, custom_claims)  # the server acts ...
        raise ConnectionLost("the connection dropped", request_sent=True)  # ... and the answer is lost

    monkeypatch.setattr(RkvstClient, "create_application", create_then_drop)
    code, out, err = run(capsys, "apps", "create", "--name", "lost-one")
    assert code == 1 and out == ""
    (lost,) = env.store.list_applications(display_name="lost-one")
    assert f"'lost-one' was created (client id {lost.client_id}); its secret was lost" in err
    assert f"rkvst-tui apps regenerate {lost.client_id}" in err


def test_a_create_lost_before_the_server_acted_says_it_is_safe_to_retry(env, capsys, monkeypatch):
    from rkvst_tui.api.client import RkvstClient
    from rkvst_tui.api.errors import ConnectionLost

    async def drop(self, display_name, custom_claims=None):
        raise ConnectionLost("the connection dropped", request_sent=True)

    monkeypatch.setattr(RkvstClient, "create_application", drop)
    code, _, err = run(capsys, "apps", "create", "--name", "never-made")
    assert code == 1 and "before 'never-made' was created" in err and "safe to run the create again" in err


class _GatewayAfterCreate:
    """The real transport, except that the create's answer is replaced by a gateway's 5xx page
    (after the real server acted, when `forward`): a fault a real sandbox cannot produce."""

    def __init__(self, status: int, *, forward: bool) -> None:
        import httpx

        self.status, self.forward, self.creates = status, forward, 0
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request):
        import httpx

        if request.method == "POST" and request.url.path == "/archivist/iam/v1/applications":
            self.creates += 1
            if self.forward:
                answer = await self.inner.handle_async_request(request)
                await answer.aread()
                await answer.aclose()
            return httpx.Response(
                self.status, text=f"<html><h1>{self.status}</h1>nginx</html>", headers={"content-type": "text/html"}
            )
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _through(monkeypatch, transport) -> None:
    from rkvst_tui.api.client import RkvstClient

    real_init = RkvstClient.__init__

    def init(self, connection, **kwargs):
        kwargs["transport"] = transport
        real_init(self, connection, **kwargs)

    monkeypatch.setattr(RkvstClient, "__init__", init)


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_gateway_error_after_the_create_names_what_was_made(env, capsys, monkeypatch, status):
    import httpx

    older, _ = env.store.create_application("gw-one", {})  # a namesake from before: never the one named
    transport = _GatewayAfterCreate(status, forward=True)
    _through(monkeypatch, transport)
    code, out, err = run(capsys, "apps", "create", "--name", "gw-one")
    assert code == 1 and out == "" and "Traceback" not in err
    made = [a for a in env.store.list_applications(display_name="gw-one") if a.uuid != older.uuid]
    assert len(made) == 1 and transport.creates == 1
    phrase = httpx.codes.get_reason_phrase(status)
    assert f"the server answered {status} {phrase} to the create of 'gw-one'" in err
    assert f"'gw-one' was created (client id {made[0].uuid}); its secret was lost" in err
    assert f"rkvst-tui apps regenerate {made[0].uuid}" in err and older.uuid not in err


@pytest.mark.parametrize("status", [500, 502])
def test_a_5xx_when_nothing_was_made_says_it_is_safe_to_retry(env, capsys, monkeypatch, status):
    transport = _GatewayAfterCreate(status, forward=False)
    _through(monkeypatch, transport)
    code, out, err = run(capsys, "apps", "create", "--name", "gw-never")
    assert code == 1 and out == ""
    assert env.store.list_applications(display_name="gw-never") == []
    assert "made nothing (no new registration by that name exists)" in err
    assert "safe to run the create again" in err and transport.creates == 1


def test_a_missing_secret_is_asked_for_on_a_terminal(env, capsys, monkeypatch):
    import getpass

    monkeypatch.delenv("RKVST_CLIENT_SECRET_FILE")
    monkeypatch.setattr(sys, "stdin", FakeTerminal(""))
    prompts: list[str] = []

    def fake_getpass(prompt: str) -> str:
        prompts.append(prompt)
        return env.admin_secret

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    code, out, err = run(capsys, "apps", "list", "--json")
    assert code == 0, err
    assert prompts == [f"Secret for client id {env.admin_client_id}: "]
    assert env.admin_secret not in out + err


def test_an_expired_credential_is_marked(env, capsys):
    from datetime import datetime, timezone

    app = _create(capsys, "old-timer")
    env.store.expire_secret(app["client_id"], datetime(2020, 1, 1, tzinfo=timezone.utc))
    code, out, _ = run(capsys, "apps", "list")
    line = next(line for line in out.splitlines() if line.startswith("old-timer"))
    assert "2020-01-01 (expired)" in line


def test_global_options_before_or_after_the_command(env, capsys, monkeypatch):
    monkeypatch.delenv("RKVST_URL")
    for argv in (["--json", "--url", env.base_url, "apps", "list"], ["apps", "list", "--url", env.base_url, "--json"]):
        code, out, err = run(capsys, *argv)
        assert code == 0, err
        assert json.loads(out)["applications"][0]["display_name"] == "sandbox-admin"


def test_a_long_listing_is_complete(env, capsys):
    env.store.seed_applications(1205, prefix="bulk-")
    code, out, _ = run(capsys, "apps", "list", "--json")
    names = [a["display_name"] for a in json.loads(out)["applications"]]
    assert code == 0 and len(names) == 1206 and names[-1] == "bulk-001205"


def test_tables_align_wide_characters_and_neutralise_escapes():
    rows = [("交通灯", "a"), ("plain", "b"), ("evil\x1b[2J", "c")]
    lines = output.table(("NAME", "ID"), rows).splitlines()
    last_cells = ["ID", "a", "b", "c"]
    starts = {output.display_width(line[: -len(cell)]) for line, cell in zip(lines, last_cells)}
    assert len(starts) == 1  # the ID column starts at the same terminal column on every line
    assert all(line.endswith(cell) for line, cell in zip(lines, last_cells))
    assert "\x1b" not in "".join(lines) and "\\x1b[2J" in lines[3]
