"""ROOT PRINCIPALS when another admin writes the list at the same moment (real sandbox)."""

from __future__ import annotations

from principals_race import OtherAdminWritesAfterUs
from tui_helpers import cell_text, client_for, running_console, wait_until

from rkvst_tui.api.models import Principal
from rkvst_tui.tui.screens.confirm import ConfirmScreen

WES = {"issuer": "https://idp.example", "subject": "wes", "display_name": "Wes", "email": ""}


def subjects(app) -> list[str]:
    table = app.principals_view.table
    return [cell_text(table.get_cell(row, "subject")) for row in table.rows]


async def test_a_removal_undone_meanwhile_is_a_warning_and_the_list_is_what_the_server_has(sandbox, mint_token):
    async with client_for(sandbox) as admin:
        await admin.add_root_principal(Principal("https://idp.example", "zed", "Zed"))
    transport = OtherAdminWritesAfterUs(mint_token(sandbox), lambda theirs: [*theirs, WES])
    async with running_console(sandbox, client=client_for(sandbox, transport=transport)) as (app, pilot):
        await pilot.press("2", "down", "d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("y")
        await wait_until(pilot, lambda: "wes" in subjects(app), what="the list read again")
        assert subjects(app) == [sandbox.admin_client_id, "zed", "wes"]  # zed is back: the server says so
        warnings = [n for n in app._notifications if n.severity == "warning"]
        assert len(warnings) == 1 and warnings[0].title == "ROOT PRINCIPALS changed meanwhile"
        assert "zed (https://idp.example), which you removed is back: remove it again." in warnings[0].message
        assert "Now also in the list: wes (https://idp.example)." in warnings[0].message
        assert not any("no longer a root principal" in n.message for n in app._notifications)  # it is not


async def test_a_change_alone_gets_no_warning(sandbox):
    async with client_for(sandbox) as admin:
        await admin.add_root_principal(Principal("https://idp.example", "zed", "Zed"))
    async with running_console(sandbox) as (app, pilot):
        await pilot.press("2", "down", "d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("y")
        await wait_until(pilot, lambda: subjects(app) == [sandbox.admin_client_id], what="the row to go")
        assert not [n for n in app._notifications if n.severity == "warning"]
        assert any("Zed is no longer a root principal." in n.message for n in app._notifications)
