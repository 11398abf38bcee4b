"""The console against a DataTrails-flavoured sandbox (roles, no root principals, caps) and,
for contrast, an RKVST one: header, Owner marks, "m" giving the Owner role, ROOT PRINCIPALS
explaining roles, the Owner box of the form, the quota line (real sandbox, App.run_test)."""

from __future__ import annotations

import re

from textual.widgets import Checkbox, Input, Static
from textual.widgets.data_table import ColumnKey
from tui_helpers import cell_text, client_for, running_console, screen_text, wait_until

from rkvst_tui.tui.screens.app_form import AppFormScreen
from rkvst_tui.tui.screens.confirm import ConfirmScreen
from rkvst_tui.tui.screens.secret_reveal import SecretRevealScreen
from rkvst_tui.tui.widgets.header import ConsoleHeader


async def test_datatrails_header_owner_marks_and_roles_only_principals(make_sandbox):
    server = make_sandbox(flavour="datatrails")
    async with client_for(server) as admin:
        owner = await admin.create_application("ci-owner", {}, owner=True)
        plain = await admin.create_application("plain", {})
    async with running_console(server) as (app, pilot):
        header = app.query_one(ConsoleHeader).text
        assert header.startswith("Manage DataTrails") and "  Owner" in header
        table = app.apps_view.table
        assert cell_text(table.get_cell(owner.client_id, "root")) == "Owner"
        assert cell_text(table.get_cell(plain.client_id, "root")) == ""
        await wait_until(
            pilot, lambda: table.columns[ColumnKey("root")].label.plain == "Owner", what="the Owner heading"
        )
        await pilot.press("2")
        await pilot.pause()
        empty = str(app.principals_view.query_one("#principals-empty", Static).render())
        assert "no root principals: access is managed by roles" in empty and "Owner role" in empty
        assert not app.principals_view.query_one("#principals-intro").display  # it is about root principals
        assert not any(n.severity == "error" for n in app._notifications)  # explained, not an error

        await pilot.press("1")
        assert app.apps_view.select(plain.client_id)
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "m Owner ±" in footer and "Root ±" not in footer  # the footer names what m does here
        await pilot.press("m")  # "make root" becomes "give the Owner role", and says so
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the Owner dialog")
        body = str(app.screen.query_one("#confirm-body").render())
        assert "access is managed by roles" in body and "the Owner role?" in body
        await pilot.press("y")
        await wait_until(pilot, lambda: server.store.get_application(plain.client_id).is_owner, what="the role")
        await wait_until(
            pilot, lambda: cell_text(table.get_cell(plain.client_id, "root")) == "Owner", what="the Owner mark"
        )
        assert any("plain now has the Owner role." in n.message for n in app._notifications)


async def test_the_form_offers_the_owner_role_and_warns_before_the_last_registration(make_sandbox):
    server = make_sandbox(flavour="datatrails", max_apps=2)
    async with client_for(server) as admin:
        await admin.create_application("first", {})
    async with running_console(server) as (app, pilot):
        status = app.apps_view.query_one("#apps-status", Static)
        await wait_until(pilot, lambda: "1 of 2 app registrations" in str(status.render()), what="the quota")
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, AppFormScreen), what="the form")
        form = app.screen
        note = form.query_one("#quota-note", Static)
        await wait_until(pilot, lambda: note.display, what="the quota warning")
        assert "last app registration the quota allows (1 of 2" in str(note.render())
        form.query_one("#display-name", Input).value = "second-owner"
        form.query_one("#owner-role", Checkbox).value = True
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: server.store.list_applications(display_name="second-owner"), what="the create")
        (made,) = server.store.list_applications(display_name="second-owner")
        assert made.is_owner
        # The reveal does not say its tokens see nothing: an Owner administers the tenancy.
        await wait_until(pilot, lambda: isinstance(app.screen, SecretRevealScreen), what="the reveal")
        note = str(app.screen.query_one("#reveal-root-note", Static).render())
        assert "has the Owner role" in note and "see no assets" not in note


async def test_rkvst_keeps_its_title_and_offers_no_owner_role(sandbox):
    async with running_console(sandbox) as (app, pilot):
        assert app.query_one(ConsoleHeader).text.startswith("Manage RKVST")
        assert app.apps_view.table.columns[ColumnKey("root")].label.plain == "Root"
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "m Root ±" in footer and "Owner ±" not in footer
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, AppFormScreen), what="the form")
        assert not app.screen.query("#owner-role")


