"""The tenancy: its root principals (RKVST flavour, contract §1 P and Q) or its own record
(`tenancies/self`, the DataTrails flavour, where root_principals was removed in 2024-11 and
answers 404 as the real service does)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from ..problems import bad_request
from ..requests import MAX_FIELD_LENGTH, json_body, update_mask
from ..state import SandboxState, is_own_issuer, principal_to_wire, require_root
from ..store import PrincipalRecord

TENANT_NAME_KEY = "tenant_display_name"
DEFAULT_TENANT_NAME = "Sandbox tenancy"
MAX_TENANT_NAME = 128  # v1UpdatableTenantPayload.display_name maxLength


def routes(state: SandboxState) -> list[BaseRoute]:
    return self_routes(state) if state.has_roles else root_principal_routes(state)


def self_routes(state: SandboxState) -> list[BaseRoute]:
    store = state.store

    def tenant_answer() -> JSONResponse:
        return JSONResponse(
            {
                "identity": store.tenant_id,
                "verified_domain": "",
                "display_name": store.get_meta(TENANT_NAME_KEY) or DEFAULT_TENANT_NAME,
                "enterprise_sso_enabled": False,
            }
        )

    async def tenancy_self(request: Request) -> JSONResponse:
        require_root(state, request)
        if request.method == "PATCH":
            body = await json_body(request)
            mask = update_mask(request.query_params.get("mask"), ("display_name", "enterprise_sso_config"))
            fields = mask if mask is not None else tuple(name for name in body if body[name] is not None)
            if "enterprise_sso_config" in fields:
                raise bad_request("enterprise_sso_config: the sandbox has no enterprise single sign-on to configure")
            if "display_name" in fields:
                name = body.get("display_name") or ""
                if not isinstance(name, str):
                    raise bad_request("display_name must be a string")
                if not name.strip():
                    raise bad_request("display_name must not be empty: give the tenancy a name")
                if len(name) > MAX_TENANT_NAME:
                    raise bad_request(f"display_name is {len(name)} characters long: the limit is {MAX_TENANT_NAME}")
                store.set_meta(TENANT_NAME_KEY, name)
        return tenant_answer()

    return [Route("/archivist/v1/tenancies/self", tenancy_self, methods=["GET", "PATCH"])]


def root_principal_routes(state: SandboxState) -> list[BaseRoute]:
    store = state.store

    # P and Q
    async def root_principals(request: Request) -> JSONResponse:
        caller = require_root(state, request)
        if request.method == "PATCH":
            body = await json_body(request)
            wanted = body.get("root_principals")
            if not isinstance(wanted, list):
                raise bad_request("root_principals must be a list of principals")
            principals: list[PrincipalRecord] = []
            seen: set[tuple[bool, str, str]] = set()
            for index, item in enumerate(wanted, start=1):
                if not isinstance(item, dict):
                    raise bad_request(f"root principal {index} must be an object with issuer and subject")
                fields = {}
                for name in ("issuer", "subject", "display_name", "email"):
                    value = item.get(name, "")
                    if value is None:
                        value = ""
                    if not isinstance(value, str):
                        raise bad_request(f"root principal {index}: {name} must be a string")
                    if len(value) > MAX_FIELD_LENGTH:
                        raise bad_request(
                            f"root principal {index}: {name} is {len(value)} characters long: the limit is {MAX_FIELD_LENGTH}"
                        )
                    fields[name] = value
                if not fields["subject"].strip():
                    raise bad_request(
                        f"root principal {index}: subject is empty (for an app registration, its client id)"
                    )
                own = is_own_issuer(fields["issuer"], request)
                key = (own, "" if own else fields["issuer"], fields["subject"])
                if key in seen:
                    raise bad_request(
                        f"root principal {index} (issuer {fields['issuer']}, subject {fields['subject']}) is listed twice"
                    )
                seen.add(key)
                principals.append(
                    PrincipalRecord(
                        issuer="" if own else fields["issuer"],
                        subject=fields["subject"],
                        display_name=fields["display_name"],
                        email=fields["email"],
                        own_issuer=own,
                    )
                )
            if not any(p.own_issuer and p.subject == caller.client_id for p in principals):
                raise bad_request(
                    f"you cannot remove yourself (issuer {caller.issuer}, subject {caller.client_id}) from the "
                    "root principals: ask another root principal to do it"
                )
            store.set_root_principals(principals)
        return JSONResponse({"root_principals": [principal_to_wire(p, request) for p in store.get_root_principals()]})

    return [Route("/archivist/v1/tenancies/root_principals", root_principals, methods=["GET", "PATCH"])]
