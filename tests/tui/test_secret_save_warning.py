"""The reveal's save warns when the directory chosen can be written by others (/tmp and the like)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from test_secret_reveal import SIZE, RevealHost, fake_application, screen_text
from textual.widgets import Input
from tui_helpers import wait_until

from rkvst_tui.tui.screens.secret_reveal import SecretRevealScreen


async def _save_into(directory: Path) -> tuple[RevealHost, str, list]:
    app = RevealHost(fake_application(), save_dir=directory)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await pilot.pause()
        app.screen.query_one("#save-path", Input).value = str(directory / "creds.env")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SecretRevealScreen), what="the save")
        return app, screen_text(app.screen), list(app._notifications)


@pytest.mark.parametrize("mode", [0o1777, 0o770], ids=["sticky world-writable (/tmp)", "g+w"])
async def test_saving_where_others_can_write_warns(tmp_path: Path, mode: int) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(mode)
    who = "everyone" if mode & 0o002 else "its group"
    _, text, notifications = await _save_into(shared)
    assert stat.S_IMODE((shared / "creds.env").stat().st_mode) == 0o600  # saved all the same
    said = f"{shared} can be written by {who} (mode {mode:04o})"
    assert said in text
    warnings = [n for n in notifications if n.severity == "warning"]
    assert len(warnings) == 1 and said in warnings[0].message
    assert all("0" * 64 not in n.message for n in notifications)


async def test_saving_into_a_private_directory_does_not_warn(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    _, text, notifications = await _save_into(private)
    assert "Saved CLIENT_ID and SECRET" in text and "can be written by" not in text
    assert [n.severity for n in notifications] == ["information"]
