"""Assets (assetsv2): what a token may see.

    GET /archivist/v2/assets          filters (attributes.NAME=VALUE, attributes[NAME]=VALUE, record
                                      fields), paging, X-Total-Count when X-Request-Total-Count: true
    GET /archivist/v2/assets/{uuid}   one asset, as the caller sees it

An administrator sees every asset whole; anyone else what their access policies share, and of
it only the attributes shared (docs/access-policies.md; sandbox/assets.py).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from .. import assets as asset_data
from ..paging import encode_token
from ..problems import not_found
from ..state import SandboxState
from .access_policies import TOTAL_COUNT, check_uuid, viewer, wants_count

ASSETS_PATH = "/archivist/v2/assets"


def routes(state: SandboxState) -> list[BaseRoute]:
    store = state.store

    # A
    async def list_assets(request: Request) -> JSONResponse:
        page, query = asset_data.asset_page("assets", request.query_params)
        grants = viewer(state, request)
        rows = asset_data.visible_page(store, query, after_seq=page.after_seq, limit=page.page_size + 1, grants=grants)
        more = len(rows) > page.page_size
        rows = rows[: page.page_size]
        token = encode_token("assets", query.filters, page.page_size, rows[-1][0]) if more else ""
        headers = {}
        if wants_count(request):
            headers[TOTAL_COUNT] = str(asset_data.count_visible(store, query, grants=grants))
        return JSONResponse({"assets": [asset for _, asset in rows], "next_page_token": token}, headers=headers)

    async def get_asset(request: Request) -> JSONResponse:
        asset_uuid = check_uuid(request.path_params["uuid"], "asset")
        grants = viewer(state, request)
        asset = asset_data.find_asset(store, asset_uuid)
        shown = asset_data.as_seen(asset, grants) if asset is not None else None
        if shown is None:  # the same answer for "none" and "not shared": nothing to probe
            raise not_found(f"asset {asset_uuid} not found")
        return JSONResponse(shown)

    return [
        Route(ASSETS_PATH, list_assets, methods=["GET"]),
        Route(ASSETS_PATH + "/{uuid}", get_asset, methods=["GET"]),
    ]
