"""Step 1: the token inside whatever was pasted (a bare JWT, a Bearer or Authorization line, a
request, a curl command, a token endpoint answer, a bearer_token file)."""

from __future__ import annotations

import re

from .results import shorten

_JWT_CHARS = re.compile(r"[A-Za-z0-9_\-+/=.]+")
_WORD_SEPARATORS = re.compile(r"[\s\"'`<>(),;\[\]{}|]+")

_AUTHORIZATION = re.compile(r"(?im)^[ \t>\-]*(?:-H\s*)?[\"']?authorization[ \t]*:[ \t]*(.*)$")
_AUTHORIZATION_ANYWHERE = re.compile(r"(?i)authorization[ \t]*:[ \t]*([^\r\n]*)")
_BEARER = re.compile(r"(?i)^bearer\s+(.*)$", re.DOTALL)
_ACCESS_TOKEN_JSON = re.compile(r"\"access_token\"\s*:\s*\"([^\"]*)\"")
# JWS compact serialisation (RFC 7515 §7.1): header.payload.signature, each base64url.
_JWS_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_QUOTES = "\"'`\u201c\u201d\u2018\u2019"


def is_jws_compact(token: str) -> bool:
    """True for three base64url segments joined by dots (the signature may be empty): the only
    shape of access token worth printing or saving; anything else may carry terminal escapes."""
    return isinstance(token, str) and _JWS_COMPACT.fullmatch(token) is not None


def normalise(text: str) -> str:
    """The token inside whatever was pasted (see `find_token` for how it was found)."""
    return find_token(text)[0]


def find_token(text: str) -> tuple[str, str]:
    """(token, note): the token text and a sentence saying where it was found.

    Accepts a bare JWT, `Bearer x`, `Authorization: Bearer x` (any case), a whole HTTP
    request or curl command (the Authorization header), a token endpoint JSON answer
    (`access_token`), a `bearer_token` file's content, surrounding whitespace and quotes,
    and a token broken over several lines by a terminal.
    """
    if not isinstance(text, str):
        return "", "the input is not text"
    stripped = text.lstrip("\ufeff").strip()
    if not stripped:
        return "", "nothing was given"

    match = _AUTHORIZATION.search(stripped) or _AUTHORIZATION_ANYWHERE.search(stripped)
    if match:
        words = [w.strip(_QUOTES) for w in match.group(1).split()]
        words = [w for w in words if w]
        where = "the Authorization header of the request" if "\n" in stripped else "the Authorization line"
        if not words:
            return "", f"found an empty {where[4:]}"
        if words[0].lower() == "bearer":
            return (words[1] if len(words) > 1 else ""), f"found in {where}"
        if len(words) > 1:
            return words[1], f"found in {where} (scheme {shorten(words[0], 20)!r}, not Bearer)"
        return words[0], f"found in {where} (no Bearer scheme)"

    match = _ACCESS_TOKEN_JSON.search(stripped[:2_000_000])
    if match:
        return match.group(1), "found in the access_token field of a token endpoint answer"

    unquoted = _unquote(stripped)
    bearer = _BEARER.match(unquoted)
    if bearer:
        return _join_wrapped(_unquote(bearer.group(1).strip())), "found after the Bearer prefix"

    joined = _join_wrapped(unquoted)
    if joined is not unquoted and _JWT_CHARS.fullmatch(joined):
        return joined, "joined from several lines"
    if _JWT_CHARS.fullmatch(unquoted):
        return unquoted, "as given"
    # A log line or a message with a token in it: take the first word shaped like a JWT.
    for word in _WORD_SEPARATORS.split(unquoted):
        if word.startswith("eyJ") and word.count(".") == 2 and _JWT_CHARS.fullmatch(word):
            return word, "found inside the text given"
    return unquoted, "as given"


def _unquote(text: str) -> str:
    while len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text.strip(_QUOTES + " \t\r\n")


def _join_wrapped(text: str) -> str:
    """A token a terminal wrapped over lines, joined; other text unchanged."""
    if any(ch.isspace() for ch in text):
        parts = text.split()
        joined = "".join(parts)
        if _JWT_CHARS.fullmatch(joined):
            return joined
    return text
