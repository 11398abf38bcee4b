"""Every option `--help` lists and every variable and option the README names is used by some
test: a new flag without a test that runs it fails here (the guide: "if the README or --help
says it, a test calls it"). Which test runs it end to end is that test's business; this one
only finds the flags nobody runs at all."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_OURS = {"--dist", "--snapshot-update"}  # pytest's, named by the README's test commands


def _options(parser: argparse.ArgumentParser, path: str = "rkvst-tui") -> dict[str, str]:
    found: dict[str, str] = {}
    for action in parser._actions:  # argparse has no public walk of its subcommands
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update(_options(sub, f"{path} {name}"))
        for option in action.option_strings:
            if option.startswith("--") and option != "--help":
                found.setdefault(option, path)
    return found


def _test_text() -> str:
    me = Path(__file__).resolve()
    return "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "tests").rglob("*.py") if path != me)


def test_every_option_of_help_is_run_by_a_test() -> None:
    from rkvst_tui.cli.parser import build_parser

    options = _options(build_parser())
    assert "--secret-file" in options and "--expiring" in options  # the walk reaches the subcommands
    tests = _test_text()
    untested = {option: where for option, where in options.items() if f'"{option}"' not in tests}
    assert not untested, f"options no test passes: {untested}"


def test_every_variable_and_option_the_readme_names_is_used_by_a_test() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    variables = set(re.findall(r"\b(?:RKVST|DATATRAILS|BEARER)_[A-Z_]*[A-Z]\b", readme))
    options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*[a-z]", readme)) - NOT_OURS
    assert "RKVST_CLIENT_SECRET_FILE" in variables and "--read-only" in options
    tests = _test_text()
    untested = sorted(name for name in variables | options if name not in tests)
    assert not untested, f"named by the README, used by no test: {untested}"
