"""Hostile strings, and what the terminal receives when the console draws them.

Each payload carries a marker (PWNED) so that the check finds the data's own escape
sequences, not the ones Textual writes to draw the screen. `FORBIDDEN` lists, per payload,
the byte strings that must never reach the terminal: the raw sequence with its marker,
and for C1 and format characters their UTF-8 bytes anywhere (Textual never writes them).

`CapturingDriver` is Textual's headless driver that says it is not headless, so the App
renders and writes every frame (and every OSC 52 copy) to it as it would to a terminal;
`screen_of` replays those bytes through a VT emulator (pyte) to see what a terminal shows.
"""

from __future__ import annotations

import base64
import json

import pyte
from textual.drivers.headless_driver import HeadlessDriver

HOSTILE = {
    "OSC 52 clipboard": "\x1b]52;c;UFdORUQ=\x1b\\",
    "CSI clear screen": "\x1b[2JPWNED",
    "CSI cursor home": "\x1b[1;1HPWNED signed in as root",
    "OSC 0 window title": "\x1b]0;PWNED title\x07",
    "C1 CSI": "\x9b2JPWNED",
    "bidi override": "\u202ePWNED",
    "zero-width space": "PW\u200bNED",
    "line separator": "PWNED\u2028line",
    "CR LF": "PWNED\r\nnext",
    "DEL": "PWNED\x7fdel",
}

FORBIDDEN = {
    "OSC 52 clipboard": [b"\x1b]52;c;UFdORUQ"],
    "CSI clear screen": [b"\x1b[2JPWNED"],
    "CSI cursor home": [b"\x1b[1;1HPWNED"],
    "OSC 0 window title": [b"\x1b]0;PWNED"],
    "C1 CSI": ["\x9b".encode()],
    "bidi override": ["\u202e".encode()],
    "zero-width space": ["\u200b".encode()],
    "line separator": ["\u2028".encode()],
    "CR LF": [b"PWNED\r", b"PWNED\n", b"\nnext"],
    "DEL": [b"\x7f"],
}
assert FORBIDDEN.keys() == HOSTILE.keys()

ALL_HOSTILE = "".join(HOSTILE.values())


def hostile_name(kind: str) -> str:
    """A display name that starts with the payload, so that the raw sequence falls inside
    even a narrow cell, and ends with a word to find it by."""
    return f"{HOSTILE[kind]} Prod {kind}"


def escapes_found(data: bytes) -> list[str]:
    """The hostile payloads whose raw bytes are in `data` (empty: none reached the terminal)."""
    return [kind for kind, needles in FORBIDDEN.items() if any(needle in data for needle in needles)]


class CapturingDriver(HeadlessDriver):
    """Records what the App writes to the terminal; `App._captured` is the list it appends to."""

    @property
    def is_headless(self) -> bool:
        return False  # or the App would not render frames to the driver at all

    def write(self, data: str) -> None:
        self._app._captured.append(data)

    def flush(self) -> None:
        pass


def capture(app) -> list[str]:
    """Make `app` write to a CapturingDriver (call before `run_test(headless=False)`)."""
    app._captured = []
    app.driver_class = CapturingDriver
    return app._captured


def screen_of(data: bytes, size: tuple[int, int]) -> pyte.Screen:
    """What a VT terminal of `size` (columns, lines) shows after receiving `data`."""
    screen = pyte.Screen(*size)
    stream = pyte.ByteStream(screen)
    stream.feed(data)
    return screen


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hostile_token() -> str:
    """A JWS-shaped token whose header fields, claim names and claim values are hostile
    (unsigned garbage signature: the inspector shows what it cannot verify too)."""
    header = {"alg": "RS256", "typ": "at+jwt", "kid": HOSTILE["OSC 0 window title"], HOSTILE["C1 CSI"]: "x"}
    payload = {
        "iss": HOSTILE["CSI cursor home"],  # warnings quote an unexpected issuer
        "sub": HOSTILE["bidi override"],
        "aud": HOSTILE["CSI clear screen"],
        "exp": 4102444800,
        "iat": 1700000000,
    }
    for kind, text in HOSTILE.items():
        payload[f"{text}{kind}"] = f"{kind}: {text}"
    return ".".join(
        (b64url(json.dumps(header).encode()), b64url(json.dumps(payload).encode()), b64url(b"not a signature"))
    )
