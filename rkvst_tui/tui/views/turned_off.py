"""A key for a change that is turned off says why, instead of doing nothing.

Textual skips a binding whose `check_action` says no, silently: in `--read-only` mode, or
before the console has signed in, `d` or `n` then seemed broken. A tab's view mixes this in
(before its widget class) to answer such a key with the reason.
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding


class ExplainsTurnedOffKeys:
    """Mixed into a tab's view; the view names the actions that change the tenant."""

    MUTATING_ACTIONS: frozenset[str] = frozenset()

    def refuse_if_turned_off(self, action: str) -> bool:
        """Say why `action` cannot run now and return True; False when it can."""
        if action not in self.MUTATING_ACTIONS:
            return False
        console = self.app  # type: ignore[attr-defined]
        if console.read_only:
            console.refuse_read_only(action)
            return True
        reason = console.why_not_connected()
        if reason is None:
            return False
        console.notify(reason, title="Not connected", severity="warning", markup=False)
        return True

    def on_key(self, event: events.Key) -> None:
        # Keys the focused widget did not take come up here before the app runs bindings.
        for binding in self.BINDINGS:  # type: ignore[attr-defined]
            if not isinstance(binding, Binding):
                binding = Binding(*binding)
            # The key a [keymap] in config.toml gave the action, if any (Textual applies the same).
            keys = getattr(self.app, "keymap", {}).get(binding.id or "") or binding.key  # type: ignore[attr-defined]
            if {event.key, event.character} & {key.strip() for key in keys.split(",")}:
                if self.refuse_if_turned_off(binding.action):
                    event.stop()
                    event.prevent_default()
                return
