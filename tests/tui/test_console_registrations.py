"""APP REGISTRATIONS against a real sandbox: load, columns, filter, details, delete,
regenerate, make root, copy, palette, cursor across refreshes, paging at 1,000 rows."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import httpx
from tui_helpers import (
    cell_text,
    client_for,
    column,
    notifications,
    row_of,
    running_console,
    screen_text,
    settle,
    wait_until,
)

from rkvst_tui.tui.screens.confirm import ConfirmScreen
from rkvst_tui.tui.screens.details import AppDetailsScreen
from rkvst_tui.tui.widgets.header import ConsoleHeader

TOKEN_PATH = "/archivist/iam/v1/appidp/token"


def token_status(server, client_id: str, secret: str) -> int:
    answer = httpx.post(
        server.base_url + TOKEN_PATH,
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        timeout=10,
    )
    return answer.status_code


async def create(server, name: str, claims: dict[str, str] | None = None):
    async with client_for(server) as client:
        return await client.create_application(name, claims or {})


async def test_loads_every_registration_with_the_console_columns(sandbox):
    made = await create(sandbox, "TrafficLight101", {"serial_number": "TL1000000101", "has_cyclist_light": "true"})
    async with running_console(sandbox) as (app, pilot):
        table = app.apps_view.table
        assert [str(c.label) for c in table.columns.values()] == [
            "",  # the mark (space) of a batch rotation
            "Display Name",
            "Client Id",
            "Secret",
            "Expiry Date",
            "Claims",
            "Root",
        ]
        assert column(app, "name") == ["sandbox-admin", "TrafficLight101"]
        row = row_of(app, made.client_id)
        assert cell_text(row["client_id"]) == made.client_id
        assert cell_text(row["claims"]).startswith("2: serial")
        # The admin is the signed-in root principal; the new registration is not root.
        assert column(app, "root") == ["✔ you", ""]
        # The Secret column never holds a secret, even for the registration just created.
        assert set(column(app, "secret")) == {"shown once"}
        assert made.secret not in "".join(column(app, "secret"))
        assert app.apps_view.current_application().secret == ""
        # The frame: title, sandbox badge, identity and time left on the token.
        top, identity = app.query_one(ConsoleHeader).text.splitlines()
        assert "sandbox-admin" in identity and "root" in identity
        assert " SANDBOX " in top and top.endswith("left")


async def test_expiry_is_red_when_expired_and_yellow_within_30_days(sandbox):
    expired = await create(sandbox, "old")
    soon = await create(sandbox, "soon")
    now = datetime.now(timezone.utc)
    sandbox.store.expire_secret(expired.client_id, now - timedelta(days=2))
    sandbox.store.expire_secret(soon.client_id, now + timedelta(days=10, hours=1))
    async with running_console(sandbox) as (app, _pilot):
        old_cell = row_of(app, expired.client_id)["expiry"]
        soon_cell = row_of(app, soon.client_id)["expiry"]
        assert "expired" in old_cell.plain and "red" in str(old_cell.style)
        assert soon_cell.plain.endswith(" · 10d") and "yellow" in str(soon_cell.style)
        admin_cell = row_of(app, sandbox.admin_client_id)["expiry"]
        assert "red" not in str(admin_cell.style) and "yellow" not in str(admin_cell.style)


async def test_server_strings_are_shown_literally_not_as_markup(sandbox):
    made = await create(sandbox, "[bold red]boom[/]", {"note": "[link=x]y[/link]"})
    async with running_console(sandbox) as (app, pilot):
        assert cell_text(row_of(app, made.client_id)["name"]) == "[bold red]boom[/]"
        app.apps_view.select(made.client_id)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AppDetailsScreen))
        await pilot.pause()
        assert "[bold red]boom[/]" in screen_text(app)


async def test_filter_by_name_keeps_the_cursor_and_escape_clears_it(sandbox):
    sandbox.store.seed_applications(40, prefix="light-")
    async with running_console(sandbox) as (app, pilot):
        view = app.apps_view
        target = next(a for a in view.applications.values() if a.display_name == "light-000017")
        view.select(target.client_id)
        await pilot.press("slash")
        assert app.focused.id == "apps-filter"
        await pilot.press(*"000017")
        await pilot.pause()
        assert column(app, "name") == ["light-000017"]
        assert "1 of 41" in str(app.query_one("#apps-status").render())
        await pilot.press("enter")  # back to the table, filter kept
        assert app.focused is view.table
        assert view.current_client_id() == target.client_id
        await pilot.press("escape")  # on the table: clears the filter, the cursor stays put
        await pilot.pause()
        assert view.table.row_count == 41
        assert view.current_client_id() == target.client_id
        assert not app.query_one("#apps-filter").display
        await pilot.press("slash", *"zzz")
        await pilot.pause()
        assert view.table.row_count == 0
        assert "No App Registrations match “zzz”" in str(app.query_one("#apps-empty").render())
        await pilot.press("escape")  # in the filter box: clears it and returns to the table
        await pilot.pause()
        assert view.table.row_count == 41
        assert view.current_client_id() == target.client_id
        assert app.focused is view.table


async def test_details_show_every_field_and_paste_ready_commands(sandbox):
    made = await create(sandbox, "TrafficLight101", {"serial_number": "TL1000000101"})
    async with running_console(sandbox) as (app, pilot):
        app.apps_view.select(made.client_id)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AppDetailsScreen))
        await pilot.pause()
        shown = screen_text(app)
        for expected in (
            made.client_id,
            made.identity,
            made.tenant_id,
            "Valid until",
            "Root principal",
            "serial_number",
            "TL1000000101",
        ):
            assert expected in shown
        assert made.secret not in shown
        assert f"curl {sandbox.base_url}/archivist/iam/v1/appidp/token" in shown
        assert f'--data-urlencode "client_id={made.client_id}"' in shown
        assert '--data-urlencode "client_secret=${SECRET}"' in shown
        assert f"issuer:  {sandbox.base_url}/appidpv1" in shown and f"subject: {made.client_id}" in shown
        await pilot.press("t")
        assert app.clipboard.startswith("curl ") and "${SECRET}" in app.clipboard
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert app.focused is app.apps_view.table


async def test_delete_asks_naming_the_registration_and_deletes_on_yes(sandbox):
    made = await create(sandbox, "doomed")
    async with running_console(sandbox) as (app, pilot):
        app.apps_view.select(made.client_id)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "doomed" in str(app.screen.query_one("#confirm-body").render())
        await pilot.press("n")  # no: nothing happens, and the key does not reach the table
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert made.client_id in app.apps_view.table.rows
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: made.client_id not in app.apps_view.table.rows, what="the row to go")
        assert sandbox.store.get_application(made.client_id) is None
        assert any("Deleted doomed" in n for n in notifications(app))


async def test_delete_says_what_the_service_does_to_tokens_already_issued(sandbox):
    """The confirmation's words and the sandbox agree: the token minted before the delete is refused after it."""
    made = await create(sandbox, "short-lived")
    token = httpx.post(
        sandbox.base_url + TOKEN_PATH,
        timeout=10,
        data={
            "grant_type": "client_credentials",
            "client_id": made.client_id,
            "client_secret": made.secret,
        },
    ).json()["access_token"]
    assets = sandbox.base_url + "/archivist/v2/assets"
    assert httpx.get(assets, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 200
    async with running_console(sandbox) as (app, pilot):
        app.apps_view.select(made.client_id)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        body = " ".join(str(app.screen.query_one("#confirm-body").render()).split())
        assert "the tokens already issued with it stop working at once" in body
        assert "stay valid" not in body
        await pilot.press("y")
        await wait_until(pilot, lambda: made.client_id not in app.apps_view.table.rows, what="the row to go")
    assert httpx.get(assets, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 401


async def test_enter_on_the_cancel_button_of_a_delete_does_not_delete(sandbox):
    made = await create(sandbox, "kept")
    async with running_console(sandbox) as (app, pilot):
        app.apps_view.select(made.client_id)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("enter")  # the focus starts on Cancel
        await pilot.pause()
        assert app.screen is app.screen_stack[0]  # and the enter did not open the details below
        assert sandbox.store.get_application(made.client_id) is not None


async def test_regenerate_warns_then_reveals_a_working_secret_and_the_old_one_stops(sandbox):
    made = await create(sandbox, "rotating")
    assert token_status(sandbox, made.client_id, made.secret) == 200
    async with running_console(sandbox) as (app, pilot):
        app.apps_view.select(made.client_id)
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        warning = str(app.screen.query_one("#confirm-body").render())
        assert "stops working at once" in warning and "until they expire" in warning
        await pilot.press("y")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "SecretRevealScreen", what="the one-time secret")
        revealed = getattr(app.screen, "_application", None) or app.screen.application
        assert revealed.client_id == made.client_id and len(revealed.secret) == 64
        assert token_status(sandbox, made.client_id, made.secret) == 401
        assert token_status(sandbox, made.client_id, revealed.secret) == 200
        # The secret is in no notification, and the list keeps none.
        assert not any(revealed.secret in n for n in notifications(app))
        assert app.apps_view.applications[made.client_id].secret == ""
        # Closing asks first; after "yes" the console is back and answers keys again.
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the close question")
        await pilot.press("y")
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0], what="the list")
        await pilot.press("c")
        await pilot.pause()
        assert app.clipboard == made.client_id


