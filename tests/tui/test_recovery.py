"""A create whose answer is lost: the server acted, the secret was never seen.

The transport below forwards the create to the real sandbox (so the registration is
really made) and then drops the answer with `httpx.ReadError`, as a broken connection
would, or replaces it with a gateway's 5xx or a page that is not JSON: faults a real
server cannot produce on demand.
"""

from __future__ import annotations

import httpx
import pytest
from textual.app import App
from textual.widgets import Static
from tui_helpers import APP_CSS, client_for, open_app_form, wait_until

from rkvst_tui.api.models import Application
from rkvst_tui.tui.screens.app_form import AppFormResult, AppFormScreen
from rkvst_tui.tui.screens.confirm import ConfirmScreen
from rkvst_tui.tui.screens.lost_create import LostCreateScreen, lost_candidates
from rkvst_tui.tui.screens.secret_reveal import SecretRevealScreen

SIZE = (120, 40)
APPLICATIONS = "/archivist/iam/v1/applications"


class LosingTransport(httpx.AsyncBaseTransport):
    """The real HTTP transport, except that the next create's answer is lost.

    forward_create: send the create to the server first (it acts) or drop it on the way.
    answer: what comes back instead of the server's answer: None (the connection drops),
        a status such as 502 (a gateway's error page), or "not-json" (a 200 that is not JSON).
    lookups_fail: while True, listing registrations fails as if the network were down.
    """

    def __init__(self, *, forward_create: bool = True, answer: int | str | None = None) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.forward_create = forward_create
        self.answer = answer
        self.creates_to_lose = 1
        self.lookups_fail = False
        self.creates_seen = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == APPLICATIONS:
            self.creates_seen += 1
            if self.creates_to_lose:
                self.creates_to_lose -= 1
                if self.forward_create:
                    answer = await self.inner.handle_async_request(request)
                    await answer.aread()  # the server has acted and answered...
                    await answer.aclose()
                if self.answer == "not-json":
                    return httpx.Response(
                        200, text="<html><title>Sign in</title></html>", headers={"content-type": "text/html"}
                    )
                if isinstance(self.answer, int):
                    return httpx.Response(
                        self.answer,
                        text=f"<html><h1>{self.answer}</h1>nginx</html>",
                        headers={"content-type": "text/html"},
                    )
                raise httpx.ReadError("connection reset by peer", request=request)  # ...and the answer is lost
        if request.method == "GET" and request.url.path == APPLICATIONS and self.lookups_fail:
            raise httpx.ReadError("connection reset by peer", request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class FormHost(App):
    CSS_PATH = APP_CSS

    def __init__(self, client) -> None:
        super().__init__()
        self.client = client
        self.results: list[AppFormResult | None] = []

    def on_mount(self) -> None:
        self.push_screen(AppFormScreen(self.client), self.results.append)


def text_of(widget) -> str:
    return str(widget.render())


async def fill_and_submit(pilot, name: str, claims: dict[str, str]) -> None:
    await pilot.press(*name)
    for claim, value in claims.items():
        await pilot.press("ctrl+n", *claim, "tab", *value)
    await pilot.press("ctrl+s")


async def wait_for_recovery_choice(pilot, app: App) -> LostCreateScreen:
    await wait_until(
        pilot,
        lambda: isinstance(app.screen, LostCreateScreen) and app.screen._state in ("found", "check-failed"),
        what="the recovery screen to find the registration",
    )
    return app.screen


async def form_message(pilot, app: App) -> str:
    await wait_until(
        pilot,
        lambda: (
            isinstance(app.screen, AppFormScreen)
            and not app.screen._busy
            and app.screen.query_one("#form-error").has_class("-shown")
        ),
        what="the form's message",
    )
    return text_of(app.screen.query_one("#form-error", Static))


async def test_a_lost_create_is_found_and_its_secret_regenerated_and_shown(sandbox, tmp_path) -> None:
    transport = LosingTransport()
    async with client_for(sandbox, transport=transport) as client:
        app = App(css_path=APP_CSS)
        done: list[Application | None] = []
        async with app.run_test(size=SIZE) as pilot:
            open_app_form(app, client, default_save_dir=tmp_path, on_done=done.append)
            await pilot.pause()
            await fill_and_submit(pilot, "LostLight", {"serial": "L1"})
            screen = await wait_for_recovery_choice(pilot, app)
            assert screen._state == "found"
            shown = "\n".join(text_of(w) for w in screen.query(Static))
            assert "the answer was lost" in shown and "answer never came back" not in shown
            assert "It was created" in shown and "SECRET was never shown" in shown
            made = screen.candidates[0]
            assert made.display_name == "LostLight" and made.custom_claims == {"serial": "L1"}
            await pilot.press("r")
            await wait_until(pilot, lambda: isinstance(app.screen, SecretRevealScreen), what="the reveal")
            reveal = app.screen
            assert reveal.reason == "regenerated"
            secret = reveal._secret
            assert len(secret) == 64 and reveal._client_id == made.client_id
            # The secret shown works at the real token endpoint.
            answer = await client.request_token(made.client_id, secret)
            assert answer.expires_in > 0
            await pilot.press("escape", "y")
            await wait_until(pilot, lambda: done != [], what="the flow to end")
        assert transport.creates_seen == 1  # the create was never sent twice
        assert [a.client_id for a in await client.find_applications_by_name("LostLight")] == [made.client_id]


async def test_delete_removes_what_the_lost_create_made_and_the_form_can_retry(sandbox) -> None:
    transport = LosingTransport()
    async with client_for(sandbox, transport=transport) as client:
        app = FormHost(client)
        async with app.run_test(size=SIZE) as pilot:
            await fill_and_submit(pilot, "Doomed", {"site": "x"})
            await wait_for_recovery_choice(pilot, app)
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            shown = await form_message(pilot, app)
            assert "Deleted the registration the create had made" in shown
            assert await client.find_applications_by_name("Doomed") == []
            form = app.screen
            assert form.display_name == "Doomed" and form.claims_to_send() == {"site": "x"}
            await pilot.press("ctrl+s")  # the answer arrives this time
            await wait_until(pilot, lambda: app.results != [], what="the retried create")
        result = app.results[0]
        assert result is not None and result.created and result.reveal_reason == "created"
        assert len(await client.find_applications_by_name("Doomed")) == 1


async def test_when_nothing_was_made_the_form_says_so_and_keeps_what_was_typed(sandbox) -> None:
    transport = LosingTransport(forward_create=False)
    async with client_for(sandbox, transport=transport) as client:
        app = FormHost(client)
        async with app.run_test(size=SIZE) as pilot:
            await fill_and_submit(pilot, "NeverMade", {"a": "1"})
            shown = await form_message(pilot, app)
            assert "The create did not happen: the answer was lost" in shown
            assert app.screen.display_name == "NeverMade"
            assert app.results == []
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: app.results != [], what="the retried create")
        assert len(await client.find_applications_by_name("NeverMade")) == 1


