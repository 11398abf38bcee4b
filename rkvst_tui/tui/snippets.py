"""Ready-to-paste commands for one registration, as the seed guide writes them.

The secret is always the shell placeholder `${SECRET}`: the console never has it
after the one-time reveal, and a command with a secret in it would end up in shell history.
"""

from __future__ import annotations

TOKEN_PATH = "/archivist/iam/v1/appidp/token"


def token_request(base_url: str, client_id: str) -> str:
    return (
        f"curl {base_url}{TOKEN_PATH} \\\n"
        '    --data-urlencode "grant_type=client_credentials" \\\n'
        f'    --data-urlencode "client_id={client_id}" \\\n'
        '    --data-urlencode "client_secret=${SECRET}"'
    )


def root_principal_entry(issuer: str, client_id: str) -> str:
    return f"issuer:  {issuer}\nsubject: {client_id}"


def assets_test(base_url: str) -> str:
    return f'curl -v -X GET \\\n     -H "@$BEARER_TOKEN_FILE" \\\n     {base_url}/archivist/v2/assets'
