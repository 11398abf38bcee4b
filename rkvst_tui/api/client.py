"""The async RKVST client: every operation of api-contract.md §1, for one connection.

One `httpx.AsyncClient` per connection (connections reused, explicit time-outs,
`User-Agent: rkvst-tui/<version>`), tokens from a `TokenProvider`, errors mapped to
`errors.py`. Retry policy, the whole of it:

- 429: wait `Archivist-Rate-Limit-Reset` seconds (else `Retry-After`, else 1 s) and try
  again, at most `max_rate_limit_retries` (RATE_LIMIT_RETRIES) times and never for longer
  than `max_rate_limit_wait` at once; the server refused the request, so this is safe for
  every method. Before each wait `on_rate_limit(seconds, attempt)` is called, if set (the
  console passes a notify hook: "rate limited, retrying in N s"). The front ends do not retry
  a 429 themselves: this is the only place.
- 401 on a request made with the connection's own token: one new token, one retry.
- A connection failure on a GET: up to `max_connection_retries` more tries, backing off.
- Never a blind retry of create, regenerate, update, delete or the root-principal write:
  a dropped create raises `ConnectionLost(request_sent=True)`; look the registration up
  by name (`find_applications_by_name`) before anything else.

Bounds, so that a broken or hostile server cannot exhaust the client: an answer larger than
`max_response_bytes` (default 4 MiB; of an error answer only the first 64 KiB are read) is an
`InvalidResponse`, and each request, from connecting to the answer's last byte, has
`deadline` seconds (default 30, or `RKVST_TUI_DEADLINE`) besides httpx's per-read time-out.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import os
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from .. import __version__
from . import audit as _audit
from . import service as _service
from . import shell
from .auth import TokenProvider, unverified_claims
from .bounded import BodyTooLarge, UnreadableEncoding, read_bounded, size_text
from .connection import SANDBOX_MARKER_HEADER, Connection
from .errors import (
    ApiError,
    ConfigError,
    ConnectionLost,
    ConnectionRefused,
    InvalidArgument,
    InvalidResponse,
    NameResolutionError,
    NetworkError,
    NotFound,
    PermissionDenied,
    RateLimited,
    RequestTimeout,
    ResponseTimeout,
    RkvstError,
    SelfRemovalRefused,
    TlsError,
    error_class_for,
    scrub,
)
from .models import APPLICATION_PREFIX, OWNER_ROLE, Application, Asset, Identity, Principal, TokenResponse
from .terminal_safe import terminal_safe

TOKEN_PATH = "/archivist/iam/v1/appidp/token"
APPLICATIONS_PATH = "/archivist/iam/v1/applications"
ROOT_PRINCIPALS_PATH = "/archivist/v1/tenancies/root_principals"
ASSETS_PATH = "/archivist/v2/assets"
JWKS_PATH = "/appidpv1/.well-known/jwks.json"
RATE_LIMIT_HEADER = "Archivist-Rate-Limit-Reset"
USER_AGENT = f"rkvst-tui/{__version__}"
MAX_PAGES = 100_000  # a server that never ends its pages is a broken server
MAX_RESPONSE_BYTES = 4 << 20  # a list page of 100 registrations is ~60 KiB
MAX_ERROR_BODY_BYTES = 64 << 10  # of an error answer only its message is used
HEADER_LIMIT = 100 << 10  # httpcore's (h11's max_incomplete_event_size)
DEFAULT_DEADLINE = 30.0  # seconds for one request, connecting included
DEADLINE_VARIABLE = "RKVST_TUI_DEADLINE"

RATE_LIMIT_RETRIES = 3  # tries again after a 429, at most (the one place this is decided)

Sleep = Callable[[float], Awaitable[Any]]
# Told before the client waits out a 429: (seconds it will wait, which retry this is: 1, 2, ...).
RateLimitHook = Callable[[float, int], None]
T = TypeVar("T")
MAX_KNOWN_NAMES = 100_000  # display names remembered for the audit trail of a change by id


def application_uuid(ref: str | Application) -> str:
    """The uuid in a client id, a uuid, `applications/<uuid>` or an Application."""
    if isinstance(ref, Application):
        return ref.uuid
    text = ref.strip() if isinstance(ref, str) else ""
    text = text.removeprefix(APPLICATION_PREFIX)
    if not text or text in (".", "..") or any(ch == "/" or ch.isspace() or not ch.isprintable() for ch in text):
        raise InvalidArgument(
            f"{ref!r} is not an app registration id",
            hint="give its client id or applications/<uuid> (`rkvst-tui apps list` shows them)",
        )
    return text


def default_deadline(env: dict[str, str] | None = None) -> float:
    """Seconds a request may take in all: RKVST_TUI_DEADLINE, else 30."""
    text = (os.environ if env is None else env).get(DEADLINE_VARIABLE, "").strip()
    if not text:
        return DEFAULT_DEADLINE
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(
            f"{DEADLINE_VARIABLE}={text[:20]!r} is not a number of seconds above 0",
            hint=f"e.g. {DEADLINE_VARIABLE}=60, or unset it for the default of {DEFAULT_DEADLINE:g} s",
        )
    return value


MAX_NAMED_PRINCIPALS = 5  # in a sentence about a concurrent change; the rest are counted


@dataclasses.dataclass(frozen=True)
class RootPrincipalsChange:
    """What an add or a remove of a root principal left on the server.

    `principals` is the list as read again after the write. `appeared` and `disappeared` are
    what another writer changed beyond ours: in the list now and not in what we wrote, or
    the other way round. With no versions on the list, two writes whose re-reads both come
    after both writes are seen by the first writer only; one whose re-read comes before the
    other's write sees nothing.
    """

    principals: list[Principal]
    principal: Principal  # the one added or removed
    added: bool
    appeared: tuple[Principal, ...] = ()
    disappeared: tuple[Principal, ...] = ()
    written: bool = True  # False: it was there already, nothing was sent
    reread_error: str = ""  # the list could not be read again (the write itself succeeded)

    @property
    def concurrent(self) -> bool:
        return bool(self.appeared or self.disappeared)

    @property
    def undone(self) -> bool:
        """Another write undid ours: what we added is gone, or what we removed is back."""
        return self.principal in (self.disappeared if self.added else self.appeared)

    def concurrent_change(self) -> str:
        """One paragraph for a person (terminal-safe), or "" when nothing else changed."""
        if self.reread_error:
            return (
                f"The root principals could not be read again to check for a change made at the same "
                f"time ({terminal_safe(self.reread_error, 200)}): check the list."
            )
        if not self.concurrent:
            return ""
        parts = ["Someone else changed the root principals at the same time."]
        if self.undone:
            verb, fix = ("you added is not in the list", "add") if self.added else ("you removed is back", "remove")
            parts.append(f"{_principal_words(self.principal)}, which {verb}: {fix} it again.")

        def others(found: Iterable[Principal]) -> list[Principal]:
            return [p for p in found if p != self.principal]

        if others(self.appeared):
            parts.append(f"Now also in the list: {_principal_list(others(self.appeared))}.")
        if others(self.disappeared):
            parts.append(f"No longer in the list: {_principal_list(others(self.disappeared))}.")
        return " ".join(parts)


def _principal_words(principal: Principal) -> str:
    return f"{terminal_safe(principal.subject, 80)} ({terminal_safe(principal.issuer, 80)})"


def _principal_list(principals: list[Principal]) -> str:
    named = ", ".join(_principal_words(p) for p in principals[:MAX_NAMED_PRINCIPALS])
    more = len(principals) - MAX_NAMED_PRINCIPALS
    return named + (f" and {more} more" if more > 0 else "")


def _app_target(app: Application) -> tuple[str, str]:
    return app.client_id, app.display_name


def _name_of(ref: str | Application) -> str:
    return ref.display_name if isinstance(ref, Application) else ""


def _change_detail(change: RootPrincipalsChange) -> str:
    if change.reread_error:
        return "written; the list could not be read again to check for a change made at the same time"
    if change.undone:
        return "undone by a change another admin made at the same time"
    if change.concurrent:
        return "another admin changed the list at the same time"
    return ""


def _principal_target(principal: Principal) -> dict[str, Any]:
    return {
        "target_id": principal.subject,
        "target_name": principal.display_name,
        "target_extra": {"issuer": principal.issuer},
        "detail_of": _change_detail,
    }


def _causes(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _parse_wait(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


class RkvstClient:
    def __init__(
        self,
        connection: Connection,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        sleep: Sleep = asyncio.sleep,
        max_rate_limit_retries: int = RATE_LIMIT_RETRIES,
        max_rate_limit_wait: float = 30.0,
        on_rate_limit: RateLimitHook | None = None,
        max_connection_retries: int = 2,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        deadline: float | None = None,
    ) -> None:
        self.connection = connection
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.deadline = deadline if deadline is not None else default_deadline()
        self._sleep = sleep
        self.max_rate_limit_retries = max_rate_limit_retries
        self.max_rate_limit_wait = max_rate_limit_wait
        self.on_rate_limit = on_rate_limit  # may be set later (the console sets it once connected)
        self.max_connection_retries = max_connection_retries
        self._http = httpx.AsyncClient(
            base_url=connection.base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            # Only the encodings `read_bounded` inflates with a bound (not br or zstd, even when
            # their packages happen to be installed).
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", "Accept-Encoding": "gzip, deflate"},
            follow_redirects=False,
            # Proxy settings from the environment are for the real service, not for loopback.
            trust_env=not connection.is_loopback,
            # Plain http never makes a TLS connection (redirects are off, paths are relative), so
            # loading the CA bundle (slow, and on the console's start-up path) would buy nothing.
            verify=urlsplit(connection.base_url).scheme == "https",
        )
        mint = self._mint if connection.has_client_credentials else None
        file = None if mint else connection.bearer_token_file
        self.tokens = TokenProvider(mint, bearer_token_file=file)
        self._explicit_tokens: set[str] = set()
        # The trail every change made through this client goes to (api/audit.py's AuditTrail,
        # set by the front ends); None: none kept.
        self.audit: Any = None
        self._known_names: dict[str, str] = {}
        # What the service offers, learnt from its answers (api/service.py: roles, root principals, caps).
        self.service = _service.ServiceFacts()

    def __repr__(self) -> str:
        return f"RkvstClient({self.connection!r})"

    # -- lifecycle ---------------------------------------------------------------------

    async def __aenter__(self) -> RkvstClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def is_closed(self) -> bool:
        return self._http.is_closed

    @property
    def is_sandbox(self) -> bool:
        """Configured as the sandbox, or a server on this machine that answered as one."""
        return self.connection.shows_as_sandbox

    @property
    def base_url(self) -> str:
        return self.connection.base_url

    # -- the transport core ------------------------------------------------------------

    def _secrets(self) -> list[str | None]:
        return [self.connection.secret, self.tokens.current, *self._explicit_tokens]

    def _network_error(self, exc: httpx.HTTPError, method: str, path: str) -> NetworkError:
        host = urlsplit(self.connection.base_url).netloc
        where = f"{method} {path}"
        if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
            return RequestTimeout(
                f"connecting to {host} timed out",
                hint="check the URL and that the server is reachable",
                request_sent=False,
            )
        if isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout, httpx.TimeoutException)):
            return ResponseTimeout(
                f"{host} did not answer {where} within {self.timeout:g} s: the server may have acted on it",
                hint="check the result before trying again",
            )
        if isinstance(exc, httpx.ConnectError):
            for cause in _causes(exc):
                if isinstance(cause, ssl.SSLError):
                    reason = (
                        getattr(cause, "verify_message", None) or getattr(cause, "reason", None) or "handshake failed"
                    )
                    return TlsError(
                        f"the TLS connection to {host} failed ({reason})",
                        hint="check the URL; a private certificate authority needs SSL_CERT_FILE",
                    )
                if isinstance(cause, socket.gaierror):
                    return NameResolutionError(
                        f"the host name {urlsplit(self.connection.base_url).hostname} could not be resolved",
                        hint="check the URL and the network",
                    )
                if isinstance(cause, ConnectionRefusedError):
                    break
            else:
                reason = next((c.strerror for c in _causes(exc) if isinstance(c, OSError) and c.strerror), None)
                if reason:
                    return ConnectionRefused(
                        f"could not connect to {host} ({reason.lower()})",
                        hint="check the URL and the network",
                    )
            text = str(exc)
            if "CERTIFICATE" in text or "SSL" in text:
                return TlsError(f"the TLS connection to {host} failed", hint="check the URL and the certificate")
            if "name resolution" in text or "not known" in text or "getaddrinfo" in text or "nodename" in text:
                return NameResolutionError(
                    f"the host name {urlsplit(self.connection.base_url).hostname} could not be resolved",
                    hint="check the URL and the network",
                )
            sandbox_hint = " (start the sandbox with `rkvst-tui sandbox`)" if self.connection.is_loopback else ""
            return ConnectionRefused(
                f"could not connect to {host}: connection refused",
                hint=f"is the server running at {self.connection.base_url}?{sandbox_hint}",
            )
        if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.CloseError)):
            return ConnectionLost(
                f"the connection to {host} dropped during {where}: the server may have acted on it",
                hint="check the result before trying again",
            )
        return NetworkError(f"{where} to {host} failed ({type(exc).__name__})", request_sent=True)

    def _api_error(
        self, response: httpx.Response, method: str, path: str, subject: str | None, token_source: str
    ) -> ApiError:
        status = response.status_code
        grpc_code: int | None = None
        server_message = ""
        details: list[Any] = []
        try:
            body = response.json()
        except (ValueError, RecursionError):
            body = None
        if isinstance(body, dict):
            if isinstance(body.get("code"), int):
                grpc_code = body["code"]
            for key in ("message", "error_description", "error"):
                if isinstance(body.get(key), str) and body[key].strip():
                    server_message = body[key].strip()
                    break
            if isinstance(body.get("details"), list):
                details = body["details"]
        server_message = scrub(server_message, self._secrets())
        if len(server_message) > 300:
            server_message = server_message[:297] + "..."
        cls = error_class_for(status)
        said = f": {server_message}" if server_message else ""
        hint = ""
        if status == 400:
            message = f"the server refused {method} {path} as invalid{said}"
            if path == TOKEN_PATH:
                message = f"the token endpoint refused the request{said}"
        elif status == 401:
            if path == TOKEN_PATH:
                message = "the client id or secret was refused"
                hint = "check CLIENT_ID and SECRET; regenerating a secret replaces the old one at once"
            elif token_source == "explicit":
                message = "the token was refused: it is expired, malformed, or for another backend"
                hint = "get a fresh token and try again"
            elif token_source == "file":
                message = f"the bearer token in {self.tokens.bearer_token_file} was refused (expired?)"
                hint = f"get a new one: rkvst-tui token --save {shell.word(self.tokens.bearer_token_file)} --force"
            else:
                message = "the server refused this connection's access token"
                hint = "check that the client id and secret belong to this backend"
        elif status == 402:
            message = "app registration quota reached"
            hint = "delete app registrations no longer needed, or ask for a larger quota"
        elif status == 403 and (self.service.has_roles or self.service.roles_only):
            message = "this registration does not have the Owner role"
            me = self._caller_subject()
            hint = f"an Owner gives it the role (rkvst-tui apps update {shell.word(me) if me else 'CLIENT_ID'} --owner)"
        elif status == 403:
            message = "this registration is not a root principal: add it to ROOT PRINCIPALS"
            me = self._caller_subject()
            hint = (
                f"a root user adds issuer {self.connection.issuer} and subject {me or 'its client id'} "
                f"(rkvst-tui principals add --app {shell.word(me) if me else 'CLIENT_ID'})"
            )
        elif status == 404 and path == ROOT_PRINCIPALS_PATH and server_message in ("", "Not Found"):
            self.service.has_root_principals = False
            message = f"the server has no {path}: access is managed by roles (it has no root principals)"
            hint = _service.ROLES_ONLY_HINT
        elif status == 404:
            if subject and server_message != "Not Found":
                message = f"{subject} was not found"
                hint = "it may have been deleted; `rkvst-tui apps list` shows what exists"
            else:
                message = f"the server has no {path}"
                hint = f"is {self.connection.base_url} an RKVST service?"
        elif status == 429:
            message = "the server is rate limiting requests"
        elif status in (405, 501):
            message = f"the server does not allow {method} on {path}"
        elif status >= 500:
            message = f"the server failed ({status}){said}"
            hint = "try again later"
        else:
            message = f"the server answered {status} to {method} {path}{said}"
        kwargs: dict[str, Any] = dict(
            hint=hint, status=status, grpc_code=grpc_code, server_message=server_message, details=details
        )
        if cls is RateLimited:
            wait = _parse_wait(response.headers.get(RATE_LIMIT_HEADER)) or _parse_wait(
                response.headers.get("Retry-After")
            )
            retry_after = wait if wait is not None else 1.0
            message = f"{message}: try again in {math.ceil(retry_after)} s"
            return RateLimited(message, retry_after=retry_after, **kwargs)
        return cls(message, **kwargs)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        form: dict[str, str] | None = None,
        authenticated: bool = True,
        bearer_token: str | None = None,
        subject: str | None = None,
    ) -> Any:
        """One request, with the retry policy of the module docstring; the JSON answer."""
        rate_limited = 0
        connection_failures = 0
        reauthenticated = False
        retry_on_connection = method == "GET"
        while True:
            headers: dict[str, str] = {}
            token: str | None = None
            token_source = "none"
            if bearer_token is not None:
                token, token_source = bearer_token, "explicit"
            elif authenticated:
                token = await self.tokens.get()
                token_source = "file" if self.tokens.is_fixed else "minted"
            if token:
                headers["Authorization"] = f"Bearer {token}"
            try:
                response = await self._exchange(method, path, params=params, json=json_body, data=form, headers=headers)
            except UnicodeEncodeError:
                # A lone surrogate (undecodable bytes on a command line, a "\ud800" JSON escape) is a
                # Python str but not Unicode text: it cannot be sent, and nothing was.
                raise InvalidArgument(
                    f"{method} {path} was not sent: it holds text that is not valid Unicode (a lone surrogate)",
                    hint="retype the name or value",
                ) from None
            except httpx.HTTPError as exc:
                error = self._network_error(exc, method, path)
                transient = isinstance(error, (ConnectionRefused, ConnectionLost)) and not isinstance(
                    error, ResponseTimeout
                )
                if retry_on_connection and transient and connection_failures < self.max_connection_retries:
                    connection_failures += 1
                    await self._sleep(0.25 * 2 ** (connection_failures - 1))
                    continue
                raise error from exc
            status = response.status_code
            if status == 401 and token_source in ("minted", "file") and not reauthenticated:
                reauthenticated = True
                if await self.tokens.refresh(rejected=token) is not None:
                    continue
            if status == 429 and rate_limited < self.max_rate_limit_retries:
                limited = self._api_error(response, method, path, subject, token_source)
                assert isinstance(limited, RateLimited)
                if limited.retry_after <= self.max_rate_limit_wait:
                    rate_limited += 1
                    if self.on_rate_limit is not None:
                        self.on_rate_limit(limited.retry_after, rate_limited)
                    await self._sleep(limited.retry_after)
                    continue
                raise limited
            if status >= 400:
                raise self._api_error(response, method, path, subject, token_source)
            if 300 <= status < 400:
                raise InvalidResponse(
                    f"{method} {path} was redirected ({status}) to {response.headers.get('location', '?')}",
                    hint="give the service's base URL exactly (https, no path it redirects from)",
                )
            return self._json(response, method, path)

    async def _exchange(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request and its whole answer, bounded in size and time (see the module docstring).

        The answer comes back read (`.content`); httpx's errors pass through, the bounds
        raise InvalidResponse, RequestTimeout (nothing was sent) or ResponseTimeout.
        """
        progress: set[str] = set()

        async def trace(event: str, info: Any) -> None:
            progress.add(event)

        request = self._http.build_request(method, path, extensions={"trace": trace}, **kwargs)
        timer = asyncio.timeout(self.deadline)
        try:
            async with timer:
                response = await self._http.send(request, stream=True)
                try:
                    failed = response.status_code >= 300
                    limit = MAX_ERROR_BODY_BYTES if failed else self.max_response_bytes
                    body = await read_bounded(response, limit, truncate=failed)
                finally:
                    await response.aclose()
        except TimeoutError:
            if not timer.expired():
                raise
            raise self._deadline_error(method, path, progress) from None
        except BodyTooLarge as exc:
            raise InvalidResponse(
                f"the server's answer to {method} {path} was larger than {size_text(exc.limit)}",
                hint=f"is {self.connection.base_url} an RKVST service?",
            ) from None
        except httpx.RemoteProtocolError as exc:
            if "buffer too long" not in str(exc):  # h11's words for headers over its limit
                raise
            raise InvalidResponse(
                f"the server's answer to {method} {path} has headers larger than {size_text(HEADER_LIMIT)}",
                hint=f"is {self.connection.base_url} an RKVST service?",
            ) from None
        except UnreadableEncoding as exc:
            raise InvalidResponse(
                f"the server's answer to {method} {path} could not be read: {exc}",
                hint=f"is {self.connection.base_url} an RKVST service?",
            ) from None
        plain = [
            (k, v)
            for k, v in response.headers.multi_items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        if (
            SANDBOX_MARKER_HEADER in response.headers
            and not self.connection.shows_as_sandbox
            and self.connection.is_loopback
        ):
            # The server says it is a sandbox: the connection shows it as one from now on.
            self.connection = dataclasses.replace(self.connection, answered_as_sandbox=True)
        return httpx.Response(response.status_code, headers=plain, content=body, request=request)

    def _deadline_error(self, method: str, path: str, progress: set[str]) -> NetworkError:
        host = urlsplit(self.connection.base_url).netloc
        # httpcore reports each step; a transport that reports none (a test's) may have acted.
        sent = not progress or any("send_request_headers" in event for event in progress)
        if not sent:
            return RequestTimeout(
                f"connecting to {host} took longer than {self.deadline:g} s",
                hint="check the URL and that the server is reachable",
                request_sent=False,
            )
        slow = f"a slow link may need a longer {DEADLINE_VARIABLE}"
        if method == "GET":
            return ResponseTimeout(
                f"{host} did not finish answering {method} {path} within {self.deadline:g} s", hint=f"try again; {slow}"
            )
        return ResponseTimeout(
            f"{host} did not finish answering {method} {path} within {self.deadline:g} s: "
            "the server may have acted on it",
            hint=f"check the result before trying again; {slow}",
        )

    def _json(self, response: httpx.Response, method: str, path: str) -> Any:
        try:
            return response.json()
        except RecursionError:
            raise InvalidResponse(
                f"the answer to {method} {path} is nested too deeply to be an RKVST answer",
                hint=f"is {self.connection.base_url} an RKVST service?",
            ) from None
        except ValueError:
            kind = response.headers.get("content-type", "no content type").split(";")[0]
            raise InvalidResponse(
                f"the answer to {method} {path} is not JSON ({kind})",
                hint=f"is {self.connection.base_url} an RKVST service?",
            ) from None

    @staticmethod
    def _field(body: Any, key: str, what: str, kind: type) -> Any:
        if not isinstance(body, dict):
            raise InvalidResponse(f"the answer to {what} is not a JSON object")
        value = body.get(key)
        if value is None:
            return kind()
        if not isinstance(value, kind):
            raise InvalidResponse(f"the answer to {what} has a '{key}' that is not a {kind.__name__}")
        return value

    # -- the audit trail ---------------------------------------------------------------

    async def audited(
        self,
        action: str,
        operation: Awaitable[T],
        *,
        target_id: str = "",
        target_name: str = "",
        target_of: Callable[[T], tuple[str, str]] | None = None,
        detail_of: Callable[[T], str] | None = None,
        target_extra: dict[str, str] | None = None,
    ) -> T:
        """Await `operation` (one change) and record how it ended in `self.audit`, if set:
        `target_of(result)` gives the (id, name) known only from the answer (a create's id)."""
        if self.audit is None:
            return await operation
        try:
            result = await operation
        except BaseException as exc:
            _audit.record(
                self,
                action,
                target_id=target_id,
                target_name=target_name or self._known_names.get(target_id, ""),
                error=exc,
                target_extra=target_extra,
            )
            raise
        detail = ""
        try:
            if target_of is not None:
                target_id, target_name = target_of(result)
            if detail_of is not None:
                detail = detail_of(result)
        except Exception:  # noqa: BLE001 - the change is done; record what is known
            pass
        _audit.record(
            self,
            action,
            target_id=target_id,
            target_name=target_name or self._known_names.get(target_id, ""),
            detail=detail,
            target_extra=target_extra,
        )
        return result

    def _remember(self, apps: Iterable[Application]) -> None:
        apps = list(apps)
        self.service.note_applications(apps)
        for app in apps:
            if len(self._known_names) < MAX_KNOWN_NAMES or app.client_id in self._known_names:
                self._known_names[app.client_id] = app.display_name

    def acting_client_id(self) -> str | None:
        """Who this client acts as: the token's subject, else the configured client id."""
        return self._caller_subject()

    # -- tokens and identity -----------------------------------------------------------

    async def _mint(self) -> TokenResponse:
        return await self.request_token(self.connection.client_id or "", self.connection.secret or "")

    def _adopt_own_secret(self, app: Application) -> None:
        """After regenerating our own secret the old one is dead: mint with the new one from now on."""
        if app.secret and self.connection.has_client_credentials and app.client_id == self.connection.client_id:
            self.connection = dataclasses.replace(self.connection, secret=app.secret)

    async def request_token(self, client_id: str, secret: str) -> TokenResponse:
        """The token endpoint itself: never cached, never counted as the connection's token."""
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        self._explicit_tokens.add(secret)
        try:
            body = await self._call("POST", TOKEN_PATH, form=form, authenticated=False)
        finally:
            self._explicit_tokens.discard(secret)
        return TokenResponse.from_wire(body)

    async def access_token(self) -> str:
        return await self.tokens.get()

    def _caller_subject(self) -> str | None:
        token = self.tokens.current
        if token:
            sub = unverified_claims(token).get("sub")
            if isinstance(sub, str) and sub:
                return sub
        return self.connection.client_id

    async def whoami(self) -> Identity:
        token = await self.access_token()
        claims = unverified_claims(token)
        client_id = claims.get("sub") or claims.get("client_id") or self.connection.client_id or ""
        name = claims.get("name") if isinstance(claims.get("name"), str) else ""
        is_root: bool | None
        is_owner: bool | None = None
        principals: tuple[Principal, ...] | None = None
        try:
            principals = tuple(await self.get_root_principals())
            is_root = True  # only a root principal may read them
        except PermissionDenied:
            is_root = False
        except ApiError:
            is_root = None
        if self.service.roles_only or (self.service.has_roles and not is_root):
            # Access managed by roles: an Owner may read its own registration, anyone else gets 403.
            try:
                is_owner = (await self.get_application(str(client_id))).is_owner if client_id else None
            except PermissionDenied:
                is_owner = False
            except ApiError:
                is_owner = None
            if self.service.roles_only:
                is_root = False if is_owner is not None else None
        return Identity(
            client_id=str(client_id),
            display_name=name or "",
            is_root=is_root,
            root_principals=principals,
            is_owner=is_owner,
            roles_only=self.service.roles_only,
        )

    # -- app registrations -------------------------------------------------------------

    @staticmethod
    def _check_page_size(page_size: int | None) -> None:
        if page_size is not None and (isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1):
            raise InvalidArgument(f"page size {page_size!r} is not a positive whole number")

    async def list_applications_page(
        self, *, display_name: str | None = None, page_size: int | None = None, page_token: str | None = None
    ) -> tuple[list[Application], str]:
        self._check_page_size(page_size)
        params: dict[str, Any] = {}
        if page_size is not None:
            params["page_size"] = page_size
        if page_token:
            params["page_token"] = page_token  # later pages carry the filters inside the token
        elif display_name is not None:
            params["display_name"] = display_name
        what = f"GET {APPLICATIONS_PATH}"
        body = await self._call("GET", APPLICATIONS_PATH, params=params)
        apps = [Application.from_wire(item) for item in self._field(body, "applications", what, list)]
        next_token = self._field(body, "next_page_token", what, str)
        self._remember(apps)
        return apps, next_token

    async def iter_application_pages(
        self, display_name: str | None = None, page_size: int | None = None
    ) -> AsyncIterator[list[Application]]:
        token: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            apps, token = await self.list_applications_page(
                display_name=display_name, page_size=page_size, page_token=token
            )
            yield apps
            if not token:
                return
            if token in seen:
                raise InvalidResponse("the server sent the same page token twice: paging would never end")
            seen.add(token)
        raise InvalidResponse(f"the server sent more than {MAX_PAGES} pages")

    async def iter_applications(
        self, display_name: str | None = None, page_size: int | None = None
    ) -> AsyncIterator[Application]:
        async for page in self.iter_application_pages(display_name, page_size):
            for app in page:
                yield app

    async def list_applications(
        self, display_name: str | None = None, page_size: int | None = None
    ) -> list[Application]:
        return [app async for app in self.iter_applications(display_name, page_size)]

    async def find_applications_by_name(self, display_name: str) -> list[Application]:
        # Filter here as well: a server might match differently than exactly.
        return [app async for app in self.iter_applications(display_name) if app.display_name == display_name]

    def _app_path(self, ref: str | Application, suffix: str = "") -> tuple[str, str]:
        uuid = application_uuid(ref)
        return f"{APPLICATIONS_PATH}/{quote(uuid, safe='')}{suffix}", f"app registration {uuid}"

    async def get_application(self, ref: str | Application) -> Application:
        path, subject = self._app_path(ref)
        app = Application.from_wire(await self._call("GET", path, subject=subject))
        self._remember([app])
        return app

    async def create_application(
        self, display_name: str, custom_claims: dict[str, str] | None = None, *, owner: bool = False
    ) -> Application:
        """Create one; the answer holds the only copy of the secret. Never retried blindly.
        `owner`: with the Owner role (DataTrails); refused where the service is known to have no roles."""
        body: dict[str, Any] = {"display_name": display_name, "custom_claims": dict(custom_claims or {})}
        if owner:
            self._check_roles()
            body["roles"] = [OWNER_ROLE]
        return await self.audited(
            _audit.APP_CREATE, self._create(body), target_name=display_name, target_of=_app_target
        )

    async def _create(self, body: dict[str, Any]) -> Application:
        app = Application.from_wire(await self._call("POST", APPLICATIONS_PATH, json_body=body))
        self._remember([app])
        return app

    async def update_application(
        self,
        ref: str | Application,
        *,
        display_name: str | None = None,
        custom_claims: dict[str, str] | None = None,
        roles: list[str] | None = None,
    ) -> Application:
        """Change the name, replace the whole claims map and/or the roles (what is not given stays)."""
        body: dict[str, Any] = {}
        if display_name is not None:
            body["display_name"] = display_name
        if custom_claims is not None:
            body["custom_claims"] = dict(custom_claims)
        if roles is not None:
            self._check_roles()
            body["roles"] = list(roles)
        if not body:
            raise InvalidArgument("nothing to update: give a display name, custom claims or roles")
        path, subject = self._app_path(ref)
        return await self.audited(
            _audit.APP_UPDATE,
            self._call_app("PATCH", path, subject, body),
            target_id=application_uuid(ref),
            target_name=display_name or _name_of(ref),
            target_of=_app_target,
        )

    def _check_roles(self) -> None:
        if self.service.has_roles is False:
            raise InvalidArgument(
                f"{self.base_url} has no roles (its registrations carry none, as on RKVST): there is no Owner role to give",
                hint="make the registration root instead (rkvst-tui principals add --app CLIENT_ID)",
            )

    async def _call_app(self, method: str, path: str, subject: str, body: Any = None) -> Application:
        app = Application.from_wire(await self._call(method, path, json_body=body, subject=subject))
        self._remember([app])
        return app

    async def delete_application(self, ref: str | Application) -> None:
        path, subject = self._app_path(ref)
        await self.audited(
            _audit.APP_DELETE,
            self._call("DELETE", path, subject=subject),
            target_id=application_uuid(ref),
            target_name=_name_of(ref),
        )

    async def regenerate_secret(self, ref: str | Application) -> Application:
        """A new secret (in the answer only); the old one stops working at once."""
        path, subject = self._app_path(ref, ":regenerate-secret")
        app = await self.audited(
            _audit.APP_REGENERATE,
            self._call_app("POST", path, subject),
            target_id=application_uuid(ref),
            target_name=_name_of(ref),
            target_of=_app_target,
        )
        self._adopt_own_secret(app)
        return app

    # -- root principals ---------------------------------------------------------------

    def _principals(self, body: Any, what: str) -> list[Principal]:
        return [Principal.from_wire(p) for p in self._field(body, "root_principals", what, list)]

    async def get_root_principals(self) -> list[Principal]:
        body = await self._call("GET", ROOT_PRINCIPALS_PATH)
        return self._principals(body, f"GET {ROOT_PRINCIPALS_PATH}")

    async def set_root_principals(self, principals: Iterable[Principal]) -> list[Principal]:
        """Replace the whole list (the server refuses one without the caller)."""
        body = {"root_principals": [p.to_wire() for p in principals]}
        answer = await self._call("PATCH", ROOT_PRINCIPALS_PATH, json_body=body)
        return self._principals(answer, f"PATCH {ROOT_PRINCIPALS_PATH}")

    async def add_root_principal(self, principal: Principal) -> RootPrincipalsChange:
        """Read, add, write, read again (`RootPrincipalsChange`). Adding one that is there
        already changes nothing."""
        current = await self.get_root_principals()
        if principal in current:
            return RootPrincipalsChange(current, principal, added=True, written=False)
        return await self.audited(
            _audit.ROOT_PRINCIPAL_ADD,
            self._write_and_reread([*current, principal], principal, added=True),
            **_principal_target(principal),
        )

    async def _write_and_reread(
        self, wanted: list[Principal], principal: Principal, *, added: bool
    ) -> RootPrincipalsChange:
        """The list is replaced whole, so another admin's write between our read and ours
        (or just after ours) wins silently: read it again and say what differs."""
        written = await self.set_root_principals(wanted)
        try:
            now = await self.get_root_principals()
        except RkvstError as exc:
            return RootPrincipalsChange(written, principal, added=added, reread_error=exc.message)
        return RootPrincipalsChange(
            now,
            principal,
            added=added,
            appeared=tuple(p for p in now if p not in written),
            disappeared=tuple(p for p in written if p not in now),
        )

    def is_caller(self, principal: Principal) -> bool:
        me = self._caller_subject()
        if not me or principal.subject != me:
            return False
        issuers = set(_service.own_issuers(self))
        if self.tokens.current:
            iss = unverified_claims(self.tokens.current).get("iss")
            if isinstance(iss, str):
                issuers.add(iss)
        return principal.issuer in issuers

    async def remove_root_principal(self, principal: Principal) -> RootPrincipalsChange:
        """Read, remove, write, read again (`RootPrincipalsChange`); refuses to remove the
        signed-in identity (it would lock itself out)."""
        await self.access_token()  # know who we are before deciding
        if self.is_caller(principal):
            raise SelfRemovalRefused(
                "refusing to remove the signed-in registration from the root principals: it would lose access",
                hint="sign in as another root principal to remove this one",
            )
        current = await self.get_root_principals()
        if principal not in current:
            raise NotFound(
                f"no root principal has issuer {principal.issuer} and subject {principal.subject}",
                hint="`rkvst-tui principals list` shows them",
            )
        return await self.audited(
            _audit.ROOT_PRINCIPAL_REMOVE,
            self._write_and_reread([p for p in current if p != principal], principal, added=False),
            **_principal_target(principal),
        )

    def app_principal(self, app_or_client_id: Application | str, *, display_name: str = "") -> Principal:
        """The root-principal entry that makes an app registration root."""
        if isinstance(app_or_client_id, Application):
            return Principal(
                self.connection.issuer,
                app_or_client_id.client_id or app_or_client_id.uuid,
                display_name or app_or_client_id.display_name,
            )
        return Principal(self.connection.issuer, app_or_client_id.removeprefix(APPLICATION_PREFIX), display_name)

    # -- assets and keys ---------------------------------------------------------------

    async def list_assets(self, *, bearer_token: str | None = None, page_size: int | None = None) -> list[Asset]:
        """Every asset the caller may see; `bearer_token`: as that token instead (the access test)."""
        self._check_page_size(page_size)
        if bearer_token is not None:
            bearer_token = bearer_token.strip()
            if not bearer_token:
                raise InvalidArgument("the token to test is empty")
            self._explicit_tokens.add(bearer_token)
        try:
            assets: list[Asset] = []
            token: str | None = None
            seen: set[str] = set()
            what = f"GET {ASSETS_PATH}"
            for _ in range(MAX_PAGES):
                params: dict[str, Any] = {}
                if page_size is not None:
                    params["page_size"] = page_size
                if token:
                    params["page_token"] = token
                body = await self._call("GET", ASSETS_PATH, params=params, bearer_token=bearer_token)
                assets.extend(Asset.from_wire(a) for a in self._field(body, "assets", what, list))
                token = self._field(body, "next_page_token", what, str)
                if not token:
                    return assets
                if token in seen:
                    raise InvalidResponse("the server sent the same page token twice: paging would never end")
                seen.add(token)
            raise InvalidResponse(f"the server sent more than {MAX_PAGES} pages")
        finally:
            if bearer_token is not None:
                self._explicit_tokens.discard(bearer_token)

    async def fetch_jwks(self) -> dict[str, Any] | None:
        """The backend's key set, or None when it publishes none (the real service) or it fails."""
        try:
            response = await self._exchange("GET", JWKS_PATH)
        except (httpx.HTTPError, InvalidResponse, NetworkError):
            return None
        if response.status_code != 200:
            return None
        try:
            body = response.json()
        except (ValueError, RecursionError):
            return None
        if not isinstance(body, dict) or not isinstance(body.get("keys"), list):
            return None
        return body
