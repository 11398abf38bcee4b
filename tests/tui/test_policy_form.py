"""The access policy form (n / e on ACCESS POLICIES) against a real sandbox: what is typed is
what the server holds, an edit keeps what it does not touch, bad input is refused with
access_rules' words before anything is sent, and the server's refusal is shown on the form."""

from __future__ import annotations

import re

import httpx
from textual.app import App
from textual.widgets import Button, Input, Static, TextArea
from tui_helpers import APP_CSS, client_for, notifications, running_console, screen_text, wait_until

from rkvst_tui.api import access_rules as rules
from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.connection import Connection
from rkvst_tui.api.policies import create_policy, get_policy, list_policies
from rkvst_tui.tui.screens.confirm import ConfirmScreen
from rkvst_tui.tui.screens.policy_form import PolicyFormScreen

LIGHTS = "attributes.arc_display_type=Traffic Light"


def words(app) -> str:
    return " ".join(re.sub(r"[█▀▄▌▐▔▁┃│▊▎▍▏]", " ", screen_text(app)).split())


async def type_into(pilot, app, selector: str, text: str) -> None:
    widget = app.screen.query_one(selector)
    if not widget.has_focus:
        widget.focus()
        await pilot.pause()
    for char in text:
        await pilot.press("enter" if char == "\n" else char)
    await pilot.pause()


def issues(app, field: str) -> str:
    return str(app.screen.query_one(f"#{field}-issues", Static).render())


def submit_disabled(app) -> bool:
    return app.screen.query_one("#policy-submit", Button).disabled


async def open_tab(app, pilot) -> None:
    await pilot.press("4")
    await wait_until(pilot, lambda: app.policies_view.loaded, what="the policies list")
    await pilot.pause()


async def open_form(app, pilot, key: str = "n") -> PolicyFormScreen:
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(app.screen, PolicyFormScreen), what="the policy form")
    screen = app.screen
    await wait_until(pilot, lambda: screen.assets is not None, what="the tenant's assets")
    await pilot.pause()
    return screen


async def test_create_through_the_form_makes_exactly_the_typed_policy(sandbox):
    async with client_for(sandbox) as client:
        await client.create_application("TrafficLight101", {"serial_number": "TL1000000101"})
    async with running_console(sandbox, size=(120, 40)) as (app, pilot):
        await open_tab(app, pilot)
        assert (
            "No access policies: nothing is shared with registrations that are not root. Press n to create one."
            in words(app)
        )
        await open_form(app, pilot)
        await type_into(pilot, app, "#policy-name", "Lights in Cambridge")
        await type_into(pilot, app, "#policy-description", "for the lamps")
        await type_into(
            pilot,
            app,
            "#policy-filters",
            f"{LIGHTS} | attributes.arc_display_type=Weather Station\nattributes.location=Cambridge",
        )
        await type_into(pilot, app, "#policy-who", "jwt_serial_number=TL1000000101")
        await type_into(pilot, app, "#policy-reads", "arc_display_name, location")
        assert not submit_disabled(app)
        assert issues(app, "filters") == "" and issues(app, "who") == ""
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, PolicyFormScreen), what="the form to close")
        await wait_until(pilot, lambda: "1 access policy" in words(app), what="the list with it")
        async with client_for(sandbox) as client:
            [policy] = await list_policies(client)
        assert policy.display_name == "Lights in Cambridge" and policy.description == "for the lamps"
        assert policy.filters == (
            (LIGHTS, "attributes.arc_display_type=Weather Station"),
            ("attributes.location=Cambridge",),
        )
        [permission] = policy.access_permissions
        assert permission.user_attributes == (("jwt_serial_number=TL1000000101",),)
        assert permission.readable == ("arc_display_name", "location")
        assert app.policies_view.table.cursor_row_key() == policy.identity
        assert "Lights in Cambridge" in words(app)
        assert any("Created the access policy 'Lights in Cambridge'." in n for n in notifications(app))


