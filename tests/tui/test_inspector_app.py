"""The inspector as it appears: a snapshot at a fixed size, and inside the real console frame."""

from __future__ import annotations

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from test_inspector import NOW_TS, SIZE, Clock, InspectorHost, sandbox_token, settle, shown
from textual.widgets import Input, TextArea
from tui_helpers import wait_until

from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.connection import Connection
from rkvst_tui.tui.views.inspector import TokenInspector
from rkvst_tui.tui.widgets.token_report import TokenReportView

# A fixed Ed25519 key: Ed25519 signatures are deterministic, so the token, its
# fingerprint and every cell of the screen are the same on every run.
SNAPSHOT_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
SNAPSHOT_TOKEN = jwt.encode(
    {
        "iss": "http://127.0.0.1:8000/appidpv1",
        "aud": "http://127.0.0.1:8000/archivist",
        "sub": "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065",
        "client_id": "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065",
        "name": "TrafficLight101",
        "jit_tenant_id": "tenant/53e6bed7-6f4c-4a37-8c4f-cf889f2b1aa6",
        "jit_tier": "FREE",
        "jti": "0b7e5c3a9d",
        "iat": NOW_TS - 300,
        "exp": NOW_TS + 42 * 60 + 10,
        "serial_number": "TL1000000101",
        "has_cyclist_light": "true",
    },
    SNAPSHOT_KEY,
    algorithm="EdDSA",
    headers={"typ": "at+jwt", "kid": "sandbox-key-1"},
)
SNAPSHOT_PEM = (
    SNAPSHOT_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


@pytest.mark.parametrize("size", [SIZE, (80, 24)], ids=["120x40", "80x24"])
def test_inspector_snapshot(snap_compare, size):
    async def run_before(pilot) -> None:
        for widget in pilot.app.query(TextArea).results():
            widget.cursor_blink = False
        for widget in pilot.app.query(Input).results():
            widget.cursor_blink = False
        pilot.app.query_one("#ti-key", TextArea).load_text(SNAPSHOT_PEM)
        pilot.app.query_one(TokenInspector).inspect_text(f"Authorization: Bearer {SNAPSHOT_TOKEN}\n")
        await settle(pilot)
        # The tables are laid out again for the pane's width once the layout settles (a
        # scrollbar may come or go): wait for that, as the console's scenes do.
        report = pilot.app.query_one(TokenReportView)
        await wait_until(pilot, lambda: report.fitted_width == report.details_width(), what="the tables' widths")
        await pilot.pause(0.1)
        await settle(pilot)

    assert snap_compare(InspectorHost(clock=Clock()), terminal_size=size, run_before=run_before)


async def test_the_console_third_tab_inspects_with_the_connected_backend(make_sandbox):
    from rkvst_tui.tui.app import RkvstApp

    server = make_sandbox(deterministic=True)
    connection = Connection(
        server.base_url, client_id=server.admin_client_id, secret=server.admin_secret, is_sandbox=True
    )
    async with RkvstClient(connection) as client:
        app = RkvstApp(client, clock=Clock())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("3")
            await settle(pilot)
            assert app.active_tab == "inspector"
            assert app.focused is app.query_one("#ti-paste", TextArea)  # ready for a paste
            widget = app.query_one(TokenInspector)
            widget.inspect_text(sandbox_token(server))
            await settle(pilot)
            assert widget.report.signature_state == "VERIFIED"
            assert "the backend's key set" in shown(app, "#ti-signature")
            assert shown(app, "#ti-warnings") == "No warnings."
            assert widget.report.claim("exp").times.utc == "2026-01-15 13:00:00 UTC"
