"""The TOKEN INSPECTOR tab, driven as a person would: paste, open, fetch, read, save, copy, test.

Tokens come from the real sandbox (over 127.0.0.1 HTTP) or are signed here with keys
made for the test. The widget runs in a bare host app, so these tests need nothing of
the console frame.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt_helpers import b64url, public_pem
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Input, Static, TextArea
from tui_helpers import APP_CSS

from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.connection import Connection
from rkvst_tui.sandbox.server import SandboxServer
from rkvst_tui.tui.screens.confirm import ConfirmScreen
from rkvst_tui.tui.views.inspector import AUTO_INSPECT_DELAY, TokenInspector

SIZE = (120, 40)
NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=timezone.utc)  # the deterministic sandbox's clock
NOW_TS = int(NOW.timestamp())
TOKEN_PATH = "/archivist/iam/v1/appidp/token"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class InspectorHost(App):
    """A bare app holding only the inspector, recording every notification."""

    CSS_PATH = APP_CSS

    def __init__(self, client: RkvstClient | None = None, clock: Clock | None = None) -> None:
        super().__init__()
        self.client = client
        self.clock = clock or Clock()
        self.notes: list[tuple[str, str, str]] = []  # (severity, title, message)

    def compose(self) -> ComposeResult:
        yield TokenInspector(client_getter=lambda: self.client, clock=self.clock, local_tz=timezone.utc)

    def notify(self, message, *, title="", severity="information", **kwargs) -> None:  # noqa: ANN001
        self.notes.append((severity, title, str(message)))
        super().notify(message, title=title, severity=severity, **kwargs)


# --------------------------------------------------------------------------- helpers


def inspector(app: App) -> TokenInspector:
    return app.query_one(TokenInspector)


def shown(app: App, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


def table_rows(app: App, selector: str) -> list[list[str]]:
    table = app.query_one(selector, DataTable)
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


def cell(app: App, selector: str, name: str, column: int) -> str:
    rows = {row[0]: row for row in table_rows(app, selector)}
    return rows[name][column]


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def paste(pilot, text: str) -> None:
    area = pilot.app.query_one("#ti-paste", TextArea)
    area.focus()
    await pilot.pause()
    # As a terminal delivers it: to the app, which hands it to the focused widget.
    pilot.app.post_message(events.Paste(text))
    await pilot.pause(AUTO_INSPECT_DELAY + 0.15)
    # A megabyte takes a while to reach the box on a busy machine: wait until the inspector took
    # up what was pasted (or there is nothing to take up), not for a fixed time.
    inspector = pilot.app.query_one(TokenInspector)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        pasted = area.text
        if not pasted.strip() or inspector._source_text == pasted:
            break
        await pilot.pause(0.05)
    await settle(pilot)


async def type_into(pilot, selector: str, text: str) -> None:
    pilot.app.query_one(selector, Input).value = text
    await pilot.pause()


async def press(pilot, button_id: str) -> None:
    await pilot.click(f"#{button_id}")
    await settle(pilot)


def signed(key, *, typ: str = "at+jwt", alg: str = "RS256", **claims) -> str:
    body = {
        "iss": "https://issuer.example/appidpv1",
        "aud": "https://issuer.example/archivist",
        "sub": "client-1",
        "iat": NOW_TS - 300,
        "exp": NOW_TS + 42 * 60 + 10,
    }
    body.update(claims)
    return jwt.encode(
        {k: v for k, v in body.items() if v is not None}, key, algorithm=alg, headers={"typ": typ, "kid": "test-key"}
    )


@pytest.fixture
def det_sandbox(make_sandbox) -> SandboxServer:
    """A sandbox on the fixed clock (2026-01-15T12:00:00Z), so token times are known."""
    return make_sandbox(deterministic=True)


@pytest.fixture
async def admin_client(det_sandbox: SandboxServer) -> AsyncIterator[RkvstClient]:
    connection = Connection(
        det_sandbox.base_url, client_id=det_sandbox.admin_client_id, secret=det_sandbox.admin_secret, is_sandbox=True
    )
    async with RkvstClient(connection) as client:
        yield client


def sandbox_token(server: SandboxServer, client_id: str | None = None, secret: str | None = None) -> str:
    answer = httpx.post(
        server.base_url + TOKEN_PATH,
        data={
            "grant_type": "client_credentials",
            "client_id": client_id or server.admin_client_id,
            "client_secret": secret or server.admin_secret,
        },
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()["access_token"]


def create_registration(server: SandboxServer, display_name: str, claims: dict[str, str] | None = None) -> dict:
    """A new (non-root) app registration, made through the sandbox's HTTP API as the admin."""
    answer = httpx.post(
        server.base_url + "/archivist/iam/v1/applications",
        headers={"Authorization": f"Bearer {sandbox_token(server)}"},
        json={"display_name": display_name, "custom_claims": claims or {}},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()


# --------------------------------------------------------------------------- input paths


@pytest.mark.parametrize(
    "wrap",
    [
        "{t}",
        "Bearer {t}",
        "Authorization: Bearer {t}",
        "GET /archivist/v2/assets HTTP/1.1\nHost: 127.0.0.1\nAuthorization: Bearer {t}\nAccept: */*\n\n",
    ],
    ids=["bare", "bearer", "authorization", "http-request"],
)
async def test_pasting_a_token_in_any_form_shows_its_claims(rsa_key, wrap):
    token = signed(rsa_key, serial_number="TL1000000101")
    app = InspectorHost()
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, wrap.format(t=token))
        assert inspector(app).current_token == token
        assert cell(app, "#ti-header", "alg", 1) == "RS256"
        assert cell(app, "#ti-payload", "sub", 1) == "client-1"
        assert cell(app, "#ti-payload", "sub", 2) == "registered"
        assert cell(app, "#ti-payload", "serial_number", 2) == "custom"
        assert cell(app, "#ti-payload", "exp", 3).startswith("Expiry")
        assert cell(app, "#ti-times", "exp", 1) == "2026-01-15 12:42:10 UTC"
        assert cell(app, "#ti-times", "exp", 3) == "expires in 42m 10s"
        assert cell(app, "#ti-times", "iat", 3) == "issued 5m ago"
        assert '"sub": "client-1"' in app.query_one("#ti-raw-payload", TextArea).text
        assert app.query_one("#ti-raw-signature", TextArea).text.startswith("256 bytes, RS256")


