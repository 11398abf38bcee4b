"""App registrations: list, create, get, update, delete, regenerate the secret (contract §2).

On the DataTrails flavour a registration also carries `roles` ([] or ["OWNER"]): create and
update take them, every answer shows them. Lists carry `X-Total-Count` (the matching
registrations, as the official SDK's count() reads it). PATCH honours `mask`.
"""

from __future__ import annotations

import uuid as uuid_module

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from ..paging import encode_token, page_request
from ..problems import bad_request, not_found, quota_exceeded
from ..requests import check_custom_claims, check_display_name, check_roles, check_uuid, json_body, update_mask
from ..state import NO_STORE, SandboxState, require_root
from ..store import OWNER, AppRecord, QuotaReached

TOTAL_COUNT_HEADER = "X-Total-Count"


def routes(state: SandboxState) -> list[BaseRoute]:
    store = state.store
    with_roles = state.has_roles
    updatable = ("display_name", "custom_claims", "roles") if with_roles else ("display_name", "custom_claims")

    def app_answer(record: AppRecord, secret: str = "") -> JSONResponse:
        return JSONResponse(
            record.to_wire(store.tenant_id, secret, with_roles=with_roles), headers=NO_STORE if secret else None
        )

    # L and C
    async def applications(request: Request) -> JSONResponse:
        require_root(state, request)
        if request.method == "POST":
            body = await json_body(request)
            if "display_name" not in body:
                raise bad_request("display_name is missing: give the app registration a name")
            display_name = check_display_name(body["display_name"])
            custom_claims = check_custom_claims(
                body.get("custom_claims") if body.get("custom_claims") is not None else {}
            )
            roles = check_roles(body.get("roles")) if with_roles else ()
            try:
                record, secret = store.create_application(
                    display_name,
                    custom_claims,
                    max_apps=state.max_apps,
                    exclude_from_quota=state.admin_client_id,
                    roles=roles,
                )
            except QuotaReached as exc:
                raise quota_exceeded(f"the tenancy has used its quota of {exc.limit} app registrations") from None
            return app_answer(record, secret)
        page = page_request("applications", request.query_params, ("display_name",))
        name_filter = page.filters.get("display_name")
        rows = store.list_applications(after_seq=page.after_seq, limit=page.page_size + 1, display_name=name_filter)
        more = len(rows) > page.page_size
        rows = rows[: page.page_size]
        next_token = encode_token("applications", page.filters, page.page_size, rows[-1].seq) if more else ""
        total = len(rows) if not more and not page.after_seq else store.count_applications(name_filter)
        return JSONResponse(
            {
                "applications": [row.to_wire(store.tenant_id, with_roles=with_roles) for row in rows],
                "next_page_token": next_token,
            },
            headers={TOTAL_COUNT_HEADER: str(total)},
        )

    # G, U, D
    async def application(request: Request) -> JSONResponse:
        app_uuid = check_uuid(request.path_params["uuid"])
        caller = require_root(state, request)
        missing = not_found(f"app registration {app_uuid} not found")
        if request.method == "GET":
            record = store.get_application(app_uuid)
            if record is None:
                raise missing
            return app_answer(record)
        if request.method == "DELETE":
            if not store.delete_application(app_uuid):
                raise missing
            return JSONResponse({})
        body = await json_body(request)
        mask = update_mask(request.query_params.get("mask"), updatable)
        if mask is None:  # no mask: what the body holds is changed, the rest left alone
            display_name = check_display_name(body["display_name"]) if body.get("display_name") is not None else None
            custom_claims = (
                check_custom_claims(body["custom_claims"]) if body.get("custom_claims") is not None else None
            )
            roles = check_roles(body["roles"]) if with_roles and body.get("roles") is not None else None
        else:  # a mask: exactly the named fields, a named field missing from the body becomes empty
            display_name = check_display_name(body.get("display_name") or "") if "display_name" in mask else None
            custom_claims = check_custom_claims(body.get("custom_claims") or {}) if "custom_claims" in mask else None
            roles = check_roles(body.get("roles") or []) if "roles" in mask else None
        if roles is not None and app_uuid == caller.client_id and OWNER not in roles and caller.is_owner:
            raise bad_request(
                f"you cannot take the Owner role from yourself ({caller.client_id}): ask another Owner to do it"
            )
        record = store.update_application(app_uuid, display_name=display_name, custom_claims=custom_claims, roles=roles)
        if record is None:
            raise missing
        return app_answer(record)

    # R
    async def regenerate(request: Request) -> JSONResponse:
        app_uuid = request.path_params["uuid"]
        require_root(state, request)
        try:
            uuid_module.UUID(app_uuid)
        except ValueError:
            raise not_found(f"app registration {app_uuid[:80]!r} not found: the id is not a uuid") from None
        result = store.regenerate_secret(app_uuid)
        if result is None:
            raise not_found(f"app registration {app_uuid} not found")
        record, secret = result
        if app_uuid == state.admin_client_id and state.on_admin_secret is not None:
            state.on_admin_secret(secret)
        return app_answer(record, secret)

    return [
        Route("/archivist/iam/v1/applications", applications, methods=["GET", "POST"]),
        Route("/archivist/iam/v1/applications/{uuid}:regenerate-secret", regenerate, methods=["POST"]),
        Route("/archivist/iam/v1/applications/{uuid}", application, methods=["GET", "PATCH", "DELETE"]),
    ]
