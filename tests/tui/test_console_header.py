"""ConsoleHeader: one widget that draws the console's two header lines, looks as the six
widgets it replaced did, and repaints only when what it shows changes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from textual.app import App, ComposeResult
from textual.color import Color
from textual.widget import Widget
from textual.widgets import Static

from rkvst_tui.tui.widgets.header import ConsoleHeader

NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=timezone.utc)

WORK = SimpleNamespace(profile="work", base_url="https://app.datatrails.ai", is_sandbox=False, shows_as_sandbox=False)
SANDBOX = SimpleNamespace(profile="sandbox", base_url="http://127.0.0.1:29311", is_sandbox=True, shows_as_sandbox=True)
ROOT = SimpleNamespace(client_id="d1fb6c87-faa9", display_name="sandbox-admin", is_root=True)
NOT_ROOT = SimpleNamespace(client_id="0a1b2c3d", display_name=None, is_root=False)
UNKNOWN = SimpleNamespace(client_id="0a1b2c3d", display_name="ci", is_root=None)


def tokens(seconds_left: float | None, fixed: bool = False) -> SimpleNamespace:
    """A TokenProvider as the header reads it: when the token expires, and whether it is a
    bearer token file (nothing renews it)."""
    expires_at = None if seconds_left is None else NOW + timedelta(seconds=seconds_left)
    return SimpleNamespace(expires_at=expires_at, is_fixed=fixed)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class HeaderApp(App[None]):
    def __init__(self, header: Widget | None = None) -> None:
        super().__init__()
        self.clock = Clock()
        self.header = header if header is not None else ConsoleHeader(self.clock)

    def compose(self) -> ComposeResult:
        yield self.header
        yield Static("body")


def lines(app: HeaderApp) -> list[str]:
    """The header's two lines as drawn (inside its one-cell padding on each side)."""
    header = app.header
    return [header.render_line(y).text for y in range(2)]


def cells(app: HeaderApp, y: int, text: str):
    """The styles of the cells showing `text` on line y (its first occurrence), as the
    terminal gets them: after the app's filters (ANSI colours to the theme's, dim blended)."""
    strip = app.header.render_line(y)
    for line_filter in app.get_line_filters():
        strip = strip.apply_filter(line_filter, app.header.background_colors[1])
    found = strip.text.find(text)
    assert found >= 0, f"{text!r} not in {strip.text!r}"
    styles = [segment.style for segment in strip for _ in segment.text]
    return styles[found : found + len(text)]


def theme_color(app: App, name: str):
    return Color.parse(app.theme_variables[name]).rich_color


def rgb(style) -> tuple[int, int, int]:
    return style.color.get_truecolor()


def is_faded(app: HeaderApp, style) -> bool:
    """Dim: closer to the background than the header's ordinary text is."""

    def distance(a, b) -> int:
        return sum(abs(x - y) for x, y in zip(a, b))

    background = style.bgcolor.get_truecolor()
    foreground = Color.parse(app.theme_variables["foreground"]).rich_color.get_truecolor()
    return distance(rgb(style), background) < 0.8 * distance(foreground, background)


def is_red(style) -> bool:
    r, g, b = rgb(style)
    return r >= 150 and g < 100


def is_yellow(style) -> bool:  # yellow or amber, as themes draw it
    r, g, b = rgb(style)
    return r >= 150 and g >= 100 and b < 120


def is_green(style) -> bool:
    r, g, b = rgb(style)
    return g >= 150 and g > r and g > b


# ------------------------------------------------------------------ what it says


async def test_connecting_then_the_connection_and_its_sandbox_badge():
    app = HeaderApp()
    async with app.run_test(size=(120, 4)) as pilot:
        header = app.header
        top, identity = lines(app)
        assert top.startswith("Manage RKVST  connecting…")
        assert identity.startswith("signing in…")
        assert all(is_faded(app, style) for style in cells(app, 0, "connecting…"))
        assert all(is_faded(app, style) for style in cells(app, 1, "signing in…"))

        header.show_connecting("connecting… (starting the local sandbox can take a moment)")
        await pilot.pause()
        assert lines(app)[0].startswith("Manage RKVST  connecting… (starting the local sandbox can take a moment)")

        header.show_connection(WORK)
        await pilot.pause()
        assert lines(app)[0].rstrip() == "Manage RKVST  work · https://app.datatrails.ai"
        assert "SANDBOX" not in header.text
        assert all(style.bold for style in cells(app, 0, "work"))  # the profile stands out
        title = cells(app, 0, "Manage RKVST")
        assert all(style.bold and style.color == theme_color(app, "accent") for style in title)

        header.show_connection(SANDBOX)
        await pilot.pause()
        assert lines(app)[0].rstrip() == (
            "Manage RKVST   SANDBOX   sandbox · http://127.0.0.1:29311 · local sandbox: test data only"
        )
        badge = cells(app, 0, " SANDBOX ")
        assert all(style.bgcolor == theme_color(app, "warning") and style.bold for style in badge)
        assert all(is_faded(app, style) for style in cells(app, 0, "local sandbox: test data only"))

        # A profile without a name is the default one; the badge goes with the sandbox.
        header.show_connection(
            SimpleNamespace(profile="", base_url="https://x.example", is_sandbox=False, shows_as_sandbox=False)
        )
        await pilot.pause()
        assert header.text.splitlines()[0] == "Manage RKVST  default · https://x.example"