def two_permissions(name: str) -> dict:
    return {
        "display_name": name,
        "description": "old words",
        "filters": [{"or": [LIGHTS, "attributes.note=a | b"]}],
        "access_permissions": [
            {
                "user_attributes": [{"or": ["jwt_serial_number=TL1"]}],
                "include_attributes": ["arc_display_name"],
                "asset_attributes_write": ["note"],
            },
            {"user_attributes": [{"or": ["subject=someone"]}], "asset_attributes_read": ["location"]},
        ],
    }


async def test_edit_changes_only_what_was_typed_and_escapes_the_servers_name(sandbox):
    hostile = "Evil\x1b]52;c;AAAA\x07\u202e name"
    async with client_for(sandbox) as client:
        before = await create_policy(client, two_permissions(hostile))
    async with running_console(sandbox, size=(80, 24)) as (app, pilot):
        await open_tab(app, pilot)
        screen = await open_form(app, pilot, "e")
        name = screen.query_one("#policy-name", Input).value
        assert "\x1b" not in name and "\x07" not in name and r"Evil\x1b]52;c;AAAA\x07" in name
        raw = screen_text(app)
        assert "\x1b" not in raw and "\x07" not in raw and "\u202e" not in raw
        kept = str(screen.query_one("#policy-kept", Static).render())
        assert "1 more permission: the form edits the first and keeps the other unchanged" in kept
        assert "asset_attributes_write are kept unchanged" in kept
        screen.query_one("#policy-description", Input).value = ""
        await type_into(pilot, app, "#policy-description", "new words")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, PolicyFormScreen), what="the form to close")
        await wait_until(pilot, lambda: any("Saved the access policy" in n for n in notifications(app)), what="saved")
        async with client_for(sandbox) as client:
            after = await get_policy(client, before.identity)
        assert after.description == "new words"
        assert after.display_name == hostile  # untouched: sent back exactly as read
        assert after.filters == before.filters and after.access_permissions == before.access_permissions


async def test_the_form_shows_what_it_would_send_for_an_edited_field(sandbox):
    async with client_for(sandbox) as client:
        before = await create_policy(client, two_permissions("Lamps"))
    async with running_console(sandbox, size=(120, 40)) as (app, pilot):
        await open_tab(app, pilot)
        screen = await open_form(app, pilot, "e")
        assert screen.query_one("#policy-filters", TextArea).text == f"{LIGHTS} | attributes.note=a | b"
        app.screen.query_one("#policy-reads", Input).focus()
        await pilot.press("end")
        await type_into(pilot, app, "#policy-reads", ", location")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, PolicyFormScreen), what="the form to close")
        await wait_until(pilot, lambda: any("Saved" in n for n in notifications(app)), what="saved")
        async with client_for(sandbox) as client:
            after = await get_policy(client, before.identity)
        first = after.access_permissions[0]
        assert first.readable == ("arc_display_name", "location")
        assert first.asset_attributes_write == ("note",)
        assert after.filters == before.filters  # "a | b" survived: the filters were not edited
        assert after.access_permissions[1] == before.access_permissions[1]


async def test_a_bad_filter_is_refused_with_check_policys_words_and_save_is_disabled(sandbox):
    async with running_console(sandbox, size=(120, 40)) as (app, pilot):
        await open_tab(app, pilot)
        await open_form(app, pilot)
        await type_into(pilot, app, "#policy-name", "Bad")
        await type_into(pilot, app, "#policy-filters", "location=x")
        expected = rules.check_policy({"display_name": "Bad", "filters": [{"or": ["location=x"]}]})[0].message
        assert "not attributes.NAME=VALUE" in expected
        assert f"✗ line 1, entry 1: {expected}" in issues(app, "filters")
        assert submit_disabled(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PolicyFormScreen)
        assert "Not sent: fix what is marked ✗" in str(app.screen.query_one("#policy-form-error", Static).render())
        app.screen.query_one("#policy-filters", TextArea).clear()
        await type_into(pilot, app, "#policy-filters", "attributes.location=")
        assert "has no value: write a value, or * for any value" in issues(app, "filters")
        assert submit_disabled(app)
        async with client_for(sandbox) as client:
            assert await list_policies(client) == []


