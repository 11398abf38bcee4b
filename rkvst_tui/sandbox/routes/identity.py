"""The sandbox's own: proof that it serves the data directory a client read (sandbox/address.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from .. import address
from ..problems import bad_request, not_found
from ..state import NO_STORE, SandboxState


def routes(state: SandboxState) -> list[BaseRoute]:
    async def identity(request: Request) -> JSONResponse:
        challenge = request.query_params.get("challenge", "")
        if state.identity_key is None:
            raise not_found()
        if not address.CHALLENGE_PATTERN.fullmatch(challenge):
            raise bad_request("challenge must be 64 lowercase hex characters")
        return JSONResponse({"proof": address.proof(state.identity_key, challenge)}, headers=NO_STORE)

    return [Route(address.IDENTITY_PATH, identity, methods=["GET"])]
