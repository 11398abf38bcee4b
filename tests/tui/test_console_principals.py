"""ROOT PRINCIPALS and read-only mode against a real sandbox."""

from __future__ import annotations

from textual.widgets import Input
from tui_helpers import cell_text, client_for, notifications, running_console, screen_text, wait_until

from rkvst_tui.api.models import Principal
from rkvst_tui.tui.commands import COMMANDS
from rkvst_tui.tui.screens.confirm import ConfirmScreen
from rkvst_tui.tui.screens.principal_form import AddPrincipalScreen


def principal_rows(app) -> list[dict[str, str]]:
    table = app.principals_view.table
    return [{key.value: cell_text(table.get_cell(row, key.value)) for key in table.columns} for row in table.rows]


async def test_principals_tab_marks_you_and_names_app_registrations(sandbox):
    async with client_for(sandbox) as admin:
        device = await admin.create_application("TrafficLight101", {})
        await admin.add_root_principal(admin.app_principal(device))
        await admin.add_root_principal(Principal("https://login.example.com", "user-42", "Ada", "ada@example.com"))
    async with running_console(sandbox) as (app, pilot):
        await pilot.press("2")
        assert app.focused is app.principals_view.table
        rows = principal_rows(app)
        assert [row["subject"] for row in rows] == [sandbox.admin_client_id, device.client_id, "user-42"]
        assert rows[0]["you"] == "★" and rows[0]["app"] == "sandbox-admin"
        assert rows[1]["you"] == "" and rows[1]["app"] == "TrafficLight101"
        assert rows[1]["issuer"] == f"{sandbox.base_url}/appidpv1"
        assert rows[2] == {
            "you": "",
            "issuer": "https://login.example.com",
            "subject": "user-42",
            "display_name": "Ada",
            "email": "ada@example.com",
            "app": "",
        }
        # "o" (or enter) jumps from a principal to its registration.
        await pilot.press("down", "o")
        await pilot.pause()
        assert app.active_tab == "apps"
        assert app.apps_view.current_client_id() == device.client_id


async def test_signing_in_reads_the_root_principals_once(make_sandbox):
    requests: list[str] = []
    sandbox = make_sandbox(log=requests.append)  # one line per request: "METHOD PATH STATUS TIME"
    async with running_console(sandbox) as (app, pilot):
        await wait_until(pilot, lambda: app.principals_loaded, what="the root principals")
        await pilot.press("2")
        assert sandbox.admin_client_id in screen_text(app)
    reads = [line for line in requests if line.startswith("GET /archivist/v1/tenancies/root_principals ")]
    # whoami reads the list to learn whether you are root; the tab shows that same answer.
    assert len(reads) == 1, requests


async def test_add_a_root_principal_with_the_form(sandbox):
    async with client_for(sandbox) as admin:
        device = await admin.create_application("Gateway", {})
    async with running_console(sandbox) as (app, pilot):
        await pilot.press("2", "a")
        await wait_until(pilot, lambda: isinstance(app.screen, AddPrincipalScreen))
        form = app.screen
        assert form.query_one("#issuer", Input).value == f"{sandbox.base_url}/appidpv1"
        await pilot.press("ctrl+s")  # no subject yet: refused on the form, nothing sent
        await pilot.pause()
        assert isinstance(app.screen, AddPrincipalScreen)
        assert "subject is required" in screen_text(app)
        await pilot.press(*device.client_id)
        await pilot.pause()
        assert "app registration: Gateway" in screen_text(app)
        await pilot.press("ctrl+s")
        await wait_until(
            pilot, lambda: any(r["subject"] == device.client_id for r in principal_rows(app)), what="the new principal"
        )
        async with client_for(sandbox) as admin:
            stored = {(p.issuer, p.subject) for p in await admin.get_root_principals()}
        assert (f"{sandbox.base_url}/appidpv1", device.client_id) in stored
        # The registrations tab now marks it root too.
        assert cell_text(app.apps_view.table.get_cell(device.client_id, "root")) == "✔"


async def test_removing_yourself_is_refused_with_the_reason(sandbox):
    async with running_console(sandbox) as (app, pilot):
        await pilot.press("2", "d")
        await pilot.pause()
        assert app.screen is app.screen_stack[0], "no confirmation: the removal is refused outright"
        assert any("you would lose access to this tenant" in n for n in notifications(app))
        assert [p.subject for p in sandbox.store.get_root_principals()] == [sandbox.admin_client_id]


