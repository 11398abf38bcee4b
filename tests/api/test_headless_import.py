"""Importing the headless core changes nothing process-wide: only the rkvst-tui process
keeps httpx's own command-line client out (cli/dispatch.py)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest


def _httpx_cli_loaded(code: str) -> str:
    """Whether httpx's command-line module got imported, in a fresh process that runs `code`
    (a subprocess: the test is about what an import does to the process's sys.modules)."""
    probe = f"{code}; import sys, httpx; print(sys.modules.get('httpx._main') is not None)"
    answer = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    return answer.stdout.strip().splitlines()[-1]


@pytest.mark.skipif(importlib.util.find_spec("click") is None, reason="httpx's command line needs click")
def test_importing_the_client_leaves_httpx_as_it_is():
    assert _httpx_cli_loaded("import rkvst_tui.api.client") == "True"


def test_the_rkvst_tui_process_keeps_the_httpx_command_line_out():
    assert _httpx_cli_loaded("from rkvst_tui import cli; cli.main(['locate', '--json'])") == "False"
