"""The one-time secret reveal: what it shows, how it refuses to vanish, and what it keeps.

Credentials come from a real sandbox where they have to work (save, get a token); the
screen-only tests use a clearly fake secret.
"""

from __future__ import annotations

import html
import json
import logging
import os
import stat
from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import Worker
from tui_helpers import APP_CSS, client_for, guide_application, open_app_form, wait_until

from rkvst_tui.api.files import read_credentials_file
from rkvst_tui.api.models import Application
from rkvst_tui.tui.screens.confirm import ConfirmScreen
from rkvst_tui.tui.screens.secret_reveal import (
    CAUTION,
    SECRET_COPIED,
    SaveCredentialsScreen,
    SecretRevealScreen,
    default_credentials_path,
)

SIZE = (120, 40)
FAKE_SECRET = "0" * 64
CLOSING_KEYS = ("escape", "q", "y", "n", "enter")


def fake_application(secret: str = FAKE_SECRET) -> Application:
    return guide_application(secret=secret)


class ListBelow(Screen):
    """Stands for the console's list: it has bindings on every key that closes the modals."""

    BINDINGS = [Binding(key, f"pressed('{key}')") for key in CLOSING_KEYS]

    def __init__(self) -> None:
        super().__init__()
        self.pressed: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("the list below")

    def on_mount(self) -> None:
        self.app.open_reveal()

    def action_pressed(self, key: str) -> None:
        self.pressed.append(key)


class RevealHost(App):
    CSS_PATH = APP_CSS

    def __init__(self, application: Application, client=None, save_dir: Path | None = None, reason="created"):
        super().__init__()
        self.application = application
        self.client = client
        self.save_dir = save_dir or Path("/nonexistent-save-dir")
        self.reason = reason
        self.below = ListBelow()
        self.closed: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self.below)

    def open_reveal(self) -> None:
        self.push_screen(
            SecretRevealScreen(self.application, self.client, default_save_dir=self.save_dir, reason=self.reason),
            self.closed.append,
        )


def reveal(app: App) -> SecretRevealScreen:
    assert isinstance(app.screen, SecretRevealScreen), type(app.screen).__name__
    return app.screen


def screen_text(screen: Screen) -> str:
    """Everything the statics and inputs of a screen show."""
    parts = [str(widget.render()) for widget in screen.query(Static)]
    parts += [widget.value for widget in screen.query(Input)]
    return "\n".join(parts)


# --------------------------------------------------------------------------- showing


async def test_it_shows_name_client_id_secret_expiry_and_the_caution() -> None:
    app = RevealHost(fake_application())
    async with app.run_test(size=SIZE):
        shown = screen_text(reveal(app))
        assert CAUTION in shown
        assert "TrafficLight101" in shown
        assert "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065" in shown
        assert FAKE_SECRET in shown
        assert "2027-01-15 12:00:00 UTC" in shown
        assert "serial_number=TL1000000101" in shown
        # Selectable as text, not only through the buttons.
        assert reveal(app).query_one("#reveal-secret").allow_select


async def test_after_a_regenerate_it_says_the_old_secret_stopped_working() -> None:
    app = RevealHost(fake_application(), reason="regenerated")
    async with app.run_test(size=SIZE):
        shown = screen_text(reveal(app))
        assert "old secret stopped working" in shown
        assert reveal(app).query_one("#reveal-dialog").border_title == "New secret for this App Registration"


async def test_h_hides_and_shows_the_secret() -> None:
    app = RevealHost(fake_application())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("h")
        assert FAKE_SECRET not in screen_text(reveal(app))
        assert "hidden" in screen_text(reveal(app))
        await pilot.press("s")  # copying still copies the real secret
        assert app.clipboard == FAKE_SECRET
        await pilot.press("h")
        assert FAKE_SECRET in screen_text(reveal(app))


async def test_copy_sends_to_the_clipboard_and_the_notice_never_holds_the_secret() -> None:
    app = RevealHost(fake_application())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        assert app.clipboard == "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065"
        await pilot.press("s")
        assert app.clipboard == FAKE_SECRET
        notices = [n.message for n in app._notifications]
        assert SECRET_COPIED in notices
        assert all(FAKE_SECRET not in message for message in notices)
        assert not any("copied" in message.lower() for message in notices)  # never claims it arrived


# --------------------------------------------------------------------------- closing