async def test_an_older_registration_of_the_same_name_is_never_touched(sandbox) -> None:
    transport = LosingTransport()
    async with client_for(sandbox, transport=transport) as client:
        transport.creates_to_lose = 0
        older = await client.create_application("Twin", {"serial": "T"})
        transport.creates_to_lose = 1
        app = FormHost(client)
        async with app.run_test(size=SIZE) as pilot:
            await fill_and_submit(pilot, "Twin", {"serial": "T"})  # same name, same claims
            screen = await wait_for_recovery_choice(pilot, app)
            assert [a.client_id for a in screen.candidates] != [older.client_id]
            assert len(screen.candidates) == 1
            await pilot.press("r")
            await wait_until(pilot, lambda: app.results != [], what="the regenerate")
        result = app.results[0]
        assert result is not None and result.reveal_reason == "regenerated"
        assert result.application.client_id != older.client_id
        # The older one's secret still works: its secret was not regenerated.
        assert (await client.request_token(older.client_id, older.secret)).expires_in > 0


async def test_when_the_check_fails_it_says_so_and_checks_again(sandbox) -> None:
    transport = LosingTransport()
    async with client_for(sandbox, transport=transport) as client:
        app = FormHost(client)
        async with app.run_test(size=SIZE) as pilot:
            original = transport.handle_async_request

            async def lose_then_cut(request: httpx.Request) -> httpx.Response:
                answer_lost = request.method == "POST" and transport.creates_to_lose
                try:
                    return await original(request)
                finally:
                    if answer_lost:
                        transport.lookups_fail = True  # the network stays down after the lost answer

            transport.handle_async_request = lose_then_cut
            await fill_and_submit(pilot, "Flaky", {})
            screen = await wait_for_recovery_choice(pilot, app)
            assert screen._state == "check-failed"
            shown = "\n".join(text_of(w) for w in screen.query(Static))
            assert "Could not tell whether the registration was created" in shown
            assert screen.query_one("#recovery-check").display
            transport.lookups_fail = False
            await pilot.press("c")
            screen = await wait_for_recovery_choice(pilot, app)
            assert screen._state == "found"
            await pilot.press("r")
            await wait_until(pilot, lambda: app.results != [], what="the regenerate")
        assert app.results[0].reveal_reason == "regenerated"


