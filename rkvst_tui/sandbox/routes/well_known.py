"""The issuer's OpenID configuration and signing keys."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from ..state import SandboxState, base_url, issuer_for


def routes(state: SandboxState) -> list[BaseRoute]:
    keys = state.keys

    async def openid_configuration(request: Request) -> JSONResponse:
        base = base_url(request)
        return JSONResponse(
            {
                "issuer": issuer_for(request),
                "token_endpoint": base + "/archivist/iam/v1/appidp/token",
                "jwks_uri": base + "/appidpv1/.well-known/jwks.json",
                "grant_types_supported": ["client_credentials"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
                "response_types_supported": ["token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "access_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def jwks(request: Request) -> JSONResponse:
        return JSONResponse(keys.jwks(), headers={"Cache-Control": "public, max-age=300"})

    return [
        Route("/appidpv1/.well-known/openid-configuration", openid_configuration, methods=["GET"]),
        Route("/appidpv1/.well-known/jwks.json", jwks, methods=["GET"]),
    ]
