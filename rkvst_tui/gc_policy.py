"""The process's garbage-collection policy: the one place rkvst-tui changes Python's GC.

Start-up (importing Textual, building the first frame; in the sandbox child, the server's
imports) and each loaded page of registrations make many objects that live as long as the
process or the list. Collecting them over and over slows both, so:

- `pause_for_start_up(seconds)`: no cyclic collection while the console starts; then what
  start-up made is frozen (never scanned again) and collection resumes (cli/console.py);
- `hold()` / `resume_frozen()`: the same around the sandbox child's start (sandbox/embedded.py);
- `keep_long_lived()`: freeze what is alive now, e.g. the registrations just loaded;
- `collect_frozen_garbage()`: one full collection of what earlier freezes kept, when nothing
  is loading (a console refreshed all day would otherwise keep every cycle it froze).

The effect is measured by tests/benchmarks/ (first frame, scale), not quoted here.
"""

from __future__ import annotations

import gc
import threading


def hold() -> None:
    """No cyclic collection until `resume_frozen` (or the pause's timer)."""
    gc.disable()


def resume_frozen() -> None:
    """Freeze every object alive now, then collect again as usual."""
    gc.freeze()
    gc.enable()


def pause_for_start_up(seconds: float) -> threading.Timer:
    """`hold` now and `resume_frozen` after `seconds`, on a daemon timer (returned)."""
    hold()
    timer = threading.Timer(seconds, resume_frozen)
    timer.daemon = True
    timer.start()
    return timer


def keep_long_lived() -> None:
    """Freeze what is alive now: the cyclic GC no longer walks it."""
    gc.freeze()


def collect_frozen_garbage() -> None:
    """Collect the cycles that freezes kept, then freeze what is still alive."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
