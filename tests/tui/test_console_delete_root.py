"""Deleting a registration that is a root principal: the dialog says its ROOT PRINCIPALS
entry stays, and offers to remove it too (real sandbox)."""

from __future__ import annotations

from textual.widgets import Button
from tui_helpers import client_for, running_console, wait_until

from rkvst_tui.tui.screens.confirm import ConfirmScreen

ENTRY_STAYS = "It is a root principal: deleting it leaves its entry in ROOT PRINCIPALS."


def _root_subjects(server) -> set[str]:
    return {p.subject for p in server.store.get_root_principals()}


async def _ask_delete(app, pilot, client_id: str) -> ConfirmScreen:
    assert app.apps_view.select(client_id)
    await pilot.press("d")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the delete dialog")
    await pilot.pause()
    return app.screen


def body(dialog: ConfirmScreen) -> str:
    return str(dialog.query_one("#confirm-body").render())


async def _root_registration(sandbox, name: str):
    async with client_for(sandbox) as admin:
        device = await admin.create_application(name, {})
        await admin.add_root_principal(admin.app_principal(device))
    return device


async def test_r_deletes_the_registration_and_its_root_entry(sandbox):
    device = await _root_registration(sandbox, "Gateway")
    async with running_console(sandbox) as (app, pilot):
        dialog = await _ask_delete(app, pilot, device.client_id)
        assert ENTRY_STAYS in body(dialog) and "r deletes it and removes the entry too" in body(dialog)
        labels = [str(b.label) for b in dialog.query(Button)]
        assert labels == ["Cancel (n)", "Delete (y)", "Delete and remove root (r)"]
        await pilot.press("r")
        await wait_until(pilot, lambda: device.client_id not in _root_subjects(sandbox), what="the entry to go")
        await wait_until(
            pilot, lambda: not app.session.is_root_registration(device.client_id), what="the console's list"
        )
        assert sandbox.store.list_applications(display_name="Gateway") == []
        assert device.client_id not in app.apps_view.applications
        assert any("Gateway is no longer a root principal." in n.message for n in app._notifications)


async def test_y_deletes_the_registration_and_keeps_the_entry(sandbox):
    device = await _root_registration(sandbox, "Gateway")
    async with running_console(sandbox) as (app, pilot):
        await _ask_delete(app, pilot, device.client_id)
        await pilot.press("y")
        await wait_until(pilot, lambda: device.client_id not in app.apps_view.applications, what="the delete")
        await pilot.pause()
        assert sandbox.store.list_applications(display_name="Gateway") == []
        assert device.client_id in _root_subjects(sandbox)  # as the dialog said


async def test_a_registration_that_is_not_root_gets_no_such_offer(sandbox):
    async with client_for(sandbox) as admin:
        device = await admin.create_application("Plain", {})
    async with running_console(sandbox) as (app, pilot):
        dialog = await _ask_delete(app, pilot, device.client_id)
        assert [str(b.label) for b in dialog.query(Button)] == ["Cancel (n)", "Delete (y)"]
        assert "ROOT PRINCIPALS" not in body(dialog)
        await pilot.press("r")  # not an answer here
        await pilot.pause()
        assert app.screen is dialog
        await pilot.press("n")
        await pilot.pause()
        assert sandbox.store.list_applications(display_name="Plain") != []
