"""The create / edit form: every claim rule on the right row, submit rules, keyboard, JSON import.

Validation tests open the form with no client at all: a blocked submit must not reach
for the network (it would fail loudly if it did). Submits go to a real sandbox.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Input, Static
from tui_helpers import APP_CSS, guide_application

from rkvst_tui.api import claims as rules
from rkvst_tui.api.application_file import read_application_file
from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.connection import Connection
from rkvst_tui.api.models import Application
from rkvst_tui.tui.screens.app_form import AppFormResult, AppFormScreen
from rkvst_tui.tui.screens.confirm import ConfirmScreen

SIZE = (120, 40)


class FormHost(App):
    """A bare app that opens the form and records what it dismissed with."""

    CSS_PATH = APP_CSS

    def __init__(self, client: RkvstClient | None = None, existing: Application | None = None) -> None:
        super().__init__()
        self.client = client
        self.existing = existing
        self.results: list[AppFormResult | None] = []

    def on_mount(self) -> None:
        self.push_screen(AppFormScreen(self.client, existing=self.existing), self.results.append)


def text_of(widget: Static) -> str:
    return str(widget.render())


def form(app: App) -> AppFormScreen:
    screen = app.screen
    assert isinstance(screen, AppFormScreen), f"expected the form, found {type(screen).__name__}"
    return screen


async def type_rows(pilot, rows: list[tuple[str, str]], *, keys: bool = False) -> None:
    """Add each row with ctrl+n and fill its cells: key by key, or (faster) as a paste would."""
    for name, value in rows:
        await pilot.press("ctrl+n")
        await pilot.pause()
        if keys:
            if name:
                await pilot.press(*name)
            await pilot.press("tab")
            if value:
                await pilot.press(*value)
        else:
            row = form(pilot.app).rows[-1]
            row.name_input.value = name
            row.value_input.value = value
    await pilot.pause()


def client_for(server, client_id: str | None = None, secret: str | None = None) -> RkvstClient:
    return RkvstClient(
        Connection(
            server.base_url,
            client_id=client_id or server.admin_client_id,
            secret=secret or server.admin_secret,
            is_sandbox=True,
        )
    )


# --------------------------------------------------------------------------- rules per row


async def test_every_rule_fires_on_its_own_row() -> None:
    rows = [
        ("serial_number", "TL1000000101"),  # 1: fine
        ("jit_tier", "x"),  # 2: RKVST's prefix
        ("sub", "me"),  # 3: registered claim
        ("email", "a@example.com"),  # 4: IANA name: warning only
        ("Exp", "1"),  # 5: case look-alike: warning only
        ("serial_number", "again"),  # 6: duplicate of row 1
        ("", "a value with no name"),  # 7: empty name
        ("has space", "v"),  # 8: whitespace
        ("kid", "v"),  # 9: JOSE header name
        ("client_id", "v"),  # 10: set by the token service
    ]
    expected = {
        0: set(),
        1: {rules.RULE_RESERVED_PREFIX},
        2: {rules.RULE_REGISTERED},
        3: {rules.RULE_IANA},
        4: {rules.RULE_LOOKALIKE},
        5: {rules.RULE_DUPLICATE},
        6: {rules.RULE_EMPTY},
        7: {rules.RULE_WHITESPACE},
        8: {rules.RULE_JOSE_HEADER},
        9: {rules.RULE_TOKEN_SERVICE},
    }
    app = FormHost()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"TrafficLight101")
        await type_rows(pilot, rows[:3], keys=True)  # as typed, key by key
        await type_rows(pilot, rows[3:])
        screen = form(app)
        shown_rows = screen.rows
        assert [(row.claim_name, row.claim_value) for row in shown_rows] == rows
        for index, row in enumerate(shown_rows):
            assert {issue.rule for issue in row.issues} == expected[index], f"row {index + 1}"
            shown = text_of(row.query_one(".claim-issues", Static))
            for issue in row.issues:
                assert issue.message in shown  # the user reads the verdict on that row
            has_error = any(issue.is_error for issue in row.issues)
            assert row.name_input.has_class("-error") is has_error
            assert row.name_input.has_class("-warning") is (bool(row.issues) and not has_error)
        # The duplicate names both rows, in the numbers the form shows.
        assert "rows 1 and 6" in text_of(shown_rows[5].query_one(".claim-issues", Static))
        summary = text_of(screen.query_one("#form-summary", Static))
        assert "7 claim errors (rows 2, 3, 6, 7, 8, 9, 10)" in summary
        assert "2 warnings" in summary


async def test_fixing_a_row_clears_its_error_as_it_is_typed() -> None:
    app = FormHost()
    async with app.run_test(size=SIZE) as pilot:
        await type_rows(pilot, [("jit_x", "1")])
        row = form(app).rows[0]
        assert row.issues and row.issues[0].rule == rules.RULE_RESERVED_PREFIX
        row.name_input.focus()
        await pilot.press("home", "delete", "delete", "delete", "delete")
        await pilot.pause()
        assert row.claim_name == "x"
        assert row.issues == []
        assert not row.query_one(".claim-issues").display or not text_of(row.query_one(".claim-issues", Static))


async def test_a_blank_row_is_not_checked_and_not_sent() -> None:
    app = FormHost()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"Name")
        await type_rows(pilot, [("a", "1"), ("", ""), ("b", "2")])
        screen = form(app)
        assert [row.issues for row in screen.rows] == [[], [], []]
        assert screen.claims_to_send() == {"a": "1", "b": "2"}


# --------------------------------------------------------------------------- submit rules


async def test_submit_is_blocked_by_a_claim_error_and_goes_to_the_row() -> None:
    app = FormHost(client=None)  # a request would fail: none must be made
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"TrafficLight101")
        await type_rows(pilot, [("serial", "1"), ("jit_device", "2")])
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = form(app)
        assert app.results == []
        error = text_of(screen.query_one("#form-error", Static))
        assert "Not sent" in error and "1 claim error" in error
        assert screen.focused is screen.rows[1].name_input
        assert screen.display_name == "TrafficLight101"  # nothing typed is lost
        await pilot.press("home", *"x")  # "xjit_device": fixed, so the refusal goes away
        await pilot.pause()
        assert not screen.query_one("#form-error").has_class("-shown")


async def test_submit_is_blocked_by_an_empty_display_name() -> None:
    app = FormHost(client=None)
    async with app.run_test(size=SIZE) as pilot:
        await type_rows(pilot, [("serial", "1")])
        name_error = form(app).query_one("#display-name-error", Static)
        assert not name_error.has_class("-shown")  # not nagged before trying
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = form(app)
        assert app.results == []
        assert name_error.has_class("-shown")
        assert "display name" in text_of(name_error)
        assert screen.focused is screen.query_one("#display-name", Input)
        await pilot.press(*"   ")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results == []  # blanks are not a name


async def test_create_with_warnings_is_allowed_and_reaches_the_server(sandbox) -> None:
    async with client_for(sandbox) as client:
        app = FormHost(client)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*"TrafficLight101")
            await type_rows(pilot, [("serial_number", "TL1000000101"), ("email", "ops@example.com")])
            assert any(issue.rule == rules.RULE_IANA for issue in form(app).rows[1].issues)
            await pilot.press("ctrl+s")
            for _ in range(50):
                await pilot.pause(0.05)
                if app.results:
                    break
            assert len(app.results) == 1
            result = app.results[0]
            assert result is not None and result.created and result.needs_reveal
            assert result.reveal_reason == "created"
            assert len(result.application.secret) == 64
            stored = await client.get_application(result.application.client_id)
            assert stored.display_name == "TrafficLight101"
            assert stored.custom_claims == {"serial_number": "TL1000000101", "email": "ops@example.com"}


async def test_the_warning_count_reads_right_for_one_and_for_two() -> None:
    app = FormHost()
    async with app.run_test(size=SIZE) as pilot:
        await type_rows(pilot, [("location", "lab 3")])
        summary = text_of(form(app).query_one("#form-summary", Static))
        assert "! 1 warning: allowed, but read it." in summary
        await type_rows(pilot, [("Exp", "1")])
        summary = text_of(form(app).query_one("#form-summary", Static))
        assert "! 2 warnings: allowed, but read them." in summary


async def wait_for_form_error(pilot, screen: AppFormScreen) -> str:
    box = screen.query_one("#form-error", Static)
    for _ in range(100):
        await pilot.pause(0.05)
        if box.has_class("-shown") and not screen._busy:
            return text_of(box)
    raise AssertionError("the form showed no error")


async def test_quota_refusal_is_shown_on_the_form_which_keeps_what_was_typed(make_sandbox) -> None:
    server = make_sandbox(max_apps=1)
    async with client_for(server) as client:
        await client.create_application("the one allowed", {})
        app = FormHost(client)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*"second")
            await type_rows(pilot, [("site", "leeds")])
            await pilot.press("ctrl+s")
            shown = await wait_for_form_error(pilot, form(app))
            assert "402" in shown
            assert "quota" in shown.lower()
            assert "What to do:" in shown
            screen = form(app)
            assert app.results == []
            assert screen.display_name == "second"
            assert screen.claims_to_send() == {"site": "leeds"}
            assert not screen.query_one("#submit").disabled  # can try again


async def test_a_bad_request_from_the_server_is_shown_on_the_form(sandbox) -> None:
    long_name = "n" * 1025  # the form has no rule on name length; this server refuses it
    async with client_for(sandbox) as client:
        app = FormHost(client)
        async with app.run_test(size=SIZE) as pilot:
            form(app).query_one("#display-name", Input).value = long_name
            await pilot.press("ctrl+s")
            shown = await wait_for_form_error(pilot, form(app))
            assert "400" in shown and "display_name is 1025 characters long" in shown
            assert form(app).display_name == long_name
        assert [a.display_name for a in await client.list_applications()] == ["sandbox-admin"]


async def test_a_non_root_caller_is_told_why_it_is_refused(sandbox) -> None:
    async with client_for(sandbox) as admin:
        plain = await admin.create_application("not root", {})
    async with client_for(sandbox, plain.client_id, plain.secret) as client:
        app = FormHost(client)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*"anything")
            await pilot.press("ctrl+s")
            shown = await wait_for_form_error(pilot, form(app))
            assert "403" in shown
            assert "ROOT PRINCIPALS" in shown  # the hint says how to fix it
            assert form(app).display_name == "anything"


# --------------------------------------------------------------------------- edit


async def test_edit_replaces_the_name_and_the_whole_claims_map(sandbox) -> None:
    async with client_for(sandbox) as client:
        created = await client.create_application("Light7", {"serial": "S7", "colour": "red"})
        existing = await client.get_application(created.client_id)
        app = FormHost(client, existing=existing)
        async with app.run_test(size=SIZE) as pilot:
            screen = form(app)
            assert screen.display_name == "Light7"
            assert [(r.claim_name, r.claim_value) for r in screen.rows] == [("serial", "S7"), ("colour", "red")]
            # Remove "colour" with the keyboard, change the serial, rename.
            screen.rows[1].name_input.focus()
            await pilot.press("ctrl+r")
            await pilot.pause()
            screen.rows[0].value_input.focus()
            await pilot.press("ctrl+e", "backspace", *"8")
            screen.query_one("#display-name", Input).focus()
            await pilot.press("ctrl+e", "backspace", *"8")
            await pilot.press("ctrl+s")
            for _ in range(50):
                await pilot.pause(0.05)
                if app.results:
                    break
            result = app.results[0]
            assert result is not None and not result.created and not result.needs_reveal
        stored = await client.get_application(created.client_id)
        assert stored.display_name == "Light8"
        assert stored.custom_claims == {"serial": "S8"}


async def test_edit_with_nothing_changed_says_so_and_sends_nothing() -> None:
    existing = guide_application(custom_claims={"serial_number": "TL1000000101"})
    app = FormHost(client=None, existing=existing)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results == []
        assert "Nothing changed" in text_of(form(app).query_one("#form-error", Static))
        await pilot.press("escape")  # nothing typed: closes without asking
        await pilot.pause()
        assert app.results == [None]


# --------------------------------------------------------------------------- keyboard


async def test_rows_are_added_moved_between_and_removed_with_the_keyboard() -> None:
    app = FormHost()
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        assert screen.focused is screen.query_one("#display-name", Input)
        await pilot.press(*"N", "enter")  # enter on the name goes on to the claims
        await pilot.press("ctrl+n")
        await pilot.pause()
        first = screen.rows[0]
        assert screen.focused is first.name_input
        await pilot.press(*"a", "enter")  # enter: name -> value
        assert screen.focused is first.value_input
        await pilot.press(*"1", "enter")  # enter on the last row's value: a new row
        await pilot.pause()
        assert len(screen.rows) == 2
        second = screen.rows[1]
        assert screen.focused is second.name_input
        await pilot.press(*"b", "tab", *"2")
        assert screen.focused is second.value_input
        await pilot.press("up")
        assert screen.focused is first.value_input
        await pilot.press("shift+tab")
        assert screen.focused is first.name_input
        await pilot.press("down")
        assert screen.focused is second.name_input
        await pilot.press("up", "up")
        assert screen.focused is screen.query_one("#display-name", Input)
        first.name_input.focus()
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert [(r.claim_name, r.claim_value) for r in screen.rows] == [("b", "2")]
        assert screen.focused is screen.rows[0].name_input
        assert text_of(screen.rows[0].query_one(".claim-number", Static)) == "1"


async def test_the_remove_button_removes_its_row() -> None:
    app = FormHost()
    async with app.run_test(size=SIZE) as pilot:
        await type_rows(pilot, [("a", "1"), ("b", "2"), ("c", "3")])
        screen = form(app)
        await pilot.click(screen.rows[1].query_one(".claim-remove"))
        await pilot.pause()
        assert [r.claim_name for r in screen.rows] == ["a", "c"]


async def test_escape_on_a_clean_form_closes_at_once() -> None:
    app = FormHost()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]


async def test_escape_after_typing_asks_first_and_keeps_the_form_on_no() -> None:
    app = FormHost()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"half typed")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert form(app).display_name == "half typed"
        assert app.results == []
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.results == [None]


# --------------------------------------------------------------------------- JSON import

GUIDE_FILE = {
    "display_name": "TrafficLight101",
    "custom_claims": {"serial_number": "TL1000000101", "has_cyclist_light": "true"},
}


async def load(pilot, app: App, path: Path | str) -> str:
    screen = form(app)
    path_input = screen.query_one("#json-path", Input)
    path_input.focus()
    path_input.value = str(path)
    await pilot.press("enter")
    await pilot.pause()
    return text_of(screen.query_one("#load-status", Static))


async def test_loading_the_guides_application_file(tmp_path: Path) -> None:
    path = tmp_path / "app.json"
    path.write_text(json.dumps(GUIDE_FILE, indent=4))
    app = FormHost()
    async with app.run_test(size=SIZE) as pilot:
        await type_rows(pilot, [("replaced", "x")])
        status = await load(pilot, app, path)
        screen = form(app)
        assert screen.display_name == "TrafficLight101"
        assert screen.claims_to_send() == GUIDE_FILE["custom_claims"]
        assert all(row.issues == [] for row in screen.rows)
        assert f"Loaded the display name and 2 claims from {path}" in status


async def test_non_string_values_from_a_file_are_loaded_and_flagged_on_their_row(tmp_path: Path) -> None:
    path = tmp_path / "app.json"
    path.write_text(json.dumps({"display_name": "x", "custom_claims": {"ok": "yes", "lights": 3, "cyclist": True}}))
    app = FormHost(client=None)
    async with app.run_test(size=SIZE) as pilot:
        await load(pilot, app, path)
        screen = form(app)
        ok, lights, cyclist = screen.rows
        assert ok.issues == []
        assert lights.claim_value == 3 and lights.value_input.value == "3"
        assert cyclist.claim_value is True and cyclist.value_input.value == "true"
        for row in (lights, cyclist):
            assert rules.RULE_VALUE_NOT_STRING in {issue.rule for issue in row.issues}
            shown = text_of(row.query_one(".claim-issues", Static))
            assert "must be strings" in shown and "retype the value" in shown
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results == []  # blocked
        assert screen.focused is lights.value_input  # on the value that is wrong
        await pilot.press("end", "backspace", *"3")  # retyped: now the text "3"
        await pilot.pause()
        assert lights.claim_value == "3"
        assert lights.issues == []
        assert cyclist.issues  # still flagged until edited


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "file not found"),
        ("{not json", "not valid JSON (line 1, column 2"),
        ("[1, 2]", "expected an object like"),
        ('{"display_name": "x", "custom_claims": ["a", "b"]}', "custom_claims must be an object"),
        ('{"display_name": 7}', "display_name must be a string, found a number"),
        ('{"name": "x"}', "has neither display_name nor custom_claims"),
        (b"\xff\xfe\x00", "not a UTF-8 text file"),
    ],
)
async def test_a_bad_application_file_is_named_with_what_is_wrong(tmp_path: Path, content, expected) -> None:
    path = tmp_path / "bad.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    app = FormHost()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"kept")
        await type_rows(pilot, [("kept_claim", "v")])
        status = await load(pilot, app, path)
        screen = form(app)
        assert str(path) in status
        assert expected in status
        assert screen.query_one("#load-status").has_class("-error")
        # Nothing on the form is lost to a bad file.
        assert screen.display_name == "kept"
        assert screen.claims_to_send() == {"kept_claim": "v"}


async def test_loading_a_directory_is_refused_clearly(tmp_path: Path) -> None:
    app = FormHost()
    async with app.run_test(size=SIZE) as pilot:
        status = await load(pilot, app, tmp_path)
        assert f"{tmp_path}: is a directory" in status


async def test_a_full_application_answer_loads_its_name_and_claims_and_ignores_the_rest(tmp_path: Path) -> None:
    fake_secret = "0" * 64
    answer = {
        "identity": "applications/d1fb6c87-faa9-4d56-b2fd-a5b70a9af065",
        "display_name": "TrafficLight101",
        "client_id": "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065",
        "credentials": [{"secret": fake_secret, "valid_from": "2021-09-21T16:43:19Z"}],
        "custom_claims": {"serial_number": "TL1000000101"},
    }
    loaded = read_application_file(_write(tmp_path / "answer.json", answer))
    assert loaded.ignored_keys == ["client_id", "credentials", "identity"]
    app = FormHost()
    async with app.run_test(size=SIZE) as pilot:
        status = await load(pilot, app, tmp_path / "answer.json")
        assert "Ignored: client_id, credentials, identity" in status
        assert fake_secret not in status
        screen = form(app)
        assert all(fake_secret not in (w.value if isinstance(w, Input) else "") for w in screen.query(Input))


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


# --------------------------------------------------------------------------- inside the console


async def test_in_the_console_n_opens_the_form_and_a_create_shows_the_secret_once(sandbox) -> None:
    from tui_helpers import running_console, wait_until

    from rkvst_tui.tui.screens.secret_reveal import SecretRevealScreen

    async with running_console(sandbox) as (app, pilot):
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, AppFormScreen), what="the form")
        await pilot.press(*"ConsoleMade", "ctrl+n", *"serial", "tab", *"C1", "ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, SecretRevealScreen), what="the reveal")
        reveal = app.screen
        client_id, secret = reveal._client_id, reveal._secret
        assert reveal.reason == "created" and len(secret) == 64
        await pilot.press("escape", "y")
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0], what="the list")
        kept = app.apps_view.applications[client_id]
        assert kept.display_name == "ConsoleMade" and kept.custom_claims == {"serial": "C1"}
        assert kept.secret == ""
        assert all(secret not in n.message for n in app._notifications)


async def test_the_path_completes_from_the_disk_and_a_quoted_path_loads(tmp_path: Path) -> None:
    (tmp_path / "apps").mkdir()
    (tmp_path / "notes.txt").write_text("not this")
    _write(tmp_path / "app.json", GUIDE_FILE)
    app = FormHost()
    async with app.run_test(size=SIZE) as pilot:
        path_input = form(app).query_one("#json-path", Input)
        path_input.focus()
        await pilot.press(*f"{tmp_path}/a")
        await pilot.pause(0.2)
        await pilot.press("right")  # accepts the completion: the .json file before the folder
        assert path_input.value == f"{tmp_path}/app.json"
        path_input.value = f"'{tmp_path}/app.json'"  # as a terminal pastes a dropped file
        await pilot.press("enter")
        await pilot.pause()
        assert form(app).display_name == "TrafficLight101"
