"""The command line's grammar: the options every command takes, and the command groups.

Only `option` is used by a bare `rkvst-tui` (the console), which builds no parser: argparse
is imported when one is built.

A command group is a module of this package named in COMMAND_GROUPS, with
`add_parser(sub)` (its sub-parser, made with `add_command`) and `run(args, io) -> int`
(`sandbox` has no `run`: the dispatcher hands it its arguments unparsed).
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .. import __version__

if TYPE_CHECKING:
    import argparse

# The command groups, in the order `rkvst-tui --help` lists them: command name -> module.
COMMAND_GROUPS: dict[str, str] = {
    "sandbox": "sandbox",
    "token": "token",
    "apps": "apps",
    "principals": "principals",
    "policies": "policies",
    "inspect": "inspect",
    "audit": "audit",
    "locate": "locate",
}


def command_module(command: str) -> ModuleType:
    """The module of a command group (imported now, not with the package)."""
    return import_module(f"{__package__}.{COMMAND_GROUPS[command]}")


def global_options(parser: argparse.ArgumentParser) -> None:
    """Options every command takes, before or after its name (SUPPRESS: the later mention wins)."""
    import argparse

    group = parser.add_argument_group("connection (default: config profile, then environment, then the local sandbox)")
    group.add_argument("--profile", default=argparse.SUPPRESS, help="a [profiles.NAME] of config.toml")
    group.add_argument("--url", default=argparse.SUPPRESS, help="the service's base URL, e.g. https://app.rkvst.io")
    group.add_argument("--client-id", default=argparse.SUPPRESS, help="the app registration's client id")
    group.add_argument(
        "--secret-file",
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="a file holding the secret (alone, as SECRET=..., or credentials JSON)",
    )
    group.add_argument(
        "--token-file",
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="use the bearer token in this file ('Authorization: Bearer <token>')",
    )
    group.add_argument(
        "--insecure",
        action="store_true",
        default=argparse.SUPPRESS,
        help="allow plain http to a machine other than this one",
    )
    group.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print data as JSON (shapes: the module docstring / README)",
    )


def add_command(sub: Any, name: str, help_text: str, **kwargs: Any) -> argparse.ArgumentParser:
    """A command (or an action of a group) that takes the global options too."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text, **kwargs)
    global_options(parser)
    return parser


def build_parser() -> argparse.ArgumentParser:
    import argparse  # here, not at the top: a bare `rkvst-tui` (the console) builds no parser

    parser = argparse.ArgumentParser(
        prog="rkvst-tui",
        description="A terminal admin console for RKVST App Registrations, with a local RKVST sandbox.",
        epilog="Run without a command for the console. Exit codes: 0 ok, 1 failed, 2 usage/config, 3 authentication.",
    )
    parser.add_argument("--version", action="version", version=f"rkvst-tui {__version__}")
    parser.add_argument("--read-only", action="store_true", help="console: hide and refuse every change to the tenant")
    parser.add_argument(
        "--sandbox-flavour",
        choices=("rkvst", "datatrails"),
        default=None,
        help="console with nothing configured: run the local sandbox as RKVST (root principals; the default) or as "
        "DataTrails (the Owner role); default: RKVST_TUI_SANDBOX_FLAVOUR, else rkvst",
    )
    global_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMAND_GROUPS:
        command_module(command).add_parser(sub)
    return parser


def option(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    """An option that only some commands have (global options are absent unless given)."""
    return getattr(args, name, default)
