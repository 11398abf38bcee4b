"""Access in the console against a real sandbox: on a registration's row, x explains what its
tokens see and why (api/access.py's words), the policies' names escaped; it says the same as
the registration's own GET /archivist/v2/assets."""

from __future__ import annotations

import re

import httpx
from tui_helpers import client_for, notifications, running_console, screen_text, wait_until

from rkvst_tui.api.models import Application
from rkvst_tui.api.policies import create_policy
from rkvst_tui.tui.screens.access_explanation import AccessExplanationScreen


def lights_policy(name: str, serial: str) -> dict:
    return {
        "display_name": name,
        "filters": [{"or": ["attributes.arc_display_type=Traffic Light"]}, {"or": ["attributes.location=Cambridge"]}],
        "access_permissions": [
            {
                "user_attributes": [{"or": [f"jwt_serial_number={serial}"]}],
                "asset_attributes_read": ["arc_display_name"],
            }
        ],
    }


def words(app) -> str:
    return " ".join(re.sub(r"[█▀▄▌▐▔▁┃│]", " ", screen_text(app)).split())


async def explained(app, pilot, application: Application) -> str:
    app.apps_view.table.move_cursor(row=app.apps_view.table.get_row_index(application.client_id))
    await pilot.press("x")
    await wait_until(pilot, lambda: isinstance(app.screen, AccessExplanationScreen), what="the explanation screen")
    screen = app.screen
    await wait_until(pilot, lambda: not screen.text.startswith("Reading"), what="the explanation")
    await pilot.pause()
    return words(app)


def own_assets(sandbox, client_id: str, secret: str) -> list[dict]:
    token = httpx.post(
        sandbox.base_url + "/archivist/iam/v1/appidp/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
        },
    ).json()["access_token"]
    answer = httpx.get(sandbox.base_url + "/archivist/v2/assets", headers={"Authorization": f"Bearer {token}"})
    return answer.json()["assets"]


async def test_x_explains_a_shared_registration_as_its_token_sees_it(sandbox):
    async with client_for(sandbox) as client:
        shared = await client.create_application("TrafficLight101", {"serial_number": "TL1000000101"})
        await create_policy(client, lights_policy("Traffic lights in Cambridge", "TL1000000101"))
    async with running_console(sandbox, size=(120, 40)) as (app, pilot):
        text = await explained(app, pilot, shared)
        assert "TrafficLight101 sees 3 assets through 'Traffic lights in Cambridge'" in text
        assert "(filter `arc_display_type=Traffic Light` AND `location=Cambridge`)" in text
        assert "named by a claim: every registration with the same claim value sees the same" in text
        seen = own_assets(sandbox, shared.client_id, shared.secret)
        assert len(seen) == 3
        for asset in seen:
            assert asset["identity"] in text
            assert set(asset["attributes"]) == {"arc_display_name"}
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, AccessExplanationScreen), what="back to the list")


async def test_x_on_an_unshared_registration_names_the_nearest_policy_escaped(sandbox):
    async with client_for(sandbox) as client:
        lonely = await client.create_application("TrafficLight202", {"serial_number": "TL2000000202"})
        await create_policy(client, lights_policy("Lights\x1b[2J\x07 of Ely", "TL2000000201"))
    async with running_console(sandbox, size=(80, 24)) as (app, pilot):
        text = await explained(app, pilot, lonely)
        assert "TrafficLight202 sees no asset: no policy names this registration" in text
        assert f"no policy names this registration (`subject={lonely.client_id}`)" in app.screen.text
        assert r"nearest: 'Lights\x1b[2J\x07 of Ely' names `jwt_serial_number=TL2000000201`" in app.screen.text
        assert "nearest: 'Lights" in text
        raw = screen_text(app)
        assert "\x1b" not in raw and "\x07" not in raw
        assert "of Ely" in text
        assert own_assets(sandbox, lonely.client_id, lonely.secret) == []


# --------------------------------------------------------------------------- the ACCESS POLICIES tab


async def open_policies_tab(app, pilot) -> None:
    await pilot.press("4")
    view = app.policies_view
    await wait_until(pilot, lambda: view.loaded, what="the policies list")
    await pilot.pause()


async def test_the_tab_lists_policies_in_words_and_escapes_hostile_names(sandbox):
    async with client_for(sandbox) as client:
        await create_policy(client, lights_policy("Traffic lights in Cambridge", "TL1000000101"))
        await create_policy(client, lights_policy("Evil\x1b]52;c;AAAA\x07\u202e name", "TL9"))
    async with running_console(sandbox, size=(120, 40)) as (app, pilot):
        await open_policies_tab(app, pilot)
        text = words(app)
        assert "ACCESS POLICIES" in text and "2 access policies" in text
        assert "Traffic lights in Cambridge" in text
        assert "Name Description Filters Granted to" in text
        raw = screen_text(app)
        assert "\x1b" not in raw and "\x07" not in raw and "\u202e" not in raw
        assert r"Evil\x1b]52;c;AAAA\x07" in raw