@pytest.mark.parametrize(
    ("identity", "wording", "colour"),
    [
        (ROOT, "signed in as d1fb6c87-faa9 (sandbox-admin)  root", is_green),
        (NOT_ROOT, "signed in as 0a1b2c3d  not root: a root user must add it to ROOT PRINCIPALS", is_yellow),
        (UNKNOWN, "signed in as 0a1b2c3d (ci)  root: unknown", None),
    ],
    ids=["root", "not-root", "unknown"],
)
async def test_who_is_signed_in_and_whether_root(identity, wording, colour):
    app = HeaderApp()
    async with app.run_test(size=(120, 4)) as pilot:
        app.header.show_connection(SANDBOX)
        app.header.show_identity(identity, tokens(2530))
        await pilot.pause()
        assert lines(app)[1].rstrip() == wording
        assert all(style.bold for style in cells(app, 1, identity.client_id))
        verdict = wording.split("  ", 1)[1]
        if colour is None:
            assert all(is_faded(app, style) for style in cells(app, 1, verdict))
        else:
            assert all(style.bold and colour(style) for style in cells(app, 1, verdict))


async def test_signed_out_shows_the_reason_in_red_and_no_token_time():
    app = HeaderApp()
    async with app.run_test(size=(120, 4)) as pilot:
        header = app.header
        header.show_connection(WORK)
        await pilot.pause()
        header.show_signed_out("Could not sign in: the client id or secret is wrong (401)")
        await pilot.pause()
        top, identity = header.text.splitlines()
        assert identity == "Could not sign in: the client id or secret is wrong (401)"
        assert top == "Manage RKVST  work · https://app.datatrails.ai"  # no token time
        assert all(style.bold and is_red(style) for style in cells(app, 1, "Could not sign in"))


# ------------------------------------------------------------------ the token's time


async def test_token_time_counts_down_every_second_and_turns_yellow_in_the_last_five_minutes():
    app = HeaderApp()
    async with app.run_test(size=(120, 4)) as pilot:
        header = app.header
        header.show_connection(SANDBOX)
        header.show_identity(ROOT, tokens(42 * 60 + 10))
        await pilot.pause()
        assert lines(app)[0].endswith("token: 42m 10s left")
        assert not any(is_yellow(style) for style in cells(app, 0, "token: 42m 10s left"))

        # The header's own 1 s timer reads the clock again.
        app.clock.now += timedelta(seconds=1)
        await pilot.pause(1.2)
        assert lines(app)[0].endswith("token: 42m 09s left")

        app.clock.now = NOW + timedelta(minutes=38, seconds=11)  # 3m 59s left
        header.refresh_token_time()
        await pilot.pause()
        assert lines(app)[0].endswith("token: 3m 59s left")
        assert all(is_yellow(style) for style in cells(app, 0, "token: 3m 59s left"))


@pytest.mark.parametrize(
    ("fixed", "wording", "check"),
    [
        (True, "token expired: replace the bearer token file", lambda s: s.bold and is_red(s)),
        (False, "token expired: renews on the next request", lambda s: is_yellow(s)),
    ],
    ids=["bearer-token-file", "renewable"],
)
async def test_an_expired_token_says_what_happens_next(fixed, wording, check):
    app = HeaderApp()
    async with app.run_test(size=(120, 4)) as pilot:
        app.header.show_connection(WORK)
        app.header.show_identity(ROOT, tokens(5, fixed=fixed))
        await pilot.pause()
        assert lines(app)[0].endswith("token: 5s left")
        app.clock.now += timedelta(seconds=5)  # expired at exactly its expiry time
        app.header.refresh_token_time()
        await pilot.pause()
        assert lines(app)[0].endswith(wording)
        assert all(check(style) for style in cells(app, 0, wording))


