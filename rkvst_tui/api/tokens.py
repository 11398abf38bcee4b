"""Moved: JWT inspection is `rkvst_tui.api.inspection`, time wording `rkvst_tui.api.time_words`.

A re-export for the console's imports until they name the new modules; nothing new uses it.
"""

from __future__ import annotations

from .inspection import *  # noqa: F403
from .inspection import __all__  # noqa: F401