async def test_delete_asks_first_and_then_the_policy_is_gone(sandbox):
    from rkvst_tui.api.policies import list_policies
    from rkvst_tui.tui.screens.confirm import ConfirmScreen

    async with client_for(sandbox) as client:
        await create_policy(client, lights_policy("Traffic lights in Cambridge", "TL1000000101"))
    async with running_console(sandbox, size=(120, 40)) as (app, pilot):
        await open_policies_tab(app, pilot)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        text = words(app)
        assert "Delete the access policy 'Traffic lights in Cambridge'?" in text
        assert "no longer see the assets it shares" in text
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="the list again")
        async with client_for(sandbox) as client:
            assert len(await list_policies(client)) == 1
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        app.screen.query_one("#confirm").press()
        await wait_until(pilot, lambda: "1 access" not in words(app), what="the list without it")
        await wait_until(pilot, lambda: "0 access policies" in words(app), what="the empty list")
        async with client_for(sandbox) as client:
            assert await list_policies(client) == []


async def test_read_only_refuses_delete_and_says_why(sandbox):
    async with client_for(sandbox) as client:
        await create_policy(client, lights_policy("Traffic lights in Cambridge", "TL1000000101"))
    async with running_console(sandbox, read_only=True, size=(120, 40)) as (app, pilot):
        await open_policies_tab(app, pilot)
        await pilot.press("d")
        await pilot.pause()
        assert any("deleting access policies is turned off" in n for n in notifications(app))
        async with client_for(sandbox) as client:
            from rkvst_tui.api.policies import list_policies

            assert len(await list_policies(client)) == 1


async def test_enter_shows_the_details_at_80_columns(sandbox):
    from rkvst_tui.tui.screens.policy_details import PolicyDetailsScreen

    async with client_for(sandbox) as client:
        await create_policy(client, lights_policy("Traffic lights in Cambridge", "TL1000000101"))
    async with running_console(sandbox, size=(80, 24)) as (app, pilot):
        await open_policies_tab(app, pilot)
        assert "…" in screen_text(app)  # the columns are cut, not wrapped
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PolicyDetailsScreen), what="the details")
        await pilot.pause()
        text = words(app)
        assert "Reads arc_display_name" in text
        assert "Granted to whoever has the claim serial_number='TL1000000101'" in text
        assert "any of: attributes.arc_display_type=Traffic Light" in text


async def test_a_registration_created_in_the_console_and_shared_sees_exactly_what_x_says(sandbox):
    """Done when (issue 17): created in the console, shared by a policy naming its client id, its
    own token gets exactly the granted assets with only the granted attributes, as x says."""
    from textual.widgets import Input

    from rkvst_tui.tui.screens.app_form import AppFormScreen
    from rkvst_tui.tui.screens.secret_reveal import RecordedQuestion, SecretRevealScreen

    async with running_console(sandbox, size=(120, 40)) as (app, pilot):
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, AppFormScreen), what="the form")
        app.screen.query_one("#display-name", Input).value = "WeatherReader"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, SecretRevealScreen), what="the one-time secret")
        (made,) = sandbox.store.list_applications(display_name="WeatherReader")
        secret = app.screen._secret
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordedQuestion), what="the question")
        await pilot.press("y")
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0], what="the list again")
        async with client_for(sandbox) as client:
            await create_policy(
                client,
                {
                    "display_name": "Weather stations",
                    "filters": [{"or": ["attributes.arc_display_type=Weather Station"]}],
                    "access_permissions": [
                        {
                            "user_attributes": [{"or": [f"subject={made.client_id}"]}],
                            "asset_attributes_read": ["arc_display_name", "location"],
                        }
                    ],
                },
            )
        await wait_until(pilot, lambda: made.client_id in app.apps_view.applications, what="the new row")
        text = await explained(app, pilot, app.apps_view.applications[made.client_id])
        seen = own_assets(sandbox, made.client_id, secret)
        expected = [
            body["identity"]
            for _, body in sandbox.store.list_assets(limit=1000)
            if body["attributes"].get("arc_display_type") == "Weather Station"
        ]
        assert sorted(a["identity"] for a in seen) == sorted(expected) and expected
        for asset in seen:
            assert set(asset["attributes"]) <= {"arc_display_name", "location"}
            assert asset["identity"] in app.screen.text
        n = len(expected)
        assert f"WeatherReader sees {n} asset{'s' if n != 1 else ''} through 'Weather stations'" in text
        assert f"named by `subject={made.client_id}`" in app.screen.text
