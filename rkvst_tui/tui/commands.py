"""Command palette (ctrl+p) providers: every console action, and "go to registration <name>".

Every action comes from the one registry (tui/actions.py), and on TOKEN INSPECTOR its buttons
too, so an action added there is in the palette without anyone remembering to list it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Protocol, cast

from rich.text import Text
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from rkvst_tui.tui import actions
from rkvst_tui.tui.formatting import safe
from rkvst_tui.tui.messages import GoToRegistration


@dataclass(frozen=True)
class ConsoleCommand:
    title: str
    help: str
    tab: str  # "apps", "principals", "inspector" or "" (anywhere)
    action: str  # the action name on that tab's view, or on the App when tab is ""
    mutating: bool = False
    button: str = ""  # on TOKEN INSPECTOR: the id of the button to press instead of an action
    binding: Binding | None = None  # the key that runs it, shown after `help` as the console shows keys


TAB_NAMES = actions.TAB_NAMES

# Palette titles of TOKEN INSPECTOR's buttons (by id); a button not here is titled by its label.
TITLES = {
    ("inspector", "ti-inspect"): "Inspect the pasted token",
    ("inspector", "ti-mine"): "Inspect my current token",
    ("inspector", "ti-open"): "Open a token file",
    ("inspector", "ti-get"): "Get a token with a client id and secret",
    ("inspector", "ti-save"): "Save the token as a bearer_token file",
    ("inspector", "ti-copy-token"): "Copy the token",
    ("inspector", "ti-copy-header"): "Copy the token header",
    ("inspector", "ti-copy-payload"): "Copy the token payload",
    ("inspector", "ti-copy-signature"): "Copy the token signature",
}


def _keys(binding: Binding) -> list[str]:
    return [key.strip() for key in binding.key.split(",")]


def command_for(action: actions.Action) -> ConsoleCommand:
    """The palette's entry for a registered action (tui/actions.py)."""
    return ConsoleCommand(
        action.title,
        action.palette_help or action.words,
        action.tab,
        action.action,
        action.changes_tenant,
        binding=action.binding() if action.key else None,
    )


COMMANDS = tuple(command_for(action) for action in actions.palette_actions())


def _inspector_bindings() -> list:
    return actions.bindings("inspector")


def button_commands(buttons: Iterable) -> Iterator[ConsoleCommand]:
    """TOKEN INSPECTOR's buttons, but for those a binding runs already (their tooltip names its key)."""
    bound_keys = {
        key
        for binding in _inspector_bindings()
        for key in _keys(binding if isinstance(binding, Binding) else Binding(*binding))
    }
    for button in buttons:
        tooltip = str(button.tooltip or "")
        if not button.id or any(tooltip.endswith(f"({key})") for key in bound_keys):
            continue
        label = str(button.label)
        yield ConsoleCommand(
            TITLES.get(("inspector", button.id), f"{TAB_NAMES['inspector']}: {label}"),
            f"{tooltip or label} (the {label} button of TOKEN INSPECTOR)",
            "inspector",
            "",
            button=button.id,
        )


class _Console(Protocol):
    """What the providers ask of the App (RkvstApp; not imported: it imports this module)."""

    async def run_console_command(self, command: ConsoleCommand) -> None: ...


def _console(provider: Provider) -> _Console:
    return cast(_Console, provider.app)


class ConsoleCommands(Provider):
    """Every action of the console; in read-only mode the ones that change the tenant say so when run."""

    _buttons: tuple[ConsoleCommand, ...] = ()

    async def startup(self) -> None:
        # The inspector's buttons exist once it is mounted (on its first showing): mount it now.
        inspector_buttons = getattr(self.app, "inspector_buttons", None)
        if inspector_buttons is None:
            return
        try:
            self._buttons = tuple(button_commands(await inspector_buttons()))
        except Exception:  # noqa: BLE001 - the other commands are listed all the same
            self._buttons = ()

    def _commands(self):
        read_only = getattr(self.app, "read_only", False)
        for command in (*COMMANDS, *self._buttons):
            help_text = command.help
            if command.binding is not None:
                # The key the user's [keymap] gave it, if any (the App applies the same table).
                remapped = getattr(self.app, "keymap", {}).get(command.binding.id or "")
                bound = Binding(remapped, command.action) if remapped else command.binding
                keys = [self.app.get_key_display(Binding(key, command.action)) for key in _keys(bound)]
                help_text += f" ({' or '.join(keys)})"
            if command.mutating and read_only:
                help_text += " (turned off: read-only mode)"
            yield command, help_text

    async def discover(self) -> Hits:
        for command, help_text in self._commands():
            yield DiscoveryHit(command.title, partial(_console(self).run_console_command, command), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command, help_text in self._commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(command.title),
                    partial(_console(self).run_console_command, command),
                    help=help_text,
                )


class RegistrationCommands(Provider):
    """ "go to registration <name>" for every loaded registration."""

    MAX_HITS = 50  # a palette with 10,000 entries helps nobody

    async def search(self, query: str) -> Hits:
        session = getattr(self.app, "session", None)  # the console's (a bare host App has none)
        applications = list(session.registrations.values()) if session is not None else []
        text = query.strip()
        for prefix in ("go to registration", "go to", "registration"):
            if text.lower().startswith(prefix):
                text = text[len(prefix) :].strip()
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
            title = f"go to registration {safe(name)}"
            display = Text(title)
            start = title.casefold().find(needle, len("go to registration "))
            if start >= 0:
                display.stylize("bold underline", start, start + len(needle))
            score = 1.0 if name.casefold() == needle else 0.9 if name.casefold().startswith(needle) else 0.7
            yield Hit(
                score,
                display,
                partial(self.app.post_message, GoToRegistration(application.client_id)),
                text=title,
                help=safe(application.client_id),
            )
            hits += 1
            if hits >= self.MAX_HITS:
                return
