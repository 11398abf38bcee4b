"""Caps: how many app registrations the tenancy may still create (tracking --max-apps).

RKVST era: `GET /archivist/iam/v1/applications:caps` (appregistrationsv1.rkvst-2022-11,
`resource_remaining` only). DataTrails era: `GET /archivist/v1/caps?service=applications`
(capsv1.datatrails-2025-04; the v1Cap of its time adds `resource_cap`). Counts are strings
(int64 in protobuf JSON). Without --max-apps there is no cap: `{"caps": []}` (decided).
Any authenticated caller may read them (decided: they say nothing about other registrations).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from ..problems import bad_request
from ..state import SandboxState, authenticate

SERVICES = (
    "access_policies",
    "applications",
    "assets",
    "blobs",
    "invites",
    "locations",
    "members",
    "tenancies/users",
)  # the capsv1 document's enum


def routes(state: SandboxState) -> list[BaseRoute]:
    store = state.store

    def application_caps(*, with_cap: bool) -> list[dict[str, str]]:
        if state.max_apps is None:
            return []
        used = store.count_applications(exclude=state.admin_client_id)
        cap = {"resource_type": "applications", "resource_remaining": str(max(state.max_apps - used, 0))}
        if with_cap:
            cap["resource_cap"] = str(state.max_apps)
        return [cap]

    async def rkvst_caps(request: Request) -> JSONResponse:
        authenticate(state, request)
        return JSONResponse({"caps": application_caps(with_cap=False)})

    async def datatrails_caps(request: Request) -> JSONResponse:
        authenticate(state, request)
        service = request.query_params.get("service", "")
        if service not in SERVICES:
            raise bad_request(f"service must be one of {', '.join(SERVICES)} (got {service[:40]!r})")
        return JSONResponse({"caps": application_caps(with_cap=True) if service == "applications" else []})

    if state.has_roles:
        return [Route("/archivist/v1/caps", datatrails_caps, methods=["GET"])]
    return [Route("/archivist/iam/v1/applications:caps", rkvst_caps, methods=["GET"])]