async def test_opening_a_bearer_token_file(rsa_key, tmp_path):
    token = signed(rsa_key)
    path = tmp_path / "bearer_token"
    path.write_text(f"Authorization: Bearer {token}\n")
    app = InspectorHost()
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "#ti-file", str(path))
        await press(pilot, "ti-open")
        assert inspector(app).current_token == token
        assert f"from the file {path}" in shown(app, "#ti-source")


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: d / "missing", "no such file"),
        (lambda d: d, "it is a directory"),
        (lambda d: (d / "binary").write_bytes(b"\xff\xfe\x00") and d / "binary", "not UTF-8 text"),
    ],
    ids=["missing", "directory", "binary"],
)
async def test_a_file_that_cannot_be_read_says_why(tmp_path, make, expected):
    path = make(tmp_path)
    app = InspectorHost()
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "#ti-file", str(path))
        await press(pilot, "ti-open")
        errors = [n for n in app.notes if n[0] == "error"]
        assert errors and expected in errors[-1][2]
        assert errors[-1][1] == f"Could not open {path}"
        assert inspector(app).report is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
async def test_an_unreadable_file_says_permission_denied(tmp_path):
    path = tmp_path / "bearer_token"
    path.write_text("Authorization: Bearer x.y.z\n")
    path.chmod(0)
    app = InspectorHost()
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "#ti-file", str(path))
        await press(pilot, "ti-open")
        assert "permission denied" in app.notes[-1][2]


