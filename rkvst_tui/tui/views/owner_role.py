"""The Owner role, where a service manages access by roles (DataTrails: no root principals).

There, "make root" (m) gives or takes the Owner role instead, and says so. The registrations
view calls `confirm_owner_change(view, session, application, remember)`; the change is an update of the
registration's `roles` (api/service.py owner_roles).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from rkvst_tui.api.service import owner_roles
from rkvst_tui.tui.formatting import safe
from rkvst_tui.tui.problems import describe, report
from rkvst_tui.tui.screens import confirm_screen

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.widget import Widget

    from rkvst_tui.api.client import RkvstClient
    from rkvst_tui.api.models import Application
    from rkvst_tui.tui.session import ConsoleSession


def confirm_owner_change(
    view: Widget, session: ConsoleSession, application: Application, remember: Callable[[Application], None]
) -> None:
    """Ask, then give the Owner role to `application` (or take it, when it has it); `remember`
    puts the updated registration in the list."""
    giving = not application.is_owner
    name = application.display_name or application.client_id
    if not giving and application.client_id == session.signed_in_client_id():
        view.notify(
            f"Refused: {name} is the identity this console is signed in as; without the Owner role "
            "you would lose access to this tenant. Sign in as another Owner to take it.",
            title="Cannot take your own Owner role",
            severity="warning",
            markup=False,
            timeout=10,
        )
        return
    body = Text()
    body.append("This service has no root principals: access is managed by roles.\n\n")
    body.append("Give " if giving else "Take the Owner role from ")
    body.append(safe(name), style="bold")
    body.append(" the Owner role?\n\n" if giving else "?\n\n")
    body.append(
        "An Owner can create, change and delete every app registration of the tenant."
        if giving
        else "It can no longer manage app registrations."
    )

    def answered(yes: bool | None) -> None:
        if yes:
            view.run_worker(
                _change(view, session.connected_client(), application, giving, remember),
                exit_on_error=False,
                group="owner-role",
                description="change the Owner role",
            )

    title = "Give the Owner role?" if giving else "Take the Owner role?"
    label = "Give the Owner role" if giving else "Take the Owner role"
    view.app.push_screen(confirm_screen(title, body, confirm_label=label, destructive=not giving), answered)


async def _change(
    view: Widget, client: RkvstClient, application: Application, giving: bool, remember: Callable[[Application], None]
) -> None:
    name = application.display_name or application.client_id
    try:
        updated = await client.update_application(application, roles=owner_roles(application, giving))
    except Exception as exc:  # noqa: BLE001 - shown to the user, never a traceback
        verb = "give" if giving else "take"
        report(view, describe(exc, f"Could not {verb} the Owner role of {name}"))
        return
    remember(updated)
    view.notify(f"{name} {'now has' if updated.is_owner else 'no longer has'} the Owner role.", markup=False)