async def test_no_token_yet():
    app = HeaderApp()
    async with app.run_test(size=(120, 4)) as pilot:
        app.header.show_identity(ROOT, tokens(None))
        await pilot.pause()
        assert lines(app)[0].endswith("no token yet")
        assert all(is_faded(app, style) for style in cells(app, 0, "no token yet"))


# ------------------------------------------------------------------ layout


@pytest.mark.parametrize("width", [50, 64, 80, 120, 200])
async def test_token_time_is_at_the_right_edge_at_any_width(width):
    app = HeaderApp()
    async with app.run_test(size=(width, 4)) as pilot:
        app.header.show_connection(WORK)
        app.header.show_identity(ROOT, tokens(42 * 60 + 10))
        await pilot.pause()
        top = lines(app)[0]
        assert len(top) == width - 2  # inside the header's padding of one cell at each side
        assert top.startswith("Manage RKVST  work · ")
        assert top.endswith("  token: 42m 10s left")


async def test_resizing_moves_the_token_time_to_the_new_right_edge():
    app = HeaderApp()
    async with app.run_test(size=(120, 4)) as pilot:
        app.header.show_connection(WORK)
        app.header.show_identity(ROOT, tokens(600))
        await pilot.pause()
        for width in (90, 140, 100):
            await pilot.resize_terminal(width, 4)
            await pilot.pause()
            top = lines(app)[0]
            assert len(top) == width - 2 and top.endswith("token: 10m 00s left"), (width, top)


async def test_long_url_and_identity_are_cropped_not_wrapped():
    url = "https://" + "very-long-host-name." * 8 + "example.com/archivist"
    app = HeaderApp()
    async with app.run_test(size=(80, 4)) as pilot:
        app.header.show_connection(
            SimpleNamespace(profile="work", base_url=url, is_sandbox=False, shows_as_sandbox=False)
        )
        app.header.show_identity(NOT_ROOT, tokens(42 * 60 + 10))
        await pilot.pause()
        top, identity = lines(app)
        room = 78 - len("Manage RKVST  ") - 2 - len("token: 42m 10s left")
        # The URL runs to the gap before the token time and ends in '…' (a cut URL must not
        # read as another); nothing of it goes to line two, and the identity is not folded.
        assert top == "Manage RKVST  " + ("work · " + url)[: room - 1] + "…  token: 42m 10s left"
        assert identity == ("signed in as 0a1b2c3d  not root: a root user must add it to ROOT PRINCIPALS")[:78]
        assert app.header.size.height == 2


async def test_narrower_than_the_title_and_badge_still_draws_two_cropped_lines():
    app = HeaderApp()
    async with app.run_test(size=(20, 4)) as pilot:
        app.header.show_connection(SANDBOX)
        app.header.show_identity(ROOT, tokens(60))
        await pilot.pause()
        assert lines(app) == [
            ("Manage RKVST  " + " SANDBOX ")[:18],
            "signed in as d1fb6c87-faa9 (sandbox-admin)  root"[:17] + "…",
        ]


@pytest.mark.parametrize("width", [100, 80])
async def test_short_of_room_the_sandbox_note_goes_before_the_url_is_cut(width):
    app = HeaderApp()
    async with app.run_test(size=(width, 4)) as pilot:
        app.header.show_connection(SANDBOX)
        app.header.show_identity(ROOT, tokens(59 * 60 + 45))
        await pilot.pause()
        top = lines(app)[0]
        # The SANDBOX badge says what the note said; the URL stays whole, nothing is cut mid-word.
        assert top.startswith("Manage RKVST   SANDBOX   sandbox · http://127.0.0.1:29311  ")
        assert "local sandbox" not in top and "…" not in top
        assert top.rstrip().endswith("token: 59m 45s left")


async def test_with_room_the_sandbox_note_is_shown_whole():
    app = HeaderApp()
    async with app.run_test(size=(120, 4)) as pilot:
        app.header.show_connection(SANDBOX)
        app.header.show_identity(ROOT, tokens(60))
        await pilot.pause()
        assert "sandbox · http://127.0.0.1:29311 · local sandbox: test data only  " in lines(app)[0]


# ------------------------------------------------------------------ one widget, cached


async def test_the_header_is_one_widget_with_no_children():
    app = HeaderApp()
    async with app.run_test(size=(120, 4)) as pilot:
        app.header.show_connection(SANDBOX)
        app.header.show_identity(ROOT, tokens(600))
        await pilot.pause()
        assert list(app.header.children) == []
        assert len(app.query("ConsoleHeader *")) == 0
        assert app.header.region.height == 2 and app.header.region.width == 120