async def test_getting_a_token_with_client_id_and_secret(det_sandbox, admin_client):
    app = InspectorHost(admin_client)
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "#ti-client-id", det_sandbox.admin_client_id)
        await type_into(pilot, "#ti-secret", det_sandbox.admin_secret)
        assert app.query_one("#ti-secret", Input).password
        await press(pilot, "ti-get")
        report = inspector(app).report
        assert report is not None and report.payload["sub"] == det_sandbox.admin_client_id
        assert report.signature_state == "VERIFIED"
        assert app.query_one("#ti-secret", Input).value == ""  # the secret does not linger
        assert all(det_sandbox.admin_secret not in n[2] for n in app.notes)


async def test_a_wrong_secret_is_explained_and_nothing_leaks(det_sandbox, admin_client):
    app = InspectorHost(admin_client)
    wrong = "0" * 64
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "#ti-client-id", det_sandbox.admin_client_id)
        await type_into(pilot, "#ti-secret", wrong)
        await press(pilot, "ti-get")
        severity, title, message = app.notes[-1]
        assert severity == "error" and title == "Could not get a token"
        assert "401" in message and "client id or secret is wrong" in message
        assert wrong not in message
        assert inspector(app).report is None


async def test_inspecting_my_current_token(det_sandbox, admin_client):
    app = InspectorHost(admin_client)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "ti-mine")
        report = inspector(app).report
        assert report.payload["sub"] == det_sandbox.admin_client_id
        assert report.token == await admin_client.access_token()
        assert "signed-in identity's current token" in shown(app, "#ti-source")


async def test_inspect_text_is_the_entry_point_for_other_screens(rsa_key):
    token = signed(rsa_key)
    app = InspectorHost()
    async with app.run_test(size=SIZE) as pilot:
        inspector(app).inspect_text(token)
        await settle(pilot)
        assert inspector(app).current_token == token
        assert app.query_one("#ti-paste", TextArea).text == token


# --------------------------------------------------------------------------- signature states


async def test_verified_by_the_connected_backend_key_set(det_sandbox, admin_client):
    app = InspectorHost(admin_client)
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, sandbox_token(det_sandbox))
        text = shown(app, "#ti-signature")
        assert "VERIFIED" in text and "the backend's key set" in text
        assert app.query_one("#ti-signature").has_class("-verified")
        assert shown(app, "#ti-warnings") == "No warnings."


async def test_tampered_sandbox_token_is_invalid(det_sandbox, admin_client):
    header, payload, signature = sandbox_token(det_sandbox).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["jit_tier"] = "ENTERPRISE"
    app = InspectorHost(admin_client)
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, f"{header}.{b64url(json.dumps(claims).encode())}.{signature}")
        text = shown(app, "#ti-signature")
        assert "INVALID" in text and "bad signature" in text
        assert app.query_one("#ti-signature").has_class("-invalid")
        assert cell(app, "#ti-payload", "jit_tier", 1) == "ENTERPRISE"


async def test_not_checked_says_why_without_a_backend(rsa_key):
    app = InspectorHost(client=None)
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, signed(rsa_key))
        text = shown(app, "#ti-signature")
        assert "NOT CHECKED" in text and "not connected to a backend" in text
        assert app.query_one("#ti-signature").has_class("-not-checked")


async def test_a_key_the_user_gives_verifies(rsa_key):
    app = InspectorHost()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one("#ti-key", TextArea).load_text(public_pem(rsa_key.public_key()))
        await paste(pilot, signed(rsa_key))
        assert "VERIFIED" in shown(app, "#ti-signature")
        assert "the key you gave" in shown(app, "#ti-signature")
        # Changing the key re-checks the token already on screen.
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        app.query_one("#ti-key", TextArea).load_text(public_pem(other.public_key()))
        await pilot.pause(AUTO_INSPECT_DELAY + 0.15)
        await settle(pilot)
        assert "INVALID" in shown(app, "#ti-signature")


