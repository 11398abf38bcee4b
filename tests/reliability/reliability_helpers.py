"""Shared pieces of the reliability tests: a fault-injecting transport around the real one,
the table of faults, and small console helpers.

`FaultyTransport` sits between `RkvstClient` and the real `httpx.AsyncHTTPTransport`: every
request goes to the real sandbox unless a fault is armed for its method and path. It counts
what the client tried (`attempts`), so a test can tell a bounded retry from a blind one, and
the sandbox's store says what the server really did.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
from console_helpers import (  # noqa: F401 - the fault tests import them from here
    SIZE,
    notifications,
    running_console,
    sandbox_client,
    screen_text,
    settle,
    wait_until,
)
from rich.text import Text

from rkvst_tui.api.client import RkvstClient

APPS = "/archivist/iam/v1/applications"
TOKEN = "/archivist/iam/v1/appidp/token"
ROOTS = "/archivist/v1/tenancies/root_principals"

Forward = Callable[[httpx.Request], Awaitable[httpx.Response]]
Fault = Callable[[httpx.Request, Forward], Awaitable[httpx.Response]]


# --------------------------------------------------------------------------- the faults


def _connect_error(cause: BaseException) -> httpx.ConnectError:
    """A ConnectError caused by `cause`, as httpcore raises it (the cause is what tells them apart)."""
    try:
        try:
            raise cause
        except BaseException as inner:
            raise httpx.ConnectError(str(cause)) from inner
    except httpx.ConnectError as outer:
        return outer


async def refused(request: httpx.Request, forward: Forward) -> httpx.Response:
    raise _connect_error(ConnectionRefusedError(111, "Connection refused"))


async def dns_failure(request: httpx.Request, forward: Forward) -> httpx.Response:
    raise _connect_error(socket.gaierror(-2, "Name or service not known"))


async def tls_failure(request: httpx.Request, forward: Forward) -> httpx.Response:
    raise _connect_error(ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"))


async def read_timeout(request: httpx.Request, forward: Forward) -> httpx.Response:
    await forward(request)  # the server acts; its answer never arrives in time
    raise httpx.ReadTimeout("timed out", request=request)


async def dropped_after_send(request: httpx.Request, forward: Forward) -> httpx.Response:
    await forward(request)  # the server acts; the connection drops before the answer
    raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)


def status(code: int, *, html: bool = False) -> Fault:
    async def answer(request: httpx.Request, forward: Forward) -> httpx.Response:
        if html:
            return httpx.Response(
                code, text=f"<html><body><h1>{code}</h1>nginx</body></html>", headers={"content-type": "text/html"}
            )
        return httpx.Response(code, json={"code": 13 if code == 500 else 14, "message": "backend unavailable"})

    answer.__name__ = f"status_{code}"
    return answer


async def not_json(request: httpx.Request, forward: Forward) -> httpx.Response:
    await forward(request)  # the server acts; something in between answers with a login page
    return httpx.Response(200, text="<html><title>Sign in</title></html>", headers={"content-type": "text/html"})


async def wrong_shape(request: httpx.Request, forward: Forward) -> httpx.Response:
    await forward(request)  # the server acts; the answer is JSON but not the contract's shape
    return httpx.Response(200, json=["unexpected", {"shape": True}])


async def rate_limit_storm(request: httpx.Request, forward: Forward) -> httpx.Response:
    return httpx.Response(
        429, json={"code": 8, "message": "too many requests"}, headers={"Archivist-Rate-Limit-Reset": "0.01"}
    )


async def unauthenticated(request: httpx.Request, forward: Forward) -> httpx.Response:
    return httpx.Response(401, json={"code": 16, "message": "token expired"})


def slow(seconds: float) -> Fault:
    async def delayed(request: httpx.Request, forward: Forward) -> httpx.Response:
        await asyncio.sleep(seconds)
        return await forward(request)

    return delayed


@dataclass(frozen=True)
class FaultCase:
    """One row of the fault table: how it is made, what a person reads, what the client may retry."""

    name: str
    fault: Fault
    server_acts: bool  # the request reached the real server, which did the work
    words: str  # what the console's message says (case-insensitive)
    max_get_attempts: int  # how many times one GET may be tried (bounded retry)
    times: int | None = None  # how many requests it hits; None: until disarmed


# What one refused/failed GET may cost: RkvstClient retries a refused or dropped GET twice; a 429
# is retried 3 times by the client, and the console's loader retries the whole call 3 times.
FAULTS = [
    FaultCase("connection refused", refused, False, "connection refused", 3),
    FaultCase("DNS failure", dns_failure, False, "could not be resolved", 1),
    FaultCase("TLS failure", tls_failure, False, "TLS connection", 1),
    FaultCase("read time-out", read_timeout, True, "did not answer", 1),
    FaultCase("dropped after send", dropped_after_send, True, "dropped", 3),
    FaultCase("500", status(500), False, "server failed (500)", 1),
    FaultCase("502 html page", status(502, html=True), False, "server failed (502)", 1),
    FaultCase("503", status(503), False, "server failed (503)", 1),
    FaultCase("body not JSON", not_json, True, "not JSON", 1),
    FaultCase("body of the wrong shape", wrong_shape, True, "not a JSON object", 1),
    FaultCase("429 storm", rate_limit_storm, False, "rate limiting", 16),
]


# --------------------------------------------------------------------------- the transport


@dataclass
class _Armed:
    method: str
    path: str
    prefix: bool
    fault: Fault
    remaining: int | None
    skip: int = 0


@dataclass
class FaultyTransport(httpx.AsyncBaseTransport):
    inner: httpx.AsyncBaseTransport = field(default_factory=httpx.AsyncHTTPTransport)
    attempts: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of every request tried
    statuses: list[tuple[str, str, int]] = field(default_factory=list)  # what the client was answered
    _armed: list[_Armed] = field(default_factory=list)

    def arm(
        self, method: str, path: str, fault: Fault, *, times: int | None = None, prefix: bool = False, skip: int = 0
    ) -> None:
        """Fault the matching requests (after the first `skip`, `times` of them); the first armed wins."""
        self._armed.append(_Armed(method, path, prefix, fault, times, skip))

    def disarm(self) -> None:
        self._armed.clear()

    def count(self, method: str, path: str, *, prefix: bool = False) -> int:
        return sum(1 for m, p in self.attempts if m == method and (p.startswith(path) if prefix else p == path))

    def _fault_for(self, request: httpx.Request) -> Fault | None:
        path = request.url.path
        for armed in self._armed:
            matches = armed.method == request.method and (
                path.startswith(armed.path) if armed.prefix else path == armed.path
            )
            if matches and armed.remaining != 0:
                if armed.skip > 0:
                    armed.skip -= 1
                    continue
                if armed.remaining is not None:
                    armed.remaining -= 1
                return armed.fault
        return None

    async def _forward(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        await response.aclose()
        return httpx.Response(
            response.status_code, headers=response.headers, content=body, extensions=response.extensions
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts.append((request.method, request.url.path))
        fault = self._fault_for(request)
        response = await (fault(request, self._forward) if fault else self._forward(request))
        self.statuses.append((request.method, request.url.path, response.status_code))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def client_for(
    server,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    client_id: str | None = None,
    secret: str | None = None,
    **kwargs,
) -> RkvstClient:
    """A client for a sandbox (as its admin by default) whose requests go through `transport`."""
    return sandbox_client(server, client_id=client_id, secret=secret, transport=transport, **kwargs)


# --------------------------------------------------------------------------- the console


def rendered(widget) -> str:
    content = widget.render()
    return content.plain if isinstance(content, Text) else str(content)


def names_in_store(server, display_name: str) -> int:
    return len(server.store.list_applications(display_name=display_name, limit=1000))
