"""The frame's header: where the console is connected, as whom, and for how long.

One widget with no children whose render() returns its two lines (one Content), rebuilt
only when what they show, the width or the styles change: the token time is recomputed
every second, but a tick that gives the same text repaints nothing.

Line one: the title, the SANDBOX badge (for a sandbox only), the connection (cropped to the
room left, never wrapped) and the token time at the right edge. Line two: who is signed in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.content import Content
from textual.selection import Selection
from textual.widget import Widget

from rkvst_tui.tui.formatting import as_utc, safe, span

TITLE = "Manage RKVST"  # "Manage DataTrails" once the service answers as DataTrails (show_service)
BADGE = " SANDBOX "
# The margins the header's parts had as widgets in a horizontal layout: 2 cells after the
# title and after the badge, 2 before the token time (kept even when there is no token time).
GAP = 2


SANDBOX_NOTE = " · local sandbox: test data only"


def connection_text(connection) -> Text:
    """Line one's middle: profile and base URL, and a note for the local sandbox."""
    text = Text()
    text.append(getattr(connection, "profile", "") or "default", style="bold")
    text.append(" · ")
    text.append(safe(connection.base_url))
    if getattr(connection, "shows_as_sandbox", False):
        text.append(SANDBOX_NOTE, style="dim")
    return text


def fit_connection(connection: Content, room: int) -> Content:
    """The connection in `room` cells: whole if it fits; else without the sandbox note (the
    badge says it already); else cut, ending in '…' so that a cut URL never reads as another."""
    if connection.cell_length <= room:
        return connection
    if connection.plain.endswith(SANDBOX_NOTE):
        connection = connection[: len(connection.plain) - len(SANDBOX_NOTE)]
        if connection.cell_length <= room:
            return connection
    return connection.truncate(room, ellipsis=True)


def identity_text(identity) -> Text:
    """Line two: who is signed in, and whether it is root (or, where access is managed by
    roles, whether it has the Owner role)."""
    text = Text("signed in as ")
    text.append(safe(identity.client_id), style="bold")  # whoami's answer: the server's words
    if identity.display_name:
        text.append(f" ({safe(identity.display_name)})")
    is_owner = getattr(identity, "is_owner", None)
    if getattr(identity, "roles_only", False) or (is_owner is True and identity.is_root is not True):
        if is_owner is True:
            text.append("  Owner", style="bold green")
        elif is_owner is False:
            text.append("  not an Owner: an Owner must give it the Owner role", style="bold yellow")
        else:
            text.append("  Owner: unknown", style="dim")
    elif identity.is_root is True:
        text.append("  root", style="bold green")
    elif identity.is_root is False:
        text.append("  not root: a root user must add it to ROOT PRINCIPALS", style="bold yellow")
    else:
        text.append("  root: unknown", style="dim")
    return text


def token_time_text(tokens, now: datetime) -> Text:
    """Line one's right end: the time left on the access token (nothing before sign-in)."""
    expires_at = getattr(tokens, "expires_at", None) if tokens is not None else None
    if expires_at is None:
        return Text("no token yet", style="dim") if tokens is not None else Text()
    left = as_utc(expires_at) - as_utc(now)
    if left.total_seconds() <= 0:
        if getattr(tokens, "is_fixed", False):  # a bearer token file: nothing here can renew it
            return Text("token expired: replace the bearer token file", style="bold red")
        return Text("token expired: renews on the next request", style="yellow")
    style = "yellow" if left.total_seconds() < 300 else ""
    return Text(f"token: {span(left)} left", style=style)


def _look(shown: tuple) -> tuple:
    """What decides the cells: Text's == ignores its base style (Text("x", style="yellow")
    == Text("x")), so compare that too."""
    return tuple((part.plain, tuple(part.spans), part.style) if isinstance(part, Text) else part for part in shown)