async def test_unsecured_alg_none(rsa_key):
    app = InspectorHost()
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, jwt.encode({"sub": "x", "exp": NOW_TS + 60}, None, algorithm="none"))
        assert "UNSECURED" in shown(app, "#ti-signature")
        assert app.query_one("#ti-signature").has_class("-unsecured")
        assert "not signed" in shown(app, "#ti-warnings")


async def test_hs256_made_with_the_public_key_is_invalid(det_sandbox, admin_client):
    """The algorithm-confusion forgery, keyed with the sandbox's own published key."""
    jwks = httpx.get(det_sandbox.base_url + "/appidpv1/.well-known/jwks.json", timeout=10).json()
    published_pem = public_pem(jwt.PyJWK(jwks["keys"][0]).key)
    real = jwt.decode(sandbox_token(det_sandbox), options={"verify_signature": False})
    header = b64url(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": jwks["keys"][0]["kid"]}).encode())
    body = b64url(json.dumps(real).encode())
    forged_sig = b64url(hmac.new(published_pem.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest())
    app = InspectorHost(admin_client)
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, f"{header}.{body}.{forged_sig}")
        text = shown(app, "#ti-signature")
        assert "INVALID" in text and "HS256" in text


async def test_token_own_key_headers_are_shown_as_ignored(rsa_key):
    token = jwt.encode(
        {"sub": "x"}, rsa_key, algorithm="RS256", headers={"jku": "http://127.0.0.1:9/keys", "typ": "at+jwt"}
    )
    app = InspectorHost()
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, token)
        assert "Ignored (the key never comes from the token): jku" in shown(app, "#ti-signature")
        assert "never fetched" in cell(app, "#ti-header", "jku", 2)


# --------------------------------------------------------------------------- warnings


async def test_expired_sandbox_token_warns(det_sandbox, admin_client):
    clock = Clock(NOW + timedelta(hours=3))
    app = InspectorHost(admin_client, clock)
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, sandbox_token(det_sandbox))
        assert "expired 2h ago: get a new token" in shown(app, "#ti-warnings")
        assert cell(app, "#ti-times", "exp", 3) == "expired 2h ago"
        assert "VERIFIED" in shown(app, "#ti-signature")  # expired is not forged


async def test_token_of_another_backend_warns_about_iss_and_aud(make_sandbox, det_sandbox, admin_client):
    other = make_sandbox()  # not deterministic: deterministic sandboxes share their seeded key
    app = InspectorHost(admin_client)
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, sandbox_token(other))
        warnings = shown(app, "#ti-warnings")
        assert f"not the connected backend's issuer {det_sandbox.base_url}/appidpv1" in warnings
        assert f"not the connected backend's audience {det_sandbox.base_url}/archivist" in warnings
        assert "kid unknown" in shown(app, "#ti-signature")


@pytest.mark.parametrize(
    ("claims", "typ", "expected"),
    [
        ({"nbf": NOW_TS + 120}, "at+jwt", "not yet valid: nbf is 2m from now"),
        ({"iat": NOW_TS + 90}, "at+jwt", "iat is 1m 30s in the future"),
        ({}, "JWT", "typ is JWT, not at+jwt"),
        ({"exp": None}, "at+jwt", "no exp claim: this token never expires"),
        ({"jit_owner": "x", "arc_role": "admin", "count": 3}, "at+jwt", "custom claim 'arc_role' breaks"),
    ],
    ids=["nbf", "iat-future", "typ", "no-exp", "custom-claims"],
)
async def test_warnings_a_person_should_act_on(rsa_key, claims, typ, expected):
    app = InspectorHost()
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, signed(rsa_key, typ=typ, **claims))
        assert expected in shown(app, "#ti-warnings")


# --------------------------------------------------------------------------- broken input


