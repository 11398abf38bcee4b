"""One deterministic tenant for the snapshot tests and tests/screenshots.py.

A deterministic sandbox (fixed clock 2026-01-15T12:00:00Z, seeded ids) on a fixed port,
so the base URL in the header is the same on every run; the console's clock is frozen at
the sandbox's time and the token's expiry is pinned, so the header's "time left" is too.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from console_helpers import has_keys
from textual.pilot import Pilot
from textual.widgets import Input

from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.connection import Connection
from rkvst_tui.sandbox.policies import policies_of
from rkvst_tui.sandbox.server import SandboxServer
from rkvst_tui.sandbox.store import PrincipalRecord
from rkvst_tui.tui.app import RkvstApp

SCENE_PORT = 29311  # fixed (the header and the details show the base URL), below the ephemeral range
UNREACHABLE_PORT = 29312
FROZEN_NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=timezone.utc)
TOKEN_EXPIRES_AT = FROZEN_NOW + timedelta(minutes=42, seconds=10)
SIZE = (120, 40)
NARROW = (80, 24)  # the other first-class size
SCENE_BASE_URL = f"http://127.0.0.1:{SCENE_PORT}"


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        # As the sandbox binds: connections of a run a moment ago (TIME_WAIT) do not hold the port.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def frozen_clock() -> datetime:
    return FROZEN_NOW


def build_sandbox(data_dir: Path, port: int = SCENE_PORT) -> SandboxServer:
    """The scene's tenant: the guide's TrafficLight registrations and a few that need attention."""
    server = SandboxServer(data_dir, port=port, deterministic=True)
    server.start()
    store = server.store
    records = {}
    for name, claims in (
        ("TrafficLight101", {"serial_number": "TL1000000101", "has_cyclist_light": "true"}),
        ("TrafficLight102", {"serial_number": "TL1000000102", "has_cyclist_light": "false"}),
        ("build-pipeline", {}),
        ("legacy-importer", {"source": "ftp"}),
        ("partner-feed", {"partner": "acme", "region": "eu-west"}),
    ):
        record, _secret = store.create_application(name, claims)  # the secret is dropped: never shown
        records[name] = record
    store.expire_secret(records["legacy-importer"].client_id, FROZEN_NOW - timedelta(days=5))
    store.expire_secret(records["partner-feed"].client_id, FROZEN_NOW + timedelta(days=17))
    principals = store.get_root_principals()
    store.set_root_principals(
        [
            *principals,
            PrincipalRecord("", records["build-pipeline"].client_id, "build-pipeline", "", own_issuer=True),
            PrincipalRecord("https://login.example.com", "auth0|5f1a2b3c4d", "Ada Lovelace", "ada@example.com"),
        ]
    )
    # Two access policies: the guide's light shares itself by its claim; the partner by its client id.
    shared = policies_of(store)
    shared.create(
        {
            "display_name": "Traffic lights in Cambridge",
            "description": "for the lights themselves",
            "filters": [
                {"or": ["attributes.arc_display_type=Traffic Light"]},
                {"or": ["attributes.location=Cambridge"]},
            ],
            "access_permissions": [
                {
                    "user_attributes": [{"or": ["jwt_serial_number=TL1000000101"]}],
                    "asset_attributes_read": ["arc_display_name", "serial_number"],
                }
            ],
        }
    )
    shared.create(
        {
            "display_name": "Weather for Acme",
            "description": "the partner's feed",
            "filters": [{"or": ["attributes.arc_display_type=Weather Station"]}],
            "access_permissions": [
                {
                    "user_attributes": [{"or": [f"subject={records['partner-feed'].client_id}"]}],
                    "asset_attributes_read": ["arc_display_name", "location"],
                }
            ],
        }
    )
    return server


def connect_to(server: SandboxServer) -> Callable:
    """The `connect` factory cli.py would pass: the App owns (and closes) the client."""

    async def connect() -> RkvstClient:
        return RkvstClient(
            Connection(
                server.base_url,
                client_id=server.admin_client_id,
                secret=server.admin_secret,
                profile="sandbox",
                is_sandbox=True,
            )
        )

    return connect


def console(server: SandboxServer, *, read_only: bool = False) -> RkvstApp:
    return RkvstApp(connect=connect_to(server), read_only=read_only, clock=frozen_clock)


async def settled(pilot: Pilot) -> None:
    """Wait for the load, then pin everything that moves: token expiry, cursor blink, notices."""
    app = pilot.app
    for _ in range(400):
        if app.apps_view.loaded_once and not app.apps_view.loading_pages and app.principals_loaded and has_keys(app):
            break
        await pilot.pause(0.025)
    else:
        raise AssertionError("the console did not load")
    await app.workers.wait_for_complete()
    if app.client is not None:
        app.client.tokens.expires_at = TOKEN_EXPIRES_AT
        app.query_one("ConsoleHeader").refresh_token_time()
    # The sign-in notice of expiring secrets (the scene has two) would cover every shot's
    # corner: its own snapshot shows it (tests/tui/test_console_hygiene_snapshots.py).
    app.clear_notifications()
    freeze_inputs(app)
    await pilot.pause()


def freeze_inputs(app) -> None:
    for screen in app.screen_stack:
        for box in screen.query(Input):
            box.cursor_blink = False


async def select_named(pilot: Pilot, name: str) -> None:
    app = pilot.app
    client_id = next(c for c, a in app.apps_view.applications.items() if a.display_name == name)
    app.apps_view.select(client_id)
    await pilot.pause()


# Each scene: (file stem, run_before coroutine, keys to press after it).
async def _main(pilot: Pilot) -> None:
    await settled(pilot)
    await select_named(pilot, "TrafficLight101")


async def _details(pilot: Pilot) -> None:
    await _main(pilot)


async def _details_at_the_commands(pilot: Pilot) -> None:
    """The details of TrafficLight101 scrolled to their ready-to-paste commands."""
    await _main(pilot)
    await pilot.press("enter")
    await pilot.pause()
    pilot.app.screen.query_one("#details-dialog").scroll_end(animate=False)
    await pilot.pause()


async def _palette(pilot: Pilot) -> None:
    """The command palette searching for "regen": wait until its list stops changing (the
    providers answer in the background, in no fixed order: hence a search, whose hits are
    ordered by score)."""
    from textual.command import CommandPalette
    from textual.widgets import OptionList

    await _main(pilot)
    await pilot.press("ctrl+p")
    await _until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette), "the palette")
    palette = pilot.app.screen
    freeze_inputs(pilot.app)
    await pilot.press(*"regen")
    seen, steady = None, 0
    while steady < 4:
        await pilot.pause(0.05)
        options = palette.query_one(OptionList)
        now = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        # Steady: the same list a few times running, no search running, no busy indicator.
        settled_now = now == seen and now and not palette._show_busy and palette._busy_timer is None
        steady = steady + 1 if settled_now else 0
        seen = now
    await pilot.wait_for_scheduled_animations()


async def _principals(pilot: Pilot) -> None:
    await settled(pilot)


async def _filter(pilot: Pilot) -> None:
    await settled(pilot)


def scene_token(base_url: str = SCENE_BASE_URL) -> tuple[str, str]:
    """A token for the scene's backend signed with a fixed Ed25519 test key (deterministic
    signatures: the same bytes every run), and that key's public PEM to verify it."""
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))  # public test material
    now = int(FROZEN_NOW.timestamp())
    token = jwt.encode(
        {
            "iss": f"{base_url}/appidpv1",
            "aud": f"{base_url}/archivist",
            "sub": "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065",
            "client_id": "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065",
            "name": "TrafficLight101",
            "jit_tenant_id": "tenant/53e6bed7-6f4c-4a37-8c4f-cf889f2b1aa6",
            "jti": "0b7e5c3a9d",
            "iat": now - 300,
            "exp": now + 42 * 60 + 10,
            "serial_number": "TL1000000101",
            "has_cyclist_light": "true",
        },
        key,
        algorithm="EdDSA",
        headers={"typ": "at+jwt", "kid": "scene-test-key"},
    )
    pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return token, pem


