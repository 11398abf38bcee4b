"""What the console and the CLI hand the user to paste stays what it says (issue 13, section 2).

Every value put into a snippet or a hint is one shell word: a hostile client id, base URL or
path pasted into a shell runs nothing and arrives as one argument. Checked by running the
snippet itself in bash with `curl` (or `rkvst-tui`) replaced by a function that prints its
arguments, in a scratch directory where a `touch` would leave a file.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rkvst_tui import cli
from rkvst_tui.api.files import write_bearer_token_file
from rkvst_tui.tui import snippets

TOKEN_PATH = snippets.TOKEN_PATH
HOSTILE_IDS = [
    'x";touch PWNED;echo "',
    "$(touch PWNED)",
    "`touch PWNED`",
    "'; touch PWNED; '",
    "a b\ttouch PWNED",
    "x\ntouch PWNED\n",
    "${SECRET}",
]
HOSTILE_URLS = [
    "http://h$(touch PWNED)",
    "http://h;touch PWNED;",
    "http://h'&&touch PWNED&&'",
    'http://h" $(touch PWNED) "',
]


def arguments_of(command: str, program: str, cwd: Path, env: dict[str, str] | None = None) -> list[str]:
    """The arguments `program` gets when `command` is pasted into bash (with `program` a function)."""
    syntax = subprocess.run(["bash", "-n", "-c", command], capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stderr
    shell = f"{program}() {{ printf '%s\\0' \"$@\"; }}\n{command}"
    answer = subprocess.run(["bash", "-c", shell], cwd=cwd, capture_output=True, text=True, env=env or {}, check=True)
    assert not (cwd / "PWNED").exists(), "the pasted command ran the hostile value"
    return answer.stdout.split("\0")[:-1]


@pytest.mark.parametrize("client_id", HOSTILE_IDS)
def test_the_token_command_keeps_a_hostile_client_id_one_argument(client_id, tmp_path):
    command = snippets.token_request("https://app.rkvst.io", client_id)
    assert arguments_of(command, "curl", tmp_path, {"SECRET": "s3cret"}) == [
        "https://app.rkvst.io" + TOKEN_PATH,
        "--data-urlencode",
        "grant_type=client_credentials",
        "--data-urlencode",
        f"client_id={client_id}",
        "--data-urlencode",
        "client_secret=s3cret",
    ]


@pytest.mark.parametrize("base_url", HOSTILE_URLS)
def test_the_commands_keep_a_hostile_base_url_one_argument(base_url, tmp_path):
    command = snippets.token_request(base_url, "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065")
    assert arguments_of(command, "curl", tmp_path, {"SECRET": "s"})[0] == base_url + TOKEN_PATH
    assets = arguments_of(snippets.assets_test(base_url), "curl", tmp_path, {"BEARER_TOKEN_FILE": "f"})
    assert assets == ["-v", "-X", "GET", "-H", "@f", base_url + "/archivist/v2/assets"]


def test_the_guides_look_is_kept_for_an_ordinary_client_id():
    command = snippets.token_request("https://app.rkvst.io", "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065")
    assert '--data-urlencode "client_id=d1fb6c87-faa9-4d56-b2fd-a5b70a9af065"' in command


def test_the_cli_hint_for_a_refused_bearer_file_pastes_as_one_path(sandbox, mint_token, tmp_path, monkeypatch, capsys):
    """A real sandbox refuses a tampered token read from a file whose path is hostile; the
    hint's `rkvst-tui token --save PATH --force` names exactly that path when pasted."""
    for name in (
        "RKVST_CLIENT_ID",
        "RKVST_CLIENT_SECRET",
        "RKVST_CLIENT_SECRET_FILE",
        "BEARER_TOKEN_FILE",
        "RKVST_APPREG_CLIENT",
        "RKVST_APPREG_SECRET",
        "RKVST_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RKVST_TUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("RKVST_TUI_DATA_DIR", str(tmp_path / "data"))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    folder = tmp_path / "x';touch PWNED;'$(touch PWNED)"
    folder.mkdir()
    token = mint_token(sandbox)
    bearer = write_bearer_token_file(folder / "bearer token", token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB"))
    monkeypatch.setenv("RKVST_URL", sandbox.base_url)
    monkeypatch.setenv("RKVST_BEARER_TOKEN_FILE", str(bearer))
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO(""))
    code = cli.main(["apps", "list"])
    err = capsys.readouterr().err
    assert code == 3, err
    hint = next(line for line in err.splitlines() if "rkvst-tui token --save" in line)
    command = hint[hint.index("rkvst-tui token") :]
    assert arguments_of(command, "rkvst-tui", scratch) == ["token", "--save", str(bearer), "--force"]
