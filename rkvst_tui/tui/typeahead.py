"""Keys typed ahead of the console go where the person meant them.

A burst of keys (a fast typist over SSH, keys sent by tmux, a paste without bracketing) is
read before the console has handled its first key, and Textual sends each key to the widget
focused when the key is read. Without help, the keys after one that moves the focus (`/`,
`n`, Tab) went to the old focus. Two rules put them right:

- After a non-printable key sent to a text field (Tab, shift+Tab, Enter, Escape), the keys
  behind it wait until it has been handled all the way up to the app, where its binding runs;
  then they go to the focus of that moment (`serial`, Tab, `SN-1` fills two fields).
- A printable key that comes back up unhandled after the focus moved to a text field was read
  before the focus moved there (`/` then `abc` from the table); it is delivered to that field.
"""

from __future__ import annotations

from functools import partial

from textual import events
from textual.dom import DOMNode
from textual.widgets import Input

# If a widget on a held key's way up is removed first (Escape closing a dialog), the key's
# trail never reaches the app: the keys behind it go anyway once the widget it waits at has
# stopped (checked this often), or after LONGEST_HOLD_SECONDS at most. A busy machine can
# take longer than a check to pass a key up, so a widget still running keeps the hold.
LOST_TRAIL_SECONDS = 0.25
LONGEST_HOLD_SECONDS = 3.0


def is_text_field(widget: object) -> bool:
    """An Input or a TextArea. TextArea is imported here, at the first key, not at start-up."""
    if isinstance(widget, Input):
        return True
    from textual.widgets import TextArea

    return isinstance(widget, TextArea)


class TypeAhead:
    """Mixed into the App (before `App` in its bases)."""

    _held_keys: list[events.Key] | None = None  # keys waiting behind one still on its way
    _hold_number = 0  # which hold a release belongs to: a lost trail's timer must not end a later one
    _trail_at: DOMNode | None = None  # where the held key's trail waits now

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.Key) or event.is_forwarded:
            await super().on_event(event)  # type: ignore[misc]
            return
        if self._held_keys is not None:
            self._held_keys.append(event)
            return
        focused = self.focused  # type: ignore[attr-defined]
        event.read_with_focus = focused  # type: ignore[attr-defined]  # ours, on the event: where the key went (on_key compares)
        await super().on_event(event)  # type: ignore[misc]
        if event.is_forwarded and not event.is_printable and is_text_field(focused):
            self._hold_keys_behind(focused)

    def on_key(self, event: events.Key) -> None:
        focused = self.focused  # type: ignore[attr-defined]
        if (
            event.is_printable
            and event.character
            and is_text_field(focused)
            and getattr(event, "read_with_focus", focused) is not focused
        ):
            event.prevent_default()  # no app binding for it either: it is text
            event.stop()
            focused.post_message(events.Key(event.key, event.character))

    def _hold_keys_behind(self, field: DOMNode) -> None:
        self._held_keys = []
        self._hold_number += 1
        number = self._hold_number
        self._follow(field, number)
        self.set_timer(LOST_TRAIL_SECONDS, partial(self._check_trail, number, LOST_TRAIL_SECONDS))  # type: ignore[attr-defined]

    def _check_trail(self, number: int, waited: float) -> None:
        if number != self._hold_number or self._held_keys is None:
            return  # released already
        node = self._trail_at
        alive = node is not None and node.is_running and node.is_attached
        if alive and waited < LONGEST_HOLD_SECONDS:
            self.set_timer(  # type: ignore[attr-defined]
                LOST_TRAIL_SECONDS, partial(self._check_trail, number, waited + LOST_TRAIL_SECONDS)
            )
            return
        self.call_later(self._release_keys, number)  # type: ignore[attr-defined]

    def _follow(self, node: DOMNode, number: int) -> None:
        """Step up the key's way, one message queue at a time: a callback queued behind the key
        runs after the key has been handled there (and, unhandled, passed to the parent, where
        it is queued ahead of the next step)."""
        if number != self._hold_number:
            return  # a hold that has ended
        self._trail_at = node
        if node is self:
            posted = node.call_later(self._release_keys, number)
        else:
            parent = node.parent
            posted = parent is not None and node.call_later(self._follow, parent, number)
        if not posted:  # the node is gone: nothing queued there will run
            self.call_later(self._release_keys, number)  # type: ignore[attr-defined]

    async def _release_keys(self, number: int) -> None:
        if number != self._hold_number or self._held_keys is None:
            return  # the timer of a hold that has ended
        keys, self._held_keys = self._held_keys, None
        for key in keys:
            # In order; one that is itself held behind makes the rest wait again.
            await self.on_event(key)