async def test_escape_alone_never_closes_it() -> None:
    app = RevealHost(fake_application())
    async with app.run_test(size=SIZE) as pilot:
        for key in ("escape", "q"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            assert "Have you recorded the secret?" in screen_text(app.screen)
            await pilot.press("escape")  # escape again answers "no"
            await pilot.pause()
            reveal(app)
        await pilot.press("escape", "enter")  # the focus starts on the safe answer
        await pilot.pause()
        reveal(app)
        assert app.closed == []
        assert app.below.pressed == []


async def test_a_click_outside_asks_first() -> None:
    app = RevealHost(fake_application())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click(offset=(1, 1))  # the dimmed background, outside the dialog
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        reveal(app)
        await pilot.click("#reveal-secret")  # a click inside does not ask
        await pilot.pause()
        reveal(app)


async def test_the_keys_that_close_it_never_reach_the_screen_below() -> None:
    for first, answer in (("escape", "y"), ("q", "y"), ("escape", "enter")):
        application = fake_application()
        app = RevealHost(application)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(first)
            await pilot.pause()
            if answer == "enter":
                app.screen.query_one("#confirm").focus()
            await pilot.press(answer)
            await pilot.pause()
            assert app.closed == [None]
            assert app.screen is app.below
            assert app.below.pressed == [], (first, answer)


async def test_the_secret_is_dropped_when_it_closes() -> None:
    application = fake_application()
    app = RevealHost(application)
    async with app.run_test(size=SIZE) as pilot:
        screen = reveal(app)
        await pilot.press("s")
        await pilot.press("escape", "y")
        await pilot.pause()
        assert app.closed == [None]
        assert application.secret == ""  # the caller's object no longer holds it
        assert app.clipboard != FAKE_SECRET  # the terminal got it; Textual forgets it
        assert FAKE_SECRET not in screen_text(screen)
        assert screen._secret == ""


# --------------------------------------------------------------------------- save and token


async def test_save_writes_a_0600_file_whose_credentials_get_a_token(sandbox, tmp_path: Path) -> None:
    save_dir = tmp_path / "credentials"
    async with client_for(sandbox) as client:
        created = await client.create_application("Traffic Light #7", {"site": "leeds"})
        secret = created.secret
        app = RevealHost(created, client, save_dir=save_dir)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, SaveCredentialsScreen)
            assert dialog.query_one("#save-path", Input).value == str(save_dir / "traffic-light-7.env")
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, SecretRevealScreen), what="the save")
            path = save_dir / "traffic-light-7.env"
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert stat.S_IMODE(save_dir.stat().st_mode) == 0o700
            assert path.read_text() == f"CLIENT_ID={created.client_id}\nSECRET={secret}\n"
            assert f"Saved CLIENT_ID and SECRET to {path}" in screen_text(reveal(app))
            assert all(secret not in n.message for n in app._notifications)

            # Saving again offers another name; typing the taken one asks before replacing.
            assert (
                default_credentials_path(save_dir, created) == save_dir / f"traffic-light-7-{created.client_id[:8]}.env"
            )
            await pilot.press("f")
            await pilot.pause()
            app.screen.query_one("#save-path", Input).value = str(path)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            assert "Replace traffic-light-7.env?" in screen_text(app.screen)
            await pilot.press("n")
            await pilot.pause()
            assert isinstance(app.screen, SaveCredentialsScreen)  # back to choose another path
            await pilot.press("escape")
        # What the file holds works at the real token endpoint.
        client_id, saved_secret = read_credentials_file(path)
        answer = await client.request_token(client_id, saved_secret)
        assert answer.expires_in > 0


async def test_save_to_an_unwritable_place_says_why_and_lets_you_choose_again(sandbox, tmp_path: Path) -> None:
    blocked = tmp_path / "read-only"
    blocked.mkdir(mode=0o500)
    if os.geteuid() == 0:
        blocked = tmp_path / "a-file"
        blocked.write_text("not a directory")
    app = RevealHost(fake_application(), save_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await pilot.pause()
        app.screen.query_one("#save-path", Input).value = str(blocked / "creds.env")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SaveCredentialsScreen)
        error = str(app.screen.query_one("#save-error", Static).render())
        assert f"Could not write {blocked / 'creds.env'}" in error
        assert FAKE_SECRET not in error


async def test_get_a_token_shows_time_left_and_the_custom_claims(sandbox) -> None:
    async with client_for(sandbox) as client:
        created = await client.create_application("Light9", {"serial_number": "TL9", "has_cyclist_light": "true"})
        app = RevealHost(created, client)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("t")
            status = reveal(app).query_one("#reveal-status", Static)
            await wait_until(
                pilot,
                lambda: "credentials" in str(status.render()) and "Asking" not in str(status.render()),
                what="the token",
            )
            shown = str(status.render())
            assert "These credentials work" in shown
            assert "expires in" in shown
            assert "Every custom claim is in the token" in shown
            assert "VERIFIED" in shown  # checked with the sandbox's key set
            table = reveal(app).query_one("#reveal-token", Static)
            assert table.display
            rendered = html.unescape(app.export_screenshot()).replace("\xa0", " ")
            for name, value in (("serial_number", "TL9"), ("has_cyclist_light", "true"), ("sub", created.client_id)):
                assert name in rendered and value in rendered


