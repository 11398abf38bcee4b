"""ConsoleFooter: Textual's Footer, rebuilt at most once per screen refresh.

Footer recomposes (removes and re-mounts, then styles, every key) on each bindings
change. The console changes them several times in one frame while starting and loading
(focus, first rows, the cursor's first row, each page), so profiling the first frame
(tests/benchmarks/bench_first_frame.py) found 22 recomposes; the last one alone is what
anyone sees. This footer schedules a single recompose for after the next refresh, and
skips it when the keys it would show are the ones it shows: most changes (the cursor's
first row, each page, a focus move) leave them as they were, and each rebuild (eleven
keys removed, mounted and styled) cost the first rows ~5 ms (profiled).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class ConsoleFooter(Footer):
    _recompose_scheduled = False
    _shown: tuple | None = None  # what the last compose showed (None: nothing yet)

    def _keys_to_show(self) -> tuple | None:
        """Everything Footer.compose reads to build its keys, in order."""
        if not self._bindings_ready:
            return None
        app = self.app
        keys = tuple(
            (binding.key, app.get_key_display(binding), binding.description, binding.action, enabled, tooltip,
             id(binding.group) if binding.group is not None else None)
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show or binding.key == app.COMMAND_PALETTE_BINDING
        )
        return keys, self.show_command_palette, app.ENABLE_COMMAND_PALETTE, self.compact

    def compose(self) -> ComposeResult:
        self._shown = self._keys_to_show()
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._recompose_scheduled:
            self._recompose_scheduled = True
            self.call_after_refresh(self._recompose_once)

    async def _recompose_once(self) -> None:
        self._recompose_scheduled = False
        if self._shown is not None and self.is_attached and self._keys_to_show() == self._shown:
            return
        await self.recompose()
