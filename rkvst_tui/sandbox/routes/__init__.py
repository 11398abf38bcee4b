"""The sandbox's route modules, one per part of the API.

Each module has `routes(state: SandboxState) -> list[Route]`; build_app (sandbox/app.py)
serves the routes of every module in ROUTE_MODULES, in this order. A new part of the API
is a new module here and one line in ROUTE_MODULES.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

from . import access_policies, applications, assets, caps, identity, tenancies, token, well_known

if TYPE_CHECKING:
    from ..state import SandboxState

RouteModule = Callable[["SandboxState"], list[BaseRoute]]

ROUTE_MODULES: tuple[RouteModule, ...] = (
    token.routes,
    applications.routes,
    caps.routes,
    tenancies.routes,
    assets.routes,
    access_policies.routes,
    well_known.routes,
    identity.routes,
)