async def test_a_claim_no_registration_carries_is_a_warning_that_does_not_block(sandbox):
    async with running_console(sandbox, size=(120, 40)) as (app, pilot):
        await open_tab(app, pilot)
        await open_form(app, pilot)
        await type_into(pilot, app, "#policy-name", "Nobody")
        await type_into(pilot, app, "#policy-filters", LIGHTS)
        await type_into(pilot, app, "#policy-who", "jwt_colour=red")
        assert "! line 1, entry 1: no app registration carries the claim 'colour'" in issues(app, "who")
        assert "shares no attribute" in issues(app, "reads")
        assert not submit_disabled(app)


class FormHost(App):
    CSS_PATH = APP_CSS

    def __init__(self, client: RkvstClient) -> None:
        super().__init__()
        self.client = client

    def on_mount(self) -> None:
        self.push_screen(PolicyFormScreen(self.client, registrations=[]))


async def test_the_servers_400_is_shown_on_the_form_escaped_and_keeps_what_was_typed():
    """A 400 on a policy check_policy accepts: the sandbox (same rules) never answers one, so a
    mock transport stands in for the server."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "t", "token_type": "Bearer", "expires_in": 3600})
        if request.method == "POST":
            return httpx.Response(
                400, json={"code": 3, "message": "display_name: already used\x1b[2J by another policy", "details": []}
            )
        return httpx.Response(200, json={"assets": [], "next_page_token": ""})

    async with RkvstClient(
        Connection("http://127.0.0.1:9", "id", "secret"), transport=httpx.MockTransport(answer)
    ) as client:
        app = FormHost(client)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, PolicyFormScreen), what="the form")
            await type_into(pilot, app, "#policy-name", "Lamps")
            await type_into(pilot, app, "#policy-filters", LIGHTS)
            await pilot.press("ctrl+s")
            error = app.screen.query_one("#policy-form-error", Static)
            await wait_until(pilot, lambda: error.has_class("-shown"), what="the refusal")
            shown = str(error.render())
            assert "display_name: already used" in shown and r"\x1b[2J" in shown
            assert "The form keeps what you typed." in shown
            assert app.screen.query_one("#policy-name", Input).value == "Lamps"
            assert not submit_disabled(app)


async def test_escape_with_changes_asks_before_discarding(sandbox):
    async with running_console(sandbox, size=(120, 40)) as (app, pilot):
        await open_tab(app, pilot)
        await open_form(app, pilot)
        await type_into(pilot, app, "#policy-name", "Half")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        assert "Discard this form?" in words(app)
        await pilot.press("escape")  # keep editing
        await wait_until(pilot, lambda: isinstance(app.screen, PolicyFormScreen), what="the form again")
        assert app.screen.query_one("#policy-name", Input).value == "Half"
        app.screen.query_one("#policy-name", Input).value = ""
        await pilot.pause()
        await pilot.press("escape")  # nothing typed any more: closes at once
        await wait_until(pilot, lambda: not isinstance(app.screen, (PolicyFormScreen, ConfirmScreen)), what="closed")


async def test_read_only_refuses_new_and_edit(sandbox):
    async with client_for(sandbox) as client:
        await create_policy(client, two_permissions("Lamps"))
    async with running_console(sandbox, read_only=True, size=(120, 40)) as (app, pilot):
        await open_tab(app, pilot)
        for key in ("n", "e"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, PolicyFormScreen)
        said = "\n".join(notifications(app))
        assert "creating access policies is turned off" in said
        assert "editing access policies is turned off" in said


async def test_the_empty_tab_offers_the_create_key_the_keymap_sets(sandbox):
    async with running_console(sandbox, size=(120, 40), keymap={"policies-create": "N"}) as (app, pilot):
        await open_tab(app, pilot)
        assert "Press N to create one." in words(app)
        await open_form(app, pilot, "N")


async def test_e_on_the_details_opens_the_form_on_that_policy(sandbox):
    from rkvst_tui.tui.screens.policy_details import PolicyDetailsScreen

    async with client_for(sandbox) as client:
        policy = await create_policy(client, two_permissions("Lamps"))
    async with running_console(sandbox, size=(120, 40)) as (app, pilot):
        await open_tab(app, pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PolicyDetailsScreen), what="the details")
        screen = await open_form(app, pilot, "e")
        assert screen.existing == policy
        assert screen.query_one("#policy-name", Input).value == "Lamps"
