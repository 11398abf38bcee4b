"""Text that did not come from us, made safe to draw on a terminal.

A display name, a claim, an issuer or a pasted token can carry ESC sequences (OSC 52 rewrites
the clipboard, CSI moves the cursor, OSC 0 sets the window title), C1 controls that some
terminals also obey, or Unicode format characters (bidi overrides, zero-width joiners) that
make one value look like another. Rich strips only a few C0 controls and Textual writes the
rest as they are, so every such string goes through `terminal_safe` before it is drawn or
printed. Unsafe characters are shown as visible escapes (`\\x1b`, `\\u202e`), never dropped,
so an administrator can see that a value is odd.
"""

from __future__ import annotations

import unicodedata

# Cc: C0, DEL and C1 controls (CR, LF and TAB included); Cf: format characters (bidi
# controls, zero-width characters); Zl/Zp: line and paragraph separators; Cs: lone
# surrogates, which cannot even be encoded for the terminal.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
ELLIPSIS = "…"


def is_unsafe(char: str) -> bool:
    """True for a character that must never reach a terminal as it is."""
    return unicodedata.category(char) in UNSAFE_CATEGORIES


def escape_char(char: str) -> str:
    """The visible form of one character: `\\x1b`, `\\u202e`, `\\U000e0001`."""
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def terminal_safe(value: object, limit: int | None = None) -> str:
    """`value` as a string with every unsafe character shown escaped.

    `limit`, when given, bounds the result to that many characters (the last one `…`), so a
    hostile megabyte-long value costs no more to draw than a short one.
    """
    text = "" if value is None else str(value)
    if limit is not None and len(text) > limit:
        # Cut before escaping too: an escape is up to ten characters for one.
        text = text[: limit * 10]
    if not text.isprintable():
        text = "".join(escape_char(ch) if is_unsafe(ch) else ch for ch in text)
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + ELLIPSIS
    return text


def has_unsafe(text: str) -> bool:
    """True when `text` holds any character `terminal_safe` would escape."""
    return not text.isprintable() and any(is_unsafe(ch) for ch in text)