class ConsoleHeader(Widget):
    """Two lines: title, SANDBOX badge, profile and base URL, token time left; then identity."""

    ALLOW_SELECT = True  # a user may copy the base URL or the client id, as from the old Statics

    COMPONENT_CLASSES = {
        "header--title",
        "header--badge",
        "header--connection",
        "header--token",
        "header--identity",
    }
    """
    | Class | Description |
    | :- | :- |
    | `header--title` | "Manage RKVST". |
    | `header--badge` | The SANDBOX badge. |
    | `header--connection` | Profile and base URL (or what the console is connecting to). |
    | `header--token` | The time left on the access token, at the right of line one. |
    | `header--identity` | Line two: who is signed in, or why not. |

    The texts' own emphasis (bold profile, dim hints, yellow/red warnings) is drawn over these.
    """

    # The look the app stylesheet gave the six widgets (ConsoleHeader, #header-title,
    # #sandbox-badge, ...), on the same theme variables.
    DEFAULT_CSS = """
    ConsoleHeader {
        dock: top;
        height: 2;
        background: $panel;
        color: $foreground;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: clip;
        & > .header--title {
            color: $accent;
            text-style: bold;
        }
        & > .header--badge {
            background: $warning;
            color: $background;
            text-style: bold;
        }
    }
    """

    def __init__(self, clock: Callable[[], datetime], **kwargs) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        self._tokens = None  # what the token time is read from, each second
        # What the lines show (the Rich Texts the old Statics were given).
        self._badge = False
        self._connection_text = Text("connecting…", style="dim")
        self._token_text = Text()
        self._identity_text = Text("signing in…", style="dim")
        self._title = TITLE
        self._shown_version = 0  # bumped when any of the above changes
        # ((version, width), (both lines, where line one's parts meet))
        self._lines: tuple[tuple[int, int], tuple[Content, tuple[int, ...]]] | None = None

    def on_mount(self) -> None:
        self.set_interval(1.0, self.refresh_token_time)

    # ---------------------------------------------------------------- what is shown

    def _show(
        self,
        *,
        badge: bool | None = None,
        connection: Text | None = None,
        token: Text | None = None,
        identity: Text | None = None,
    ) -> None:
        """Change what the lines show; repaint only if that changes something."""
        new = (
            self._badge if badge is None else badge,
            self._connection_text if connection is None else connection,
            self._token_text if token is None else token,
            self._identity_text if identity is None else identity,
        )
        old = (self._badge, self._connection_text, self._token_text, self._identity_text)
        if _look(new) == _look(old):
            return  # the same look: no repaint
        self._badge, self._connection_text, self._token_text, self._identity_text = new
        self._shown_version += 1
        self.refresh()

    def show_connection(self, connection) -> None:
        self._show(badge=bool(getattr(connection, "shows_as_sandbox", False)), connection=connection_text(connection))

    def show_service(self, name: str) -> None:
        """The title names the service as it answered: RKVST or DataTrails (api/service.py)."""
        title = f"Manage {name}"
        if title != self._title:
            self._title = title
            self._shown_version += 1
            self.refresh()

    def show_connecting(self, what: str) -> None:
        self._show(connection=Text(what, style="dim"))

    def show_identity(self, identity, tokens) -> None:
        self._tokens = tokens
        self._show(identity=identity_text(identity))
        self.refresh_token_time()

    def show_signed_out(self, reason: str) -> None:
        self._tokens = None  # or the next tick would show a token time beside "signed out"
        self._show(identity=Text(safe(reason), style="bold red"), token=Text())

    def refresh_token_time(self) -> None:
        self._show(token=token_time_text(self._tokens, self.clock()))

    @property
    def text(self) -> str:
        """The two lines as plain text, as they are shown at the current width (cropped,
        without the blanks at their ends), joined by a newline."""
        return "\n".join(line.rstrip() for line in self._get_lines()[0].plain.split("\n"))

    # ---------------------------------------------------------------- drawing

    def notify_style_update(self) -> None:
        # The CSS, the theme or a pseudo-class changed: the parts' styles may have too.
        super().notify_style_update()
        self._lines = None

    def render(self) -> Content:
        return self._get_lines()[0]

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        # As a Static's: the text under the mouse selection, to copy.
        return selection.extract(self._get_lines()[0].plain), "\n"

    def _get_lines(self) -> tuple[Content, tuple[int, ...]]:
        width = self.size.width
        if not self.is_mounted:  # no styles yet (`text` may be read before mount): plain lines
            return self._build(width)
        key = (self._shown_version, width)
        if self._lines is None or self._lines[0] != key:
            self._lines = (key, self._build(width))
        return self._lines[1]

    def _part(self, text: Text | str, component: str) -> Content:
        """A text over its part's style: the part's colours, then the text's own emphasis."""
        content = Content.from_rich_text(text) if isinstance(text, Text) else Content(text)
        return content.stylize_before(self.get_visual_style(component)) if self.is_mounted else content

    def _build(self, width: int) -> tuple[Content, tuple[int, ...]]:
        """Both lines, laid out as the old horizontal row of widgets was: title, a gap, the
        badge and a gap (sandbox only), the connection in the room left, a gap, the token
        time. Each line is cropped to the width (width 0: not laid out yet, nothing cropped)."""
        left = self._part(self._title, "header--title").pad_right(GAP)
        if self._badge:
            left += self._part(BADGE, "header--badge").pad_right(GAP)
        token = self._part(self._token_text, "header--token")
        connection = self._part(self._connection_text, "header--connection")
        if width > 0:
            room = max(0, width - left.cell_length - GAP - token.cell_length)
            connection = fit_connection(connection, room).truncate(room, pad=True)
        before_token = left.cell_length + connection.cell_length
        top = left + connection.pad_right(GAP) + token
        identity = self._part(self._identity_text, "header--identity")
        if width > 0:
            top, identity = top.truncate(width), identity.truncate(width, ellipsis=True)
        return Content("\n").join([top, identity]), (before_token, before_token + GAP)
