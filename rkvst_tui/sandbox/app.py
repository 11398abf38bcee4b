"""The sandbox's HTTP API: a Starlette app that honours docs/api-contract.md.

build_app serves the routes of every module in routes.ROUTE_MODULES (one module per part of
the API), answers errors in the contract's shape, and wraps the app in the middleware every
answer goes through: request limits, rate limit, request log, the sandbox marker.
Every path but the token endpoint and `.well-known` needs a bearer token this sandbox signed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rkvst_tui.api.connection import SANDBOX_MARKER_HEADER

from .limits import RequestLimits
from .problems import ApiProblem, method_not_allowed, not_found, rate_limited
from .ratelimit import RateLimiter
from .routes import ROUTE_MODULES
from .state import LOGGER_NAME, Caller, SandboxState

__all__ = ["LOGGER_NAME", "Caller", "SandboxState", "build_app"]


async def on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiProblem)
    return exc.response()


async def on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return method_not_allowed().response()
    if exc.status_code == 404:
        return not_found().response()
    return ApiProblem(exc.status_code, 2, exc.detail or "error").response()


async def on_error(request: Request, exc: Exception) -> JSONResponse:
    logging.getLogger(LOGGER_NAME).error(
        "internal error on %s %s: %s", request.method, request.url.path, type(exc).__name__
    )
    return JSONResponse({"code": 13, "message": "internal error in the sandbox", "details": []}, status_code=500)


def build_app(state: SandboxState) -> ASGIApp:
    routes = [route for module in ROUTE_MODULES for route in module(state)]
    app = Starlette(
        routes=routes,
        exception_handlers={ApiProblem: on_problem, HTTPException: on_http_exception, Exception: on_error},
    )
    return SandboxMarker(RequestLog(RateLimit(RequestLimits(app), state.rate_limiter), state.log))


class SandboxMarker:
    """Marks every answer as the sandbox's (api.connection.SANDBOX_MARKER_HEADER): a console or
    CLI told only a URL shows that it works on test data."""

    HEADER = (SANDBOX_MARKER_HEADER.lower().encode("latin-1"), b"rkvst-tui")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), self.HEADER]}
            await send(message)

        await self.app(scope, receive, send_marked)


class RateLimit:
    """Answers 429 before the app runs when a client sends too many requests."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter | None) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.limiter is not None:
            client = (scope.get("client") or ("unknown", 0))[0]
            reset = self.limiter.hit(client)
            if reset is not None:
                await rate_limited(reset).response()(scope, receive, send)
                return
        await self.app(scope, receive, send)


class RequestLog:
    """One line per request: method, path, status, duration. Never headers, bodies or query strings."""

    def __init__(self, app: ASGIApp, log: Callable[[str], None]) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            self.log(f"{scope['method']} {scope['path']} {status} {elapsed:.1f}ms")
