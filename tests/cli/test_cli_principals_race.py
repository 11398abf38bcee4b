"""`principals add/remove` when another admin writes the list at the same moment (real sandbox)."""

from __future__ import annotations

import json

from principals_race import OtherAdminWritesAfterUs
from test_cli import _through, env, isolated, run  # noqa: F401 - fixtures and helpers of the CLI tests

ZED = {"issuer": "https://idp.example", "subject": "zed", "display_name": "Zed", "email": ""}
WES = {"issuer": "https://idp.example", "subject": "wes", "display_name": "Wes", "email": ""}


def test_a_removal_undone_by_another_admin_is_reported_and_exits_1(env, capsys, monkeypatch, mint_token):
    code, _, err = run(capsys, "principals", "add", "--issuer", ZED["issuer"], "--subject", "zed")
    assert code == 0 and "warning" not in err  # alone: nothing to report
    # The other admin read the list (with zed) before our write and adds wes to what they read.
    _through(monkeypatch, OtherAdminWritesAfterUs(mint_token(env), lambda theirs: [*theirs, WES]))
    code, out, err = run(capsys, "principals", "remove", "--issuer", ZED["issuer"], "--subject", "zed", "--json")
    assert code == 1, err
    assert "warning: Someone else changed the root principals at the same time." in err
    assert "zed (https://idp.example), which you removed is back: remove it again." in err
    assert "Now also in the list: wes (https://idp.example)." in err
    shown = [p["subject"] for p in json.loads(out)["root_principals"]]
    assert shown == [env.admin_client_id, "zed", "wes"]  # the list as it is now, not as we wrote it
    assert [p.subject for p in env.store.get_root_principals()] == shown


def test_an_add_that_survives_a_concurrent_removal_warns_and_exits_0(env, capsys, monkeypatch, mint_token):
    run(capsys, "principals", "add", "--issuer", ZED["issuer"], "--subject", "zed")
    # The other admin reads the list just after our write (wes in it) and removes zed.
    _through(
        monkeypatch,
        OtherAdminWritesAfterUs(
            mint_token(env), lambda theirs: [p for p in theirs if p["subject"] != "zed"], reads_first=False
        ),
    )
    code, out, err = run(capsys, "principals", "add", "--issuer", WES["issuer"], "--subject", "wes")
    assert code == 0, err
    assert "wes (https://idp.example) is now a root principal" in err
    assert "warning: Someone else changed the root principals at the same time." in err
    assert "No longer in the list: zed (https://idp.example)." in err and "add it again" not in err
    assert "zed" not in out


def test_the_re_read_is_in_the_help(isolated, capsys):
    for action in ("add", "remove"):
        code, out, _ = run(capsys, "principals", action, "--help")
        text = " ".join(out.split())
        assert code == 0 and "reads it again after writing" in text and "exit code is 1 when it undid this one" in text
