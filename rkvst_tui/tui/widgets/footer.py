"""ConsoleFooter: Textual's Footer, with two differences a user sees or feels.

- When the keys do not fit (80 columns), it leaves out the least important ones
  (`footer_rank`) instead of cutting the line at the right, where help and the filter are.
- It can wait for the screen's first content before it shows its first keys (`hold_first_keys`):
  the console's keys while its list is empty are mostly dim, and the first rows change them all
  again, so the keys are built once, with the rows (or after the wait, whichever comes first).
- It rebuilds its keys only when what it would show changes: the console changes its
  bindings several times in one frame while it starts and loads (focus, the first rows,
  the cursor's first row, each page), and most of those changes leave the keys as they are.
  Each key it builds is styled once, not twice (compose).

Everything else (the keys' widgets, their CSS, hover, clicks, tooltips, the palette key,
sideways scrolling) is Footer's own.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

# footer_rank's answers: a footer too narrow for every key drops the lowest first.
RANK_DISABLED, RANK_NORMAL, RANK_WAY_BACK, RANK_ESSENTIAL = 0, 1, 2, 3


def footer_rank(binding: Binding, enabled: bool) -> int:
    """How long a key stays in a footer too narrow for all of them, from the binding itself:
    help (which lists every key) and the filter stay to the end, then the way back (escape);
    a disabled key, which does nothing here, goes first."""
    action = binding.action.rsplit(".", 1)[-1]
    if action == "help" or action == "filter":
        return RANK_ESSENTIAL
    if "escape" in binding.key.split(","):
        return RANK_WAY_BACK
    return RANK_NORMAL if enabled else RANK_DISABLED


class ConsoleFooter(Footer):
    """Footer that keeps the important keys when they do not all fit."""

    def __init__(
        self, *, show_command_palette: bool = True, compact: bool = False, hold_first_keys: float = 0.0, **kwargs
    ) -> None:
        """`hold_first_keys`: seconds the first keys may wait for `show_keys()` (0: at once)."""
        super().__init__(show_command_palette=show_command_palette, compact=compact, **kwargs)
        self._hold_seconds = hold_first_keys
        self._held: Screen | None = None  # the first bindings update, waiting for show_keys
        self._shown: tuple | None = None  # what the last compose showed (None: nothing yet)
        self._check_scheduled = False
        self._hidden: frozenset[str] = frozenset()  # actions left out for want of room
        self._ready = False  # as Footer: nothing is shown before the first bindings update
        self._first_asked = False  # the first keys' compose is on its way

    # ------------------------------------------------------------------ which keys

    def _row(self) -> list[tuple[Binding, bool, str, int]]:
        """The keys Footer shows left of the palette key, in its order: the first binding shown
        for each action, with whether it is enabled, its tooltip and the cells it takes."""
        app = self.app
        palette_key = app.COMMAND_PALETTE_BINDING if self.show_command_palette and app.ENABLE_COMMAND_PALETTE else None
        row: dict[str, tuple[Binding, bool, str, int]] = {}
        for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items():
            if not binding.show or binding.action in row or key == palette_key:
                continue
            display, description = app.get_key_display(binding), binding.description
            # FooterKey's width: compact "k Desc" and one cell of margin; else " k Desc ".
            width = len(display) + (len(description) + 1 if description else 0)
            width += 1 if self.compact else 2
            row[binding.action] = (binding, enabled, tooltip, width)
        return list(row.values())

    def _palette_width(self) -> int:
        app = self.app
        if not (self.show_command_palette and app.ENABLE_COMMAND_PALETTE):
            return 0
        found = self.screen.active_bindings.get(app.COMMAND_PALETTE_BINDING)
        if found is None:
            return 0
        binding = found.binding
        # Its left border, "k Desc", then one cell (its margin when compact, else its padding).
        return 1 + len(app.get_key_display(binding)) + 1 + len(binding.description) + 1

    def _to_hide(self, width: int) -> frozenset[str]:
        """The actions to leave out so that the rest fit beside the palette key: the lowest
        footer_rank first, and of equal ranks the rightmost (the focused widget's own keys
        come first); the essential keys stay, and scroll sideways if even they do not fit."""
        row = self._row()
        room = width - self._palette_width()
        used = sum(cells for *_, cells in row)
        hidden: set[str] = set()
        order = sorted(range(len(row)), key=lambda i: (footer_rank(row[i][0], row[i][1]), -i))
        for index in order:
            if used <= room:
                break
            binding, enabled, _, cells = row[index]
            if footer_rank(binding, enabled) >= RANK_ESSENTIAL:
                break
            hidden.add(binding.action)
            used -= cells
        return frozenset(hidden)

    def _keys_to_show(self) -> tuple:
        """Everything compose reads: the keys (with enabled and tooltip), the palette key, the
        style, and which keys are left out at this width."""
        shown = tuple(
            (key, self.app.get_key_display(b), b.description, b.action, enabled, tooltip)
            for key, (_, b, enabled, tooltip) in self.screen.active_bindings.items()
            if b.show or key == self.app.COMMAND_PALETTE_BINDING
        )
        return shown, self.show_command_palette, self.compact, self._to_hide(self.size.width)

    # ------------------------------------------------------------------ building

    def compose(self) -> ComposeResult:
        if self._ready and self.is_attached:
            self._shown = self._keys_to_show()
            self._hidden = self._shown[-1]
        for widget in super().compose():
            action = getattr(widget, "action", None)  # a FooterKey keeps its binding's action
            if action is None:
                yield widget
                continue
            if action in self._hidden and not widget.has_class("-command-palette"):
                continue  # the palette key is never left out
            # A FooterKey's `compact` starts True and its watcher then adds -compact, which
            # styles the mounted key a second time; with the class already there it does not.
            widget.add_class("-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen) -> None:
        self._ready = True
        if self._shown is None:
            if self._hold_seconds > 0:
                if self._held is None:
                    self.set_timer(self._hold_seconds, self.show_keys)
                self._held = screen
                return
            # The first keys: as Footer, at once, and once: a second change before they are
            # composed would rebuild the same keys (they are the bindings of compose time).
            if not self._first_asked:
                super().bindings_changed(screen)
                # Footer composes only for its own screen, attached, while the app has focus.
                self._first_asked = screen.app.app_focus and self.is_attached and screen is self.screen
        elif self.is_attached and screen is self.screen and not self._check_scheduled:
            self._check_scheduled = True  # a burst of changes in one frame: one look after it
            self.call_after_refresh(self._check, screen)

    def show_keys(self) -> None:
        """Show the first keys now, if they are still held (`hold_first_keys`)."""
        self._hold_seconds = 0.0
        # On the footer's own message loop: Footer's compose binds its keys to the footer
        # it runs in, so it must not run in the caller's.
        self.call_later(self._release)

    def _release(self) -> None:
        held, self._held = self._held, None
        if held is not None and self.is_attached:
            self.bindings_changed(held)

    def _check(self, screen: Screen) -> None:
        self._check_scheduled = False
        if self.is_attached and self._keys_to_show() != self._shown:
            super().bindings_changed(screen)  # Footer recomposes after the next refresh

    def on_resize(self, event: events.Resize) -> None:
        if self._shown is not None and self._to_hide(event.size.width) != self._hidden:
            self.refresh(recompose=True)
