"""The Owner role, where a service manages access by roles (DataTrails: no root principals).

There, "make root" (m) gives or takes the Owner role instead, and says so. The registrations
view calls `confirm_owner_change(console, application)`; the change is an update of the
registration's `roles` (api/service.py owner_roles).
"""

from __future__ import annotations

from rich.text import Text

from rkvst_tui.api.service import owner_roles
from rkvst_tui.tui.formatting import safe
from rkvst_tui.tui.problems import describe
from rkvst_tui.tui.screens import confirm_screen


def confirm_owner_change(console, application) -> None:
    """Ask, then give the Owner role to `application` (or take it, when it has it)."""
    if console.read_only:
        console.refuse_read_only("toggle_root")
        return
    giving = not application.is_owner
    name = application.display_name or application.client_id
    if not giving and application.client_id == console.signed_in_client_id():
        console.notify(
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
            console.run_worker(
                _change(console, application, giving),
                exit_on_error=False,
                group="owner-role",
                description="change the Owner role",
            )

    title = "Give the Owner role?" if giving else "Take the Owner role?"
    label = "Give the Owner role" if giving else "Take the Owner role"
    console.push_screen(confirm_screen(title, body, confirm_label=label, destructive=not giving), answered)


async def _change(console, application, giving: bool) -> None:
    client = console.client
    name = application.display_name or application.client_id
    try:
        updated = await client.update_application(application, roles=owner_roles(application, giving))
    except Exception as exc:  # noqa: BLE001 - shown to the user, never a traceback
        verb = "give" if giving else "take"
        console.report(describe(exc, f"Could not {verb} the Owner role of {name}"))
        return
    console.apps_view.remember(updated)
    console.notify(f"{name} {'now has' if updated.is_owner else 'no longer has'} the Owner role.", markup=False)
