"""One rule for times in words, wherever the product shows them (api/time_words.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from rkvst_tui.api.time_words import claim_relative, relative, rfc3339, span, utc_date, utc_stamp

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("seconds", "plain", "steady"),
    [
        (0, "0s", "0s"),
        (5, "5s", "5s"),
        (65, "1m 5s", "1m 05s"),
        (600, "10m", "10m 00s"),
        (42 * 60 + 10, "42m 10s", "42m 10s"),
        (3600, "1h", "1h"),
        (3600 + 300 + 7, "1h 5m", "1h 5m"),
        (86400 * 3 + 3600 * 2, "3d 2h", "3d 2h"),
        (86400 * 12 + 3600 * 4, "12d", "12d"),
        (86400 * 400, "1y 35d", "1y 35d"),
        (-(3 * 3600 + 120), "3h 2m", "3h 2m"),
    ],
)
def test_a_span_reads_the_same_everywhere_and_a_steady_one_keeps_its_shape(seconds, plain, steady):
    assert span(seconds) == plain
    assert span(timedelta(seconds=seconds)) == plain
    assert span(seconds, steady=True) == steady


def test_a_span_too_large_to_count_is_forever():
    assert span(float("inf")) == "forever"


def test_relative_and_claim_words():
    assert relative(NOW + timedelta(days=12), NOW) == "in 12d"
    assert relative(NOW - timedelta(hours=3), NOW) == "3h ago"
    assert relative(NOW + timedelta(minutes=42), NOW, steady=True) == "in 42m 00s"
    assert claim_relative(NOW.timestamp() + 125, NOW, "exp") == "expires in 2m 5s"
    assert claim_relative(NOW.timestamp(), NOW, "exp") == "expired just now"
    assert claim_relative(NOW.timestamp() - 300, NOW, "iat") == "issued 5m ago"


def test_the_utc_stamp_is_written_one_way_whatever_the_zone():
    plus_two = datetime(2026, 1, 15, 14, 42, 10, tzinfo=timezone(timedelta(hours=2)))
    naive_utc = datetime(2026, 1, 15, 12, 42, 10)  # from the wire: UTC
    assert utc_stamp(plus_two) == utc_stamp(naive_utc) == "2026-01-15 12:42:10 UTC"
    assert rfc3339(plus_two) == "2026-01-15T12:42:10Z"
    assert utc_date(datetime(2026, 1, 16, 1, 0, tzinfo=timezone(timedelta(hours=2)))) == "2026-01-15"
