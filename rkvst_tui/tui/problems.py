"""Turn a failure into words for the screen: what failed and what to do about it.

The service layer's errors already carry a message and a hint; the console adds hints
that only make sense on screen (which tab to open, which key to press). Anything that
is not an `RkvstError` is described by its type and message, never with a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rkvst_tui.api import errors as api_errors
from rkvst_tui.tui.formatting import safe, safe_lines

if TYPE_CHECKING:
    from textual.app import App
    from textual.widget import Widget


@dataclass(frozen=True)
class Problem:
    """A failure as the console shows it: every field terminal-safe (they quote the server
    and display names), whether it is notified or drawn in a form or a screen."""

    title: str  # what was being done: "Could not delete TrafficLight101"
    message: str  # what went wrong, with the status when the server answered
    hint: str  # what to do next
    status: int | None = None
    retry_after: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", safe(self.title))
        object.__setattr__(self, "message", safe_lines(self.message))
        object.__setattr__(self, "hint", safe_lines(self.hint))

    def text(self) -> str:
        """One notification body: never markup, never a secret."""
        lines = [self.title, self.message]
        if self.hint:
            lines.append(self.hint)
        return "\n".join(line for line in lines if line)


NOT_ROOT_HINT = "This identity is not root: a root user must add it to ROOT PRINCIPALS."
NOT_OWNER_HINT = "This identity does not have the Owner role: an Owner must give it the role (m, or the Owner box)."
QUOTA_HINT = "The tenant's app registration quota is reached: delete registrations you no longer use."
NETWORK_HINT = "Check that the server is running and reachable, then press r to retry."
CREDENTIALS_HINT = (
    "Check the client id and secret (or the bearer token file) of this connection; "
    "a regenerated secret replaces the old one at once."
)


def describe(exc: BaseException, doing: str) -> Problem:
    """`doing` names the action in a few words: "Could not load app registrations"."""
    if isinstance(exc, api_errors.ApiError):
        status = getattr(exc, "status", None)
        server = getattr(exc, "server_message", "") or ""
        message = exc.message or server
        if server and server not in message:
            message = f"{message}\nThe server said: {server}"
        if status is not None and str(status) not in message:
            message = f"{status}: {message}"
        hint = getattr(exc, "hint", "") or ""
        retry_after = None
        if isinstance(exc, api_errors.PermissionDenied):
            if "Owner role" in message:  # a service that manages access by roles (api/client.py)
                hint = NOT_OWNER_HINT
            else:
                hint = "" if "ROOT PRINCIPALS" in message else NOT_ROOT_HINT
        elif isinstance(exc, api_errors.QuotaExceeded):
            hint = QUOTA_HINT
        elif isinstance(exc, api_errors.RateLimited):
            retry_after = float(getattr(exc, "retry_after", 0) or 0)
            hint = f"Rate limited: try again in {retry_after:.0f}s."
        elif isinstance(exc, api_errors.Unauthenticated):
            hint = hint or CREDENTIALS_HINT
        elif isinstance(exc, api_errors.NotFound):
            hint = hint or "It may have been deleted elsewhere: press r to refresh."
        return Problem(doing, message, hint, status=status, retry_after=retry_after)
    if isinstance(exc, api_errors.NetworkError):
        hint = getattr(exc, "hint", "") or NETWORK_HINT
        return Problem(doing, exc.message, hint)
    if isinstance(exc, api_errors.RkvstError):
        return Problem(doing, exc.message, getattr(exc, "hint", "") or "")
    detail = str(exc) or type(exc).__name__
    return Problem(doing, f"{type(exc).__name__}: {detail}", "This is a bug in rkvst-tui; please report it.")


def is_connection_failure(exc: BaseException) -> bool:
    """Failures that make the whole connection unusable (as opposed to one refused action)."""
    return isinstance(exc, (api_errors.NetworkError, api_errors.Unauthenticated, api_errors.ConfigError))


def report(node: Widget | App, problem: Problem, *, extra_hint: str = "") -> None:
    """A failure as an error notification: the server's words, a hint, never markup."""
    body = problem.message
    hint = extra_hint or problem.hint
    if hint:
        body += "\n" + hint
    node.notify(body, title=problem.title, severity="error", markup=False, timeout=10)
