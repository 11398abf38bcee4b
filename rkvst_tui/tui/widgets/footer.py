"""ConsoleFooter: Textual's Footer, rebuilt at most once per screen refresh.

Footer recomposes (removes and re-mounts, then styles, every key) on each bindings
change. The console changes them several times in one frame while starting and loading
(focus, first rows, the cursor's first row, each page), so profiling the first frame
(tests/benchmarks/bench_first_frame.py) found 22 recomposes; the last one alone is what
anyone sees. This footer schedules a single recompose for after the next refresh, and
skips it when the keys it would show are the ones it shows: most changes (the cursor's
first row, each page, a focus move) leave them as they were, and when only some keys
became enabled or disabled it toggles those in place: each rebuild (eleven keys removed,
mounted and styled) cost the first rows ~5 ms (profiled).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class ConsoleFooter(Footer):
    _recompose_scheduled = False
    _shown: tuple | None = None  # what the last compose showed (None: nothing yet)

    def _keys_to_show(self) -> tuple | None:
        """Everything Footer.compose reads to build its keys, in order: (the keys, whether
        each is enabled)."""
        if not self._bindings_ready:
            return None
        app = self.app
        shown = [
            (binding, enabled, tooltip)
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show or binding.key == app.COMMAND_PALETTE_BINDING
        ]
        keys = tuple(
            (binding.key, app.get_key_display(binding), binding.description, binding.action, tooltip,
             id(binding.group) if binding.group is not None else None)
            for binding, _, tooltip in shown
        )
        layout = (keys, self.show_command_palette, app.ENABLE_COMMAND_PALETTE, self.compact)
        return layout, tuple(enabled for _, enabled, _ in shown)

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
        wanted = self._keys_to_show()
        if self._shown is not None and wanted is not None and self.is_attached:
            if wanted == self._shown:
                return
            if wanted[0] == self._shown[0] and self._set_enabled(wanted):
                return
        await self.recompose()

    def _set_enabled(self, wanted: tuple) -> bool:
        """The same keys, some enabled or disabled since: toggle those keys in place (a
        rebuild would remove, mount and style all of them). False when keys are grouped."""
        (keys, *_), enabled = wanted
        if any(group is not None for *_, group in keys):
            return False
        first: dict[str, bool] = {}  # Footer shows the first binding of each action
        for (_, _, _, action, _, _), on in zip(keys, enabled):
            first.setdefault(action, on)
        for key in self.query_children(FooterKey):
            if key.action in first:
                # As FooterKey.__init__ marks a disabled key (not Widget.disabled, which looks
                # different): the flag its click checks, and the class its style follows.
                key._disabled = not first[key.action]
                key.set_class(key._disabled, "-disabled")
        self._shown = wanted
        return True
