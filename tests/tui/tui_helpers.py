"""Helpers for console tests: a client for a sandbox, running the console and waiting for it to
settle (from tests/console_helpers.py), and reading its tables."""

from __future__ import annotations

from pathlib import Path

from console_helpers import (  # noqa: F401 - the console tests import them from here
    SIZE,
    notifications,
    running_console,
    sandbox_client,
    screen_text,
    settle,
    wait_until,
)
from rich.text import Text

import rkvst_tui.tui.app
from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.models import Application
from rkvst_tui.tui.app import RkvstApp

# The console's stylesheet, for test hosts that show one of its screens or views alone.
APP_CSS = str(Path(rkvst_tui.tui.app.__file__).parent / str(RkvstApp.CSS_PATH))


def client_for(server, client_id: str | None = None, secret: str | None = None, **kwargs) -> RkvstClient:
    """A client for a sandbox, as its admin unless other credentials are given."""
    return sandbox_client(server, client_id=client_id, secret=secret, **kwargs)


def cell_text(cell) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def column(app: RkvstApp, key: str) -> list[str]:
    table = app.apps_view.table
    return [cell_text(table.get_cell(row_key, key)) for row_key in table.rows]


def row_of(app: RkvstApp, client_id: str) -> dict[str, Text]:
    table = app.apps_view.table
    return {column_key.value: table.get_cell(client_id, column_key.value) for column_key in table.columns}


GUIDE_CLAIMS = {"serial_number": "TL1000000101", "has_cyclist_light": "true"}


def guide_application(*, secret: str = "", custom_claims: dict[str, str] | None = None) -> Application:
    """The guide's example registration (TrafficLight101), as the server returns it: fixed
    ids and dates, `secret` in its credential, the guide's claims unless others are given."""
    return Application.from_wire(
        {
            "identity": "applications/d1fb6c87-faa9-4d56-b2fd-a5b70a9af065",
            "display_name": "TrafficLight101",
            "client_id": "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065",
            "tenant_id": "tenant/53e6bed7-6f4c-4a37-8c4f-cf889f2b1aa6",
            "credentials": [
                {"secret": secret, "valid_from": "2026-01-15T12:00:00Z", "valid_until": "2027-01-15T12:00:00Z"}
            ],
            "custom_claims": GUIDE_CLAIMS if custom_claims is None else custom_claims,
        }
    )


def open_app_form(
    app, client: RkvstClient, *, default_save_dir, existing: Application | None = None, on_done=None
) -> None:
    """The form on a bare App, then the one-time secret after a create (as the console chains
    them), then `on_done(application or None)`: the form and the reveal tested together."""
    from rkvst_tui.tui.screens.app_form import AppFormScreen
    from rkvst_tui.tui.screens.secret_reveal import SecretRevealScreen

    def done(application: Application | None) -> None:
        if on_done is not None:
            on_done(application)

    def after_form(result) -> None:
        if result is None:
            done(None)
            return
        if result.needs_reveal:
            app.push_screen(
                SecretRevealScreen(
                    result.application, client, default_save_dir=default_save_dir, reason=result.reveal_reason
                ),
                lambda _closed: done(result.application),
            )
        else:
            done(result.application)

    app.push_screen(AppFormScreen(client, existing=existing), after_form)