async def test_make_root_and_remove_root_from_the_registrations_tab(sandbox):
    made = await create(sandbox, "promoted")
    async with running_console(sandbox) as (app, pilot):
        app.apps_view.select(made.client_id)
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        body = str(app.screen.query_one("#confirm-body").render())
        assert f"{sandbox.base_url}/appidpv1" in body and made.client_id in body
        await pilot.press("y")
        await wait_until(pilot, lambda: cell_text(row_of(app, made.client_id)["root"]) == "✔", what="root mark")
        assert any(p.subject == made.client_id for p in sandbox.store.get_root_principals())
        # The principals tab names the subject by its registration.
        await pilot.press("2")
        principals = app.principals_view
        names = [cell_text(principals.table.get_cell(k, "app")) for k in principals.table.rows]
        assert "promoted" in names
        await pilot.press("1")
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: cell_text(row_of(app, made.client_id)["root"]) == "", what="root removed")
        assert not any(p.subject == made.client_id for p in sandbox.store.get_root_principals())


async def test_copy_client_id_goes_to_the_clipboard_without_claiming_it_arrived(sandbox):
    async with running_console(sandbox) as (app, pilot):
        await pilot.press("c")
        assert app.clipboard == sandbox.admin_client_id
        message = notifications(app)[-1]
        assert "Client id sent to your terminal's clipboard (OSC 52)" in message
        assert "copied" not in message.lower()


