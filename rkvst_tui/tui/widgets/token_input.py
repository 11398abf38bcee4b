"""The token inspector's input column: the paste box, a file to open, a client id and secret to
get a token with, the key to verify with, a path to save to, and the buttons that use the token.

Only the fields live here; what the buttons do is the inspector's (tui/views/inspector.py),
which hears their Pressed and Submitted messages as they bubble up.
"""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, TextArea

from rkvst_tui.tui.formatting import safe_lines

MAX_FILE_BYTES = 2 * 1024 * 1024  # a token file is a few kB; refuse to slurp a disk image
SECRET_FIELDS = ("#ti-file", "#ti-client-id", "#ti-secret", "#ti-save-path")


class TokenFileError(Exception):
    """A token file that cannot be read; the message says why and what to do."""


def read_token_file(path: Path) -> str:
    """The text of a token file, or TokenFileError saying what is wrong with it."""
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise IsADirectoryError
        if size > MAX_FILE_BYTES:
            raise TokenFileError(f"it is {size:,} bytes: a token file is a few kilobytes. Choose the token file.")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TokenFileError("no such file: check the path.") from None
    except IsADirectoryError:
        raise TokenFileError("it is a directory: give the path of a file.") from None
    except PermissionError:
        raise TokenFileError("permission denied: check the file's owner and mode.") from None
    except UnicodeDecodeError:
        raise TokenFileError("it is not UTF-8 text, so it holds no token.") from None
    except OSError as exc:
        raise TokenFileError(f"{exc.strerror or exc}.") from None


class PasteBox(TextArea):
    """The paste box: a paste over a token already inspected replaces it instead of gluing two together."""

    inspected_text = ""
    typed_since_paste = False  # keys typed into the box make its text the user's own

    def on_key(self, event: events.Key) -> None:
        if event.is_printable or event.key in ("backspace", "delete", "enter", "tab"):
            self.typed_since_paste = True

    def load_text(self, text: str) -> None:
        super().load_text(text)  # put there by the inspector (a file, a token it got, clear)
        self.typed_since_paste = False

    def _on_paste(self, event: events.Paste) -> None:  # type: ignore[override]  # runs before TextArea's own (async) one
        # Textual runs TextArea's own paste handler after this one (handlers run down the
        # MRO), and it replaces the selection: selecting everything is all this needs to do.
        if self.text and self.text == self.inspected_text and not self.typed_since_paste:
            self.select_all()
        self.typed_since_paste = False


def _row(*children: Button | Input) -> Horizontal:
    return Horizontal(*children, classes="ti-row")


class TokenInput(VerticalScroll, can_focus=False):
    """The input column: not a focus stop itself, so focus lands on the paste box first."""

    def compose(self) -> ComposeResult:
        yield Label("Paste a token", classes="ti-title")
        yield PasteBox(
            id="ti-paste",
            soft_wrap=False,  # a megabyte on one line must stay cheap to draw
            show_line_numbers=False,
            compact=True,
            placeholder="JWT, Bearer line, Authorization header or HTTP request",
        )
        yield _row(
            Button("Inspect", id="ti-inspect", variant="primary", compact=True),
            Button("My token", id="ti-mine", compact=True, tooltip="Inspect the signed-in identity's current token"),
            Button("Clear", id="ti-clear", compact=True, tooltip="Forget everything on this tab (ctrl+l)"),
        )
        yield Label("Open a file", classes="ti-title")
        yield _row(
            Input(placeholder="bearer_token file path", id="ti-file", compact=True),
            Button("Open", id="ti-open", compact=True),
        )
        yield Label("Get a token from the backend", classes="ti-title")
        yield Input(placeholder="client id", id="ti-client-id", compact=True)
        yield _row(
            Input(placeholder="secret", password=True, id="ti-secret", compact=True),
            Button("Get", id="ti-get", compact=True),
        )
        yield Label("Verify with a key (optional)", classes="ti-title")
        yield TextArea(
            id="ti-key",
            soft_wrap=True,
            show_line_numbers=False,
            compact=True,
            placeholder="the issuer's public key: PEM, JWK or JWKS",
        )
        yield Label("Save as a bearer_token file", classes="ti-title")
        yield _row(
            Input(placeholder="path, e.g. ~/bearer_token", id="ti-save-path", compact=True),
            Button("Save", id="ti-save", compact=True),
        )
        yield Label("Use it", classes="ti-title")
        yield _row(
            Button(
                "Test access", id="ti-test", compact=True, tooltip="GET /archivist/v2/assets with this token (ctrl+t)"
            ),
            Button("Copy token", id="ti-copy-token", compact=True),
        )
        yield _row(
            Button("Copy header", id="ti-copy-header", compact=True),
            Button("Copy payload", id="ti-copy-payload", compact=True),
        )
        yield _row(Button("Copy signature", id="ti-copy-signature", compact=True))

    @property
    def pasted(self) -> str:
        return self.query_one("#ti-paste", PasteBox).text

    @property
    def key(self) -> str:
        """The key the user gave to verify with, or "" for none."""
        return self.query_one("#ti-key", TextArea).text.strip()

    def field(self, input_id: str) -> str:
        return self.query_one(input_id, Input).value.strip()

    def show_source(self, text: str) -> None:
        """Put a token that came from elsewhere (a file, the backend) into the paste box, terminal-safe."""
        self.query_one("#ti-paste", PasteBox).load_text(safe_lines(text, None))

    def mark_inspected(self, text: str) -> None:
        self.query_one("#ti-paste", PasteBox).inspected_text = text

    def forget_secret(self) -> None:
        self.query_one("#ti-secret", Input).value = ""

    def clear(self) -> None:
        """Empty every field. load_text also drops the undo history, which would otherwise keep the paste."""
        paste = self.query_one("#ti-paste", PasteBox)
        paste.inspected_text = ""
        paste.load_text("")
        self.query_one("#ti-key", TextArea).load_text("")
        for input_id in SECRET_FIELDS:
            self.query_one(input_id, Input).value = ""


__all__ = ["MAX_FILE_BYTES", "PasteBox", "TokenFileError", "TokenInput", "read_token_file"]
