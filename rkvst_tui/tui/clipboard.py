"""What the console copied, forgotten when it held a secret.

Textual's App keeps the last text it copied (`App.clipboard`) for its own paste. A secret or a
token copied from a screen must not outlive that screen there; the terminal's own copy stays,
as the user asked for it. Textual has no public way to drop the App's copy: this is the one
place that writes `App._clipboard`.
"""

from __future__ import annotations

from textual.app import App


def forget_copy(app: App, secret: str) -> None:
    """Drop the App's copy when it holds `secret` (alone, or in a command that was copied)."""
    if secret and secret in app.clipboard:
        app._clipboard = ""
