"""The inspector's access test in words: GET /archivist/v2/assets as the token, and why it sees what it sees.

When the token's subject is a registration this tenant knows (and the connected identity may read
the policies), the answer is api/access.py's explanation: which policies name it and through which
filter, or that none does and the nearest miss. Otherwise it says what the status alone tells.
The caller draws the result through safe_text (server and asset names are not ours).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from rkvst_tui.api import errors as api_errors
from rkvst_tui.api.access import Explanation, explain_access
from rkvst_tui.tui.problems import describe

if TYPE_CHECKING:
    from rkvst_tui.api.client import RkvstClient
    from rkvst_tui.api.inspection import TokenReport
    from rkvst_tui.api.models import Application, Asset

MAX_ASSET_NAMES = 8

NOT_SHARED = "this identity is not root and no access policy shares assets with it"
SECURE_BY_DEFAULT_FIX = (
    "Fix: make it root (ROOT PRINCIPALS: issuer {issuer}, subject {subject}) or add an access policy "
    "that shares assets with it."
)
OWNER_FIX = (  # where access is managed by roles (DataTrails: no root principals)
    "Fix: give it the Owner role (rkvst-tui apps update {subject} --owner) or add an access policy "
    "that shares assets with it."
)
SHARE_HINT = "To share assets with it: rkvst-tui policies create --help."


async def access_test_text(client: RkvstClient, token: str, report: TokenReport | None) -> Text:
    """GET /archivist/v2/assets as the token, in words: status, assets, and why the list is what it is."""
    try:
        assets = await client.list_assets(bearer_token=token)
    except api_errors.Unauthenticated as exc:
        return Text.assemble(
            ("401 Unauthenticated", "bold red"),
            f": the service did not accept this token ({exc.server_message or exc.message}). It is expired, "
            "altered, signed by another key, or from another backend: check exp, iss, aud and the signature above.",
        )
    except api_errors.PermissionDenied as exc:
        return Text.assemble(
            ("403 Permission denied", "bold red"),
            f": the token is genuine but this identity may not read assets ({exc.server_message or exc.message}).",
        )
    except api_errors.ApiError as exc:
        problem = describe(exc, "Access test failed")
        return Text.assemble((f"{exc.status}", "bold red"), f" {problem.message} {problem.hint}".rstrip())
    except Exception as exc:  # noqa: BLE001 - shown as the access test's result
        problem = describe(exc, "Access test failed")
        return Text.assemble(("Failed", "bold red"), f": {problem.message} {problem.hint}".rstrip())

    payload = report.payload if report is not None and report.payload else {}
    iss, sub = payload.get("iss"), payload.get("sub")
    issuer = iss if isinstance(iss, str) else client.connection.issuer
    subject = sub if isinstance(sub, str) else "?"
    roles_only = getattr(getattr(client, "service", None), "roles_only", False)
    fix = (OWNER_FIX if roles_only else SECURE_BY_DEFAULT_FIX).format(issuer=issuer, subject=subject)

    explanation = await _explanation(client, subject)
    if explanation is not None:
        return _explained(assets, explanation, fix)

    if assets:
        return Text.assemble(("200 OK", "bold green"), f": {_asset_words(assets)}.")
    is_root = await _is_root(client, issuer, subject)
    if is_root:
        why = "this identity is root, so the tenant simply has no assets yet."
    elif is_root is None:
        why = (
            'either the tenant has no assets yet or, as for every new app registration, "secure by default": '
            f"{NOT_SHARED}. {fix}"
        )
    else:
        why = f'"secure by default": {NOT_SHARED}. {fix}'
    return Text.assemble(("200 OK, 0 assets", "bold yellow"), f": {why}")


def _asset_words(assets: list[Asset]) -> str:
    names = [a.display_name or a.identity for a in assets[:MAX_ASSET_NAMES]]
    more = f" and {len(assets) - MAX_ASSET_NAMES} more" if len(assets) > MAX_ASSET_NAMES else ""
    noun = "asset" if len(assets) == 1 else "assets"
    return f"{len(assets)} {noun}: {', '.join(names)}{more}"


def _explained(assets: list[Asset], explanation: Explanation, fix: str) -> Text:
    """The status the token got, then why: the explanation's summary and its grants."""
    lines = explanation.lines()
    if assets:
        head = Text.assemble(("200 OK", "bold green"), f": {_asset_words(assets)}.\n")
    else:
        head = Text.assemble(("200 OK, 0 assets", "bold yellow"), ": ")
    body = "\n".join(lines)
    if explanation.status == "none":
        body += f'\n"secure by default": {NOT_SHARED}. {fix} {SHARE_HINT}'
    elif explanation.status == "named":
        body += "\nWiden the policy's filter (rkvst-tui policies update --help) or share other assets."
    return head + Text(body)


async def _explanation(client: RkvstClient, subject: str) -> Explanation | None:
    """explain_access for the registration whose client id is `subject`; None when not known or not allowed."""
    if not subject or subject == "?":
        return None
    try:
        app = await _registration(client, subject)
        if app is None:
            return None
        return await explain_access(client, app)
    except Exception:  # noqa: BLE001 - the connected identity may not read policies: the plain words instead
        return None


async def _registration(client: RkvstClient, client_id: str) -> Application | None:
    async for app in client.iter_applications():
        if app.client_id == client_id:
            return app
    return None


async def _is_root(client: RkvstClient, issuer: str, subject: str) -> bool | None:
    """Whether (issuer, subject) is a root principal, as far as the connected identity may tell."""
    try:
        principals = await client.get_root_principals()
    except Exception:  # noqa: BLE001 - not known: the caller may not read root principals
        return None  # the connected identity is not root either, or the call failed
    return any(p.issuer == issuer and p.subject == subject for p in principals)


__all__ = ["access_test_text"]