async def test_a_registration_without_the_owner_role_is_told_what_datatrails_has(make_sandbox):
    server = make_sandbox(flavour="datatrails")
    async with client_for(server) as admin:
        plain = await admin.create_application("plain", {})
    client = client_for(server, plain.client_id, plain.secret)
    async with running_console(server, client=client) as (app, pilot):
        header = app.query_one(ConsoleHeader).text
        assert "not an Owner: an Owner must give it the Owner role" in header
        assert "ROOT PRINCIPALS" not in header
        await wait_until(pilot, lambda: app.apps_view.load_problem is not None, what="the refusal")
        problem = app.apps_view.load_problem
        assert "does not have the Owner role" in problem.message and "Owner" in problem.hint
        assert "ROOT PRINCIPALS" not in problem.message + problem.hint


async def test_details_on_datatrails_offer_the_owner_role_not_a_root_entry(make_sandbox):
    server = make_sandbox(flavour="datatrails")
    async with client_for(server) as admin:
        plain = await admin.create_application("plain", {})
    async with running_console(server) as (app, pilot):
        assert app.apps_view.select(plain.client_id)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.query("#details-owner-command"), what="the details")
        assert not app.screen.query("#details-root-entry")
        command = app.screen.query_one("#details-owner-command").laid_out(120)
        assert command == f"rkvst-tui apps update {plain.client_id} --owner"
        shown = screen_text(app)
        assert re.search(r"Owner role +no", shown)
        assert "Root principal" not in shown  # DataTrails has none: the Owner role is the row
        assert "DataTrails shows a secret once" in shown
        footer = screen_text(app).splitlines()[-1]
        assert "m Owner ±" in footer and "root" not in footer  # m on the details says what it does here
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the Owner dialog")
        assert "the Owner role?" in str(app.screen.query_one("#confirm-body").render())
        await pilot.press("y")
        await wait_until(pilot, lambda: server.store.get_application(plain.client_id).is_owner, what="the role")


async def test_details_of_an_owner_give_the_command_that_takes_the_role_away(make_sandbox):
    server = make_sandbox(flavour="datatrails")
    async with client_for(server) as admin:
        owner = await admin.create_application("second-owner", {}, owner=True)
    async with running_console(server) as (app, pilot):
        assert app.apps_view.select(owner.client_id)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.query("#details-owner-command"), what="the details")
        command = app.screen.query_one("#details-owner-command").laid_out(120)
        assert command == f"rkvst-tui apps update {owner.client_id} --no-owner"
        assert "OWNER ROLE (takes the role away)" in screen_text(app)
        assert re.search(r"Owner role +yes: administers the tenancy", screen_text(app))


async def test_details_on_rkvst_offer_to_make_root(sandbox):
    async with client_for(sandbox) as admin:
        plain = await admin.create_application("plain-rkvst", {})
    async with running_console(sandbox) as (app, pilot):
        assert app.apps_view.select(plain.client_id)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.query("#details-root-entry"), what="the details")
        footer = screen_text(app).splitlines()[-1]
        assert "m Root ±" in footer and "Owner" not in footer
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the root dialog")
        assert "root" in str(app.screen.query_one("#confirm-body").render())


async def create_in_form(app, pilot, name: str) -> str:
    """n, a name, ctrl+s: the reveal's note on what the new registration's tokens see."""
    await pilot.press("n")
    await wait_until(pilot, lambda: isinstance(app.screen, AppFormScreen), what="the form")
    app.screen.query_one("#display-name", Input).value = name
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: isinstance(app.screen, SecretRevealScreen), what="the reveal")
    return str(app.screen.query_one("#reveal-root-note", Static).render())


async def test_a_new_registration_is_told_how_to_see_assets_in_its_services_words(make_sandbox, sandbox):
    async with running_console(make_sandbox(flavour="datatrails")) as (app, pilot):
        note = await create_in_form(app, pilot, "plain-dt")
        assert "see no assets" in note and "m gives it the Owner role" in note and "root" not in note
        app.screen.dismiss()  # recorded or not does not matter here: the sandbox is the test's
        await pilot.press("4")
        await wait_until(pilot, lambda: app.policies_view.loaded, what="the access policies")
        empty = str(app.policies_view.query_one("#policies-empty", Static).render())
        assert "nothing is shared with registrations that are not Owner" in empty
    async with running_console(sandbox) as (app, pilot):
        note = await create_in_form(app, pilot, "plain-rkvst")
        assert "see no assets" in note and "m makes it root" in note