async def test_broken_input_shows_what_decoded_and_names_the_part(rsa_key):
    header, payload, _ = signed(rsa_key).split(".")
    app = InspectorHost()
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, f"{header}.{payload[:16]}*{payload[17:30]}")
        errors = shown(app, "#ti-errors")
        assert "expected 3 parts separated by '.', found 2" in errors
        assert "payload: not valid base64url at character 17" in errors
        assert cell(app, "#ti-header", "alg", 1) == "RS256"
        assert table_rows(app, "#ti-payload") == []
        assert app.query_one("#ti-raw-payload", TextArea).text.startswith("payload: not valid base64url")


async def test_a_megabyte_paste_does_not_hang_or_crash(rsa_key):
    token = signed(rsa_key, blob="x" * 1_000_000)
    app = InspectorHost()
    async with app.run_test(size=SIZE) as pilot:
        started = time.perf_counter()
        await paste(pilot, token)
        assert time.perf_counter() - started < 15  # a hang guard, not a speed target (the benchmarks time it)
        assert "payload too large to show in full" in app.query_one("#ti-raw-payload", TextArea).text
        assert len(cell(app, "#ti-payload", "blob", 1)) <= 512
        await paste(pilot, "é" * 1_000_000)  # and junk of the same size, pasted over it
        assert "expected 3 parts" in shown(app, "#ti-errors")


async def test_token_strings_are_shown_as_typed_never_as_markup(rsa_key):
    app = InspectorHost()
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, signed(rsa_key, serial_number="[red]x[/red]", sub="[b]client"))
        table = app.query_one("#ti-payload", DataTable)
        values = {str(row[0]): row[1] for row in (table.get_row_at(i) for i in range(table.row_count))}
        assert isinstance(values["serial_number"], Text)
        assert values["serial_number"].plain == "[red]x[/red]"
        assert values["sub"].plain == "[b]client"


# --------------------------------------------------------------------------- live countdown


async def test_relative_times_count_down_live_and_expiry_raises_the_warning(rsa_key):
    clock = Clock()
    app = InspectorHost(clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, signed(rsa_key, exp=NOW_TS + 2))
        assert cell(app, "#ti-times", "exp", 3) == "expires in 2s"
        utc_before = cell(app, "#ti-times", "exp", 1)
        clock.advance(1)
        await pilot.pause(1.2)
        assert cell(app, "#ti-times", "exp", 3) == "expires in 1s"
        assert cell(app, "#ti-times", "iat", 3) == "issued 5m 1s ago"
        assert cell(app, "#ti-times", "exp", 1) == utc_before
        assert "expired" not in shown(app, "#ti-warnings")
        clock.advance(2)
        await pilot.pause(1.2)
        assert cell(app, "#ti-times", "exp", 3) == "expired 1s ago"
        assert "expired 1s ago: get a new token" in shown(app, "#ti-warnings")


async def test_the_expired_warning_counts_on_with_the_times_row(rsa_key):
    clock = Clock()
    app = InspectorHost(clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, signed(rsa_key, exp=NOW_TS, nbf=NOW_TS + 600))
        assert cell(app, "#ti-times", "exp", 3) == "expired just now"
        assert "expired 0s ago: get a new token" in shown(app, "#ti-warnings")
        assert "not yet valid: nbf is 10m from now" in shown(app, "#ti-warnings")
        for seconds in (5, 65):
            clock.now = NOW + timedelta(seconds=seconds)
            await pilot.pause(1.2)
            relative = cell(app, "#ti-times", "exp", 3)
            assert relative == ("expired 5s ago" if seconds == 5 else "expired 1m 5s ago")
            # The warning says what the TIMES row says, not the moment the token was pasted.
            assert f"{relative}: get a new token" in shown(app, "#ti-warnings")
        assert "not yet valid: nbf is 8m 55s from now" in shown(app, "#ti-warnings")


# --------------------------------------------------------------------------- actions


