"""Exit codes, and the error each kind of failure maps to (rkvst-tui --help, README)."""

from __future__ import annotations

from ..api.errors import (
    ConfigError,
    InvalidArgument,
    PermissionDenied,
    RkvstError,
    TargetExists,
    Unauthenticated,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_INTERRUPTED = 130


class UsageError(RkvstError):
    """The command line asks for something that can not be done as written."""


def exit_code_for(error: BaseException) -> int:
    if isinstance(error, (Unauthenticated, PermissionDenied)):
        return EXIT_AUTH
    if isinstance(error, (UsageError, ConfigError, InvalidArgument, TargetExists)):
        return EXIT_USAGE
    return EXIT_FAILED
