"""What one registration can see, and why (APP REGISTRATIONS, its row, x): api/access.py's explanation.

The policies, the assets and the root principals are read as the connected administrator
(explain_access); the words name the policies that share assets with it and through which
filter and entry, or that none does and the nearest miss. Every name and value came from the
server: each line is escaped (api/terminal_safe.py) before it is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.binding import Binding

from rkvst_tui.api.access import explain_access
from rkvst_tui.tui.formatting import safe, safe_lines
from rkvst_tui.tui.problems import describe
from rkvst_tui.tui.screens.text_dialog import TextDialog

if TYPE_CHECKING:
    from rkvst_tui.api.client import RkvstClient
    from rkvst_tui.api.models import Application

LOADING = "Reading the access policies, the assets and the root principals…"


class AccessExplanationScreen(TextDialog[None]):
    """The explanation's lines, then what its tokens get from GET /archivist/v2/assets."""

    HELP_GROUP = "Access explanation"
    TEXT_ID = "access-lines"
    BINDINGS = [
        Binding("escape,q", "close", "Back"),
        Binding("r", "reload", "Reload"),
        Binding("question_mark", "app.help", "Help"),
    ]

    def __init__(self, client: RkvstClient, application: Application) -> None:
        super().__init__()
        self.client = client
        self.application = application
        self.text = LOADING

    def dialog_title(self) -> Text:
        return Text(f"Access: {safe(self.application.display_name or self.application.client_id)}")

    def dialog_text(self) -> Text:
        return Text(LOADING, style="dim")

    def on_mount(self) -> None:
        self._explain()

    def action_reload(self) -> None:
        self._show(Text(LOADING, style="dim"))
        self._explain()

    def _show(self, text: Text) -> None:
        self.text = text.plain
        self.show_text(text)

    @work(exclusive=True, exit_on_error=False)
    async def _explain(self) -> None:
        try:
            explanation = await explain_access(self.client, self.application)
        except Exception as exc:  # noqa: BLE001 - said on the screen: what failed and what to do
            problem = describe(exc, "Could not explain the access")
            self._show(Text(f"{problem.title}: {problem.message} {problem.hint}".rstrip(), style="bold red"))
            return
        lines = explanation.lines()
        text = Text(safe_lines("\n".join(lines[:1])), style="bold")
        if lines[1:]:
            text.append("\n" + safe_lines("\n".join(lines[1:])))
        shown = explanation.visible[:20]
        if shown:
            text.append("\n\nIts tokens get from GET /archivist/v2/assets:", style="dim")
            for asset in shown:
                attributes = ", ".join(f"{k}={v}" for k, v in asset.attributes.items())
                text.append("\n  " + safe(f"{asset.identity}: {attributes}"))
            if len(explanation.visible) > len(shown):
                text.append(f"\n  … and {len(explanation.visible) - len(shown)} more", style="dim")
        elif explanation.status == "none":
            text.append(
                "\n\nShare assets with it through an access policy: rkvst-tui policies create --help.",
                style="dim",
            )
        self._show(text)


__all__ = ["AccessExplanationScreen"]
