"""The one sanitiser for text that did not come from us."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rkvst_tui.api.terminal_safe import has_unsafe, terminal_safe

HOSTILE = [
    ("Prod\x1b]52;c;cHduZWQ=\x1b\\", "Prod\\x1b]52;c;cHduZWQ=\\x1b\\"),
    ("a\x1b[2Jb", "a\\x1b[2Jb"),
    ("\x9b31m", "\\x9b31m"),  # C1 CSI
    ("abc\u202egnp.exe", "abc\\u202egnp.exe"),  # right-to-left override
    ("ad\u200bmin", "ad\\u200bmin"),  # zero-width space
    ("one\ntwo\rthree\tfour", "one\\x0atwo\\x0dthree\\x09four"),
    ("line\u2028para\u2029", "line\\u2028para\\u2029"),
    ("del\x7f", "del\\x7f"),
    ("tag\U000e0041", "tag\\U000e0041"),  # Unicode tag character (Cf)
    ("lone\ud800", "lone\\ud800"),
]


@pytest.mark.parametrize(("raw", "shown"), HOSTILE)
def test_hostile_characters_are_shown_escaped(raw: str, shown: str) -> None:
    assert terminal_safe(raw) == shown


@pytest.mark.parametrize("text", ["TrafficLight101", "Ümlaut café", "日本語の名前", "[bold]markup[/]", "a b", "€ 5"])
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert terminal_safe(text) == text


def test_none_is_empty_and_other_values_are_strings() -> None:
    assert terminal_safe(None) == ""
    assert terminal_safe(42) == "42"


def test_limit_bounds_the_result_and_marks_the_cut() -> None:
    assert terminal_safe("x" * 10_000, limit=8) == "xxxxxxx…"
    assert terminal_safe("\x1b" * 10_000, limit=8) == "\\x1b\\x1…"
    assert terminal_safe("short", limit=8) == "short"


@given(st.text())
def test_nothing_unsafe_survives(text: str) -> None:
    safe = terminal_safe(text)
    assert not has_unsafe(safe)
    assert all(unicodedata.category(ch) not in {"Cc", "Cf", "Zl", "Zp", "Cs"} for ch in safe)
    safe.encode("utf-8")  # a lone surrogate would raise here
