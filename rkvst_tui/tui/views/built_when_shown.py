"""A tab's view that composes its widgets when the tab is first shown, not at start-up.

A tab starts hidden: composing and styling its widgets with the console delayed the first
rows (tests/benchmarks/README.md). Until `build`, the view only remembers what to show.
ROOT PRINCIPALS and ACCESS POLICIES mix this in (before their widget class).
"""

from __future__ import annotations

import asyncio

from textual.widget import Widget


class BuiltWhenShown:
    built = False
    _building: asyncio.Lock | None = None

    def first_widgets(self) -> list[Widget]:
        """The view's widgets, mounted by `build`."""
        raise NotImplementedError

    def after_build(self) -> None:
        """Show what the view was given before it was built."""

    async def build(self) -> None:
        """Compose the view's widgets and show what it was given so far (once)."""
        if self._building is None:
            self._building = asyncio.Lock()
        async with self._building:  # the tab's key and its Activated message may both ask
            if self.built:
                return
            assert isinstance(self, Widget)
            await self.mount_all(self.first_widgets())
            self.built = True
            self.after_build()