async def test_deciding_later_asks_and_then_leaves_the_form_with_a_warning(sandbox) -> None:
    transport = LosingTransport()
    async with client_for(sandbox, transport=transport) as client:
        app = FormHost(client)
        async with app.run_test(size=SIZE) as pilot:
            await fill_and_submit(pilot, "Later", {})
            await wait_for_recovery_choice(pilot, app)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await wait_until(pilot, lambda: app.results != [], what="the form to close")
            notices = [n.message for n in app._notifications]
        result = app.results[0]
        assert result is not None and not result.needs_reveal
        assert any("exists without a known secret" in n and "regenerate" in n for n in notices)


def test_without_the_ids_from_before_only_the_same_claims_are_candidates() -> None:
    def app(client_id: str, claims: dict[str, str]) -> Application:
        return Application(
            identity=f"applications/{client_id}", display_name="X", client_id=client_id, custom_claims=claims
        )

    found = [app("old", {"a": "1"}), app("new", {"a": "2"})]
    assert [a.client_id for a in lost_candidates(found, {"a": "2"}, None)] == ["new"]
    assert [a.client_id for a in lost_candidates(found, {"a": "2"}, {"old"})] == ["new"]
    assert lost_candidates(found, {"a": "3"}, {"old", "new"}) == []


# --------------------------------------------------------------------------- a 5xx after the create


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_a_gateway_error_after_the_server_made_it_is_found_and_regenerated(sandbox, status) -> None:
    """A gateway's 5xx can come after the backend made the registration: it is looked up, not lost."""
    transport = LosingTransport(answer=status)
    async with client_for(sandbox, transport=transport) as client:
        app = FormHost(client)
        async with app.run_test(size=SIZE) as pilot:
            await fill_and_submit(pilot, "GatewayLight", {"serial": "G1"})
            screen = await wait_for_recovery_choice(pilot, app)
            assert screen._state == "found"
            (made,) = screen.candidates
            assert made.display_name == "GatewayLight" and made.custom_claims == {"serial": "G1"}
            await pilot.press("r")
            await wait_until(pilot, lambda: app.results != [], what="the regenerate")
        result = app.results[0]
        assert result is not None and result.needs_reveal and result.reveal_reason == "regenerated"
        assert result.application.client_id == made.client_id
        assert (await client.request_token(made.client_id, result.application.secret)).expires_in > 0
        assert transport.creates_seen == 1, "a create answered 5xx is looked up, never re-sent"
        assert [a.client_id for a in await client.find_applications_by_name("GatewayLight")] == [made.client_id]


