"""Assets (v2 list only): what a token may see, for the guide's "does my token work" step."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from ..paging import encode_token, page_request
from ..state import SandboxState, authenticate


def routes(state: SandboxState) -> list[BaseRoute]:
    store = state.store

    # A
    async def assets(request: Request) -> JSONResponse:
        caller = authenticate(state, request)
        page = page_request("assets", request.query_params, ())
        if not caller.is_root:
            # "Secure by default": a registration sees nothing until it is root or a policy shares assets.
            return JSONResponse({"assets": [], "next_page_token": ""})
        rows = store.list_assets(after_seq=page.after_seq, limit=page.page_size + 1)
        more = len(rows) > page.page_size
        rows = rows[: page.page_size]
        next_token = encode_token("assets", {}, page.page_size, rows[-1][0]) if more else ""
        return JSONResponse({"assets": [body for _, body in rows], "next_page_token": next_token})

    return [Route("/archivist/v2/assets", assets, methods=["GET"])]
