"""Command palette (ctrl+p) providers: every console action, and "go to registration <name>"."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider


@dataclass(frozen=True)
class ConsoleCommand:
    title: str
    help: str
    tab: str  # "apps", "principals", "inspector" or "" (anywhere)
    action: str  # the action name on that tab's view, or on the App when tab is ""
    mutating: bool = False


COMMANDS = (
    ConsoleCommand("Create app registration", "Open the create form (n)", "apps", "create", True),
    ConsoleCommand("Show registration details", "Every field and ready-to-paste commands (enter)", "apps", "details"),
    ConsoleCommand("Edit registration", "Change the display name or custom claims (e)", "apps", "edit", True),
    ConsoleCommand("Regenerate secret", "A new secret for the selected registration (g)", "apps", "regenerate", True),
    ConsoleCommand("Delete registration", "Delete the selected registration (d)", "apps", "delete", True),
    ConsoleCommand("Make root / remove root", "Toggle the selected registration's root principal entry (m)",
                   "apps", "toggle_root", True),
    ConsoleCommand("Copy client id", "Send the selected client id to the clipboard (c)", "apps", "copy_client_id"),
    ConsoleCommand("Filter registrations", "Filter the table by name (/)", "apps", "filter"),
    ConsoleCommand("Refresh registrations", "Load every page again (r)", "apps", "refresh"),
    ConsoleCommand("Add root principal", "Add an issuer and subject to ROOT PRINCIPALS (a)", "principals", "add", True),
    ConsoleCommand("Remove root principal", "Remove the selected root principal (d)", "principals", "remove", True),
    ConsoleCommand("Refresh root principals", "Load ROOT PRINCIPALS again (r)", "principals", "refresh"),
    ConsoleCommand("Go to APP REGISTRATIONS", "The first tab (1)", "", "show_tab('apps')"),
    ConsoleCommand("Go to ROOT PRINCIPALS", "The second tab (2)", "", "show_tab('principals')"),
    ConsoleCommand("Go to TOKEN INSPECTOR", "The third tab (3)", "", "show_tab('inspector')"),
    ConsoleCommand("Help: keys", "Every key of the current screen (?)", "", "help"),
    ConsoleCommand("Reconnect", "Connect and load everything again", "", "reconnect"),
)


class ConsoleCommands(Provider):
    """Every action of the console; in read-only mode the ones that change the tenant say so when run."""

    def _commands(self):
        read_only = getattr(self.app, "read_only", False)
        for command in COMMANDS:
            help_text = command.help
            if command.mutating and read_only:
                help_text += " (turned off: read-only mode)"
            yield command, help_text

    async def discover(self) -> Hits:
        for command, help_text in self._commands():
            yield DiscoveryHit(command.title, partial(self.app.run_console_command, command), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command, help_text in self._commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title),
                          partial(self.app.run_console_command, command), help=help_text)


class RegistrationCommands(Provider):
    """"go to registration <name>" for every loaded registration."""

    MAX_HITS = 50  # a palette with 10,000 entries helps nobody

    async def search(self, query: str) -> Hits:
        applications = list(getattr(self.app, "registrations", lambda: {})().values())
        text = query.strip()
        for prefix in ("go to registration", "go to", "registration"):
            if text.lower().startswith(prefix):
                text = text[len(prefix):].strip()
                break
        if not text:
            return
        needle = text.casefold()
        hits = 0
        for application in applications:
            name = application.display_name or application.client_id
            # A cheap substring test first: fuzzy matching 10,000 names per keystroke is slow.
            if needle not in name.casefold() and not application.client_id.startswith(needle):
                continue
            # matcher.match/highlight parse their argument as markup: score and highlight
            # server-provided names ourselves, as plain text.
            title = f"go to registration {name}"
            display = Text(title)
            start = title.casefold().find(needle, len("go to registration "))
            if start >= 0:
                display.stylize("bold underline", start, start + len(needle))
            score = 1.0 if name.casefold() == needle else 0.9 if name.casefold().startswith(needle) else 0.7
            yield Hit(
                score,
                display,
                partial(self.app.go_to_registration, application.client_id),
                text=title,
                help=application.client_id,
            )
            hits += 1
            if hits >= self.MAX_HITS:
                return
