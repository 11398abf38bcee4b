"""The console when things go wrong: unreachable backend, refused credentials, a sandbox
that stops while the console is open, a non-root identity, rate limiting."""

from __future__ import annotations

import socket

import httpx
from tui_helpers import client_for, notifications, running_console, screen_text, settle, wait_until

from rkvst_tui.tui.screens.problem import ConnectionProblemScreen
from rkvst_tui.tui.widgets.header import ConsoleHeader


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_unreachable_backend_gives_a_problem_screen_and_retry_connects(make_sandbox):
    server = make_sandbox(start=False, port=free_port())
    client = client_for(server)  # the credentials exist before the server listens
    async with running_console(server, client=client, wait=False) as (app, pilot):
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectionProblemScreen), what="the problem screen")
        await pilot.pause()
        shown = screen_text(app)
        assert "Could not sign in to " + server.base_url in shown
        assert "Retry (r)" in shown and "Traceback" not in shown
        server.start()
        await pilot.press("r")
        await settle(app, pilot)
        assert app.screen is app.screen_stack[0]
        assert server.admin_client_id in app.apps_view.table.rows


async def test_refused_credentials_say_what_to_check(sandbox):
    client = client_for(sandbox, secret="0" * 64)
    async with running_console(sandbox, client=client, wait=False) as (app, pilot):
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectionProblemScreen), what="the problem screen")
        await pilot.pause()
        shown = screen_text(app)
        assert "401" in shown
        assert "secret" in shown.lower()
        assert "0" * 64 not in shown
        await pilot.press("q")
        await pilot.pause()
        assert app._exit or not app.is_running


async def test_sandbox_stopping_while_open_keeps_the_screen_usable(sandbox):
    async with running_console(sandbox) as (app, pilot):
        view = app.apps_view
        assert view.table.row_count == 1
        sandbox.stop()
        await pilot.press("r")
        await wait_until(pilot, lambda: view.load_problem is not None and not view.loading_pages, what="the failure")
        assert view.table.row_count == 1, "the last good list stays on screen"
        assert any("Could not load app registrations" in n for n in notifications(app))
        assert "last refresh failed" in screen_text(app)
        await pilot.press("down", "enter")  # still usable: the details open from what is loaded
        await pilot.pause()
        assert type(app.screen).__name__ == "AppDetailsScreen"
        await pilot.press("escape")
        sandbox.start()
        await pilot.press("r")
        await wait_until(pilot, lambda: view.load_problem is None and not view.loading_pages, what="the reload")
        assert "last refresh failed" not in screen_text(app)


async def test_a_non_root_identity_is_told_how_to_get_access(sandbox):
    async with client_for(sandbox) as admin:
        device = await admin.create_application("device-7", {})
    client = client_for(sandbox, client_id=device.client_id, secret=device.secret)
    async with running_console(sandbox, client=client) as (app, pilot):
        assert app.screen is app.screen_stack[0], "a refused list is not a connection problem"
        shown = screen_text(app)
        assert device.client_id in shown and "not root" in shown
        assert "ROOT PRINCIPALS" in str(app.query_one("#apps-empty").render())
        assert any("403" in n and "add it to ROOT PRINCIPALS" in n for n in notifications(app))
        await pilot.press("n")  # the form may open; the server's refusal is the form's to show
        await pilot.pause()


async def test_rate_limiting_is_announced_and_retried(make_sandbox):
    server = make_sandbox(rate_limit=1)  # one request a second: starting up alone exceeds it
    client = client_for(server)  # the client retries the 429s; the console says so (on_rate_limit)
    async with running_console(server, client=client) as (app, pilot):
        await wait_until(pilot, lambda: app.apps_view.loaded_once and app.principals_loaded, timeout=20)
        assert server.admin_client_id in app.apps_view.table.rows
        assert any("Rate limited, retrying in" in n for n in notifications(app))
        # whoami could not tell root or not through the 429s; the principals' answer settles it.
        assert app.identity.is_root is True
        assert "root: unknown" not in screen_text(app)


async def test_header_counts_down_the_token_and_says_when_it_renews(make_sandbox):
    server = make_sandbox(token_ttl=2)
    async with running_console(server) as (app, pilot):
        header = app.query_one(ConsoleHeader)
        assert "left" in header.text
        await wait_until(
            pilot, lambda: "expired" in header.text or "renews" in header.text, timeout=8, what="the token to run out"
        )
        await pilot.press("r")  # the next request mints a new token and the count starts again
        await wait_until(pilot, lambda: "left" in header.text, timeout=8, what="a new token")
        assert app.client.tokens.mint_count >= 2


class LoseRegenerateAnswers(httpx.AsyncBaseTransport):
    """Real HTTP to the sandbox, except that the answer to a regenerate never arrives
    (the server acts, the connection drops): a fault a real server can't produce on demand."""

    def __init__(self, times: int = 1) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.times = times

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and request.url.path.endswith(":regenerate-secret") and self.times:
            self.times -= 1
            await response.aread()
            raise httpx.ReadError("connection reset by peer", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_lost_regenerate_answer_says_the_secret_may_have_changed(sandbox):
    from rkvst_tui.tui.screens.confirm import ConfirmScreen

    async with client_for(sandbox) as admin:
        made = await admin.create_application("flaky", {})
    client = client_for(sandbox, transport=LoseRegenerateAnswers())
    async with running_console(sandbox, client=client) as (app, pilot):
        app.apps_view.select(made.client_id)
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: any("was lost" in n for n in notifications(app)), what="the notice")
        notice = next(n for n in notifications(app) if "was lost" in n)
        assert "regenerate again (g)" in notice
        answer = httpx.post(
            sandbox.base_url + "/archivist/iam/v1/appidp/token",
            data={"grant_type": "client_credentials", "client_id": made.client_id, "client_secret": made.secret},
        )
        assert answer.status_code == 401, "the server did act: the old secret is gone"
        # The console offers a new secret at once, so none is left that nobody saw.
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the offer")
        assert "did not arrive" in screen_text(app)
        await pilot.press("y")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "SecretRevealScreen", what="the one-time secret")
        revealed = getattr(app.screen, "_application", None) or app.screen.application
        answer = httpx.post(
            sandbox.base_url + "/archivist/iam/v1/appidp/token",
            data={"grant_type": "client_credentials", "client_id": made.client_id, "client_secret": revealed.secret},
        )
        assert answer.status_code == 200


async def test_keys_for_changes_say_not_connected_instead_of_opening_the_form(make_sandbox):
    from rkvst_tui.tui.screens.app_form import AppFormScreen

    server = make_sandbox(start=False, port=free_port())
    async with running_console(server, client=client_for(server), wait=False) as (app, pilot):
        await wait_until(pilot, lambda: isinstance(app.screen, ConnectionProblemScreen), what="the problem screen")
        await pilot.press("escape")  # back to the console, still not connected
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0], what="the console")
        for key in ("n", "2", "a"):
            await pilot.press(key)
            await pilot.pause()
        assert app.screen is app.screen_stack[0], f"{app.screen} opened while not connected"
        assert not isinstance(app.screen, AppFormScreen)
        said = [n for n in notifications(app) if n.startswith("Not connected")]
        assert len(said) == 2, notifications(app)
        assert all("Reconnect" in n and "signed in" in n for n in said)