async def _until(pilot: Pilot, condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"the scene timed out waiting for {what}")


async def _token_inspector(pilot: Pilot) -> None:
    """A token pasted into the TOKEN INSPECTOR, verified with the scene's test key; the
    console's clock is frozen, so its times never move."""
    from textual.widgets import TextArea

    from rkvst_tui.tui.views.inspector import TokenInspector
    from rkvst_tui.tui.widgets.token_report import TokenReportView

    app = pilot.app
    await settled(pilot)
    await pilot.press("3")
    await _until(pilot, lambda: bool(app.query(TokenInspector)), "the inspector")
    token, pem = scene_token()
    app.query_one(TokenInspector)._local_tz = timezone.utc  # local times as on every machine
    app.query_one("#ti-key", TextArea).load_text(pem)
    app.query_one(TokenInspector).inspect_text(f"Authorization: Bearer {token}\n", origin="pasted")
    for area in app.query(TextArea):
        area.cursor_blink = False
    await pilot.pause()
    await app.workers.wait_for_complete()
    await _until(pilot, lambda: app.query_one(TokenInspector).report is not None, "the report")
    inspector = app.query_one(TokenInspector)
    assert inspector.report.signature_state == "VERIFIED"
    report = app.query_one(TokenReportView)
    # The tables are laid out again for the pane's width after a layout: wait for that, and
    # show both panes from their top.
    await _until(pilot, lambda: report.fitted_width == report.details_width(), "the tables' widths")
    await pilot.pause(0.1)
    for pane in ("#ti-inputs", "#ti-details"):
        app.query_one(pane).scroll_home(animate=False)
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()


async def _access_policies(pilot: Pilot) -> None:
    await settled(pilot)
    await pilot.press("4")
    await _until(pilot, lambda: pilot.app.policies_view.loaded, "the access policies")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _policy_details(pilot: Pilot) -> None:
    await _access_policies(pilot)
    await pilot.press("enter")
    await pilot.pause()


async def _access_explanation(pilot: Pilot) -> None:
    from rkvst_tui.tui.screens.access_explanation import LOADING, AccessExplanationScreen

    await _main(pilot)
    await pilot.press("x")
    await _until(
        pilot,
        lambda: isinstance(pilot.app.screen, AccessExplanationScreen) and pilot.app.screen.text != LOADING,
        "the explanation",
    )
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


SCENES = {
    "app_registrations": (_main, ()),
    "registration_details": (_details, ("enter",)),
    "delete_confirmation": (_main, ("d",)),
    "regenerate_warning": (_main, ("g",)),
    "root_principals": (_principals, ("2",)),
    "filter": (_filter, ("slash", "T", "r", "a", "f")),
    "help": (_main, ("question_mark",)),
    "access_policies": (_access_policies, ()),
    "access_explanation": (_access_explanation, ()),
}
# Scenes only the snapshot tests show.
TEST_SCENES = {
    "no_match": (_filter, ("slash", "z", "z", "z")),
    "palette": (_palette, ()),
    "token_inspector": (_token_inspector, ()),
    "registration_details_commands": (_details_at_the_commands, ()),
    "policy_details": (_policy_details, ()),
}