async def test_wrong_credentials_are_reported_without_the_secret(sandbox) -> None:
    bogus = fake_application("f" * 64)
    async with client_for(sandbox) as client:
        app = RevealHost(bogus, client)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("t")
            status = reveal(app).query_one("#reveal-status", Static)
            await wait_until(pilot, lambda: "did not get a token" in str(status.render()), what="the refusal")
            assert "f" * 64 not in str(status.render())


# --------------------------------------------------------------------------- the whole flow, for leaks


class FlowHost(App):
    CSS_PATH = APP_CSS

    def __init__(self, client, save_dir: Path) -> None:
        super().__init__()
        self.client = client
        self.save_dir = save_dir
        self.done: list[Application | None] = []

    def on_mount(self) -> None:
        open_app_form(self, self.client, default_save_dir=self.save_dir, on_done=self.done.append)


async def test_a_whole_create_keeps_the_secret_only_in_the_file_the_user_chose(
    make_sandbox, tmp_path: Path, caplog, monkeypatch
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, the sandbox's and httpx's included
    worker_descriptions: list[str] = []  # Textual shows these in its debug output
    original_init = Worker.__init__

    def recording_init(self, *args, **kwargs) -> None:
        original_init(self, *args, **kwargs)
        worker_descriptions.append(self.description)

    monkeypatch.setattr(Worker, "__init__", recording_init)
    server = make_sandbox(data_dir=tmp_path / "sandbox")
    save_dir = tmp_path / "saved"
    chosen = tmp_path / "chosen" / "light.json"
    async with client_for(server) as client:
        app = FlowHost(client, save_dir)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*"LeakCheck")
            await pilot.press("ctrl+n", *"serial", "tab", *"S1")
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, SecretRevealScreen), what="the reveal")
            screen = reveal(app)
            secret = screen._secret
            assert len(secret) == 64
            await pilot.press("t")
            status = screen.query_one("#reveal-status", Static)
            await wait_until(pilot, lambda: "These credentials work" in str(status.render()), what="the token")
            await pilot.press("s", "c")
            await pilot.press("f")
            await pilot.pause()
            app.screen.query_one("#save-path", Input).value = str(chosen)
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, SecretRevealScreen), what="the save")
            await pilot.press("escape", "y")
            await wait_until(pilot, lambda: app.done != [], what="the flow to end")
            notices = "\n".join(n.message for n in app._notifications)
        assert app.done[0] is not None and app.done[0].secret == ""
    assert secret not in caplog.text
    assert secret not in notices
    assert worker_descriptions and not any(secret in text for text in worker_descriptions)
    holders = [path for path in tmp_path.rglob("*") if path.is_file() and secret.encode() in path.read_bytes()]
    assert holders == [chosen]
    assert stat.S_IMODE(chosen.stat().st_mode) == 0o600


async def test_an_answer_without_a_secret_says_what_to_do_and_offers_nothing_to_copy() -> None:
    app = RevealHost(fake_application(secret=""))
    async with app.run_test(size=SIZE) as pilot:
        screen = reveal(app)
        assert "held no secret" in screen_text(screen)
        assert screen.query_one("#copy-secret").disabled and screen.query_one("#save").disabled
        await pilot.press("s", "f")
        await pilot.pause()
        assert app.screen is screen and app.clipboard == ""


async def test_a_json_name_saves_json_and_replacing_a_file_needs_a_yes(tmp_path: Path) -> None:
    target = tmp_path / "light.json"
    target.write_text("an older file\n")
    app = RevealHost(fake_application(), save_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await pilot.pause()
        app.screen.query_one("#save-path", Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert target.read_text() == "an older file\n"  # nothing touched before the answer
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, SecretRevealScreen), what="the save")
    assert json.loads(target.read_text()) == {
        "client_id": "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065",
        "secret": FAKE_SECRET,
    }
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["light.json"]  # no temporary file left behind


# --------------------------------------------------------------------------- open the token in the inspector


