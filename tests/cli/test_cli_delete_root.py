"""`apps delete` of a registration that is a root principal: its ROOT PRINCIPALS entry is
named, and removed with --remove-root or a yes on the terminal (real sandbox)."""

from __future__ import annotations

import json
import shlex
import sys

from test_cli import FakeTerminal, _create, env, isolated, run  # noqa: F401 - fixtures and helpers


def _root_subjects(server) -> set[str]:
    return {p.subject for p in server.store.get_root_principals()}


def _root_app(capsys, name: str) -> dict:
    app = _create(capsys, name)
    code, _, err = run(capsys, "principals", "add", "--app", app["client_id"])
    assert code == 0, err
    return app


def test_remove_root_deletes_both(env, capsys):
    app = _root_app(capsys, "gateway")
    code, out, err = run(capsys, "apps", "delete", app["client_id"], "--yes", "--remove-root", "--json")
    assert code == 0, err
    assert json.loads(out) == {"deleted": app["client_id"], "display_name": "gateway", "root_principal": "removed"}
    assert env.store.list_applications(display_name="gateway") == []
    assert app["client_id"] not in _root_subjects(env)


def test_without_it_the_entry_stays_and_the_command_to_remove_it_is_given(env, capsys):
    app = _root_app(capsys, "gateway")
    code, out, err = run(capsys, "apps", "delete", app["client_id"], "--yes")
    assert code == 0, err
    assert f"deleted app registration 'gateway' (client id {app['client_id']})" in out
    assert app["client_id"] in _root_subjects(env)  # left behind, and said so
    command = err.split("remove it with `", 1)[1].split("`", 1)[0]
    assert command.startswith("rkvst-tui principals remove --issuer ")
    code, _, err = run(capsys, *shlex.split(command)[1:])  # the command given works as given
    assert code == 0, err
    assert app["client_id"] not in _root_subjects(env)


def test_json_says_the_entry_was_kept(env, capsys):
    app = _root_app(capsys, "kept")
    code, out, _ = run(capsys, "apps", "delete", app["client_id"], "--yes", "--json")
    assert code == 0 and json.loads(out)["root_principal"] == "kept"


def test_on_a_terminal_it_asks_about_the_entry_too(env, capsys, monkeypatch):
    keep, drop = _root_app(capsys, "keep-entry"), _root_app(capsys, "drop-entry")
    monkeypatch.setattr(sys, "stdin", FakeTerminal("y\nn\n"))
    code, _, err = run(capsys, "apps", "delete", keep["client_id"])
    assert code == 0, err
    assert "It is a root principal: its entry in ROOT PRINCIPALS stays unless removed." in err
    assert "Remove its entry from ROOT PRINCIPALS too? [y/N]" in err
    assert keep["client_id"] in _root_subjects(env)

    monkeypatch.setattr(sys, "stdin", FakeTerminal("y\ny\n"))
    code, out, err = run(capsys, "apps", "delete", drop["client_id"])
    assert code == 0, err
    assert f"removed {drop['client_id']}" in out
    assert drop["client_id"] not in _root_subjects(env)
    assert env.store.list_applications(display_name="drop-entry") == []


def test_remove_root_on_a_terminal_asks_once_and_says_what_it_will_do(env, capsys, monkeypatch):
    app = _root_app(capsys, "one-question")
    monkeypatch.setattr(sys, "stdin", FakeTerminal("y\n"))
    code, _, err = run(capsys, "apps", "delete", app["client_id"], "--remove-root")
    assert code == 0, err
    assert "its entry in ROOT PRINCIPALS is removed too" in err and err.count("[y/N]") == 1
    assert app["client_id"] not in _root_subjects(env)


def test_a_registration_that_is_not_root_is_deleted_as_before(env, capsys):
    app = _create(capsys, "plain")
    code, out, err = run(capsys, "apps", "delete", app["client_id"], "--yes", "--remove-root", "--json")
    assert code == 0 and json.loads(out) == {"deleted": app["client_id"], "display_name": "plain"}
    assert "'plain' is not a root principal: there is no entry to remove" in err


def test_remove_root_is_in_the_help(isolated, capsys):
    code, out, _ = run(capsys, "apps", "delete", "--help")
    text = " ".join(out.split())
    assert code == 0 and "--remove-root" in text
    assert "deleting it leaves the entry, unless --remove-root is given or you say yes when asked" in text
