"""`apps rotate --save-keyring` end to end: the command line in process against a real sandbox,
each new secret stored in the keyring through keyring's public API (a backend of the test's own,
set with keyring.set_keyring: CI has no desktop keyring), where a profile's `secret_keyring = true`
reads it; without the keyring package, a clear error and nothing rotated."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator

import pytest
from test_cli_hygiene import create, run, secret_of, token_status

from rkvst_tui.api.config import KEYRING_SERVICE, keyring_available
from rkvst_tui.api.rotation import keyring_progress_dir

needs_keyring = pytest.mark.skipif(not keyring_available(), reason="the optional keyring package is not installed")


@pytest.fixture
def memory_keyring() -> Iterator[dict[tuple[str, str], str]]:
    """An in-memory keyring backend, registered through keyring's public API; its values."""
    import keyring
    from keyring.backend import KeyringBackend

    values: dict[tuple[str, str], str] = {}

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            return values.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            values[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            values.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        yield values
    finally:
        keyring.set_keyring(previous)


@needs_keyring
def test_save_keyring_stores_each_new_secret_where_a_profile_reads_it(
    cli_env, capsys, memory_keyring, monkeypatch
) -> None:
    sandbox = cli_env
    one, two = create(capsys, "Valve1"), create(capsys, "Valve2")
    code, out, err = run(capsys, "apps", "rotate", one["client_id"], "Valve2", "--save-keyring", "--yes")
    assert code == 0, err
    for app in (one, two):
        secret = memory_keyring[(KEYRING_SERVICE, app["client_id"])]
        assert token_status(sandbox, app["client_id"], secret) == 200
        assert token_status(sandbox, app["client_id"], secret_of(app)) == 401  # the old one is dead
        assert secret not in out + err
        assert (
            f"rotated '{app['display_name']}' ({app['client_id']}): new credentials in the keyring "
            f"(service rkvst-tui, user {app['client_id']})" in out
        )
    assert "2 rotated; the new secrets are in the keyring" in out
    # The progress (in the state directory) holds no secret; a second run has nothing left to do.
    progress = keyring_progress_dir(sandbox.base_url, False) / "rotation-progress.json"
    assert not any(secret in progress.read_text() for secret in memory_keyring.values())
    code, out, err = run(capsys, "apps", "rotate", one["client_id"], two["client_id"], "--save-keyring", "--yes")
    assert code == 0 and "nothing left to rotate" in out, err
    # A profile with secret_keyring = true signs in with the secret the rotation stored.
    write_profile(sandbox, one["client_id"], monkeypatch)
    code, out, err = run(capsys, "token", "--json")
    assert code == 0, err
    assert json.loads(out)["access_token"]


def write_profile(sandbox, client_id: str, monkeypatch) -> None:
    """config.toml with one profile reading its secret from the keyring (and no variable overriding it)."""
    import os
    from pathlib import Path

    for name in ("RKVST_URL", "RKVST_CLIENT_ID", "RKVST_CLIENT_SECRET_FILE"):
        monkeypatch.delenv(name, raising=False)
    path = Path(os.environ["RKVST_TUI_CONFIG_DIR"]) / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'default_profile = "k"\n[profiles.k]\nbase_url = "{sandbox.base_url}"\nclient_id = "{client_id}"\n'
        "secret_keyring = true\n"
    )
    path.chmod(0o600)


@needs_keyring
def test_a_run_killed_after_the_keyring_write_is_found_saved_and_one_killed_before_is_redone(
    cli_env, capsys, memory_keyring
) -> None:
    """What a run that died leaves: registrations marked started. The next run asks the token
    endpoint whether the keyring's secret works: saved if it does, regenerated again if not."""
    import asyncio

    from hygiene_helpers import admin_client

    from rkvst_tui.api.rotation import Rotation

    sandbox = cli_env
    saved, lost = create(capsys, "Saved1"), create(capsys, "Lost1")

    async def die_mid_run() -> None:
        async with admin_client(sandbox) as client:
            rotation = Rotation(client, keyring=True)
            plan = rotation.plan([])
            for app, keep in ((saved, True), (lost, False)):
                application = next(a for a in await client.list_applications() if a.client_id == app["client_id"])
                rotation._mark(application, "started")
                fresh = await client.regenerate_secret(app["client_id"])
                if keep:  # written to the keyring, then the process died before marking it saved
                    memory_keyring[(KEYRING_SERVICE, app["client_id"])] = fresh.secret
            del plan

    asyncio.run(die_mid_run())
    code, out, err = run(capsys, "apps", "rotate", saved["client_id"], lost["client_id"], "--save-keyring", "--yes")
    assert code == 0, err
    assert f"'{saved['display_name']}' ({saved['client_id']})" in err and "rotated already" in err
    assert f"rotated '{lost['display_name']}'" in out and f"rotated '{saved['display_name']}'" not in out
    for app in (saved, lost):
        assert token_status(sandbox, app["client_id"], memory_keyring[(KEYRING_SERVICE, app["client_id"])]) == 200


def test_save_keyring_without_the_package_names_it_and_rotates_nothing(cli_env, capsys, monkeypatch) -> None:
    sandbox = cli_env
    app = create(capsys, "Valve3")
    monkeypatch.setitem(sys.modules, "keyring", None)  # as on a machine without it: import fails
    code, out, err = run(capsys, "apps", "rotate", app["client_id"], "--save-keyring", "--yes")
    assert code != 0 and out == ""
    assert "--save-keyring needs the keyring package, which is not installed" in err
    assert "pip install 'rkvst-tui[keyring]'" in err and "--save-dir" in err
    assert "Traceback" not in err
    assert token_status(sandbox, app["client_id"], secret_of(app)) == 200  # nothing was rotated


def test_save_dir_and_save_keyring_together_is_a_usage_error(cli_env, capsys, tmp_path) -> None:
    code, _, err = run(capsys, "apps", "rotate", "x", "--save-dir", str(tmp_path), "--save-keyring")
    assert code == 2 and "--save-dir DIR or --save-keyring, not both" in err
