"""Screens of the console: modals and full screens pushed over the tabs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rkvst_tui.tui.screens.confirm import ConfirmScreen


def confirm_screen(*args, **kwargs) -> ConfirmScreen:
    """A ConfirmScreen (same arguments), its module imported when first asked for: the console's
    first frame has no dialog, and every module it imports delays its first rows
    (tests/benchmarks/bench_first_frame.py)."""
    from rkvst_tui.tui.screens.confirm import ConfirmScreen

    return ConfirmScreen(*args, **kwargs)