async def test_remove_a_root_principal_after_confirming(sandbox):
    async with client_for(sandbox) as admin:
        await admin.add_root_principal(Principal("https://login.example.com", "user-42", "Ada"))
    async with running_console(sandbox) as (app, pilot):
        await pilot.press("2", "down", "d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Ada" in screen_text(app) and "user-42" in screen_text(app)
        await pilot.press("y")
        await wait_until(pilot, lambda: len(principal_rows(app)) == 1, what="the row to go")
        assert [p.subject for p in sandbox.store.get_root_principals()] == [sandbox.admin_client_id]


async def test_read_only_hides_and_refuses_every_change(sandbox):
    async with client_for(sandbox) as admin:
        await admin.create_application("untouchable", {})
    async with running_console(sandbox, read_only=True) as (app, pilot):
        footer_keys = {b.binding.action for b in app.screen.active_bindings.values()}
        assert not footer_keys & {"create", "edit", "regenerate", "delete", "toggle_root"}
        assert {"details", "copy_client_id", "refresh", "filter"} <= footer_keys | {"details"}
        await pilot.press("down")
        for key, words in (
            ("n", "creating registrations"),
            ("e", "editing registrations"),
            ("g", "regenerating secrets"),
            ("d", "deleting registrations"),
            ("m", "changing root principals"),
        ):
            app.clear_notifications()
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is app.screen_stack[0], f"{key} opened {app.screen}"
            # Said out loud, not silence.
            assert any(n.startswith("Refused\nRead-only mode: " + words) for n in notifications(app)), key
        assert len(sandbox.store.list_applications()) == 2
        # From the palette: a clear notice instead of silence.
        delete = next(c for c in COMMANDS if c.action == "delete")
        await app.run_console_command(delete)
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert any("Read-only mode" in n and "deleting registrations is turned off" in n for n in notifications(app))
        # The details screen offers no changes either.
        await pilot.press("enter")
        await pilot.pause()
        shown_actions = {b.binding.action for b in app.screen.active_bindings.values()}
        assert "choose('delete')" not in shown_actions and "copy_client_id" in shown_actions
        await pilot.press("d")
        await pilot.pause()
        assert type(app.screen).__name__ == "AppDetailsScreen"
        app.clear_notifications()
        await pilot.press("escape", "2", "a")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert "read-only" in screen_text(app)
        assert any("Read-only mode: adding root principals is turned off" in n for n in notifications(app))


async def test_tabs_switch_with_digits_and_with_ctrl_pagedown_even_from_a_text_field(sandbox):
    async with running_console(sandbox) as (app, pilot):
        await pilot.press("3")
        assert app.active_tab == "inspector"
        await pilot.press("ctrl+pagedown")
        assert app.active_tab == "policies" and app.focused is app.policies_view.table
        await pilot.press("ctrl+pagedown")
        assert app.active_tab == "apps" and app.focused is app.apps_view.table
        await pilot.press("slash", "ctrl+pagedown")  # from inside the filter box
        assert app.active_tab == "principals" and app.focused is app.principals_view.table
        await pilot.press("ctrl+pageup", "ctrl+pageup")
        assert app.active_tab == "policies"
        await pilot.press("4", "1")
        assert app.active_tab == "apps"


async def test_a_click_on_a_tab_label_shows_that_tab(sandbox):
    async with running_console(sandbox) as (app, pilot):
        strip = app.query_one("#tabs")
        label_row = strip.render_line(0).text
        await pilot.click("#tabs", offset=(label_row.index("ROOT PRINCIPALS") + 2, 0))
        await wait_until(pilot, lambda: app.focused is app.principals_view.table, what="the principals table")
        assert app.active_tab == "principals"
        assert "Root principals may manage app registrations" in screen_text(app)
        await pilot.click("#tabs", offset=(label_row.index("APP REGISTRATIONS") + 2, 0))
        await wait_until(pilot, lambda: app.focused is app.apps_view.table, what="the registrations table")
        assert app.active_tab == "apps" and sandbox.admin_client_id in screen_text(app)


async def test_end_and_home_go_to_the_last_and_first_root_principal(sandbox):
    async with client_for(sandbox) as admin:
        for number in range(60):  # more than a screen
            await admin.add_root_principal(Principal("https://login.example.com", f"user-{number:02d}"))
    async with running_console(sandbox) as (app, pilot):
        await pilot.press("2")
        await wait_until(pilot, lambda: len(principal_rows(app)) == 61, what="the principals")
        await pilot.press("end")
        await pilot.pause()
        assert app.principals_view.current_principal().subject == "user-59"
        assert "user-59" in screen_text(app)
        await pilot.press("home")
        await pilot.pause()
        assert app.principals_view.current_principal().subject == sandbox.admin_client_id


async def test_the_add_form_warns_when_the_issuer_is_not_a_url(sandbox):
    async with running_console(sandbox) as (app, pilot):
        await pilot.press("2", "a")
        await wait_until(pilot, lambda: isinstance(app.screen, AddPrincipalScreen))
        note = app.screen.query_one("#issuer-note")
        assert "not a URL" not in str(note.render())  # the default issuer is one
        issuer = app.screen.query_one("#issuer", Input)
        issuer.value = "login.example.com"
        await pilot.pause()
        assert "login.example.com is not a URL" in screen_text(app)
        issuer.value = "https://login.example.com"
        await pilot.pause()
        assert "not a URL" not in screen_text(app)