async def test_save_writes_the_guides_bearer_file_and_asks_before_overwriting(rsa_key, tmp_path):
    token = signed(rsa_key)
    target = tmp_path / "new-dir" / "bearer_token"
    app = InspectorHost()
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, f"Authorization: Bearer {token}")
        await type_into(pilot, "#ti-save-path", str(target))
        await press(pilot, "ti-save")
        assert target.read_bytes() == f"Authorization: Bearer {token}\n".encode()
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert token not in app.notes[-1][2]

        second = signed(rsa_key, sub="someone-else")
        inspector(app).inspect_text(second)
        await settle(pilot)
        await press(pilot, "ti-save")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert target.read_text() == f"Authorization: Bearer {token}\n"  # refused: kept as it was
        assert "nothing saved" in app.notes[-1][2]

        await press(pilot, "ti-save")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert target.read_text() == f"Authorization: Bearer {second}\n"
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert [p.name for p in target.parent.iterdir()] == ["bearer_token"]  # no temporary file left


async def test_a_saved_file_works_with_curl_style_header_use(det_sandbox, admin_client, tmp_path):
    """What `curl -H @bearer_token` sends: the file's one line as a header."""
    target = tmp_path / "bearer_token"
    app = InspectorHost(admin_client)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "ti-mine")
        await type_into(pilot, "#ti-save-path", str(target))
        await press(pilot, "ti-save")
    name, value = target.read_text().rstrip("\n").split(": ", 1)
    answer = httpx.get(det_sandbox.base_url + "/archivist/v2/assets", headers={name: value}, timeout=10)
    assert answer.status_code == 200


async def test_copy_sends_to_the_terminal_and_never_shows_the_token(rsa_key):
    token = signed(rsa_key)
    app = InspectorHost()
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, token)
        await press(pilot, "ti-copy-token")
        assert app.clipboard == token
        severity, _, message = app.notes[-1]
        assert "sent to your terminal's clipboard" in message
        assert token not in message and token.split(".")[1] not in message
        await press(pilot, "ti-copy-payload")
        assert json.loads(app.clipboard)["sub"] == "client-1"
        await press(pilot, "ti-copy-signature")
        assert app.clipboard == token.split(".")[2]


async def test_actions_without_a_token_say_what_to_do():
    app = InspectorHost()
    async with app.run_test(size=SIZE) as pilot:
        for button in ("ti-copy-token", "ti-save", "ti-test"):
            await press(pilot, button)
            assert app.notes[-1][0] == "warning"
            assert "inspect a token first" in app.notes[-1][2]
        assert app.clipboard == ""


async def test_access_test_as_root_lists_the_assets(det_sandbox, admin_client):
    names = [body["attributes"].get("arc_display_name") for _, body in det_sandbox.store.list_assets()]
    assert names, "the sandbox seeds demo assets"
    app = InspectorHost(admin_client)
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, sandbox_token(det_sandbox))
        await press(pilot, "ti-test")
        result = shown(app, "#ti-access")
        assert result.startswith(f"200 OK: {len(names)} asset")
        assert names[0] in result


async def test_access_test_as_a_new_registration_explains_secure_by_default(det_sandbox, admin_client):
    registration = create_registration(det_sandbox, "TrafficLight101", {"serial_number": "TL1000000101"})
    secret = registration["credentials"][0]["secret"]
    token = sandbox_token(det_sandbox, registration["client_id"], secret)
    app = InspectorHost(admin_client)
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, token)
        await pilot.press("ctrl+t")
        await settle(pilot)
        result = shown(app, "#ti-access")
        assert result.startswith("200 OK, 0 assets")
        assert '"secure by default"' in result
        assert f"issuer {det_sandbox.base_url}/appidpv1, subject {registration['client_id']}" in result
        assert "make it root" in result and "access policy" in result
        assert cell(app, "#ti-payload", "serial_number", 1) == "TL1000000101"


LIGHTS_POLICY = {
    "display_name": "Traffic lights in Cambridge",
    "filters": [{"or": ["attributes.arc_display_type=Traffic Light"]}, {"or": ["attributes.location=Cambridge"]}],
    "access_permissions": [
        {
            "user_attributes": [{"or": ["jwt_serial_number=TL1000000101"]}],
            "asset_attributes_read": ["arc_display_name"],
        }
    ],
}


