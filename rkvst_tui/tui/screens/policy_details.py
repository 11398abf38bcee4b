"""Everything about one access policy: its filters and each permission, in words and as written.

Dismisses "edit" (the view opens the form), "delete" (the view confirms and deletes) or None. Every value came
from the server and is escaped (api/terminal_safe.py) before it is drawn.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from rkvst_tui.api import access_rules as rules
from rkvst_tui.api.policies import Policy
from rkvst_tui.tui.formatting import safe
from rkvst_tui.tui.screens.text_dialog import TextDialog


class PolicyDetailsScreen(TextDialog[str | None]):
    HELP_GROUP = "Access policy details"
    TEXT_ID = "policy-words"
    BINDINGS = [
        Binding("escape,q", "close", "Back"),
        Binding("e", "choose('edit')", "Edit"),
        Binding("d", "choose('delete')", "Delete"),
        Binding("question_mark", "app.help", "Help"),
    ]

    def __init__(self, policy: Policy, *, read_only: bool) -> None:
        super().__init__()
        self.policy = policy
        self.read_only = read_only

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose" and self.read_only:
            return False
        return True

    def dialog_title(self) -> Text:
        return Text(safe(self.policy.display_name or "(no name)"))

    def dialog_text(self) -> Text:
        policy = self.policy
        text = Text()
        text.append("Identity     ", style="dim")
        text.append(safe(policy.identity))
        if policy.description:
            text.append("\nDescription  ", style="dim")
            text.append(safe(policy.description, None))
        text.append("\nAssets       ", style="dim")
        text.append(safe(policy.filters_in_words(), None))
        for group in policy.filters:
            text.append("\n  any of: ", style="dim")
            text.append(safe(", ".join(group), None))
        for index, permission in enumerate(policy.access_permissions):
            wire = permission.to_wire()
            text.append(f"\nPermission {index + 1}", style="bold")
            text.append("\n  Granted to ", style="dim")
            text.append(safe(rules.describe_grantees({"access_permissions": [wire]}), None))
            text.append("\n  Reads      ", style="dim")
            readable = ", ".join(permission.readable) or "no attribute (identities only)"
            text.append(safe(readable, None))
            if permission.asset_attributes_write:
                text.append("\n  Writes     ", style="dim")
                text.append(safe(", ".join(permission.asset_attributes_write), None))
            if permission.behaviours:
                text.append("\n  Behaviours ", style="dim")
                text.append(safe(", ".join(permission.behaviours), None))
        if not policy.access_permissions:
            text.append("\nNo permission: it shares nothing with anyone.", style="yellow")
        return text

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


__all__ = ["PolicyDetailsScreen"]
