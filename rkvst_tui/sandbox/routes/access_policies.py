"""HTTP routes of access policies (accesspoliciesv1); the asset routes are routes/assets.py.

    GET  POST /archivist/iam/v1/access_policies      list (display_name, description; paging), create
    GET  PATCH DELETE /archivist/iam/v1/access_policies/{uuid}   (PATCH: the body's fields, or ?mask=)
    GET  /archivist/iam/v1/access_policies/{uuid}/assets         the assets the policy's filters match
    GET  /archivist/iam/v1/assets/{uuid}/access_policies         the policies whose filters match the asset

The policy paths are root-only, like the other management paths.
"""

from __future__ import annotations

import uuid as uuid_module

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from rkvst_tui.api import access_rules as rules

from .. import assets as asset_data
from ..paging import encode_token, page_request
from ..policies import parse_mask, policies_of, refuse_if_bad
from ..problems import bad_request, not_found
from ..requests import json_body
from ..state import SandboxState, authenticate, require_root

POLICIES_PATH = "/archivist/iam/v1/access_policies"
ASSET_POLICIES_PATH = "/archivist/iam/v1/assets/{uuid}/access_policies"
TOTAL_COUNT = "X-Total-Count"
WANTS_COUNT = "x-request-total-count"


def check_uuid(value: str, what: str) -> str:
    try:
        uuid_module.UUID(value)
    except ValueError:
        raise not_found(f"{what} {value[:80]!r} not found: the id is not a uuid") from None
    return value


def wants_count(request: Request) -> bool:
    return request.headers.get(WANTS_COUNT, "").strip().lower() in ("true", "1")


def sees_everything(caller) -> bool:
    """Administrators see every asset whole: root principals (and Owner registrations)."""
    return bool(getattr(caller, "is_admin", caller.is_root))


def viewer(state: SandboxState, request: Request) -> list[rules.Grant] | None:
    """What the policies share with the caller, parsed once per request; None for an administrator."""
    caller = authenticate(state, request)
    if sees_everything(caller):
        return None
    return rules.grants_for(policies_of(state.store).all(), rules.Who.from_token_claims(caller.claims or {}))


def routes(state: SandboxState) -> list[BaseRoute]:
    store = state.store
    policy_store = policies_of(store)

    def _policy_page(records, kind: str, filters: dict[str, str], page_size: int, total: int | None) -> JSONResponse:
        more = len(records) > page_size
        records = records[:page_size]
        token = encode_token(kind, filters, page_size, records[-1].seq) if more else ""
        headers = {TOTAL_COUNT: str(total)} if total is not None else {}
        return JSONResponse({"access_policies": [r.body for r in records], "next_page_token": token}, headers=headers)

    async def policies(request: Request) -> JSONResponse:
        require_root(state, request)
        if request.method == "POST":
            body = await json_body(request)
            refuse_if_bad(body, creating=True)
            return JSONResponse(policy_store.create(body).body)
        order = request.query_params.get("order_by", "DEFAULT") or "DEFAULT"
        if order not in ("DEFAULT", "DISPLAY_NAME"):
            raise bad_request(f"order_by {order[:40]!r} is not DEFAULT or DISPLAY_NAME")
        page = page_request("access_policies", request.query_params, ("display_name", "description"))
        display_name = page.filters.get("display_name")
        description = page.filters.get("description")
        if order == "DISPLAY_NAME":  # a small list: sorted here, paged by position
            everything = policy_store.list(limit=10**9, display_name=display_name, description=description)
            everything.sort(key=lambda r: (r.display_name, r.seq))
            chunk = everything[page.after_seq : page.after_seq + page.page_size + 1]
            more = len(chunk) > page.page_size
            chunk = chunk[: page.page_size]
            token = (
                encode_token("access_policies", page.filters, page.page_size, page.after_seq + len(chunk))
                if more
                else ""
            )
            headers = {TOTAL_COUNT: str(len(everything))} if wants_count(request) else {}
            return JSONResponse({"access_policies": [r.body for r in chunk], "next_page_token": token}, headers=headers)
        records = policy_store.list(
            after_seq=page.after_seq, limit=page.page_size + 1, display_name=display_name, description=description
        )
        total = None
        if wants_count(request):
            total = len(policy_store.list(limit=10**9, display_name=display_name, description=description))
        return _policy_page(records, "access_policies", page.filters, page.page_size, total)

    async def policy(request: Request) -> JSONResponse:
        policy_uuid = check_uuid(request.path_params["uuid"], "access policy")
        require_root(state, request)
        missing = not_found(f"access policy {policy_uuid} not found")
        if request.method == "GET":
            record = policy_store.get(policy_uuid)
            if record is None:
                raise missing
            return JSONResponse(record.body)
        if request.method == "DELETE":
            if not policy_store.delete(policy_uuid):
                raise missing
            return JSONResponse({})
        body = await json_body(request)
        mask = parse_mask(request.query_params.get("mask"))
        fields = mask if mask is not None else [k for k in rules.POLICY_FIELDS if k in body]
        refuse_if_bad(body, creating=False, only=fields)
        record = policy_store.update(policy_uuid, body, fields)
        if record is None:
            raise missing
        return JSONResponse(record.body)

    async def policy_assets(request: Request) -> JSONResponse:
        policy_uuid = check_uuid(request.path_params["uuid"], "access policy")
        require_root(state, request)
        record = policy_store.get(policy_uuid)
        if record is None:
            raise not_found(f"access policy {policy_uuid} not found")
        page = page_request(f"policy-assets:{policy_uuid}", request.query_params, ())
        found = []
        for seq, asset in asset_data.iter_assets(store, page.after_seq):
            if rules.filters_match(record.body, asset.get("attributes") or {}):
                found.append((seq, asset))
                if len(found) > page.page_size:
                    break
        more = len(found) > page.page_size
        found = found[: page.page_size]
        token = encode_token(f"policy-assets:{policy_uuid}", {}, page.page_size, found[-1][0]) if more else ""
        return JSONResponse({"assets": [a for _, a in found], "next_page_token": token})

    async def asset_policies(request: Request) -> JSONResponse:
        asset_uuid = check_uuid(request.path_params["uuid"], "asset")
        require_root(state, request)
        asset = asset_data.find_asset(store, asset_uuid)
        if asset is None:
            raise not_found(f"asset {asset_uuid} not found")
        page = page_request(f"asset-policies:{asset_uuid}", request.query_params, ())
        attributes = asset.get("attributes") or {}
        matching = [
            r
            for r in policy_store.list(after_seq=page.after_seq, limit=10**9)
            if rules.filters_match(r.body, attributes)
        ]
        return _policy_page(
            matching[: page.page_size + 1],
            f"asset-policies:{asset_uuid}",
            {},
            page.page_size,
            len(matching) if wants_count(request) else None,
        )

    return [
        Route(POLICIES_PATH, policies, methods=["GET", "POST"]),
        Route(POLICIES_PATH + "/{uuid}/assets", policy_assets, methods=["GET"]),
        Route(POLICIES_PATH + "/{uuid}", policy, methods=["GET", "PATCH", "DELETE"]),
        Route(ASSET_POLICIES_PATH, asset_policies, methods=["GET"]),
    ]