async def test_access_test_of_a_shared_registration_names_the_policy_and_its_filter(det_sandbox, admin_client):
    from rkvst_tui.api.policies import create_policy

    await create_policy(admin_client, LIGHTS_POLICY)
    registration = create_registration(det_sandbox, "TrafficLight101", {"serial_number": "TL1000000101"})
    token = sandbox_token(det_sandbox, registration["client_id"], registration["credentials"][0]["secret"])
    app = InspectorHost(admin_client)
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, token)
        await press(pilot, "ti-test")
        result = shown(app, "#ti-access")
        assert result.startswith("200 OK: 3 assets: Traffic light 101")
        words = " ".join(result.split())
        assert "TrafficLight101 sees 3 assets through 'Traffic lights in Cambridge'" in words
        assert "(filter `arc_display_type=Traffic Light` AND `location=Cambridge`)" in words
        assert "named by `jwt_serial_number=TL1000000101`; reads arc_display_name" in words
        assert "named by a claim" in result


async def test_access_test_of_an_unshared_registration_names_its_claims_and_the_nearest_policy(
    det_sandbox, admin_client
):
    from rkvst_tui.api.policies import create_policy

    await create_policy(admin_client, LIGHTS_POLICY)
    registration = create_registration(det_sandbox, "TrafficLight202", {"serial_number": "TL2000000202"})
    client_id = registration["client_id"]
    token = sandbox_token(det_sandbox, client_id, registration["credentials"][0]["secret"])
    app = InspectorHost(admin_client)
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, token)
        await press(pilot, "ti-test")
        result = " ".join(shown(app, "#ti-access").split())
        assert result.startswith("200 OK, 0 assets: TrafficLight202 sees no asset")
        assert f"no policy names this registration (`subject={client_id}`)" in result
        assert "or its claims (`jwt_serial_number=TL2000000202`)" in result
        assert "nearest: 'Traffic lights in Cambridge' names `jwt_serial_number=TL1000000101`" in result
        assert "make it root" in result


async def test_access_test_with_a_rejected_token_explains_401(det_sandbox, admin_client):
    expired_token = sandbox_token(det_sandbox)
    det_sandbox.clock.advance(7200)  # two hours on, the sandbox refuses it too
    clock = Clock(NOW + timedelta(hours=2))
    app = InspectorHost(admin_client, clock)
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, expired_token)
        await press(pilot, "ti-test")
        result = shown(app, "#ti-access")
        assert result.startswith("401 Unauthenticated")
        assert "expired" in result


# --------------------------------------------------------------------------- forgetting


async def test_clear_forgets_everything_pasted_or_typed(rsa_key):
    token = signed(rsa_key)
    app = InspectorHost()
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, token)
        await type_into(pilot, "#ti-client-id", "some-client")
        await type_into(pilot, "#ti-secret", "a" * 64)
        await press(pilot, "ti-copy-token")
        await press(pilot, "ti-clear")
        widget = inspector(app)
        assert widget.report is None and widget.current_token == ""
        area = app.query_one("#ti-paste", TextArea)
        assert area.text == ""
        area.focus()
        await pilot.press("ctrl+z")  # undo must not bring the token back
        await pilot.pause()
        assert area.text == ""
        assert app.query_one("#ti-secret", Input).value == ""
        assert app.query_one("#ti-client-id", Input).value == ""
        assert table_rows(app, "#ti-payload") == [] and table_rows(app, "#ti-header") == []
        assert app.query_one("#ti-raw-payload", TextArea).text == ""
        assert token not in app.clipboard
        assert "nothing inspected yet" in shown(app, "#ti-signature")


