"""A key for a change that is turned off says why, instead of doing nothing.

Textual skips a binding whose `check_action` says no, silently: in `--read-only` mode, or
before the console has signed in, `d` or `n` then seemed broken. A tab's view mixes this in
(before its widget class) to answer such a key with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import events
from textual.binding import Binding

if TYPE_CHECKING:
    from rkvst_tui.tui.session import ConsoleSession


class ExplainsTurnedOffKeys:
    """Mixed into a tab's view; the view names the actions that change the tenant."""

    MUTATING_ACTIONS: frozenset[str] = frozenset()
    ROW_ACTIONS: frozenset[str] = frozenset()
    session: ConsoleSession  # given to the view by the App

    def tenant_check(self, action: str, has_row: Callable[[], bool]) -> bool | None:
        """What every tab's `check_action` answers first: False (hidden) for a change in read-only
        mode; None (dimmed) for a row action without a row, a change before signing in, or a
        refresh without a client; True when none of these stops it."""
        session = self.session
        if action in self.MUTATING_ACTIONS and session.read_only:
            return False
        if action in self.ROW_ACTIONS and not has_row():
            return None
        if action in self.MUTATING_ACTIONS and session.why_not_connected() is not None:
            return None
        if action == "refresh" and session.client is None:
            return None
        return True

    def refuse_if_turned_off(self, action: str) -> bool:
        """Say why `action` cannot run now and return True; False when it can."""
        if action not in self.MUTATING_ACTIONS:
            return False
        notify = self.notify  # type: ignore[attr-defined]  # the view's (a Widget's)
        if self.session.read_only:
            notify(self.session.read_only_refusal(action), title="Refused", severity="warning", markup=False)
            return True
        reason = self.session.why_not_connected()
        if reason is None:
            return False
        notify(reason, title="Not connected", severity="warning", markup=False)
        return True

    def on_key(self, event: events.Key) -> None:
        # Keys the focused widget did not take come up here before the app runs bindings.
        for binding in self.BINDINGS:  # type: ignore[attr-defined]
            if not isinstance(binding, Binding):
                binding = Binding(*binding)
            # The key a [keymap] in config.toml gave the action, if any (Textual applies the same).
            keys = self.session.keys_of(binding.id or "", binding.key)
            if {event.key, event.character} & {key.strip() for key in keys.split(",")}:
                if self.refuse_if_turned_off(binding.action):
                    event.stop()
                    event.prevent_default()
                return
