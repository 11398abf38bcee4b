"""Faults at the console: what a person reads, that the console stays usable, what is retried,
and that nothing is lost.

Every test drives `RkvstApp` with Pilot (120x40) against a real sandbox on 127.0.0.1. Faults a
real server can produce on demand are produced by it (stopped server, rate limit, quota, short
token lifetime, a secret regenerated elsewhere); the rest come from `FaultyTransport`, which
wraps the real transport: requests reach the real sandbox unless a fault is armed, and a fault
that "loses the answer" lets the real server act first. Requests are counted at the transport
(GET retries bounded, a create never retried) and registrations in the sandbox's store (never
one created twice, never one whose secret nobody saw without the recovery path).
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from reliability_helpers import (
    APPS,
    FAULTS,
    ROOTS,
    TOKEN,
    FaultCase,
    FaultyTransport,
    client_for,
    dropped_after_send,
    names_in_store,
    notifications,
    rendered,
    running_console,
    screen_text,
    settle,
    slow,
    unauthenticated,
    wait_until,
)
from textual.widgets import Input

from rkvst_tui.tui.screens.app_form import AppFormScreen
from rkvst_tui.tui.screens.confirm import ConfirmScreen
from rkvst_tui.tui.screens.lost_create import LostCreateScreen

NAME = "TrafficLight101"


def token_status(server, client_id: str, secret: str) -> int:
    answer = httpx.post(
        server.base_url + TOKEN,
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        timeout=10,
    )
    return answer.status_code


def is_reveal(app) -> bool:
    return type(app.screen).__name__ == "SecretRevealScreen"


def no_secret_shown(app, *secrets: str) -> None:
    shown = "\n".join(notifications(app)) + screen_text(app)
    for secret in secrets:
        assert secret not in shown


async def open_create_form(app, pilot, name: str = NAME) -> AppFormScreen:
    await pilot.press("n")
    await wait_until(pilot, lambda: isinstance(app.screen, AppFormScreen), what="the create form")
    form = app.screen
    form.query_one("#display-name", Input).value = name
    await pilot.pause()
    return form


async def confirm(app, pilot) -> None:
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
    await pilot.press("y")


# --------------------------------------------------------------------------- the fault table: refresh


@pytest.mark.parametrize("case", FAULTS, ids=[c.name for c in FAULTS])
async def test_a_refresh_under_a_fault_says_so_keeps_the_list_and_recovers(sandbox, case: FaultCase):
    transport = FaultyTransport()
    client = client_for(sandbox, transport)
    async with running_console(sandbox, client=client) as (app, pilot):
        view = app.apps_view
        assert sandbox.admin_client_id in view.table.rows
        before = transport.count("GET", APPS)
        transport.arm("GET", APPS, case.fault)
        await pilot.press("r")
        # The notification is a message the app handles after the load ends: wait for it too.
        await wait_until(
            pilot,
            lambda: (
                view.load_problem is not None
                and not view.loading_pages
                and any("Could not load app registrations" in n for n in notifications(app))
            ),
            timeout=20,
            what="the failed refresh",
        )

        told = [n for n in notifications(app) if "Could not load app registrations" in n]
        assert told and case.words.lower() in told[-1].lower(), notifications(app)
        assert "Traceback" not in screen_text(app)
        assert "last refresh failed" in screen_text(app)
        assert sandbox.admin_client_id in view.table.rows, "the last good list stays on screen"
        attempts = transport.count("GET", APPS) - before
        assert 1 <= attempts <= case.max_get_attempts, f"{attempts} GETs for one refresh"
        no_secret_shown(app, sandbox.admin_secret, client.tokens.current or "-")

        # Usable: the details open from what is loaded, and once the fault is gone a refresh works.
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "AppDetailsScreen", what="the details")
        await pilot.press("escape")
        transport.disarm()
        sandbox.store.create_application("made-meanwhile", {})
        await pilot.press("r")
        await wait_until(pilot, lambda: view.load_problem is None and not view.loading_pages, what="the reload")
        assert {a.display_name for a in view.applications.values()} == {"sandbox-admin", "made-meanwhile"}
        assert "last refresh failed" not in screen_text(app)


# --------------------------------------------------------------------------- the fault table: create


@pytest.mark.parametrize("case", FAULTS, ids=[c.name for c in FAULTS])
async def test_a_create_under_a_fault_is_never_doubled_and_its_secret_is_never_lost(sandbox, case: FaultCase):
    transport = FaultyTransport()
    client = client_for(sandbox, transport)
    async with running_console(sandbox, client=client) as (app, pilot):
        form = await open_create_form(app, pilot)
        transport.arm("POST", APPS, case.fault)
        await pilot.press("ctrl+s")

        if case.server_acts:
            # The server made it and the answer is lost: the recovery screen finds it.
            await wait_until(pilot, lambda: isinstance(app.screen, LostCreateScreen), what="the recovery screen")
            recovery = app.screen
            await wait_until(pilot, lambda: recovery._state == "found", what="the look-up")
            fate = "could not be read" if case.name.startswith("body") else "was lost"  # the title follows the cause
            assert f"The create answer {fate}" in screen_text(app)
            state = rendered(recovery.query_one("#recovery-state"))
            assert state.startswith("It was created") and "SECRET was never shown" in state
            assert f"the request to create '{NAME}'" in rendered(recovery.query_one("#recovery-intro"))
            assert names_in_store(sandbox, NAME) == 1
            assert transport.count("POST", APPS) == 1, "a create whose answer was lost is never re-sent"
            transport.disarm()
            await pilot.press("r")  # regenerate: the only way to a secret someone sees
        else:
            # Nothing was made: the form says why, keeps what was typed, and a retry makes one.
            await wait_until(
                pilot,
                lambda: form.query_one("#form-error").has_class("-shown") and not form._busy,
                timeout=20,
                what="the form's error",
            )
            said = rendered(form.query_one("#form-error"))
            assert case.words.lower() in said.lower(), said
            assert "keeps what you typed" in said
            assert app.screen is form and form.query_one("#display-name", Input).value == NAME
            assert names_in_store(sandbox, NAME) == 0
            expected_posts = 4 if case.name == "429 storm" else 1  # a 429 is a refusal: safe to retry, bounded
            assert transport.count("POST", APPS) == expected_posts
            transport.disarm()
            await pilot.press("ctrl+s")

        await wait_until(pilot, lambda: is_reveal(app), what="the one-time secret")
        secret = app.screen._secret
        created = sandbox.store.list_applications(display_name=NAME)
        assert len(created) == 1, "exactly one registration, whatever the fault"
        assert token_status(sandbox, created[0].uuid, secret) == 200, "the secret shown is the one that works"
        no_secret_shown(app, sandbox.admin_secret)
        assert not any(secret in n for n in notifications(app))
        await pilot.press("escape")  # "Have you recorded the secret?" yes
        await confirm(app, pilot)
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0], what="the console")
        assert created[0].uuid in app.apps_view.table.rows


# --------------------------------------------------------------------------- a 401 in the middle of a run


async def test_a_401_in_the_middle_of_a_run_is_answered_with_one_new_token(sandbox):
    transport = FaultyTransport()
    client = client_for(sandbox, transport)
    async with running_console(sandbox, client=client) as (app, pilot):
        mints = client.tokens.mint_count
        transport.arm("GET", APPS, unauthenticated, times=1)
        transport.arm("POST", APPS, unauthenticated, times=1)
        await pilot.press("r")
        await wait_until(pilot, lambda: not app.apps_view.loading_pages and app.apps_view.load_problem is None)
        await open_create_form(app, pilot)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: is_reveal(app), what="the one-time secret")
        assert names_in_store(sandbox, NAME) == 1
        # The refused POST was re-sent once with a new token (the server refused it: safe).
        assert transport.count("POST", APPS) == 2
        assert client.tokens.mint_count == mints + 2
        assert not any("Could not" in n for n in notifications(app)), notifications(app)


async def test_a_secret_regenerated_elsewhere_is_explained_when_the_token_runs_out(make_sandbox):
    server = make_sandbox(token_ttl=2)
    async with client_for(server) as admin:
        ops = await admin.create_application("ops-console", {})
        await admin.add_root_principal(admin.app_principal(ops))
    client = client_for(server, FaultyTransport(), client_id=ops.client_id, secret=ops.secret)
    async with running_console(server, client=client) as (app, pilot):
        assert ops.client_id in app.apps_view.table.rows
        async with client_for(server) as admin:
            await admin.regenerate_secret(ops.client_id)  # someone else rotates the console's secret
        await pilot.pause(2.2)  # the console's token runs out
        await pilot.press("r")
        await wait_until(pilot, lambda: app.apps_view.load_problem is not None and not app.apps_view.loading_pages)
        told = "\n".join(notifications(app))
        assert "client id or secret was refused" in told and "regenerating a secret replaces" in told
        assert ops.secret not in told
        assert ops.client_id in app.apps_view.table.rows, "the last good list stays"


async def test_a_token_that_expires_while_paging_loses_and_doubles_no_row(make_sandbox):
    server = make_sandbox(token_ttl=2)
    server.store.seed_applications(240, prefix="paged-")
    transport = FaultyTransport()
    client = client_for(server, transport)
    async with running_console(server, client=client) as (app, pilot):
        app.apps_view.page_size = 10
        mints = client.tokens.mint_count
        # 25 pages at 0.12 s each outlive the 2 s token (renewed before it runs out); the 21st,
        # 2.4 s in, also meets a stale-token 401, as after a server-side revocation.
        transport.arm("GET", APPS, unauthenticated, times=1, skip=20)
        transport.arm("GET", APPS, slow(0.12))
        await pilot.press("r")
        await wait_until(pilot, lambda: not app.apps_view.loading_pages, timeout=30, what="every page")
        view = app.apps_view
        assert view.load_problem is None, view.load_problem
        assert view.table.row_count == 241 and len(view.applications) == 241
        names = [a.display_name for a in view.applications.values()]
        assert len(set(names)) == 241, "no row twice"
        assert client.tokens.mint_count >= mints + 2, "renewed before expiry, and once more after the 401"
        assert ("GET", APPS, 401) in transport.statuses
        assert not any("Could not" in n for n in notifications(app))


# --------------------------------------------------------------------------- the real sandbox's own faults


async def test_a_create_while_the_server_is_stopped_is_safe_to_send_again(sandbox):
    client = client_for(sandbox, FaultyTransport())
    async with running_console(sandbox, client=client) as (app, pilot):
        form = await open_create_form(app, pilot)
        sandbox.stop()
        await pilot.press("ctrl+s")
        await wait_until(
            pilot, lambda: form.query_one("#form-error").has_class("-shown") and not form._busy, what="the form's error"
        )
        said = rendered(form.query_one("#form-error"))
        assert "Could not create the app registration" in said and "connection refused" in said
        assert "keeps what you typed" in said
        sandbox.start()
        assert names_in_store(sandbox, NAME) == 0
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: is_reveal(app), what="the one-time secret")
        assert names_in_store(sandbox, NAME) == 1


async def test_a_delete_while_the_server_is_stopped_is_reported_and_done_later(sandbox):
    made, _ = sandbox.store.create_application("doomed", {})
    client = client_for(sandbox, FaultyTransport())
    async with running_console(sandbox, client=client) as (app, pilot):
        app.apps_view.select(made.client_id)
        sandbox.stop()
        await pilot.press("d")
        await confirm(app, pilot)
        await wait_until(pilot, lambda: any("Could not delete doomed" in n for n in notifications(app)))
        assert "connection refused" in notifications(app)[-1]
        assert made.client_id in app.apps_view.table.rows
        sandbox.start()
        await pilot.press("d")
        await confirm(app, pilot)
        await wait_until(pilot, lambda: made.client_id not in app.apps_view.table.rows, what="the row to go")
        assert sandbox.store.get_application(made.uuid) is None


async def test_a_lost_delete_answer_is_reported_and_a_second_delete_settles_it(sandbox):
    made, _ = sandbox.store.create_application("doomed", {})
    transport = FaultyTransport()
    client = client_for(sandbox, transport)
    async with running_console(sandbox, client=client) as (app, pilot):
        app.apps_view.select(made.client_id)
        transport.arm("DELETE", APPS + "/", dropped_after_send, prefix=True, times=1)
        await pilot.press("d")
        await confirm(app, pilot)
        await wait_until(pilot, lambda: any("Could not delete doomed" in n for n in notifications(app)))
        assert "may have acted" in notifications(app)[-1]
        assert transport.count("DELETE", APPS + "/", prefix=True) == 1, "a delete is never re-sent on its own"
        await pilot.press("d")
        await confirm(app, pilot)
        await wait_until(pilot, lambda: made.client_id not in app.apps_view.table.rows, what="the row to go")
        assert any("doomed was already deleted" in n for n in notifications(app))


async def test_a_lost_regenerate_answer_points_at_regenerating_again(sandbox):
    made, old_secret = sandbox.store.create_application("rotating", {})
    transport = FaultyTransport()
    client = client_for(sandbox, transport)
    regenerate = f"{APPS}/{made.uuid}:regenerate-secret"
    async with running_console(sandbox, client=client) as (app, pilot):
        app.apps_view.select(made.client_id)
        transport.arm("POST", regenerate, dropped_after_send, times=1)
        await pilot.press("g")
        await confirm(app, pilot)
        await wait_until(pilot, lambda: any("regenerating rotating was lost" in n for n in notifications(app)))
        assert "regenerate again (g)" in notifications(app)[-1]
        assert token_status(sandbox, made.uuid, old_secret) == 401, "the server did replace it"
        assert transport.count("POST", regenerate) == 1
        await pilot.press("g")
        await confirm(app, pilot)
        await wait_until(pilot, lambda: is_reveal(app), what="the one-time secret")
        assert token_status(sandbox, made.uuid, app.screen._secret) == 200


async def test_a_real_rate_limit_on_create_waits_and_creates_once(make_sandbox):
    server = make_sandbox(rate_limit=3)
    transport = FaultyTransport()
    client = client_for(server, transport)
    async with running_console(server, client=client) as (app, pilot):
        await open_create_form(app, pilot)
        token = await client.access_token()

        async def same_client_elsewhere() -> None:  # spends the client's budget while the create runs
            async with httpx.AsyncClient(
                base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}
            ) as other:
                for _ in range(8):
                    await other.get(APPS)
                    await asyncio.sleep(0.1)

        # The sandbox counts requests per whole second of this process's monotonic clock: spend
        # this second's budget early in a second, so the create meets a real 429 and not a
        # budget that a new second has just renewed.
        while time.monotonic() % 1 > 0.2:
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}) as spender:
            while (await spender.get(APPS)).status_code != 429:
                pass
        busy = asyncio.create_task(same_client_elsewhere())
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: is_reveal(app), timeout=20, what="the one-time secret")
        await busy
        assert names_in_store(server, NAME) == 1
        assert any(code == 429 for _, _, code in transport.statuses), "the console met the rate limit"


async def test_the_quota_is_explained_and_freeing_a_slot_lets_the_create_through(make_sandbox):
    server = make_sandbox(max_apps=1)
    old, _ = server.store.create_application("old-device", {})
    client = client_for(server, FaultyTransport())
    async with running_console(server, client=client) as (app, pilot):
        form = await open_create_form(app, pilot)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: form.query_one("#form-error").has_class("-shown") and not form._busy)
        said = rendered(form.query_one("#form-error"))
        assert "402" in said and "quota" in said.lower()
        assert names_in_store(server, NAME) == 0
        await pilot.press("escape")
        await confirm(app, pilot)  # discard the form
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0])
        app.apps_view.select(old.client_id)
        await pilot.press("d")
        await confirm(app, pilot)
        await wait_until(pilot, lambda: old.client_id not in app.apps_view.table.rows)
        await open_create_form(app, pilot)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: is_reveal(app), what="the one-time secret")
        assert names_in_store(server, NAME) == 1


async def test_a_disk_full_while_saving_the_secret_leaves_no_file_and_the_secret_on_screen(
    sandbox, tmp_path, monkeypatch
):
    import errno
    import os

    from rkvst_tui.api import files

    monkeypatch.setenv("RKVST_TUI_DATA_DIR", str(tmp_path / "data"))
    real_fsync = os.fsync
    full = {"on": True}

    def fsync(fd: int) -> None:
        if full["on"]:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", fsync)
    target = tmp_path / "saved" / "traffic.env"
    client = client_for(sandbox, FaultyTransport())
    async with running_console(sandbox, client=client) as (app, pilot):
        await open_create_form(app, pilot)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: is_reveal(app), what="the one-time secret")
        reveal = app.screen
        secret = reveal._secret
        await pilot.press("f")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "SaveCredentialsScreen", what="the save dialog")
        app.screen.query_one("#save-path", Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        said = rendered(app.screen.query_one("#save-error"))
        assert f"Could not write {target}" in said and "No space left" in said
        assert [p.name for p in target.parent.iterdir()] == [], "no half-written file, no temporary file"
        assert secret not in said
        full["on"] = False  # space freed: the same dialog saves
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is reveal, what="back to the secret")
        assert reveal._secret == secret, "the secret is still on screen"
        assert target.read_text() == f"CLIENT_ID={reveal._client_id}\nSECRET={secret}\n"
        assert [p.name for p in target.parent.iterdir()] == ["traffic.env"]


# --------------------------------------------------------------------------- the fault table: signing in


@pytest.mark.parametrize("case", FAULTS, ids=[c.name for c in FAULTS])
async def test_signing_in_under_a_fault_says_so_and_reconnect_loads_everything(sandbox, case: FaultCase):
    from rkvst_tui.tui.screens.problem import ConnectionProblemScreen

    transport = FaultyTransport()
    transport.arm("POST", TOKEN, case.fault)
    client = client_for(sandbox, transport)
    async with running_console(sandbox, client=client, wait=False) as (app, pilot):
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, ConnectionProblemScreen) or app.connection_problem is not None,
            timeout=20,
            what="the sign-in failure",
        )
        await pilot.pause()
        if isinstance(app.screen, ConnectionProblemScreen):
            shown = "\n".join(
                rendered(app.screen.query_one(f"#problem-{part}")) for part in ("title", "where", "message", "hint")
            )
            assert "Retry (r)" in screen_text(app)
        else:
            shown = "\n".join(notifications(app)) + screen_text(app)
        assert f"Could not sign in to {sandbox.base_url}" in shown
        assert case.words.lower() in shown.lower(), shown
        assert "Traceback" not in shown and sandbox.admin_secret not in shown
        # The token request is a POST: never re-sent after a failure, only after a 429 (a refusal),
        # bounded by the client's and the console's retries.
        tries = transport.count("POST", TOKEN)
        if case.name == "429 storm":
            assert 1 < tries <= (1 + client.max_rate_limit_retries) * 4, tries
        else:
            assert tries == 1, tries

        transport.disarm()
        if isinstance(app.screen, ConnectionProblemScreen):
            await pilot.press("r")
        else:
            await pilot.press("ctrl+p")
            await pilot.press(*"Reconnect")
            await pilot.pause(0.3)
            await pilot.press("enter")
        await settle(app, pilot)
        assert sandbox.admin_client_id in app.apps_view.table.rows
        assert app.identity is not None and app.identity.is_root


async def test_a_lost_answer_to_making_a_registration_root_is_settled_by_a_refresh(sandbox):
    made, _ = sandbox.store.create_application("promoted", {})
    transport = FaultyTransport()
    client = client_for(sandbox, transport)
    async with running_console(sandbox, client=client) as (app, pilot):
        app.apps_view.select(made.client_id)
        transport.arm("PATCH", ROOTS, dropped_after_send, times=1)
        await pilot.press("m")
        await confirm(app, pilot)
        await wait_until(
            pilot,
            lambda: any("Could not add the root principal promoted" in n for n in notifications(app)),
            what="the report",
        )
        assert "may have acted" in notifications(app)[-1]
        assert transport.count("PATCH", ROOTS) == 1, "a root-principal write is never re-sent on its own"
        assert any(p.subject == made.uuid for p in sandbox.store.get_root_principals()), "the server did act"
        await pilot.press("r")
        await wait_until(
            pilot, lambda: app.session.is_root_registration(made.client_id), what="the refreshed principals"
        )
        assert "✔" in str(app.apps_view.table.get_cell(made.client_id, "root"))
        # Asking again now offers the removal: nothing is added twice.
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Remove" in screen_text(app)
        await pilot.press("n")
