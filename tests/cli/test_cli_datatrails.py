"""The CLI against both sandbox flavours: the Owner role (`apps create --owner`,
`apps update --owner/--no-owner`, `--json` roles), a roles-only service's principals, and the
DATATRAILS_* variables, in process against a real sandbox over HTTP."""

from __future__ import annotations

import io
import json
import re
import sys

import pytest

from rkvst_tui import cli


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith(("RKVST_", "DATATRAILS_")) or name == "BEARER_TOKEN_FILE":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RKVST_TUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("RKVST_TUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RKVST_TUI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    return tmp_path


@pytest.fixture
def datatrails(isolated, make_sandbox, monkeypatch):
    """A DataTrails-flavoured sandbox, configured by the DataTrails docs' variables."""
    server = make_sandbox(flavour="datatrails")
    monkeypatch.setenv("DATATRAILS_URL", server.base_url)
    monkeypatch.setenv("DATATRAILS_CLIENT_ID", server.admin_client_id)
    monkeypatch.setenv("DATATRAILS_CLIENT_SECRET", server.admin_secret)
    return server


@pytest.fixture
def rkvst(isolated, sandbox, monkeypatch):
    monkeypatch.setenv("RKVST_URL", sandbox.base_url)
    monkeypatch.setenv("RKVST_CLIENT_ID", sandbox.admin_client_id)
    monkeypatch.setenv("RKVST_CLIENT_SECRET_FILE", str(sandbox.credentials_file))
    return sandbox


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_create_an_owner_and_manage_registrations_with_its_credentials(datatrails, capsys, monkeypatch) -> None:
    code, out, err = run(capsys, "apps", "create", "--name", "ci-owner", "--owner", "--json")
    assert code == 0, err
    owner = json.loads(out)["application"]
    assert owner["roles"] == ["OWNER"]
    # the new Owner's own credentials (the SDK's variable names) manage registrations
    monkeypatch.delenv("DATATRAILS_CLIENT_ID")
    monkeypatch.delenv("DATATRAILS_CLIENT_SECRET")
    monkeypatch.setenv("DATATRAILS_APPREG_CLIENT", owner["client_id"])
    monkeypatch.setenv("DATATRAILS_APPREG_SECRET", owner["credentials"][0]["secret"])
    code, out, err = run(capsys, "apps", "create", "--name", "by-the-owner", "--json")
    assert code == 0, err
    made = json.loads(out)["application"]
    assert made["roles"] == []
    code, out, err = run(capsys, "apps", "list")
    assert code == 0, err
    header = out.splitlines()[0]
    assert "OWNER" in header and "ROOT" not in header  # no root principals on this service
    owner_row = next(line for line in out.splitlines() if line.startswith("ci-owner"))
    assert owner_row.rstrip().endswith("yes")


def test_create_says_whether_the_new_registration_is_an_owner(datatrails, capsys) -> None:
    code, out, err = run(capsys, "apps", "create", "--name", "plain-owner", "--owner")
    assert code == 0, err
    assert re.search(r"^Owner\s+yes: it administers the tenancy$", out, re.M), out
    code, out, err = run(capsys, "apps", "create", "--name", "plain-reader")
    assert code == 0, err
    assert re.search(r"^Owner\s+no$", out, re.M), out


def test_create_on_rkvst_has_no_owner_line(rkvst, capsys) -> None:
    code, out, err = run(capsys, "apps", "create", "--name", "no-roles-here")
    assert code == 0, err
    assert "CLIENT_ID" in out and "Owner" not in out


def test_update_gives_and_takes_the_owner_role(datatrails, capsys) -> None:
    code, out, err = run(capsys, "apps", "create", "--name", "later", "--json")
    client_id = json.loads(out)["application"]["client_id"]
    code, out, err = run(capsys, "apps", "update", client_id, "--owner", "--json")
    assert code == 0, err
    assert json.loads(out)["roles"] == ["OWNER"]
    code, out, err = run(capsys, "apps", "show", client_id)
    assert "Owner" in out and "yes" in out.split("Owner", 1)[1].splitlines()[0]
    code, out, err = run(capsys, "apps", "update", client_id, "--no-owner", "--json")
    assert code == 0, err
    assert json.loads(out)["roles"] == []


def test_principals_on_a_roles_only_service_explain_the_owner_role(datatrails, capsys) -> None:
    code, out, err = run(capsys, "principals", "list")
    assert code != 0
    assert "access is managed by roles" in err and "--owner" in err
    assert "Traceback" not in err


def test_the_owner_role_on_rkvst_is_a_clear_error(rkvst, capsys) -> None:
    code, out, err = run(capsys, "apps", "create", "--name", "x", "--owner")
    assert code != 0 and "has no roles" in err and "principals add" in err
    code, out, err = run(capsys, "apps", "update", rkvst.admin_client_id, "--no-owner")
    assert code == 2 and "has no roles" in err
    code, out, err = run(capsys, "apps", "list")
    assert "OWNER" not in out.splitlines()[0] and "ROOT" in out.splitlines()[0]
    code, out, err = run(capsys, "apps", "list", "--json")
    assert all("roles" not in app for app in json.loads(out)["applications"])


def test_help_names_the_owner_options(isolated, capsys) -> None:
    for argv, words in ((("apps", "create", "--help"), "--owner"), (("apps", "update", "--help"), "--no-owner")):
        code, out, _ = run(capsys, *argv)
        assert code == 0 and words in out


# -- the console's embedded sandbox: --sandbox-flavour and RKVST_TUI_SANDBOX_FLAVOUR --------------


@pytest.mark.parametrize(("argv", "variable"), [(["--sandbox-flavour", "datatrails"], None), ([], "datatrails")])
def test_the_console_runs_its_sandbox_as_datatrails_when_asked(isolated, monkeypatch, argv, variable) -> None:
    import asyncio

    from rkvst_tui.cli import console as cli_console
    from rkvst_tui.cli import output
    from rkvst_tui.cli import parser as cli_parser

    if variable:
        monkeypatch.setenv("RKVST_TUI_SANDBOX_FLAVOUR", variable)
    args = cli_parser.build_parser().parse_args(argv)
    connect, servers = cli_console.console_connect(args, output.Io(sys.stdout, sys.stderr, sys.stdin, False))

    async def use():
        async with await connect() as client:
            me = await client.whoami()
            return me, client.service.name

    try:
        me, name = asyncio.run(use())
    finally:
        for server in servers:
            server.stop()
    assert servers[0].flavour == "datatrails"
    assert me.roles_only and me.is_owner is True and name == "DataTrails"


def test_a_bad_sandbox_flavour_is_a_clear_error(isolated, monkeypatch, capsys) -> None:
    from rkvst_tui.cli import console as cli_console
    from rkvst_tui.cli.dispatch import console_launch
    from rkvst_tui.cli.exits import UsageError

    monkeypatch.setenv("RKVST_TUI_SANDBOX_FLAVOUR", "jitsuin")
    with pytest.raises(UsageError) as refused:
        cli_console.sandbox_flavour(console_launch())
    assert "RKVST_TUI_SANDBOX_FLAVOUR='jitsuin' is not a sandbox flavour" in refused.value.message
    code, out, err = run(capsys, "--sandbox-flavour", "jitsuin")
    assert code == 2 and "invalid choice: 'jitsuin'" in err


def test_asking_for_a_flavour_the_running_sandbox_lacks_is_said(isolated) -> None:
    """A sandbox already serving the data keeps its flavour: the console says so, not silently."""
    import asyncio

    from rkvst_tui.api import state_dirs
    from rkvst_tui.cli import console as cli_console
    from rkvst_tui.cli import output
    from rkvst_tui.cli import parser as cli_parser
    from rkvst_tui.sandbox.embedded import SandboxProcess

    first = SandboxProcess(state_dirs.sandbox_data_dir(), flavour="rkvst").start()
    try:
        args = cli_parser.build_parser().parse_args(["--sandbox-flavour", "datatrails"])
        connect, servers = cli_console.console_connect(args, output.Io(sys.stdout, sys.stderr, sys.stdin, False))

        async def use():
            async with await connect() as client:
                return client.connection.warnings, client.service.name, await client.whoami()

        try:
            warnings, name, me = asyncio.run(use())
        finally:
            for server in servers:
                server.stop()
        assert servers[0].shared and servers[0].serving_flavour == "rkvst"
        assert name == "RKVST" and not me.roles_only  # the running sandbox's flavour, as said:
        assert len(warnings) == 1 and "runs the rkvst flavour, not datatrails" in warnings[0]
        assert "stop it" in warnings[0]

        # Asking for the flavour it runs, or for none, gets no warning.
        for argv in (["--sandbox-flavour", "rkvst"], []):
            args = cli_parser.build_parser().parse_args(argv)
            connect, servers = cli_console.console_connect(args, output.Io(sys.stdout, sys.stderr, sys.stdin, False))
            try:
                assert asyncio.run(use())[0] == ()
            finally:
                for server in servers:
                    server.stop()
    finally:
        first.stop()
