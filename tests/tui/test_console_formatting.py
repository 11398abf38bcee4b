"""The console's wording of times, expiry, failures and commands (no sandbox needed)."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from rkvst_tui.api import errors as api_errors
from rkvst_tui.tui import snippets
from rkvst_tui.tui.formatting import claims_summary, expiry_cell, expiry_state, relative, span
from rkvst_tui.tui.problems import describe, is_connection_failure

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (5, "5s"),
        (65, "1m 05s"),
        (3600 + 300, "1h 5m"),
        (86400 * 3 + 3600 * 2, "3d 2h"),
        (86400 * 12, "12d"),
        (86400 * 400, "1y 35d"),
    ],
)
def test_span_is_short_and_readable(seconds, expected):
    assert span(timedelta(seconds=seconds)) == expected


def test_relative_says_in_or_ago():
    assert relative(NOW + timedelta(minutes=42), NOW) == "in 42m 00s"
    assert relative(NOW - timedelta(hours=3), NOW) == "3h ago"


def test_expiry_states_and_cells_carry_a_word_not_only_a_colour():
    assert expiry_state(None, NOW) == "none"
    assert expiry_state(NOW - timedelta(seconds=1), NOW) == "expired"
    assert expiry_state(NOW, NOW) == "expired"
    assert expiry_state(NOW + timedelta(days=30), NOW) == "soon"
    assert expiry_state(NOW + timedelta(days=30, seconds=1), NOW) == "ok"
    expired = expiry_cell(NOW - timedelta(days=3, hours=1), NOW)
    assert expired.plain == "expired 3d ago" and "red" in str(expired.style)
    assert expiry_cell(NOW - timedelta(hours=1), NOW).plain == "expired today"
    soon = expiry_cell(NOW + timedelta(days=17, hours=2), NOW)
    assert soon.plain == "2026-02-01 · 17d" and "yellow" in str(soon.style)
    assert expiry_cell(NOW + timedelta(hours=5), NOW).plain == "2026-01-15 · today"
    later = expiry_cell(NOW + timedelta(days=365), NOW)
    assert later.plain == "2027-01-15 · 365d" and not str(later.style)
    assert expiry_cell(None, NOW).plain == "no credential"
    # The column is 18 wide: the longest forms fit uncut.
    assert max(len(expiry_cell(NOW + timedelta(days=d), NOW).plain) for d in (-999, -1, 0, 1, 999)) <= 18


def test_claims_summary_counts_and_truncates_without_markup():
    assert claims_summary({}).plain == "-"
    cell = claims_summary({"[b]x": "1", "serial_number": "2"}, width=12)
    assert cell.plain == "2: [b]x, se…" and len(cell.plain) == 12


def test_problems_add_the_console_hint():
    denied = api_errors.PermissionDenied("caller is not root", status=403, server_message="not a root principal")
    problem = describe(denied, "Could not load app registrations")
    assert "403" in problem.message and "not a root principal" in problem.message
    assert "ROOT PRINCIPALS" in problem.hint
    limited = describe(api_errors.RateLimited("slow down", retry_after=7, status=429), "Could not delete x")
    assert limited.retry_after == 7 and "7s" in limited.hint
    quota = describe(api_errors.QuotaExceeded("quota", status=402), "Could not create x")
    assert "quota" in quota.hint
    refused = api_errors.ConnectionRefused("could not connect to 127.0.0.1:1: connection refused")
    assert is_connection_failure(refused) and not is_connection_failure(denied)
    bug = describe(KeyError("boom"), "Could not load")
    assert "KeyError" in bug.message and "Traceback" not in bug.text()


def test_token_command_is_the_guides_with_a_placeholder_and_runs_in_a_shell():
    command = snippets.token_request("https://app.rkvst.io", "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065")
    assert command.splitlines()[0] == "curl https://app.rkvst.io/archivist/iam/v1/appidp/token \\"
    assert '--data-urlencode "client_secret=${SECRET}"' in command
    # The shell reads it as one command that fills in $SECRET (checked with `echo` instead of curl).
    echoed = subprocess.run(
        ["sh", "-c", command.replace("curl ", "echo ", 1)],
        env={"SECRET": "s3cret"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "client_secret=s3cret" in echoed and "client_id=d1fb6c87-faa9-4d56-b2fd-a5b70a9af065" in echoed
    assert snippets.root_principal_entry("https://app.rkvst.io/appidpv1", "abc") == (
        "issuer:  https://app.rkvst.io/appidpv1\nsubject: abc"
    )
