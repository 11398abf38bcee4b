"""Share assets with a registration (APP REGISTRATIONS, s) against a real sandbox: the policy it
writes gives the registration's own token exactly the assets the screen said match, with only
the attributes picked; by claim it names the others with the same claim; failures are shown."""

from __future__ import annotations

import re

import httpx
from textual.widgets import Input, RadioSet, SelectionList, Static
from tui_helpers import client_for, notifications, running_console, screen_text, wait_until

from rkvst_tui.api.models import Application
from rkvst_tui.api.policies import list_policies
from rkvst_tui.tui.screens.share_assets import ShareAssetsScreen

HOSTILE = "Twin\x1b[2J\x07 [b]bold[/b]"


def words(app) -> str:
    return " ".join(re.sub(r"[█▀▄▌▐▔▁┃│▊▎]", " ", screen_text(app)).split())


def said(screen: ShareAssetsScreen) -> str:
    """Everything the screen's texts say, scrolled into view or not (spaces normalised)."""
    return " ".join(" ".join(str(static.content) for static in screen.query(Static)).split())


def own_assets(sandbox, client_id: str, secret: str) -> list[dict]:
    token = httpx.post(
        sandbox.base_url + "/archivist/iam/v1/appidp/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    ).json()["access_token"]
    answer = httpx.get(sandbox.base_url + "/archivist/v2/assets", headers={"Authorization": f"Bearer {token}"})
    answer.raise_for_status()
    return answer.json()["assets"]


async def open_share(app, pilot, application: Application) -> ShareAssetsScreen:
    app.apps_view.table.move_cursor(row=app.apps_view.table.get_row_index(application.client_id))
    await pilot.press("s")
    await wait_until(pilot, lambda: isinstance(app.screen, ShareAssetsScreen), what="the share screen")
    screen = app.screen
    assert isinstance(screen, ShareAssetsScreen)
    await wait_until(pilot, lambda: screen.loaded, what="the tenant's assets")
    await pilot.pause()
    return screen


def pick(screen: ShareAssetsScreen, *pairs: tuple[str, str]) -> None:
    values = screen.query_one("#share-values", SelectionList)
    for pair in pairs:
        values.select(screen.pairs.index(pair))


def pick_readable(screen: ShareAssetsScreen, *names: str) -> None:
    readable = screen.query_one("#share-readable", SelectionList)
    for name in names:
        readable.select(screen.readable_names.index(name))


async def by_claim(pilot, screen: ShareAssetsScreen, claim: str) -> None:
    naming = screen.query_one("#share-naming", RadioSet)
    button = list(naming.query("RadioButton"))[1 + screen.claims.index(claim)]
    button.value = True
    await pilot.pause()


async def test_shared_by_subject_its_token_sees_exactly_what_matched_with_only_the_picked_attributes(sandbox):
    async with client_for(sandbox) as client:
        made = await client.create_application("TrafficLight101", {"serial_number": "TL1000000101"})
    async with running_console(sandbox, size=(120, 40)) as (app, pilot):
        assert own_assets(sandbox, made.client_id, made.secret) == []
        screen = await open_share(app, pilot, made)
        pick(screen, ("arc_display_type", "Traffic Light"), ("location", "Cambridge"))
        pick_readable(screen, "location")
        await pilot.pause()
        matched = screen.matches()
        text = said(screen)
        assert f"{len(matched)} assets match" in text and matched
        assert "By subject (subject=" in text and "this registration only" in text
        for asset in matched[:3]:
            assert asset.display_name in text
        assert screen.query_one("#share-name", Input).value == "Share with TrafficLight101"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, ShareAssetsScreen), what="the screen to close")
        assert any("Created the access policy Share with TrafficLight101" in n for n in notifications(app))

        seen = own_assets(sandbox, made.client_id, made.secret)
        assert sorted(a["identity"] for a in seen) == sorted(a.identity for a in matched)
        for asset in seen:
            assert set(asset["attributes"]) == {"arc_display_name", "location"}
            assert asset["attributes"]["location"] == "Cambridge"

        await pilot.press("4")
        await wait_until(pilot, lambda: app.policies_view.loaded, what="the policies tab")
        await pilot.pause()
        assert "Share with TrafficLight101" in words(app)


async def test_by_claim_the_screen_names_the_other_registrations_escaped_and_they_see_it_too(sandbox):
    async with client_for(sandbox) as client:
        made = await client.create_application("TrafficLight101", {"serial_number": "TL1000000101", "site": "a"})
        twin = await client.create_application(HOSTILE, {"serial_number": "TL1000000101"})
        await client.create_application("Elsewhere", {"serial_number": "TL2"})
    async with running_console(sandbox, size=(120, 40)) as (app, pilot):
        screen = await open_share(app, pilot, made)
        pick(screen, ("arc_display_type", "Weather Station"))
        await by_claim(pilot, screen, "serial_number")
        screen.query_one("#share-naming-words").scroll_visible(animate=False)
        await pilot.pause()
        text = said(screen)
        assert "By claim (jwt_serial_number=TL1000000101)" in text
        assert "EVERY registration whose token carries that claim value" in text
        assert "1 other registration on the tenant carries it" in text
        raw = screen_text(app)
        assert r"Twin\x1b[2J\x07 [b]bold[/b]" in raw
        assert "\x1b" not in raw and "\x07" not in raw
        assert "Elsewhere" not in text
        stations = sorted(a.identity for a in screen.matches())
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, ShareAssetsScreen), what="the screen to close")
        async with client_for(sandbox) as client:
            (policy,) = await list_policies(client)
        assert policy.access_permissions[0].user_attributes == (("jwt_serial_number=TL1000000101",),)
        assert stations
        assert sorted(a["identity"] for a in own_assets(sandbox, twin.client_id, twin.secret)) == stations


