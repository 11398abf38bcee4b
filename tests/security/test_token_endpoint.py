"""Guessing secrets at the token endpoint: rate limited, no timing clue, nothing to steal at rest.

The timing test is statistics, not a stopwatch: the sandbox compares SHA-256 hashes with
hmac.compare_digest, so how much of a guessed secret is right cannot change the answer time.
The test measures it anyway over real HTTP, interleaved and paired so that load from other
processes hits both kinds of guess alike, and compares the difference with its own spread.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
import sqlite3
import statistics
import time
import types

import httpx
import pytest
from security_helpers import (
    APPS,
    NOTES,
    TALLY,
    TOKEN,
    assert_refused,
    call,
    create_registration,
    mint,
    secret_of,
    token_answer,
)

import rkvst_tui.sandbox.store as store_module

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def wrong_everywhere(secret: str) -> str:
    """A guess with no character right, in any position."""
    return "".join(format((int(ch, 16) + 1) % 16, "x") for ch in secret)


def wrong_last(secret: str) -> str:
    """A guess with the first 63 characters right."""
    return secret[:-1] + format((int(secret[-1], 16) + 1) % 16, "x")


def test_brute_force_is_rate_limited_with_a_reset_header(make_sandbox) -> None:
    server = make_sandbox(rate_limit=5)
    guesses = 40
    statuses: list[int] = []
    refused_bodies = []
    with httpx.Client(timeout=10) as client:
        started = time.monotonic()
        for attempt in range(guesses):
            answer = token_answer(server, server.admin_client_id, f"{attempt:064x}", client)
            statuses.append(answer.status_code)
            if answer.status_code == 429:
                refused_bodies.append((answer.headers.get("Archivist-Rate-Limit-Reset"), answer.json()))
        elapsed = time.monotonic() - started
        assert set(statuses) <= {401, 429}, statuses  # never a 200, never a crash
        # At most 5 guesses reach the secret check in any one-second window of the server.
        windows = int(elapsed) + 2
        assert statuses.count(401) <= 5 * windows, (statuses, elapsed)
        assert refused_bodies, "no 429 in a burst of 40 guesses"
        for reset, body in refused_bodies:
            assert reset is not None and reset.isdigit() and 1 <= int(reset) <= 1, reset
            assert body["code"] == 8 and "rate limit" in body["message"]
        TALLY["token endpoint guesses refused (brute force burst)"] += len(statuses)
        TALLY["token endpoint guesses answered 429"] += len(refused_bodies)
        # The owner is not locked out: once the window resets, the right secret works.
        time.sleep(int(refused_bodies[-1][0]))
        assert token_answer(server, server.admin_client_id, server.admin_secret, client).status_code == 200


def paired_timing(server, client_id: str, secret: str, rounds: int) -> tuple[float, float, dict[str, float]]:
    """(median of the paired differences 63-right minus none-right, their IQR, medians in µs)."""
    guesses = {"none right": wrong_everywhere(secret), "63 right": wrong_last(secret)}
    assert sum(a == b for a, b in zip(guesses["none right"], secret)) == 0
    times: dict[str, list[float]] = {name: [] for name in guesses}
    rng = random.Random(7)
    with httpx.Client(timeout=10) as client:
        for _ in range(20):  # warm the connection and the server's code paths
            token_answer(server, client_id, guesses["none right"], client)
        for _ in range(rounds):
            order = list(guesses)
            rng.shuffle(order)  # neither kind always goes first
            for name in order:
                started = time.perf_counter()
                answer = token_answer(server, client_id, guesses[name], client)
                times[name].append(time.perf_counter() - started)
                assert answer.status_code == 401
    # Paired: each round's two guesses met the same load.
    differences = [b - a for a, b in zip(times["none right"], times["63 right"])]
    quartiles = statistics.quantiles(differences, n=4)
    medians = {name: round(statistics.median(values) * 1e6) for name, values in times.items()}
    return statistics.median(differences), quartiles[2] - quartiles[0], medians


def no_clue(median_difference: float, spread: float) -> bool:
    # The standard error of a median of 200 paired differences is about 0.07 of their IQR:
    # 0.35 IQR is five of them, so noise alone does not fail this, and a real leak would.
    return abs(median_difference) <= 0.35 * spread + 20e-6


def test_answer_time_does_not_depend_on_how_much_of_the_secret_is_right(sandbox) -> None:
    rounds = 200
    difference, spread, medians = paired_timing(sandbox, sandbox.admin_client_id, sandbox.admin_secret, rounds)
    TALLY["timing probes (wrong secrets, all refused)"] += 2 * rounds
    NOTES["timing: median answer (µs) by correct leading chars"] = medians
    NOTES["timing: median paired difference (µs) / its IQR (µs)"] = (round(difference * 1e6, 1), round(spread * 1e6, 1))
    assert no_clue(difference, spread), (difference, spread, medians)


def test_the_timing_probe_sees_a_leaky_comparison(sandbox, monkeypatch) -> None:
    """The probe above can fail: against clear-text secrets compared character by character
    (80 µs a matching character: a slow early-exit loop, magnified so that load on the machine
    cannot hide it), it sees the leak."""

    def leaky_compare(a: str, b: str) -> bool:
        for x, y in zip(a, b):
            if x != y:
                return False
            until = time.perf_counter() + 80e-6
            while time.perf_counter() < until:
                pass
        return len(a) == len(b)

    admin = mint(sandbox)
    monkeypatch.setattr(store_module, "hash_secret", lambda secret: secret)
    monkeypatch.setattr(store_module, "hmac", types.SimpleNamespace(compare_digest=leaky_compare))
    answer = call(sandbox, "POST", APPS, admin, {"display_name": "stored in clear (for this test only)"})
    application = answer.json()
    difference, spread, medians = paired_timing(sandbox, application["client_id"], secret_of(application), 100)
    assert not no_clue(difference, spread), (difference, spread, medians)


def test_secrets_are_stored_as_hashes_and_compared_in_constant_time(sandbox, monkeypatch) -> None:
    application = create_registration(sandbox, "hashed")
    secret = secret_of(application)
    rows = dict(
        sqlite3.connect(f"file:{sandbox.store.path}?mode=ro", uri=True)
        .execute("SELECT uuid, secret_sha256 FROM applications")
        .fetchall()
    )
    assert rows[application["client_id"]] == hashlib.sha256(secret.encode()).hexdigest()
    assert rows[sandbox.admin_client_id] == hashlib.sha256(sandbox.admin_secret.encode()).hexdigest()
    assert all(HEX64.match(value) for value in rows.values())

    compared: list[tuple[str, str]] = []

    def spy(a, b):
        compared.append((a, b))
        return hmac.compare_digest(a, b)

    monkeypatch.setattr(store_module, "hmac", types.SimpleNamespace(compare_digest=spy))
    wrong = wrong_last(secret)
    assert token_answer(sandbox, application["client_id"], wrong).status_code == 401
    assert token_answer(sandbox, application["client_id"], secret).status_code == 200
    assert token_answer(sandbox, "00000000-0000-4000-8000-000000000000", secret).status_code == 401
    # Every comparison was of two hashes (the unknown client costs one too), never of clear text.
    assert len(compared) == 3
    for offered, stored in compared:
        assert HEX64.match(offered) and HEX64.match(stored)
        assert secret not in (offered, stored) and wrong not in (offered, stored)
    assert compared[0] == (hashlib.sha256(wrong.encode()).hexdigest(), rows[application["client_id"]])
    assert compared[1][0] == compared[1][1]


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "client_credentials", "client_id": "x", "client_secret": "y", "client_secret ": "z"},
        {"grant_type": "password", "username": "admin", "password": "admin"},
        {"grant_type": "client_credentials", "client_id": "{admin}", "client_secret": ""},
        {"grant_type": "client_credentials", "client_id": "{admin}"},
    ],
    ids=["odd field", "password grant", "empty secret", "no secret"],
)
def test_malformed_token_requests_are_refused(shared_sandbox, form) -> None:
    form = {k: v.format(admin=shared_sandbox.admin_client_id) for k, v in form.items()}
    answer = httpx.post(shared_sandbox.base_url + TOKEN, data=form, timeout=10)
    assert_refused(answer, (400, 401), attack=f"token request {sorted(form)}")
    assert answer.headers["Cache-Control"] == "no-store"


def test_a_secret_given_twice_is_refused(shared_sandbox) -> None:
    """Basic and form credentials together, and a repeated client_secret: one must not shadow the other."""
    server = shared_sandbox
    basic = httpx.BasicAuth(server.admin_client_id, "0" * 64)
    answer = httpx.post(
        server.base_url + TOKEN,
        auth=basic,
        timeout=10,
        data={"grant_type": "client_credentials", "client_secret": server.admin_secret},
    )
    assert_refused(answer, (400,), attack="HTTP Basic plus client_secret in the form")
    repeated = (
        f"grant_type=client_credentials&client_id={server.admin_client_id}"
        f"&client_secret={'0' * 64}&client_secret={server.admin_secret}"
    )
    answer = httpx.post(
        server.base_url + TOKEN,
        content=repeated,
        timeout=10,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_refused(answer, (400,), attack="client_secret given twice")
