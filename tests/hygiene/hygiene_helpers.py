"""Helpers of the credential-hygiene tests (importable: tests/hygiene is on sys.path)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.connection import Connection


def admin_connection(server, **kwargs) -> Connection:
    kwargs.setdefault("profile", "sandbox")
    return Connection(server.base_url, client_id=server.admin_client_id, secret=server.admin_secret, **kwargs)


def admin_client(server, **kwargs) -> RkvstClient:
    return RkvstClient(admin_connection(server), **kwargs)


Fault = Callable[[httpx.Request], Awaitable[httpx.Response | None]]


class ForwardingTransport(httpx.AsyncBaseTransport):
    """Every request goes to the real sandbox; `fault(request, forward)` may replace one."""

    def __init__(self) -> None:
        self.real = httpx.AsyncHTTPTransport()
        self.fault: (
            Callable[[httpx.Request, Callable[..., Awaitable[httpx.Response]]], Awaitable[httpx.Response]] | None
        ) = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.fault is not None:
            return await self.fault(request, self.real.handle_async_request)
        return await self.real.handle_async_request(request)

    async def aclose(self) -> None:
        await self.real.aclose()


async def drop_answer_of(method: str, request: httpx.Request, forward) -> httpx.Response:
    """The server acts on `method` requests; their answers are lost on the way back."""
    response = await forward(request)
    if request.method != method:
        return response
    await response.aread()
    raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
