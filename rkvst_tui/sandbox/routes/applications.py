"""App registrations: list, create, get, update, delete, regenerate the secret (contract §2)."""

from __future__ import annotations

import uuid as uuid_module

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from ..paging import encode_token, page_request
from ..problems import bad_request, not_found, quota_exceeded
from ..requests import check_custom_claims, check_display_name, check_uuid, json_body
from ..state import NO_STORE, SandboxState, require_root
from ..store import AppRecord, QuotaReached


def routes(state: SandboxState) -> list[BaseRoute]:
    store = state.store

    def app_answer(record: AppRecord, secret: str = "") -> JSONResponse:
        return JSONResponse(record.to_wire(store.tenant_id, secret), headers=NO_STORE if secret else None)

    # L and C
    async def applications(request: Request) -> JSONResponse:
        require_root(state, request)
        if request.method == "POST":
            body = await json_body(request)
            if "display_name" not in body:
                raise bad_request("display_name is missing: give the app registration a name")
            display_name = check_display_name(body["display_name"])
            custom_claims = check_custom_claims(body.get("custom_claims") if body.get("custom_claims") is not None else {})
            try:
                record, secret = store.create_application(
                    display_name, custom_claims, max_apps=state.max_apps, exclude_from_quota=state.admin_client_id
                )
            except QuotaReached as exc:
                raise quota_exceeded(f"the tenancy has used its quota of {exc.limit} app registrations") from None
            return app_answer(record, secret)
        page = page_request("applications", request.query_params, ("display_name",))
        rows = store.list_applications(
            after_seq=page.after_seq, limit=page.page_size + 1, display_name=page.filters.get("display_name")
        )
        more = len(rows) > page.page_size
        rows = rows[: page.page_size]
        next_token = encode_token("applications", page.filters, page.page_size, rows[-1].seq) if more else ""
        return JSONResponse(
            {"applications": [row.to_wire(store.tenant_id) for row in rows], "next_page_token": next_token}
        )

    # G, U, D
    async def application(request: Request) -> JSONResponse:
        app_uuid = check_uuid(request.path_params["uuid"])
        require_root(state, request)
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
        display_name = check_display_name(body["display_name"]) if body.get("display_name") is not None else None
        custom_claims = check_custom_claims(body["custom_claims"]) if body.get("custom_claims") is not None else None
        record = store.update_application(app_uuid, display_name=display_name, custom_claims=custom_claims)
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