async def test_cursor_stays_on_the_same_registration_across_a_refresh(sandbox):
    sandbox.store.seed_applications(12)
    async with running_console(sandbox) as (app, pilot):
        view = app.apps_view
        await pilot.press("down", "down", "down", "down", "down")
        chosen = view.current_client_id()
        # Someone deletes a registration above it meanwhile: its row index changes.
        first_seeded = list(view.applications)[1]
        sandbox.store.delete_application(first_seeded)
        await pilot.press("r")
        await wait_until(pilot, lambda: not view.loading_pages and first_seeded not in view.table.rows)
        await pilot.pause()
        assert view.current_client_id() == chosen
        assert view.table.cursor_row == 4


async def test_palette_goes_to_a_registration_by_name(sandbox):
    sandbox.store.seed_applications(30, prefix="device-")
    async with running_console(sandbox) as (app, pilot):
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"device-000023")
        await wait_until(pilot, lambda: "go to registration device-000023" in _palette_text(app), what="palette hit")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0])
        await pilot.pause()
        assert app.apps_view.current_application().display_name == "device-000023"


def _palette_text(app) -> str:
    from textual.widgets import OptionList

    try:
        options = app.screen.query_one(OptionList)
    except Exception:
        return ""
    return "\n".join(str(options.get_option_at_index(i).prompt) for i in range(options.option_count))


async def test_help_lists_the_keys_of_the_current_screen(sandbox):
    async with running_console(sandbox) as (app, pilot):
        await pilot.press("question_mark")
        await pilot.pause()
        from rkvst_tui.tui.screens.help import HelpScreen

        assert isinstance(app.screen, HelpScreen)
        descriptions = {row.description for row in app.screen.rows}
        assert {
            "Create an app registration",
            "Delete the registration",
            "Filter by display name or client id",
            "Every key of the current screen",
        } <= descriptions
        await pilot.press("escape")
        await pilot.press("2")  # ROOT PRINCIPALS: its own keys, not the registrations'
        await pilot.press("question_mark")
        await pilot.pause()
        descriptions = {row.description for row in app.screen.rows}
        assert "Add" in descriptions and "Create an app registration" not in descriptions


async def test_help_on_the_details_puts_their_own_keys_before_scrolling(sandbox):
    async with running_console(sandbox) as (app, pilot):
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AppDetailsScreen), what="the details")
        footer = screen_text(app).splitlines()[-1]
        await pilot.press("question_mark")
        await pilot.pause()
        rows = app.screen.rows
        where = [row.where for row in rows]
        assert where[0] == "Registration details" and "Scrolling" in where
        assert where.index("Scrolling") > max(i for i, w in enumerate(where) if w == "Registration details")
        # The footer's short labels; help says them in full.
        descriptions = [row.description for row in rows]
        assert "Make the registration root, or remove it from root" in descriptions and "m Root ±" in footer