async def test_it_repaints_only_when_what_it_shows_changes():
    app = HeaderApp()
    async with app.run_test(size=(120, 4)) as pilot:
        header = app.header
        header.show_connection(SANDBOX)
        header.show_identity(ROOT, tokens(600))
        await pilot.pause()
        renders: list[int] = []
        original = header.render
        header.render = lambda: (renders.append(1), original())[1]

        # The same time left, the same connection, the same identity: nothing is redrawn.
        header.refresh_token_time()
        header.show_connection(SimpleNamespace(**vars(SANDBOX)))
        header.show_identity(SimpleNamespace(**vars(ROOT)), tokens(600))
        await pilot.pause()
        await pilot.pause()
        assert renders == []

        # A second later the text changes: one repaint, however many ticks asked.
        app.clock.now += timedelta(seconds=1)
        header.refresh_token_time()
        header.refresh_token_time()
        await pilot.pause()
        assert len(renders) == 1
        assert lines(app)[0].endswith("token: 9m 59s left")

        # A resize redraws (the token time moves to the new edge).
        renders.clear()
        await pilot.resize_terminal(100, 4)
        await pilot.pause()
        assert len(renders) == 1


async def test_the_same_words_in_another_colour_are_redrawn():
    app = HeaderApp()
    async with app.run_test(size=(120, 4)) as pilot:
        await pilot.pause()
        assert all(is_faded(app, style) for style in cells(app, 1, "signing in…"))
        # Rich's Text == ignores a Text's own style: "signing in…" dim and "signing in…"
        # bold red compare equal, yet they look different.
        app.header.show_signed_out("signing in…")
        await pilot.pause()
        assert all(style.bold and is_red(style) for style in cells(app, 1, "signing in…"))


async def test_a_theme_change_redraws_with_the_new_colours():
    app = HeaderApp()
    async with app.run_test(size=(120, 4)) as pilot:
        app.header.show_connection(SANDBOX)
        await pilot.pause()
        before = cells(app, 0, " SANDBOX ")[0], cells(app, 0, "Manage")[0]
        assert before[0].bgcolor == theme_color(app, "warning")
        app.theme = "nord"
        await pilot.pause()
        badge, title = cells(app, 0, " SANDBOX ")[0], cells(app, 0, "Manage")[0]
        assert (badge.bgcolor, title.color) != (before[0].bgcolor, before[1].color)
        assert badge.bgcolor == theme_color(app, "warning")
        assert title.color == theme_color(app, "accent")
        assert title.bgcolor == theme_color(app, "panel")


async def test_the_base_url_can_be_selected_with_the_mouse_and_copied():
    app = HeaderApp()
    async with app.run_test(size=(120, 4)) as pilot:
        app.header.show_connection(SANDBOX)
        app.header.show_identity(ROOT, tokens(600))
        await pilot.pause()
        start = lines(app)[0].index(SANDBOX.base_url) + 1  # + the header's padding
        end = start + len(SANDBOX.base_url) - 1
        await pilot.mouse_down(offset=(start, 0))
        await pilot.hover(offset=(end, 0))
        await pilot.mouse_up(offset=(end, 0))
        await pilot.pause()
        assert app.screen.get_selected_text() == SANDBOX.base_url


def test_text_can_be_read_before_the_header_is_mounted():
    header = ConsoleHeader(lambda: NOW)
    header.show_connection(SANDBOX)
    assert header.text == (
        "Manage RKVST   SANDBOX   sandbox · http://127.0.0.1:29311 · local sandbox: test data only\nsigning in…"
    )


async def test_a_sandbox_reached_by_its_url_alone_gets_the_badge_from_what_it_answers(sandbox):
    """As with `rkvst-tui sandbox` in one terminal and RKVST_URL=http://127.0.0.1:PORT in another:
    nothing says "sandbox" but the server's answers."""
    from tui_helpers import running_console

    from rkvst_tui.api.client import RkvstClient
    from rkvst_tui.api.connection import Connection

    connection = Connection(
        sandbox.base_url, client_id=sandbox.admin_client_id, secret=sandbox.admin_secret, profile="env"
    )
    assert not connection.is_sandbox
    async with running_console(sandbox, client=RkvstClient(connection)) as (app, pilot):
        header = app.query_one(ConsoleHeader)
        await pilot.pause()
        assert "SANDBOX" in header.text and "local sandbox: test data only" in header.text
