"""Ready-to-paste commands for one registration, as the seed guide writes them.

The secret is always the shell placeholder `${SECRET}`: the console never has it
after the one-time reveal, and a command with a secret in it would end up in shell history.

A command is kept as groups of words (`--data-urlencode "client_id=…"` is one group) and
laid out by `layout_command`: one group a line as the guide writes it, a group split
between its words when the line is too narrow, and every line but the last ending in ` \\`.
A word is never broken, so what the screen shows pastes and runs at any width.

Every value put in is one shell word (`api.shell`): a hostile client id or base URL
pasted with the command cannot run anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from rkvst_tui.api.shell import guide_word, word

TOKEN_PATH = "/archivist/iam/v1/appidp/token"
INDENT = "    "
CONTINUATION = " \\"

Command = Sequence[Sequence[str]]  # groups of shell words, each already quoted (`api.shell`)


def token_request_command(base_url: str, client_id: str) -> Command:
    return (
        ("curl", word(f"{base_url}{TOKEN_PATH}")),
        ("--data-urlencode", '"grant_type=client_credentials"'),
        ("--data-urlencode", guide_word(f"client_id={client_id}")),
        ("--data-urlencode", '"client_secret=${SECRET}"'),
    )


def assets_test_command(base_url: str) -> Command:
    return (("curl", "-v", "-X", "GET"), ("-H", '"@$BEARER_TOKEN_FILE"'), (word(f"{base_url}/archivist/v2/assets"),))


def layout_command(command: Command, width: int | None = None) -> str:
    """The command as lines that end in ` \\`, each within `width` cells where its words
    allow (a word longer than the line stays whole on a line of its own)."""
    lines: list[str] = []
    for number, group in enumerate(command):
        indent = "" if number == 0 else INDENT
        line = indent
        for piece in group:
            candidate = f"{line} {piece}" if line.strip() else f"{line}{piece}"
            if width is not None and line.strip() and len(candidate) + len(CONTINUATION) > width:
                lines.append(line)
                line = f"{indent}{INDENT}{piece}"
            else:
                line = candidate
        lines.append(line)
    return (CONTINUATION + "\n").join(lines)


def token_request(base_url: str, client_id: str) -> str:
    return layout_command(token_request_command(base_url, client_id))


def root_principal_entry(issuer: str, client_id: str) -> str:
    return f"issuer:  {issuer}\nsubject: {client_id}"


def owner_role_command(client_id: str, *, give: bool = True) -> Command:
    """The command that gives a registration the Owner role (DataTrails), or takes it away."""
    return (("rkvst-tui", "apps", "update", word(client_id), "--owner" if give else "--no-owner"),)


def assets_test(base_url: str) -> str:
    return layout_command(assets_test_command(base_url))
