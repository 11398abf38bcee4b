"""What one request may cost the sandbox: body size, header size, JSON depth and time.

- `RequestLimits`, ASGI middleware in front of everything else (authentication included):
  a body over MAX_BODY_BYTES gets 413 as soon as that is known (from Content-Length, or
  while a chunked body arrives), so no request buffers more than that; one that takes
  longer than BODY_SECONDS to arrive gets 408; a JSON body nested deeper than
  MAX_JSON_DEPTH gets 400. Errors are the contract's status JSON.
- `with_header_limit(protocol)`: uvicorn's httptools protocol with a bound on the request
  line and headers: 431 past MAX_HEADER_BYTES, 408 when they take longer than HEAD_SECONDS
  (a connection that drips them would otherwise be held for ever). uvicorn bounds their
  size only with h11 (its `h11_max_incomplete_event_size`, 16 KiB by default); with
  httptools it keeps whatever comes, and httptools joins a header's pieces by copying, so
  an 8 MB header costs megabytes and quadratic time.
"""

from __future__ import annotations

import asyncio
import json
import re
from itertools import accumulate
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import INVALID_ARGUMENT, RESOURCE_EXHAUSTED, ApiProblem

MAX_BODY_BYTES = 1 << 20
MAX_HEADER_BYTES = 32 << 10  # a bearer token with many custom claims is a few KiB
MAX_JSON_DEPTH = 32  # the contract's deepest body (root principals) is 3
HEAD_SECONDS = 10.0  # from a request's first byte (or the connection's start) to its headers' end
BODY_SECONDS = 30.0  # from the headers' end to the body's

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def size_text(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 and n % (1 << 20) == 0 else f"{n >> 10} KiB"


def json_depth(body: bytes | bytearray) -> int:
    """How deeply arrays and objects nest in `body` (brackets inside strings do not count)."""
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKET)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _problem(status: int, code: int, message: str, path: str) -> ApiProblem:
    extra: dict[str, Any] = {}
    if path.endswith("/appidp/token"):  # the token endpoint's errors carry RFC 6749's fields too
        extra = {"error": "invalid_request", "error_description": message}
    return ApiProblem(status, code, message, extra=extra, headers={"Connection": "close"})


def _too_large(limit: int, path: str) -> ApiProblem:
    return _problem(413, RESOURCE_EXHAUSTED, f"the request body is larger than {size_text(limit)}", path)


class RequestLimits:
    """Reads each request's body, at most `max_body` bytes of it, before the app sees it."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body: int = MAX_BODY_BYTES,
        max_depth: int = MAX_JSON_DEPTH,
        body_seconds: float | None = None,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.max_depth = max_depth
        self.body_seconds = body_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.strip().isdigit() and int(value) > self.max_body:
                await _too_large(self.max_body, path).response()(scope, receive, send)
                return
        body = bytearray()
        seconds = self.body_seconds if self.body_seconds is not None else BODY_SECONDS
        try:
            async with asyncio.timeout(seconds):
                while True:
                    message = await receive()
                    if message["type"] != "http.request":
                        return  # the client went away before its body ended: nobody to answer
                    body += message.get("body", b"")
                    if len(body) > self.max_body:
                        await _too_large(self.max_body, path).response()(scope, receive, send)
                        return
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            problem = _problem(408, INVALID_ARGUMENT, f"the request body did not arrive within {seconds:g} s", path)
            await problem.response()(scope, receive, send)
            return
        if body.lstrip()[:1] in (b"{", b"[") and json_depth(body) > self.max_depth:
            problem = _problem(
                400, INVALID_ARGUMENT, f"the request body nests deeper than {self.max_depth} levels", path
            )
            await problem.response()(scope, receive, send)
            return
        await self.app(scope, _replay(bytes(body), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the body already read, then waits on the real one (disconnect)."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def with_header_limit(protocol: type, max_bytes: int = MAX_HEADER_BYTES, seconds: float | None = None) -> type:
    """`protocol` (uvicorn's httptools protocol) refusing a request line and headers over
    `max_bytes`, or slower than `seconds` (default HEAD_SECONDS, read when a connection opens).

    Any other protocol comes back unchanged: uvicorn's h11 one bounds them itself.
    """
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        return protocol
    if not issubclass(protocol, HttpToolsProtocol):
        return protocol

    class HeaderLimitedProtocol(protocol):
        # Bytes of the current request's head received so far; None once its headers are complete.
        _head_bytes: int | None = 0
        _head_timer: asyncio.TimerHandle | None = None
        _refused = False

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._start_head_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_head_timer()
            super().connection_lost(exc)

        def _start_head_timer(self) -> None:
            limit = seconds if seconds is not None else HEAD_SECONDS
            self._head_timer = self.loop.call_later(limit, self._head_too_slow, limit)

        def _stop_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_too_slow(self, limit: float) -> None:
            self._head_timer = None
            if self.cycle is not None and not self.cycle.response_complete:
                self._start_head_timer()  # a pipelined request waits for the answer before it: not its fault
                return
            if self._head_bytes is not None and not self._refused and not self.transport.is_closing():
                self._refuse(408, "Request Timeout", f"the request line and headers did not arrive within {limit:g} s")

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            counting = self._head_bytes is not None
            if counting and self._head_timer is None:  # a new request begins on a kept-alive connection
                self._start_head_timer()
            super().data_received(data)
            # The read that completes the headers is checked exactly in on_headers_complete;
            # one that does not is all head, and must not pile up past the limit.
            if counting and self._head_bytes is not None and not self._refused:
                self._head_bytes += len(data)
                if self._head_bytes > max_bytes:
                    self._refuse_size()

        def on_headers_complete(self) -> None:
            size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
            if size > max_bytes:
                self._refuse_size()  # and the rest of what the parser has is ignored (on_body, ...)
                return
            self._head_bytes = None
            self._stop_head_timer()
            super().on_headers_complete()

        def on_body(self, body: bytes) -> None:
            if not self._refused:
                super().on_body(body)

        def on_message_complete(self) -> None:
            if not self._refused:
                super().on_message_complete()
                self._head_bytes = 0

        def _refuse_size(self) -> None:
            self._refuse(
                431,
                "Request Header Fields Too Large",
                f"the request line and headers are larger than {size_text(max_bytes)}",
            )

        def _refuse(self, status: int, reason: str, message: str) -> None:
            self._refused = True
            self._stop_head_timer()
            code = RESOURCE_EXHAUSTED if status == 431 else INVALID_ARGUMENT
            body = json.dumps({"code": code, "message": message, "details": []}).encode()
            self.transport.write(
                b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\n"
                b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (status, reason.encode(), len(body), body)
            )
            self.transport.close()

    return HeaderLimitedProtocol
