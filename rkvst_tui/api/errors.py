"""One error hierarchy for everything the service layer can refuse or fail at.

Every error carries `.message` (one sentence a person can act on; `str(e)`) and `.hint`
(what to do next, possibly empty). Messages are built from the status, the
grpc-gateway status JSON and the request's context; they never contain a secret or a
token (server-provided text is scrubbed before it is used, see `scrub`).

    RkvstError
    ├── ApiError (.status, .grpc_code, .server_message, .details)
    │   ├── BadRequest 400 · Unauthenticated 401 · QuotaExceeded 402 · PermissionDenied 403
    │   └── NotFound 404 · RateLimited 429 (.retry_after) · MethodNotAllowed 501 · ServerError 5xx
    ├── NetworkError (.request_sent: the server may have acted on the request)
    │   ├── ConnectionRefused · NameResolutionError · TlsError · RequestTimeout
    │   ├── ConnectionLost (.request_sent)
    │   └── ResponseTimeout (a RequestTimeout *and* a ConnectionLost: sent, no answer)
    ├── InvalidResponse (also a ValueError): not JSON, or not the contract's shape
    ├── ConfigError: names the file and the key
    ├── InvalidArgument (also a ValueError): refused before anything was sent
    ├── SelfRemovalRefused: removing the signed-in identity from the root principals
    └── TargetExists (also a FileExistsError): a file would be overwritten
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# A JWT (three base64url segments, the first starting with '{"' encoded) or a 64-hex
# client secret: never repeated back to a person, whoever sent it.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
_HEX_SECRET = re.compile(r"\b[0-9a-fA-F]{64}\b")
MAX_SERVER_MESSAGE = 300


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with every known secret, every JWT and every 64-hex secret replaced by '***'."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    text = _JWT.sub("***", text)
    return _HEX_SECRET.sub("***", text)


class RkvstError(Exception):
    """Base of every error of this package: `.message` is what went wrong, `.hint` what to do."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ApiError(RkvstError):
    """The server answered with an error status."""

    default_status: int | None = None

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        status: int | None = None,
        grpc_code: int | None = None,
        server_message: str = "",
        details: list[Any] | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status if status is not None else self.default_status
        self.grpc_code = grpc_code
        self.server_message = server_message
        self.details = details or []

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, message={self.message!r})"


class BadRequest(ApiError):
    default_status = 400


class Unauthenticated(ApiError):
    default_status = 401


class QuotaExceeded(ApiError):
    default_status = 402


class PermissionDenied(ApiError):
    default_status = 403


class NotFound(ApiError):
    default_status = 404


class RateLimited(ApiError):
    default_status = 429

    def __init__(self, message: str, *, retry_after: float = 0.0, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class MethodNotAllowed(ApiError):
    default_status = 501


class ServerError(ApiError):
    default_status = 500


class NetworkError(RkvstError):
    """No usable answer came back. `.request_sent`: the server may have acted on it."""

    def __init__(self, message: str, *, hint: str = "", request_sent: bool = False) -> None:
        super().__init__(message, hint=hint)
        self.request_sent = request_sent


class ConnectionRefused(NetworkError):
    pass


class NameResolutionError(NetworkError):
    pass


class TlsError(NetworkError):
    pass


class RequestTimeout(NetworkError):
    pass


class ConnectionLost(NetworkError):
    def __init__(self, message: str, *, hint: str = "", request_sent: bool = True) -> None:
        super().__init__(message, hint=hint, request_sent=request_sent)


class ResponseTimeout(RequestTimeout, ConnectionLost):
    """The request went out and no answer came in time: the server may have acted."""

    def __init__(self, message: str, *, hint: str = "", request_sent: bool = True) -> None:
        NetworkError.__init__(self, message, hint=hint, request_sent=request_sent)


class InvalidResponse(RkvstError, ValueError):
    """The answer was not JSON, or not the shape the contract promises."""


class ConfigError(RkvstError):
    """The configuration (file, environment or options) is wrong: the message names where."""


class InvalidArgument(RkvstError, ValueError):
    """Refused before anything was sent: the input can never be right."""


class SelfRemovalRefused(RkvstError):
    """Removing the signed-in identity from the root principals would lock it out."""


class TargetExists(RkvstError, FileExistsError):
    """A file is in the way and overwriting it was not asked for."""

    def __init__(self, path: Any, *, hint: str = "") -> None:
        RkvstError.__init__(
            self,
            f"{path} already exists: not overwriting it",
            hint=hint or "choose another path, or ask for the overwrite (--force)",
        )
        self.filename = str(path)


def may_have_acted(error: BaseException) -> bool:
    """True when a failed change may still have been made: look before sending it again.

    A lost answer (a dropped connection or a time-out after the request went out), an
    answer that came but could not be read (a 2xx the server sent), and any 5xx: a
    gateway's 502/503/504 can come after the service acted, and a 500 may mean it failed
    half-way. Refusals (4xx) and failures before sending mean nothing was done.
    """
    if isinstance(error, NetworkError):
        return bool(error.request_sent)
    if isinstance(error, InvalidResponse):
        return True
    return isinstance(error, ApiError) and (error.status or 0) >= 500


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthenticated,
    402: QuotaExceeded,
    403: PermissionDenied,
    404: NotFound,
    429: RateLimited,
    501: MethodNotAllowed,
}


def error_class_for(status: int) -> type[ApiError]:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    if status == 405:
        return MethodNotAllowed
    return BadRequest if 400 <= status < 500 else ServerError
