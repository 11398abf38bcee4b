"""Access tokens for one connection: minted once per lifetime, shared, refreshed near expiry.

Either client credentials (a `mint` coroutine that calls the token endpoint) or a fixed
token read from a bearer_token file. Concurrent callers share one mint through an
asyncio.Lock; a token is refreshed when 10% of its lifetime (at most 30 s) is left;
after a 401 the client asks `refresh(rejected)` for a new one, once.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .files import read_bearer_token_file
from .models import TokenResponse

MAX_REFRESH_MARGIN = 30.0  # seconds
REFRESH_FRACTION = 0.10
# JWT times are whole seconds: a server that floors `iat` ends a token up to a second
# before `expires_in`, counted from when the answer arrived, says. Short-lived tokens keep
# this much margin at least (but never more than most of their life).
MIN_REFRESH_MARGIN = 1.5  # seconds
MAX_REFRESH_FRACTION = 0.75
DEFAULT_LIFETIME = 300.0  # seconds, for a token answer without expires_in or exp


def unverified_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, decoded without any check ({} when it is not a JWT).

    Only for display and for knowing our own identity and expiry; never for a decision
    that trusts the token.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    segment = parts[1]
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return {}
    return payload if isinstance(payload, dict) else {}


def refresh_margin(lifetime: float) -> float:
    """How long before expiry a token of `lifetime` seconds is replaced."""
    lifetime = max(lifetime, 0.0)
    margin = max(lifetime * REFRESH_FRACTION, MIN_REFRESH_MARGIN)
    return min(MAX_REFRESH_MARGIN, margin, lifetime * MAX_REFRESH_FRACTION)


class TokenProvider:
    def __init__(
        self,
        mint: Callable[[], Awaitable[TokenResponse]] | None = None,
        *,
        bearer_token_file: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self._mint = mint
        self._bearer_token_file = bearer_token_file
        self._clock = clock
        self._wall_clock = wall_clock
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0  # monotonic time after which the token is replaced
        self.mint_count = 0
        self.expires_at: datetime | None = None

    def __repr__(self) -> str:
        state = "token" if self._token else "no token"
        return f"TokenProvider({state}, mint_count={self.mint_count}, expires_at={self.expires_at!r})"

    @property
    def current(self) -> str | None:
        """The cached token (None before the first call, or after `invalidate`)."""
        return self._token

    @property
    def is_fixed(self) -> bool:
        """A token from a file, which this process can not renew."""
        return self._mint is None and self._bearer_token_file is not None

    @property
    def bearer_token_file(self) -> Path | None:
        return self._bearer_token_file

    def seconds_left(self) -> float | None:
        if self.expires_at is None:
            return None
        return (self.expires_at - self._wall_clock()).total_seconds()

    def invalidate(self) -> None:
        self._token = None
        self._refresh_at = 0.0

    def _due(self) -> bool:
        return self._token is None or self._clock() >= self._refresh_at

    async def get(self) -> str:
        if not self._due():
            return self._token  # type: ignore[return-value]
        async with self._lock:
            if self._due():  # someone else may have refreshed while we waited
                await self._renew()
            return self._token  # type: ignore[return-value]

    async def refresh(self, rejected: str | None) -> str | None:
        """A token other than `rejected` (which the server refused), or None if none can be had."""
        async with self._lock:
            if self._token is not None and self._token != rejected:
                return self._token
            if self._mint is None and self._bearer_token_file is None:
                return None
            await self._renew()
            return self._token if self._token != rejected else None

    async def _renew(self) -> None:
        if self._mint is not None:
            answer = await self._mint()
            self.mint_count += 1
            lifetime = float(answer.expires_in)
            if lifetime <= 0:  # the answer left it out: go by the token's own exp, else be cautious
                exp = unverified_claims(answer.access_token).get("exp")
                if isinstance(exp, (int, float)) and not isinstance(exp, bool):
                    lifetime = exp - self._wall_clock().timestamp()
                else:
                    lifetime = DEFAULT_LIFETIME
            self._accept(answer.access_token, lifetime)
        elif self._bearer_token_file is not None:
            token = read_bearer_token_file(self._bearer_token_file)
            exp = unverified_claims(token).get("exp")
            if isinstance(exp, (int, float)) and not isinstance(exp, bool):
                lifetime = exp - self._wall_clock().timestamp()
                self._accept(token, lifetime, expires_at=datetime.fromtimestamp(exp, timezone.utc))
            else:
                # No expiry to go by: keep it until the server refuses it.
                self._token, self._refresh_at, self.expires_at = token, float("inf"), None
        else:
            raise ConfigError(
                "no credentials: neither a client id and secret nor a bearer token file is configured",
                hint="set RKVST_CLIENT_ID and RKVST_CLIENT_SECRET_FILE, or a profile (`rkvst-tui locate` shows where)",
            )

    def _accept(self, token: str, lifetime: float, *, expires_at: datetime | None = None) -> None:
        self._token = token
        self._refresh_at = self._clock() + max(lifetime, 0.0) - refresh_margin(lifetime)
        self.expires_at = expires_at or (self._wall_clock() + timedelta(seconds=max(lifetime, 0.0)))
