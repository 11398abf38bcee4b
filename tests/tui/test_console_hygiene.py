"""Credential upkeep in the console against a real sandbox: the days left in the Expiry column,
the sign-in notice of expiring secrets (once a session), the `f` expiring filter beside `/`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tui_helpers import client_for, column, notifications, row_of, running_console, wait_until

from rkvst_tui.api.models import Application

NOTICE_TITLE = "Secrets expiring"


async def create(server, name: str) -> Application:
    async with client_for(server) as client:
        return await client.create_application(name, {})


async def tenant_with_expiry(sandbox) -> dict[str, Application]:
    """Registrations expired 3 days ago, due in 10 days and 40 days, and one a year away."""
    now = datetime.now(timezone.utc)
    made = {name: await create(sandbox, name) for name in ("expired-feed", "soon-feed", "later-feed", "fresh-feed")}
    sandbox.store.expire_secret(made["expired-feed"].client_id, now - timedelta(days=3, hours=1))
    sandbox.store.expire_secret(made["soon-feed"].client_id, now + timedelta(days=10, hours=1))
    sandbox.store.expire_secret(made["later-feed"].client_id, now + timedelta(days=40, hours=1))
    return made


def expiry_notices(app) -> list[str]:
    return [text for text in notifications(app) if text.startswith(NOTICE_TITLE)]


def status_line(app) -> str:
    return str(app.apps_view.query_one("#apps-status").render())


async def test_the_expiry_column_says_the_days_left_and_how_long_ago_it_expired(sandbox):
    made = await tenant_with_expiry(sandbox)
    async with running_console(sandbox) as (app, _pilot):
        cells = {name: row_of(app, made[name].client_id)["expiry"].plain for name in made}
    assert cells["expired-feed"] == "expired 3d ago"
    assert cells["soon-feed"].endswith(" · 10d") and cells["later-feed"].endswith(" · 40d")
    assert cells["fresh-feed"].endswith(" · 365d") or cells["fresh-feed"].endswith(" · 364d")


async def test_signing_in_with_expiring_secrets_says_how_many_once_a_session(sandbox):
    await tenant_with_expiry(sandbox)
    async with running_console(sandbox) as (app, pilot):
        await wait_until(pilot, lambda: bool(expiry_notices(app)), what="the expiry notice")
        [notice] = expiry_notices(app)
        assert "2 secrets have expired or expire within 30 days (1 expired)" in notice
        assert "Press f on APP REGISTRATIONS to show them" in notice
        await pilot.press("r")  # a reload is not a new session
        await wait_until(pilot, lambda: not app.apps_view.loading_pages, what="the reload")
        await app.workers.wait_for_complete()
        assert len(expiry_notices(app)) == 1


async def test_no_expiry_notice_when_every_secret_has_more_than_30_days(sandbox):
    await create(sandbox, "fresh-feed")
    async with running_console(sandbox) as (app, pilot):
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.apps_view.loaded_once and expiry_notices(app) == []


async def test_the_notice_names_the_key_a_keymap_gave_the_filter(sandbox):
    made = await tenant_with_expiry(sandbox)
    sandbox.store.expire_secret(made["soon-feed"].client_id, datetime.now(timezone.utc) + timedelta(days=50))
    async with running_console(sandbox, keymap={"registrations-expiring": "E"}) as (app, pilot):
        await wait_until(pilot, lambda: bool(expiry_notices(app)), what="the expiry notice")
        assert "1 secret has expired. Press E on APP REGISTRATIONS" in expiry_notices(app)[0]
        await pilot.press("E")
        assert column(app, "name") == ["expired-feed"]


async def test_f_shows_only_the_expiring_secrets_beside_the_name_filter(sandbox):
    await tenant_with_expiry(sandbox)
    async with running_console(sandbox) as (app, pilot):
        assert len(column(app, "name")) == 5  # with the sandbox's own registration
        await pilot.press("f")
        assert column(app, "name") == ["expired-feed", "soon-feed"]
        assert "2 of 5 registrations expire within 30 days or have expired" in status_line(app)
        assert "f: show all" in status_line(app)
        await pilot.press("slash", *"soon", "enter")
        assert column(app, "name") == ["soon-feed"]
        assert "1 of 5 registrations match “soon” and expire within 30 days" in status_line(app)
        await pilot.press("escape")  # the name filter goes, the expiring one stays
        assert column(app, "name") == ["expired-feed", "soon-feed"]
        await pilot.press("slash", *"later", "enter")
        assert column(app, "name") == []
        assert "No App Registrations match “later” and expire within 30 days" in str(
            app.apps_view.query_one("#apps-empty").render()
        )
        await pilot.press("f")
        assert column(app, "name") == ["later-feed"]
        assert "expire within" not in status_line(app)
