"""Reading a request's JSON body and checking its fields: a clear 400 for anything off."""

from __future__ import annotations

import json
import uuid as uuid_module
from typing import Any

from starlette.requests import Request

from rkvst_tui.api import claims as claim_rules

from .problems import bad_request, method_not_allowed, not_found

MAX_FIELD_LENGTH = 1024  # principal fields (tenancies swagger) and display names (decided)


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw, parse_constant=_refuse_constant)
        # Python accepts a lone surrogate escape ("\ud800"); stored, it would break every later
        # answer that shows it (UTF-8 cannot encode it), so it is refused here.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except RecursionError:
        raise bad_request("the request body is nested too deeply") from None
    except UnicodeEncodeError:
        raise bad_request(
            "the request body holds a lone UTF-16 surrogate escape (such as \\ud800): send valid Unicode text"
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    return body


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON value")


def check_display_name(value: object) -> str:
    if not isinstance(value, str):
        raise bad_request("display_name must be a string")
    if not value.strip():
        raise bad_request("display_name must not be empty: give the app registration a name")
    if len(value) > MAX_FIELD_LENGTH:
        raise bad_request(f"display_name is {len(value)} characters long: the limit is {MAX_FIELD_LENGTH}")
    return value


def check_custom_claims(value: object) -> dict[str, str]:
    issues = claim_rules.errors(claim_rules.check_claims(value))
    if issues:
        raise bad_request("invalid custom_claims: " + "; ".join(issue.message for issue in issues))
    assert isinstance(value, dict)
    return dict(value)


REGENERATE_SUFFIX = ":regenerate-secret"


def check_uuid(value: str) -> str:
    if value.endswith(REGENERATE_SUFFIX) and _is_uuid(value[: -len(REGENERATE_SUFFIX)]):
        raise method_not_allowed()  # a known path (POST {uuid}:regenerate-secret), another method
    try:
        uuid_module.UUID(value)
    except ValueError:
        raise not_found(f"app registration {value[:80]!r} not found: the id is not a uuid") from None
    return value


def _is_uuid(value: str) -> bool:
    try:
        uuid_module.UUID(value)
    except ValueError:
        return False
    return True


ROLE_NAMES = ("ROLE_UNSPECIFIED", "OWNER")  # v1Role of appregistrationsv1.datatrails-2024-09


def check_roles(value: object) -> tuple[str, ...]:
    """A registration's roles: a list of v1Role names (or their protobuf numbers); ROLE_UNSPECIFIED
    and repeats are dropped, so the stored answer is [] or ["OWNER"]."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise bad_request('roles must be a list of role names, such as ["OWNER"]')
    roles: list[str] = []
    for item in value:
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < len(ROLE_NAMES):
            item = ROLE_NAMES[item]
        if not isinstance(item, str) or item not in ROLE_NAMES:
            shown = item[:40] if isinstance(item, str) else type(item).__name__
            raise bad_request(f"roles: {shown!r} is not a role: use {' or '.join(ROLE_NAMES)}")
        if item != "ROLE_UNSPECIFIED" and item not in roles:
            roles.append(item)
    return tuple(roles)


def update_mask(raw: str | None, fields: tuple[str, ...]) -> tuple[str, ...] | None:
    """The PATCH `mask` query parameter (a protobuf FieldMask: comma-separated field names), or
    None when none was sent; a name that is not an updatable field is a 400."""
    if raw is None or not raw.strip():
        return None
    names = tuple(dict.fromkeys(name.strip() for name in raw.split(",") if name.strip()))
    unknown = [name for name in names if name not in fields]
    if unknown:
        raise bad_request(f"mask names {unknown[0][:80]!r}, which is not an updatable field: use {', '.join(fields)}")
    return names