async def test_access_test_when_the_connected_identity_cannot_tell_who_is_root(det_sandbox):
    """Signed in as a non-root registration: the root list is closed to it, so both causes are named."""
    registration = create_registration(det_sandbox, "NotRoot")
    connection = Connection(
        det_sandbox.base_url,
        client_id=registration["client_id"],
        secret=registration["credentials"][0]["secret"],
        is_sandbox=True,
    )
    async with RkvstClient(connection) as client:
        app = InspectorHost(client)
        async with app.run_test(size=SIZE) as pilot:
            await press(pilot, "ti-mine")
            await press(pilot, "ti-test")
            result = shown(app, "#ti-access")
            assert result.startswith("200 OK, 0 assets: either the tenant has no assets yet or")
            assert '"secure by default"' in result and "make it root" in result


async def test_access_test_explains_a_403():
    """A 403 on assets: the sandbox never answers it on demand, so a mock transport stands in for the server."""

    def refuse(request: httpx.Request) -> httpx.Response:
        if request.url.path != "/archivist/v2/assets":
            return httpx.Response(404, json={"code": 5, "message": "Not Found", "details": []})
        return httpx.Response(403, json={"code": 7, "message": "access denied by policy", "details": []})

    async with RkvstClient(Connection("http://127.0.0.1:9"), transport=httpx.MockTransport(refuse)) as client:
        app = InspectorHost(client)
        async with app.run_test(size=SIZE) as pilot:
            inspector(app).inspect_text(jwt.encode({"sub": "x"}, "k" * 32, algorithm="HS256"))
            await settle(pilot)
            await press(pilot, "ti-test")
            result = shown(app, "#ti-access")
            assert result.startswith("403 Permission denied: the token is genuine but this identity may not read")
            assert "access denied by policy" in result


async def test_the_signature_state_stays_in_view_when_the_report_scrolls(rsa_key):
    app = InspectorHost()
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, signed(rsa_key, **{f"claim_{n}": "v" for n in range(40)}))
        details = app.query_one("#ti-details")
        before = app.query_one("#ti-signature").region
        details.scroll_end(animate=False)
        await pilot.pause()
        assert details.scroll_y > 0  # the report really is longer than the screen
        assert app.query_one("#ti-signature").region == before
        assert app.screen.find_widget(app.query_one("#ti-signature")).region.height > 0


async def test_a_key_that_cannot_be_read_is_named_in_the_signature_line(rsa_key):
    app = InspectorHost()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one("#ti-key", TextArea).load_text('{"kty": "oct", "k": "c2VjcmV0"}')
        await paste(pilot, signed(rsa_key))
        text = shown(app, "#ti-signature")
        assert "NOT CHECKED" in text and "symmetric" in text


async def test_backend_actions_without_a_connection_say_so(rsa_key):
    app = InspectorHost(client=None)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "ti-mine")
        assert app.notes[-1][0] == "error" and "not connected" in app.notes[-1][2]
        await type_into(pilot, "#ti-client-id", "c")
        await type_into(pilot, "#ti-secret", "s")
        await press(pilot, "ti-get")
        assert "not connected" in app.notes[-1][2]
        await paste(pilot, signed(rsa_key))
        await press(pilot, "ti-test")
        assert "needs one" in shown(app, "#ti-access")


async def test_a_paste_over_an_inspected_token_replaces_it(rsa_key):
    first, second = signed(rsa_key, sub="first"), signed(rsa_key, sub="second")
    app = InspectorHost()
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, first)
        await paste(pilot, f"Bearer {second}")
        assert app.query_one("#ti-paste", TextArea).text == f"Bearer {second}"
        assert inspector(app).report.payload["sub"] == "second"
        # Typed edits are the user's own: a paste then goes where the cursor is.
        area = app.query_one("#ti-paste", TextArea)
        area.move_cursor(area.document.end)
        await pilot.press("x")
        await pilot.pause(AUTO_INSPECT_DELAY + 0.2)  # the typed text is inspected too; still the user's
        await settle(pilot)
        await paste(pilot, "y")
        assert area.text == f"Bearer {second}xy"