async def test_a_failed_create_is_shown_and_the_choices_are_kept(sandbox):
    async with client_for(sandbox) as client:
        made = await client.create_application("TrafficLight101")
    async with running_console(sandbox, size=(120, 40)) as (app, pilot):
        screen = await open_share(app, pilot, made)
        pick(screen, ("location", "Cambridge"))
        await pilot.pause()
        sandbox.stop()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: bool(screen.error), timeout=30, what="the error")
        await pilot.pause()
        assert isinstance(app.screen, ShareAssetsScreen)
        assert screen.error.startswith("Could not create the access policy")
        assert "Could not create the access policy" in words(app)  # scrolled into view
        assert screen.choice().values == {"location": frozenset({"Cambridge"})}
        assert "Traceback" not in screen_text(app)


async def test_read_only_refuses_s_and_says_why(sandbox):
    async with client_for(sandbox) as client:
        await client.create_application("TrafficLight101")
    async with running_console(sandbox, read_only=True, size=(120, 40)) as (app, pilot):
        await pilot.press("s")
        await pilot.pause()
        assert not isinstance(app.screen, ShareAssetsScreen)
        assert any("sharing assets is turned off" in n for n in notifications(app))


async def test_hostile_attribute_values_are_offered_escaped_and_shared_exactly(sandbox):
    hostile = "Cam\x1b]52;c;AAAA\x07bridge [red]x[/red]"
    sandbox.store.add_asset({"arc_display_name": "Odd \x1b[31mlamp", "location": hostile})
    async with client_for(sandbox) as client:
        made = await client.create_application("Reader")
    async with running_console(sandbox, size=(80, 24)) as (app, pilot):
        screen = await open_share(app, pilot, made)
        raw = screen_text(app)
        assert "\x1b" not in raw and "\x07" not in raw
        pick(screen, ("location", hostile))
        await pilot.pause()
        assert "1 asset match" in said(screen)
        assert r"Odd \x1b[31mlamp" in said(screen)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, ShareAssetsScreen), what="the screen to close")
        (seen,) = own_assets(sandbox, made.client_id, made.secret)
        assert seen["attributes"] == {"arc_display_name": "Odd \x1b[31mlamp"}


async def test_a_root_registration_is_told_it_sees_everything_already(sandbox):
    async with running_console(sandbox, size=(120, 40)) as (app, pilot):
        me = app.apps_view.applications[sandbox.admin_client_id]
        await open_share(app, pilot, me)
        assert "This registration is root: it already sees every asset" in words(app)


async def test_nothing_picked_is_refused_with_what_to_do(sandbox):
    async with client_for(sandbox) as client:
        made = await client.create_application("Reader")
    async with running_console(sandbox, size=(80, 24)) as (app, pilot):
        screen = await open_share(app, pilot, made)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Pick at least one attribute value" in screen.error
        assert isinstance(app.screen, ShareAssetsScreen)
        async with client_for(sandbox) as client:
            assert await list_policies(client) == []


async def test_a_choice_that_matches_no_asset_asks_before_it_is_created(sandbox):
    async with client_for(sandbox) as client:
        made = await client.create_application("Reader")
    async with running_console(sandbox, size=(80, 24)) as (app, pilot):
        screen = await open_share(app, pilot, made)
        pick(screen, ("arc_display_type", "Weather Station"), ("has_cyclist_light", "true"))  # no such asset
        await pilot.pause()
        assert "No asset matches" in said(screen)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "share nothing today" in screen.error and "ctrl+s again" in screen.error
        async with client_for(sandbox) as client:
            assert await list_policies(client) == []
        await pilot.press("ctrl+s")  # said twice: created
        await wait_until(pilot, lambda: not isinstance(app.screen, ShareAssetsScreen), what="the policy")
        async with client_for(sandbox) as client:
            assert [p.display_name for p in await list_policies(client)] == ["Share with Reader"]


async def test_assets_that_cannot_be_read_say_so_and_create_stays_off(sandbox):
    async with client_for(sandbox) as client:
        made = await client.create_application("Reader")
    async with running_console(sandbox, size=(80, 24)) as (app, pilot):
        app.apps_view.table.move_cursor(row=app.apps_view.table.get_row_index(made.client_id))
        sandbox.stop()
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, ShareAssetsScreen), what="the share screen")
        screen = app.screen
        await wait_until(
            pilot, lambda: "Could not read the tenant's assets" in said(screen), timeout=30, what="the error"
        )
        assert not screen.loaded and screen.query_one("#share-create").disabled
        assert "Traceback" not in screen_text(app)


async def test_a_caller_that_is_not_root_is_told_why_before_anything_is_read():
    from textual.app import App

    made = Application("applications/x", "Reader", "client-x")

    class Host(App):
        def on_mount(self) -> None:
            # No client: nothing may be asked of a server for a caller that is not root.
            self.push_screen(ShareAssetsScreen(None, made, [made], caller_is_admin=False))  # type: ignore[arg-type]

    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ShareAssetsScreen)
        assert "You are not signed in as a root principal (or Owner)" in said(screen)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ShareAssetsScreen) and not screen.loaded