async def test_open_in_inspector_asks_first_then_inspects_the_token_and_never_the_secret(sandbox) -> None:
    from textual.widgets import TextArea

    from rkvst_tui.tui.app import RkvstApp
    from rkvst_tui.tui.screens.app_form import AppFormScreen
    from rkvst_tui.tui.views.inspector import TokenInspector

    async with client_for(sandbox) as client:
        app = RkvstApp(client)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.apps_view.loaded_once and app.principals_loaded, what="the console")
            await pilot.press("n")
            await wait_until(pilot, lambda: isinstance(app.screen, AppFormScreen), what="the form")
            await pilot.press(*"InspectMe", "ctrl+n", *"serial", "tab", *"S1", "ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, SecretRevealScreen), what="the reveal")
            screen = reveal(app)
            secret, client_id = screen._secret, screen._client_id
            token_actions = screen.query_one("#reveal-token-actions")

            # Before a token was got there is nothing to open: i does nothing, the button is not shown.
            assert not token_actions.display
            await pilot.press("i")
            await pilot.pause()
            assert app.screen is screen

            await pilot.press("t")
            await wait_until(pilot, lambda: bool(screen._token), what="the token")
            token = screen._token
            assert token_actions.display
            assert screen.query_one("#open-inspector").region.height > 0, "the button is on screen"

            # It still asks, and "Back" keeps the secret on screen.
            await pilot.press("i")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
            assert "Have you recorded the secret?" in screen_text(app.screen)
            assert "the secret does not go there" in screen_text(app.screen)
            await pilot.press("n")
            await pilot.pause()
            assert app.screen is screen and screen._secret == secret

            # The button does the same as the key.
            await pilot.click("#open-inspector")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
            await pilot.press("y")
            await wait_until(
                pilot,
                lambda: (
                    app.screen is app.screen_stack[0]
                    and app.active_tab == "inspector"
                    and bool(app.query(TokenInspector))
                    and app.query_one(TokenInspector).current_token == token
                ),
                what="the inspector with the token",
            )
            inspector = app.query_one(TokenInspector)
            await wait_until(pilot, lambda: inspector.report.signature_state == "VERIFIED", what="the signature")
            report = inspector.report
            assert report.payload["sub"] == client_id and report.payload["serial"] == "S1"
            assert "the new credentials of InspectMe" in str(inspector.query_one("#ti-source", Static).render())
            assert screen._secret == "" and screen._token == ""  # the reveal forgot both

            # The secret went nowhere: not in a field of the inspector, not on screen, not in a notice.
            fields = [w.value for w in inspector.query(Input)] + [w.text for w in inspector.query(TextArea)]
            assert not any(secret in value for value in fields)
            assert inspector.query_one("#ti-client-id", Input).value == ""
            assert inspector.query_one("#ti-secret", Input).value == ""
            shown = html.unescape(app.export_screenshot()).replace("\xa0", " ")
            assert secret not in shown
            assert not any(secret in n.message for n in app._notifications)
            assert app.focused is not None and inspector in app.focused.ancestors_with_self


async def test_without_a_console_there_is_no_inspector_to_open(sandbox) -> None:
    async with client_for(sandbox) as client:
        created = await client.create_application("NoConsole", {})
        app = RevealHost(created, client)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("t")
            screen = reveal(app)
            status = screen.query_one("#reveal-status", Static)
            await wait_until(pilot, lambda: "These credentials work" in str(status.render()), what="the token")
            assert not screen.query_one("#reveal-token-actions").display
            assert screen.check_action("open_in_inspector", ()) is False
            await pilot.press("i")
            await pilot.pause()
            assert app.screen is screen and app.closed == []


# --------------------------------------------------------------------------- keys


def bottom_line(app: App) -> str:
    """The terminal's last line, where the footer is, as the user sees it."""
    return list(app.screen._compositor.render_strips())[-1].text


async def test_while_the_question_is_open_the_footer_shows_its_keys_not_the_reveals() -> None:
    app = RevealHost(fake_application())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Copy secret" in bottom_line(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        footer = bottom_line(app)
        assert "Yes" in footer and "Cancel" in footer, footer
        assert "Copy secret" not in footer and "Save to file" not in footer, footer
        await pilot.press("n")
        await pilot.pause()
        assert "Copy secret" in bottom_line(app)


async def test_a_stray_enter_copies_nothing_and_closes_nothing() -> None:
    app = RevealHost(fake_application())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "enter", "space")
        await pilot.pause()
        assert app.clipboard != FAKE_SECRET
        assert not any(SECRET_COPIED == n.message for n in app._notifications)
        reveal(app)  # still open: no button was pressed
        assert app.closed == []
        await pilot.press("s")  # copying happens when asked
        assert app.clipboard == FAKE_SECRET
