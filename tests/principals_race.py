"""Transports that make two admins' writes to ROOT PRINCIPALS meet, for the API, CLI and
console tests of the re-read after a write (tests/api/test_root_principals_race.py).

They wrap the real transport: the sandbox, its list and its answers are real; only the
order of the requests is arranged.
"""

from __future__ import annotations

import asyncio
import contextlib

import httpx

from rkvst_tui.api.client import ROOT_PRINCIPALS_PATH


class Schedule:
    """The order in which the two clients' requests to the list may go: (client, method) steps.
    A request waits for its step and the next step waits for its answer; after the last step
    requests go freely."""

    def __init__(self, *steps: tuple[str, str]) -> None:
        self.steps = list(steps)
        self.done = 0
        self.turn = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def step(self, who: str, method: str):
        async with self.turn:
            await asyncio.wait_for(
                self.turn.wait_for(lambda: self.done >= len(self.steps) or self.steps[self.done] == (who, method)), 10
            )
        try:
            yield
        finally:
            async with self.turn:
                if self.done < len(self.steps):
                    self.done += 1
                self.turn.notify_all()


class Ordered(httpx.AsyncBaseTransport):
    def __init__(self, who: str, schedule: Schedule) -> None:
        self.who, self.schedule, self.inner = who, schedule, httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != ROOT_PRINCIPALS_PATH:
            return await self.inner.handle_async_request(request)
        async with self.schedule.step(self.who, request.method):
            response = await self.inner.handle_async_request(request)
            await response.aread()  # answered, hence done on the server, before the next step
            return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class OtherAdminWritesAfterUs(httpx.AsyncBaseTransport):
    """Another admin writes the list, changed by `change`, just after our write and before
    our re-read: what a second console open at the same moment does. They read it just
    before our write (`reads_first`: ours is lost) or just after it. Only the first write
    through this transport meets the other admin."""

    def __init__(self, other_token: str, change, *, reads_first: bool = True) -> None:
        self.inner, self.other_token, self.change, self.met = httpx.AsyncHTTPTransport(), other_token, change, False
        self.reads_first = reads_first

    async def _other(self, request: httpx.Request, method: str, body=None) -> list[dict]:
        headers = {"Authorization": f"Bearer {self.other_token}", "Content-Type": "application/json"}
        import json

        other = httpx.Request(
            method, request.url, headers=headers, content=json.dumps(body).encode() if body is not None else None
        )
        response = await self.inner.handle_async_request(other)
        await response.aread()
        assert response.status_code == 200, response.text
        return response.json()["root_principals"]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.met or request.url.path != ROOT_PRINCIPALS_PATH or request.method != "PATCH":
            return await self.inner.handle_async_request(request)
        self.met = True
        their_read = await self._other(request, "GET") if self.reads_first else None
        ours = await self.inner.handle_async_request(request)
        await ours.aread()
        if their_read is None:
            their_read = await self._other(request, "GET")
        await self._other(request, "PATCH", {"root_principals": self.change(their_read)})
        return ours

    async def aclose(self) -> None:
        await self.inner.aclose()