async def test_regenerating_after_a_502_shows_the_new_secret_once(sandbox, tmp_path) -> None:
    transport = LosingTransport(answer=502)
    async with client_for(sandbox, transport=transport) as client:
        app = App(css_path=APP_CSS)
        done: list[Application | None] = []
        async with app.run_test(size=SIZE) as pilot:
            open_app_form(app, client, default_save_dir=tmp_path, on_done=done.append)
            await pilot.pause()
            await fill_and_submit(pilot, "RevealAfter502", {})
            await wait_for_recovery_choice(pilot, app)
            await pilot.press("r")
            await wait_until(pilot, lambda: isinstance(app.screen, SecretRevealScreen), what="the reveal")
            reveal = app.screen
            assert reveal.reason == "regenerated"
            (made,) = await client.find_applications_by_name("RevealAfter502")
            assert reveal._client_id == made.client_id
            assert reveal._secret in text_of(reveal.query_one("#reveal-secret", Static))
            assert (await client.request_token(made.client_id, reveal._secret)).expires_in > 0
            await pilot.press("escape", "y")
            await wait_until(pilot, lambda: done != [], what="the flow to end")


@pytest.mark.parametrize("status", [500, 502])
async def test_a_5xx_when_nothing_was_made_says_so_and_keeps_what_was_typed(sandbox, status) -> None:
    transport = LosingTransport(forward_create=False, answer=status)
    async with client_for(sandbox, transport=transport) as client:
        app = FormHost(client)
        async with app.run_test(size=SIZE) as pilot:
            await fill_and_submit(pilot, "NotMade5xx", {"site": "x"})
            shown = await form_message(pilot, app)
            assert f"the server failed ({status})" in shown
            assert "Checked: the create did not happen (there is no new registration named 'NotMade5xx')" in shown
            assert "The form keeps what you typed." in shown
            form = app.screen
            assert isinstance(form, AppFormScreen)
            assert form.display_name == "NotMade5xx" and form.claims_to_send() == {"site": "x"}
            assert app.results == []
            assert await client.find_applications_by_name("NotMade5xx") == []
            await pilot.press("ctrl+s")  # the server answers this time
            await wait_until(pilot, lambda: app.results != [], what="the retried create")
        assert app.results[0] is not None and app.results[0].reveal_reason == "created"
        assert transport.creates_seen == 2
        assert len(await client.find_applications_by_name("NotMade5xx")) == 1


async def test_a_4xx_is_a_refusal_and_is_not_looked_up(sandbox) -> None:
    transport = LosingTransport(forward_create=False, answer=409)
    async with client_for(sandbox, transport=transport) as client:
        app = FormHost(client)
        async with app.run_test(size=SIZE) as pilot:
            await fill_and_submit(pilot, "Refused", {})
            shown = await form_message(pilot, app)
            assert "409" in shown and "Checked:" not in shown
            assert not any(isinstance(s, LostCreateScreen) for s in app.screen_stack)


# --------------------------------------------------------------------------- words that follow the cause


@pytest.mark.parametrize(
    ("answer", "title", "fate"),
    [
        (None, "The create answer was lost", "the answer was lost (the connection to 127.0.0.1"),
        ("not-json", "The create answer could not be read", "but the answer could not be read (the answer to POST"),
        (502, "The create was answered 502 Bad Gateway", "The server answered 502 Bad Gateway to the request"),
        (503, "The create was answered 503 Service Unavailable", "The server answered 503 Service Unavailable"),
    ],
    ids=["lost", "unreadable", "502", "503"],
)
async def test_the_recovery_screen_says_what_became_of_the_answer(sandbox, answer, title, fate) -> None:
    transport = LosingTransport(answer=answer)
    async with client_for(sandbox, transport=transport) as client:
        app = FormHost(client)
        async with app.run_test(size=SIZE) as pilot:
            await fill_and_submit(pilot, "Worded", {})
            screen = await wait_for_recovery_choice(pilot, app)
            intro = text_of(screen.query_one("#recovery-intro", Static))
            assert screen.query_one("#recovery-dialog").border_title == title
            assert fate in intro and "the request to create 'Worded'" in intro
            assert "never came back" not in intro
            assert "SECRET nobody has seen" in intro
            await pilot.press("d")  # the delete question names the cause too
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the delete question")
            question = "\n".join(text_of(w) for w in app.screen.query(Static))
            wanted = {None: "the answer was lost", "not-json": "the answer could not be read"}.get(
                answer, f"the server answered {answer}"
            )
            assert f"made just now by the create ({wanted}" in question