async def test_a_thousand_registrations_fill_in_pages_while_the_table_stays_usable(sandbox):
    sandbox.store.seed_applications(1000)
    async with running_console(sandbox, page_size=50, wait=False) as (app, pilot):
        view = app.apps_view
        # Rows arrive page by page; the cursor moves while later pages are still loading.
        await wait_until(pilot, lambda: view.table.row_count >= 100, what="the first pages")
        assert view.loading_pages, "expected pages still to come"
        await pilot.press("down", "down", "down")
        assert view.table.cursor_row == 3
        moved_to = view.current_client_id()
        await wait_until(pilot, lambda: view.loaded_once and not view.loading_pages, timeout=60, what="all pages")
        assert view.table.row_count == 1001
        assert len(set(view.applications)) == 1001
        assert view.current_client_id() == moved_to
        await pilot.press("slash", *"000999")
        await pilot.pause()
        assert column(app, "name") == ["app-000999"]


async def test_first_frame_paints_before_any_network_call(sandbox):
    release = asyncio.Event()
    calls: list[str] = []

    async def connect():
        calls.append("connect")
        await release.wait()
        return client_for(sandbox)

    from rkvst_tui.tui.app import RkvstApp

    app = RkvstApp(connect=connect)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "connecting" in app.query_one(ConsoleHeader).text
        assert "Loading" in str(app.query_one("#apps-empty").render())
        release.set()
        await settle(app, pilot)
        assert sandbox.admin_client_id in app.apps_view.table.rows
        assert calls == ["connect"]
        await app.client.aclose()


async def test_edit_opens_the_form_on_the_registration_and_updates_the_row(sandbox):
    from textual.widgets import Input

    from rkvst_tui.tui.screens.app_form import AppFormScreen

    made = await create(sandbox, "before", {"serial_number": "1"})
    async with running_console(sandbox) as (app, pilot):
        app.apps_view.select(made.client_id)
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, AppFormScreen), what="the edit form")
        name = app.screen.query_one("#display-name", Input)
        assert name.value == "before"
        name.value = "after"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0], what="the form to close")
        await wait_until(pilot, lambda: cell_text(row_of(app, made.client_id)["name"]) == "after")
        assert app.apps_view.current_client_id() == made.client_id
        assert sandbox.store.get_application(made.client_id).display_name == "after"


async def test_create_adds_the_row_selects_it_and_reveals_the_secret_once(sandbox):
    from textual.widgets import Input

    from rkvst_tui.tui.screens.app_form import AppFormScreen

    async with running_console(sandbox) as (app, pilot):
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, AppFormScreen), what="the create form")
        app.screen.query_one("#display-name", Input).value = "TrafficLight101"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "SecretRevealScreen", what="the one-time secret")
        created = app.apps_view.current_application()
        assert created.display_name == "TrafficLight101"
        assert created.secret == "", "the list never keeps the secret"
        assert cell_text(row_of(app, created.client_id)["secret"]) == "shown once"


async def test_palette_runs_an_action_on_the_selected_registration(sandbox):
    made = await create(sandbox, "from-the-palette")
    async with running_console(sandbox) as (app, pilot):
        app.apps_view.select(made.client_id)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Delete registration")
        await wait_until(pilot, lambda: "Delete registration" in _palette_text(app), what="palette hit")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        assert "from-the-palette" in screen_text(app)
        await pilot.press("y")
        await wait_until(pilot, lambda: made.client_id not in app.apps_view.table.rows, what="the row to go")


async def test_refreshing_all_day_does_not_keep_frozen_garbage(sandbox, monkeypatch):
    """Page loads freeze rows out of the cyclic GC; the cycles that were garbage when they
    froze must still be collected, or every refresh would keep thousands of objects."""
    import gc

    from rkvst_tui.tui.views import registrations as apps_view

    monkeypatch.setattr(apps_view, "GC_SETTLE_DELAY", 0.05)
    sandbox.store.seed_applications(500)
    async with running_console(sandbox) as (app, pilot):
        view = app.apps_view
        for _ in range(6):
            await pilot.press("r")
            await wait_until(pilot, lambda: not view.loading_pages and len(view.table.rows) == 501)
            await pilot.pause(0.3)
        # What is frozen now and unreachable: garbage the collections after each load missed.
        gc.unfreeze()
        frozen_garbage = gc.collect()
    # Without the collection after each load, six refreshes left ~23,000 objects here (a
    # live-object count was the measure before, but the tables' bounded render caches
    # filling up made it grow too).
    assert frozen_garbage < 2_500
