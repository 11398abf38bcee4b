"""`python -m rkvst_tui`: the same as the `rkvst-tui` command."""

import sys

from .cli import main

sys.exit(main())
