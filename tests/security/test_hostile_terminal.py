"""Hostile text never reaches the terminal (issue 13): asserted on the bytes the terminal receives.

A hostile server (here: a real sandbox whose store was written directly, as a compromised
or malicious service would answer) returns display names, claim names and values, and root
principals carrying OSC 52 (rewrites the clipboard), CSI (clears the screen, moves the
cursor over the header), OSC 0 (sets the window title), C1, bidi and zero-width characters,
line separators, CR/LF and DEL; a pasted token carries them in its header and claims. The
console opens every view that shows them, and the bytes it writes to the terminal are
checked: none of the raw sequences is among them, and a VT emulator fed the same bytes
shows the header and the tab strip intact and no window title.

The in-process test runs the console with a driver that records what it writes; the pty
test runs the real `rkvst-tui` command in a pseudo-terminal and reads what it prints.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from console_helpers import sandbox_client, settle, wait_until
from hostile_terminal_helpers import (
    ALL_HOSTILE,
    HOSTILE,
    capture,
    escapes_found,
    hostile_name,
    hostile_token,
    screen_of,
)
from security_helpers import NOTES, TALLY
from textual import events
from textual.command import CommandPalette

from rkvst_tui.sandbox.store import PrincipalRecord
from rkvst_tui.tui.app import RkvstApp
from rkvst_tui.tui.screens.app_form import AppFormScreen
from rkvst_tui.tui.screens.confirm import ConfirmScreen
from rkvst_tui.tui.screens.details import AppDetailsScreen
from rkvst_tui.tui.screens.secret_reveal import SecretRevealScreen

SIZE = (120, 40)
ALL = "every kind at once"


def seed_hostile_tenant(server) -> dict[str, str]:
    """One registration per hostile string (name, claim name and value), one with all of them
    (`ALL`), and root principals with each in every field; returns kind -> client id."""
    store = server.store
    client_ids = {}
    for kind, text in HOSTILE.items():
        record, _ = store.create_application(hostile_name(kind), {f"{text}{kind}": f"{kind}: {text}"})
        client_ids[kind] = record.client_id
    claims = {f"{text}{kind}": f"{kind}: {text}" for kind, text in HOSTILE.items()}
    record, _ = store.create_application(ALL_HOSTILE + " Prod every kind", claims)
    client_ids[ALL] = record.client_id
    principals = store.get_root_principals()
    for kind, text in HOSTILE.items():
        principals.append(PrincipalRecord(f"{text}https://issuer", f"{text}subject", f"{text}{kind}", f"{text}@x"))
    store.set_root_principals(principals)
    return client_ids


def check_terminal_clean(data: bytes, view: str, leaks: list[str]) -> None:
    """Note in `leaks` the hostile payloads that reached the terminal raw in this view
    (the test goes on, so that one run names every view that leaks)."""
    TALLY["hostile views opened"] += 1
    found = escapes_found(data)
    if found:
        leaks.append(f"{view}: raw {found}")


def check_frame_intact(data: bytes, view: str, leaks: list[str]) -> None:
    """What a terminal shows after these bytes: the header's two lines and the tab strip in
    place, and no window title; else noted in `leaks`."""
    screen = screen_of(data, SIZE)
    lines = screen.display
    if not lines[0].startswith(" Manage RKVST"):
        leaks.append(f"{view}: header line 1 is {lines[0]!r}")
    if "signed in as" not in lines[1] or "PWNED" in lines[1]:
        leaks.append(f"{view}: header line 2 is {lines[1]!r}")
    if "APP REGISTRATIONS" not in lines[2] or "ROOT PRINCIPALS" not in lines[2]:
        leaks.append(f"{view}: the tab strip is {lines[2]!r}")
    if "PWNED" in screen.title or "PWNED" in screen.icon_name:
        leaks.append(f"{view}: the window title was set to {screen.title!r}")


async def test_every_view_of_hostile_data_writes_no_raw_escape(sandbox):
    client_ids = seed_hostile_tenant(sandbox)
    client = sandbox_client(sandbox)
    app = RkvstApp(client)
    leaks: list[str] = []
    written = capture(app)
    mark = 0

    def since_mark() -> bytes:
        nonlocal mark
        data = "".join(written[mark:]).encode("utf-8", "surrogateescape")
        mark = len(written)
        return data

    async def drawn() -> None:
        await pilot.pause(0.15)  # a frame or two: Textual paints on a 60 Hz timer

    try:
        async with app.run_test(size=SIZE, headless=False) as pilot:
            await settle(app, pilot)
            await drawn()
            check_terminal_clean(since_mark(), "APP REGISTRATIONS table", leaks)

            await pilot.press("ctrl+p")
            await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
            await pilot.press(*"prod")
            await pilot.pause(0.5)  # the palette searches in a worker
            await drawn()
            check_terminal_clean(since_mark(), "command palette", leaks)
            await pilot.press("escape")

            for kind, client_id in client_ids.items():
                if kind == ALL:
                    continue
                assert app.apps_view.select(client_id)
                await pilot.press("enter")
                await wait_until(pilot, lambda: isinstance(app.screen, AppDetailsScreen), what="details")
                await drawn()
                check_terminal_clean(since_mark(), f"details of {kind}", leaks)
                await pilot.press("escape")

            # The dialogs, on the registration that carries every hostile string at once.
            assert app.apps_view.select(client_ids[ALL])
            await pilot.press("e")
            await wait_until(pilot, lambda: isinstance(app.screen, AppFormScreen), what="edit form")
            await drawn()
            check_terminal_clean(since_mark(), "edit form", leaks)
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is app.screen_stack[0], what="form closed")

            await pilot.press("d")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="delete confirmation")
            await drawn()
            check_terminal_clean(since_mark(), "delete confirmation", leaks)
            await pilot.press("n")

            await pilot.press("g")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="regenerate confirmation")
            await drawn()
            check_terminal_clean(since_mark(), "regenerate confirmation", leaks)
            await pilot.press("y")
            await wait_until(pilot, lambda: isinstance(app.screen, SecretRevealScreen), what="the reveal")
            await drawn()
            await pilot.press("s")  # copy the secret: the only OSC 52 the terminal gets
            await drawn()
            reveal = since_mark()
            check_terminal_clean(reveal, "secret reveal", leaks)
            copies = reveal.count(b"\x1b]52;")
            if copies != 1:  # the secret's own copy, and nothing else
                leaks.append(f"secret reveal: {copies} OSC 52 sequences for one copy")
            app.pop_screen()
            await drawn()
            check_frame_intact("".join(written).encode("utf-8", "surrogateescape"), "after the reveal", leaks)

            await pilot.press("d")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="delete confirmation")
            await pilot.press("y")  # the "Deleted <name>" notification quotes the name
            await wait_until(pilot, lambda: client_ids[ALL] not in app.apps_view.applications, what="the delete")
            await drawn()
            check_terminal_clean(since_mark(), "delete notification", leaks)

            # A paste is hostile too: into the create form's name and a claim value.
            await pilot.press("n")
            await wait_until(pilot, lambda: isinstance(app.screen, AppFormScreen), what="create form")
            app.post_message(events.Paste(ALL_HOSTILE))
            await drawn()
            check_terminal_clean(since_mark(), "a paste into the create form", leaks)
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="discard question")
            await pilot.press("y")
            await wait_until(pilot, lambda: app.screen is app.screen_stack[0], what="form closed")

            await pilot.press("2")
            await wait_until(
                pilot,
                lambda: app.principals_view.built and app.principals_view.table.row_count > 1,
                what="ROOT PRINCIPALS",
            )
            await drawn()
            check_terminal_clean(since_mark(), "ROOT PRINCIPALS", leaks)

            app.open_in_inspector(hostile_token(), "pasted")
            await wait_until(pilot, lambda: app.active_tab == "inspector", what="the inspector")
            inspector = app.query_one("TokenInspector")
            await wait_until(pilot, lambda: inspector.report is not None, what="the token inspected")
            await drawn()
            check_terminal_clean(since_mark(), "token inspector", leaks)
            inspector.query_one("#ti-payload").scroll_visible(animate=False)  # the claims table, below
            await drawn()
            check_terminal_clean(since_mark(), "token inspector: claims", leaks)
            inspector.query_one("#ti-paste").focus()
            inspector.query_one("#ti-paste").scroll_visible(animate=False)
            app.post_message(events.Paste("Authorization: Bearer " + hostile_token() + "\n" + ALL_HOSTILE))
            await drawn()
            check_terminal_clean(since_mark(), "a paste into the inspector", leaks)
            payload = inspector.query_one("#ti-payload").row_count
            assert payload >= len(HOSTILE)  # the claims were drawn, escaped
            everything = "".join(written).encode("utf-8", "surrogateescape")
            check_frame_intact(everything, "the whole session", leaks)
    finally:
        await client.aclose()
    NOTES["hostile strings tried"] = len(HOSTILE)
    assert not leaks, "hostile text reached the terminal:\n" + "\n".join(leaks)
    # An administrator sees that the values are odd: the escapes are visible.
    assert b"\\x1b]0;PWNED" in everything and b"\\u202e" in everything


def _read_until(fd: int, condition, timeout: float) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            data += chunk
            if condition(data):
                break
    return data


def test_the_real_console_in_a_pty_writes_no_raw_escape(sandbox, tmp_path: Path):
    """`rkvst-tui` itself, on a terminal: its registrations table and ROOT PRINCIPALS tab."""
    seed_hostile_tenant(sandbox)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RKVST_", "BEARER_"))}
    env.update(
        TERM="xterm-256color",
        COLUMNS=str(SIZE[0]),
        LINES=str(SIZE[1]),
        RKVST_URL=sandbox.base_url,
        RKVST_CLIENT_ID=sandbox.admin_client_id,
        RKVST_CLIENT_SECRET=sandbox.admin_secret,
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        RKVST_TUI_CONFIG_DIR=str(tmp_path / "config"),
        RKVST_TUI_DATA_DIR=str(tmp_path / "data"),
    )
    leaks: list[str] = []
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    child = subprocess.Popen(
        [sys.executable, "-m", "rkvst_tui"],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        start_new_session=True,
        close_fds=True,
    )
    os.close(follower)
    try:
        shown = lambda data: b"sandbox-admin" in data and b"signed in as" in data  # noqa: E731
        data = _read_until(leader, shown, timeout=30)
        data += _read_until(leader, lambda _: False, timeout=0.5)  # the rest of the frame
        assert shown(data), f"the console did not show the registrations: {data[-400:]!r}"
        check_terminal_clean(data, "rkvst-tui in a pty: APP REGISTRATIONS", leaks)
        check_frame_intact(data, "rkvst-tui in a pty", leaks)
        os.write(leader, b"2")
        more = _read_until(leader, lambda chunk: b"Issuer" in chunk and b"@x" in chunk, timeout=10)
        more += _read_until(leader, lambda _: False, timeout=0.5)
        check_terminal_clean(more, "rkvst-tui in a pty: ROOT PRINCIPALS", leaks)
        check_frame_intact(data + more, "rkvst-tui in a pty, ROOT PRINCIPALS", leaks)
        os.write(leader, b"\x11")  # ctrl+q
        child.wait(timeout=10)
        assert not leaks, "hostile text reached the terminal:\n" + "\n".join(leaks)
        assert b"\\x1b" in more, "ROOT PRINCIPALS did not show the escaped principals"
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
            child.wait(timeout=10)
        os.close(leader)


async def test_editing_a_hostile_registration_shows_its_name_escaped_and_sends_it_back_unchanged(sandbox):
    """The edit form's Input shows the server's name terminal-safe; saving a change to a claim
    sends the name as the server had it, not its escaped form."""
    name = HOSTILE["OSC 0 window title"] + " Prod"
    record, _ = sandbox.store.create_application(name, {"serial_number": "TL1"})
    client = sandbox_client(sandbox)
    app = RkvstApp(client)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert app.apps_view.select(record.client_id)
            await pilot.press("e")
            await wait_until(pilot, lambda: isinstance(app.screen, AppFormScreen), what="edit form")
            form = app.screen
            shown = form.query_one("#display-name").value
            assert shown == "\\x1b]0;PWNED title\\x07 Prod" and form.display_name == name
            form.query_one(".claim-value").value = "TL2"
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: app.screen is app.screen_stack[0], what="the save")
    finally:
        await client.aclose()
    saved = sandbox.store.get_application(record.uuid)
    assert saved.display_name == name and saved.custom_claims == {"serial_number": "TL2"}
