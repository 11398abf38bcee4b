"""Step 2: each dot-separated part decoded (base64url, UTF-8, JSON), or the reason it is not."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from .results import MAX_SHOWN_JSON_CHARS, PartReport, shorten

_NOT_B64URL = re.compile(r"[^A-Za-z0-9_\-]")


def b64url_decode(segment: str, part: str) -> tuple[bytes | None, str | None, list[str]]:
    """(bytes, error, notes). Tolerates padding and standard base64 characters, with a note."""
    notes: list[str] = []
    body = segment
    if body.endswith("="):
        stripped = body.rstrip("=")
        if "=" in stripped:
            pos = stripped.index("=") + 1
            return None, f"{part}: not valid base64url at character {pos} ('=' inside the text)", notes
        notes.append(f"{part} has '=' padding, which base64url in a JWT omits (RFC 7515)")
        body = stripped
    if "+" in body or "/" in body:
        notes.append(f"{part} uses standard base64 characters '+' or '/' instead of base64url '-' and '_'")
        body = body.replace("+", "-").replace("/", "_")
    bad = _NOT_B64URL.search(body)
    if bad:
        ch = bad.group(0)
        shown = repr(ch) if ch.isprintable() else f"U+{ord(ch):04X}"
        return None, f"{part}: not valid base64url at character {bad.start() + 1} ({shown})", notes
    if len(body) % 4 == 1:
        return (
            None,
            f"{part}: not valid base64url: {len(body)} characters is one too many or too few (truncated?)",
            notes,
        )
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)), None, notes
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - alphabet and length checked above
        return None, f"{part}: not valid base64url: {exc}", notes


def decode_json_part(segment: str, part: str) -> PartReport:
    report = PartReport(part, segment)
    if segment == "":
        report.error = f"{part}: empty"
        return report
    raw, error, notes = b64url_decode(segment, part)
    report.notes.extend(notes)
    if raw is None:
        report.error = error
        return report
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        report.error = f"{part}: not UTF-8 (byte {exc.start + 1} is 0x{raw[exc.start]:02x})"
        report.decoded = None
        report.shown_json = shorten(raw.decode("utf-8", "replace"), MAX_SHOWN_JSON_CHARS)
        return report
    duplicates: list[str] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen and len(duplicates) < 10:
                duplicates.append(key)
            seen[key] = value
        return seen

    try:
        value = json.loads(text, object_pairs_hook=pairs_hook)
    except RecursionError:
        report.error = f"{part}: JSON nested too deeply to read"
        report.shown_json = shorten(text, MAX_SHOWN_JSON_CHARS)
        return report
    except ValueError as exc:  # JSONDecodeError, and int-too-long from the digit limit
        report.error = f"{part}: not JSON: {exc}"
        report.shown_json = shorten(text, MAX_SHOWN_JSON_CHARS)
        return report
    if not isinstance(value, dict):
        report.error = f"{part}: JSON but not an object (it is {_json_kind(value)})"
        report.shown_json = shorten(text, MAX_SHOWN_JSON_CHARS)
        return report
    report.decoded = value
    for key in duplicates:
        report.notes.append(f"{part} names {key!r} twice: readers disagree which value counts (the last is shown)")
    report.shown_json, report.truncated = _pretty(value, len(text), part)
    return report


def decode_signature(segment: str) -> PartReport:
    report = PartReport("signature", segment)
    if segment == "":
        report.decoded = b""
        return report
    raw, error, notes = b64url_decode(segment, "signature")
    report.notes.extend(notes)
    if raw is None:
        report.error = error
    else:
        report.decoded = raw
        report.shown_json = shorten(raw.hex(), MAX_SHOWN_JSON_CHARS)
    return report


def _pretty(value: Any, source_chars: int, part: str) -> tuple[str, bool]:
    """Indented JSON for display, without building megabytes of text."""
    if source_chars > MAX_SHOWN_JSON_CHARS:
        try:
            compact = json.dumps(value, ensure_ascii=False)[:MAX_SHOWN_JSON_CHARS]
        except (ValueError, RecursionError):
            compact = ""
        return (
            f"{compact}\n... {part} too large to show in full ({source_chars:,} characters; "
            f"the first {MAX_SHOWN_JSON_CHARS:,} are shown)",
            True,
        )
    try:
        return json.dumps(value, indent=2, ensure_ascii=False), False
    except (ValueError, RecursionError):
        return "", False


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list"}.get(
        type(value), type(value).__name__
    )
