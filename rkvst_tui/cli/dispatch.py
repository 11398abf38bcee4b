"""The entry point: the arguments to a command group, the errors to exit codes.

A bare `rkvst-tui` (the console) builds no parser and imports no command group: it reads
as `console_launch()`, the namespace the parser would give for no arguments.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..api.errors import RkvstError, scrub
from .exits import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, exit_code_for
from .output import Io, clean
from .parser import option

if TYPE_CHECKING:
    import argparse


def keep_out_httpx_command_line() -> None:
    """httpx imports its own command-line client (click, rich.syntax, pygments) unless that
    import fails, which it handles; rkvst-tui never runs it, and on the console's start-up
    path it is a good part of importing httpx (tests/benchmarks/bench_first_frame.py). A
    None entry in sys.modules makes that import fail at once. It is set here, in the
    rkvst-tui process only, never by `rkvst_tui.api`: a program that imports the headless
    core keeps its httpx as it is."""
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


def no_core_dumps() -> None:
    """A core file holds what the process held: a one-time secret, a token. None is written
    (systemd-coredump honours the limit too)."""
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_CORE)
        resource.setrlimit(resource.RLIMIT_CORE, (0, hard))
    except (ImportError, OSError, ValueError):
        pass  # not on this platform: nothing to change


def console_launch() -> Any:
    """What `build_parser().parse_args([])` gives, without importing argparse and building the
    parser (a bare `rkvst-tui` is the console, whose start-up this would slow)."""
    from types import SimpleNamespace

    return SimpleNamespace(command=None, read_only=False, sandbox_flavour=None)


def report(error: RkvstError, io: Io) -> None:
    io.note(f"error: {clean(scrub(error.message))}")
    if error.hint:
        io.note(f"hint: {clean(scrub(error.hint))}")


def run_command(args: argparse.Namespace, argv: list[str], io: Io) -> int:
    """Run the command `args` names (the console when none)."""
    if args.command is None:
        from . import console

        return console.run_console(args, io)
    if args.command == "sandbox":  # options before it: `rkvst-tui --json sandbox` and the like
        from .sandbox import serve

        return serve(argv[argv.index("sandbox") + 1 :])
    from .parser import command_module

    code: int = command_module(args.command).run(args, io)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    keep_out_httpx_command_line()
    no_core_dumps()
    if argv[:1] == ["sandbox"]:  # the runner parses its own arguments (`rkvst-tui sandbox -h`)
        from .sandbox import serve

        return serve(argv[1:])
    if not argv:
        args = console_launch()
    else:
        from .parser import build_parser

        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exit_:  # --help, --version, or a usage error argparse has reported
            return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    io = Io(sys.stdout, sys.stderr, sys.stdin, bool(option(args, "json", False)))
    try:
        return run_command(args, argv, io)
    except RkvstError as error:
        report(error, io)
        return exit_code_for(error)
    except KeyboardInterrupt:
        io.note("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_FAILED
    except Exception as error:  # noqa: BLE001 - one sentence, never a traceback
        if os.environ.get("RKVST_TUI_DEBUG"):
            raise
        io.note(f"error: unexpected {type(error).__name__}: {clean(scrub(str(error)))}")
        io.note("hint: set RKVST_TUI_DEBUG=1 to see the traceback, and please report it")
        return EXIT_FAILED
