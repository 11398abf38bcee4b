"""The token provider on a controlled clock: one mint, shared, refreshed near expiry."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest

from rkvst_tui.api.auth import TokenProvider, refresh_margin, unverified_claims
from rkvst_tui.api.errors import ConfigError
from rkvst_tui.api.files import write_bearer_token_file
from rkvst_tui.api.models import TokenResponse


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _jwt(payload: dict) -> str:
    encode = lambda data: base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{encode({'alg': 'RS256'})}.{encode(payload)}.c2ln"


def _minter(lifetime: int = 3600, delay: float = 0.0):
    count = 0

    async def mint() -> TokenResponse:
        nonlocal count
        count += 1
        await asyncio.sleep(delay)
        return TokenResponse(f"token-{count}", "Bearer", lifetime)

    return mint


def test_refresh_margin_is_a_tenth_at_most_30_seconds_and_covers_whole_second_times():
    assert refresh_margin(3600) == 30
    assert refresh_margin(100) == 10
    # A 2 s token may end up to 1 s early (iat floored to whole seconds): renew with 1.5 s left.
    assert refresh_margin(2) == pytest.approx(1.5)
    assert refresh_margin(1) == pytest.approx(0.75)  # never more than three quarters of its life


async def test_cached_until_the_margin_then_renewed():
    clock = Clock()
    tokens = TokenProvider(_minter(3600), clock=clock)
    assert await tokens.get() == "token-1"
    clock.now += 3600 - 31
    assert await tokens.get() == "token-1"
    clock.now += 2  # 29 s left: inside the margin
    assert await tokens.get() == "token-2"
    assert tokens.mint_count == 2


async def test_concurrent_callers_share_one_mint():
    tokens = TokenProvider(_minter(delay=0.05))
    results = await asyncio.gather(*(tokens.get() for _ in range(25)))
    assert set(results) == {"token-1"} and tokens.mint_count == 1


async def test_refresh_after_a_401_happens_once_for_everyone():
    tokens = TokenProvider(_minter(delay=0.01))
    rejected = await tokens.get()
    again = await asyncio.gather(*(tokens.refresh(rejected) for _ in range(10)))
    assert set(again) == {"token-2"} and tokens.mint_count == 2


async def test_an_answer_without_expires_in_goes_by_the_tokens_exp():
    clock = Clock()

    async def mint() -> TokenResponse:
        return TokenResponse(_jwt({"exp": 4102444800}), "Bearer", 0)

    tokens = TokenProvider(mint, clock=clock)
    await tokens.get()
    assert tokens.expires_at.year == 2100
    await tokens.get()
    assert tokens.mint_count == 1


async def test_a_fixed_token_file(tmp_path):
    token_file = tmp_path / "bearer_token"
    write_bearer_token_file(token_file, _jwt({"sub": "me", "exp": 4102444800}))
    tokens = TokenProvider(bearer_token_file=token_file)
    token = await tokens.get()
    assert unverified_claims(token)["sub"] == "me"
    assert tokens.is_fixed and tokens.mint_count == 0 and tokens.expires_at.year == 2100
    assert await tokens.refresh(token) is None  # the file still holds the refused token
    write_bearer_token_file(token_file, _jwt({"sub": "me-again"}), overwrite=True)
    assert unverified_claims(await tokens.refresh(token))["sub"] == "me-again"


async def test_no_credentials_at_all():
    with pytest.raises(ConfigError) as caught:
        await TokenProvider().get()
    assert "no credentials" in str(caught.value)


def test_unverified_claims_of_non_tokens():
    assert unverified_claims("not a token") == {}
    assert unverified_claims("a.!!!.c") == {}
    assert unverified_claims(_jwt(["list"])) == {}
    assert unverified_claims(_jwt({"sub": "x"})) == {"sub": "x"}


def test_repr_hides_the_token():
    tokens = TokenProvider(_minter())
    tokens._token = "secret-token-value"
    assert "secret-token-value" not in repr(tokens)
