"""ConsoleFooter: Textual's Footer, rebuilt at most once per screen refresh.

Footer recomposes (removes and re-mounts, then styles, every key) on each bindings
change. The console changes them several times in one frame while starting and loading
(focus, first rows, the cursor's first row, each page), so profiling the first frame
(tests/benchmarks/bench_first_frame.py) found 22 recomposes; the last one alone is what
anyone sees. This footer schedules a single recompose for after the next refresh.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class ConsoleFooter(Footer):
    _recompose_scheduled = False

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._recompose_scheduled:
            self._recompose_scheduled = True
            self.call_after_refresh(self._recompose_once)

    async def _recompose_once(self) -> None:
        self._recompose_scheduled = False
        await self.recompose()
