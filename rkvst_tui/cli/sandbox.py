"""`rkvst-tui sandbox`: the local RKVST sandbox in the foreground (its options: sandbox/runner.py).

Its arguments are the runner's own, so the dispatcher hands them over (`serve`) instead of
parsing them; the sub-parser here only lists the command in `rkvst-tui --help`.
"""

from __future__ import annotations

from typing import Any

from ..api import state_dirs
from .exits import EXIT_USAGE


def add_parser(sub: Any) -> None:
    # Its arguments are the runner's own: `rkvst-tui sandbox ...` is handed over before parsing.
    sub.add_parser(
        "sandbox", help="run the local RKVST sandbox in the foreground (rkvst-tui sandbox -h)", add_help=False
    )


def serve(rest: list[str]) -> int:
    """Run the sandbox with the runner's arguments `rest` (the default data directory unless given)."""
    from ..sandbox import runner

    if (
        "--data-dir" not in rest
        and not any(a.startswith("--data-dir=") for a in rest)
        and not ({"-h", "--help"} & set(rest))
    ):
        rest = [*rest, "--data-dir", str(state_dirs.sandbox_data_dir())]
    try:
        code: int = runner.main(rest)
    except SystemExit as exit_:  # argparse's --help and usage errors
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    return code
