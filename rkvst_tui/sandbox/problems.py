"""Error answers in the grpc-gateway status shape (contract §6)."""

from __future__ import annotations

from starlette.responses import JSONResponse

# gRPC status codes used by the contract.
INVALID_ARGUMENT = 3
NOT_FOUND = 5
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
UNIMPLEMENTED = 12
UNAUTHENTICATED = 16


class ApiProblem(Exception):
    """An error answer: HTTP status, gRPC code, message, optional extra body fields and headers."""

    def __init__(
        self, status: int, code: int, message: str, *, extra: dict | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra or {}
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        body = {"code": self.code, "message": self.message, "details": []}
        body.update(self.extra)
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def bad_request(message: str) -> ApiProblem:
    return ApiProblem(400, INVALID_ARGUMENT, message)


def unauthenticated(message: str) -> ApiProblem:
    return ApiProblem(401, UNAUTHENTICATED, message, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def permission_denied(message: str) -> ApiProblem:
    return ApiProblem(403, PERMISSION_DENIED, message)


def not_found(message: str = "Not Found") -> ApiProblem:
    return ApiProblem(404, NOT_FOUND, message)


def quota_exceeded(message: str) -> ApiProblem:
    return ApiProblem(402, UNIMPLEMENTED, f"{message}: Payment Required")


def method_not_allowed() -> ApiProblem:
    return ApiProblem(501, UNIMPLEMENTED, "Method Not Allowed")


def rate_limited(reset_seconds: int) -> ApiProblem:
    return ApiProblem(
        429,
        RESOURCE_EXHAUSTED,
        f"rate limit exceeded: try again in {reset_seconds}s",
        headers={"Archivist-Rate-Limit-Reset": str(reset_seconds)},
    )


def oauth_error(status: int, error: str, description: str, *, headers: dict[str, str] | None = None) -> ApiProblem:
    """A token endpoint error: the status JSON plus RFC 6749 §5.2 `error` and `error_description`."""
    code = UNAUTHENTICATED if status == 401 else INVALID_ARGUMENT
    merged = {"Cache-Control": "no-store", "Pragma": "no-cache", **(headers or {})}
    return ApiProblem(
        status, code, description, extra={"error": error, "error_description": description}, headers=merged
    )
