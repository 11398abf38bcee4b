"""Every action of the console, once: its key, its words, its tab, and whether it changes the tenant.

The tabs' `BINDINGS` (each with an `id=`, which a `[keymap]` table in config.toml remaps
through `App.set_keymap`), the command palette, the help screen (it reads the active
bindings) and read-only gating are all derived from `ACTIONS`, so an action added here is
everywhere at once and a key is never listed twice.

An action's `id` is what a user writes in config.toml:

    [keymap]
    registrations-create = "N"          # n no longer creates, N does
    console-help = "question_mark,f1"   # several keys: comma-separated
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from textual.binding import Binding

# The tabs: (id, label). The id names the tab, its pane, and its actions' tab.
TABS = (
    ("apps", "APP REGISTRATIONS"),
    ("principals", "ROOT PRINCIPALS"),
    ("inspector", "TOKEN INSPECTOR"),
    ("policies", "ACCESS POLICIES"),
)
TAB_IDS = tuple(tab_id for tab_id, _ in TABS)
TAB_NAMES = {
    "apps": "App registrations",
    "principals": "Root principals",
    "inspector": "Token inspector",
    "policies": "Access policies",
}
# The prefix of a tab's action ids in a keymap ("" is the console, anywhere).
_ID_PREFIX = {
    "apps": "registrations",
    "principals": "principals",
    "inspector": "inspector",
    "policies": "policies",
    "": "console",
}


@dataclass(frozen=True)
class Action:
    """One thing the user can do, by key or from the palette (ctrl+p)."""

    action: str  # the action on its tab's view (or on the App when tab is ""), as Textual names it
    key: str  # its default key(s), comma-separated; "" when a key elsewhere runs it (enter)
    label: str  # the footer's short word(s)
    tab: str = ""  # "apps", "principals", "inspector", or "" (anywhere)
    title: str = ""  # its name in the palette; "" keeps it out of the palette
    tooltip: str = ""  # longer words (the help screen and the palette use them)
    changes_tenant: bool = False  # hidden and refused in read-only mode, dimmed until signed in
    needs_row: bool = False  # dimmed when no row is under the cursor
    refused: str = ""  # in the read-only refusal: "<refused> is turned off"
    show: bool = True  # in the footer
    priority: bool = False  # works from inside text fields too
    palette_help: str = ""  # the palette's words when not the tooltip or the label
    name: str = ""  # the keymap id's last part when not the action's name

    @property
    def id(self) -> str:
        """The binding's id: what a `[keymap]` entry names ("registrations-create")."""
        base = self.name or self.action
        return f"{_ID_PREFIX[self.tab]}-{base.replace('_', '-')}"

    @property
    def words(self) -> str:
        return self.tooltip or self.label

    def binding(self) -> Binding:
        return Binding(
            self.key, self.action, self.label, show=self.show, tooltip=self.tooltip, priority=self.priority, id=self.id
        )


ACTIONS: tuple[Action, ...] = (
    # APP REGISTRATIONS ("enter" on the table opens the details: the table's own binding).
    Action(
        "details",
        "",
        "Details",
        "apps",
        "Show registration details",
        needs_row=True,
        palette_help="Every field and ready-to-paste commands (enter)",
    ),
    Action(
        "create",
        "n",
        "New",
        "apps",
        "Create app registration",
        "Create an app registration",
        changes_tenant=True,
        refused="creating registrations",
    ),
    Action(
        "edit",
        "e",
        "Edit",
        "apps",
        "Edit registration",
        "Edit the display name and custom claims",
        changes_tenant=True,
        needs_row=True,
        refused="editing registrations",
    ),
    Action(
        "regenerate",
        "g",
        "Regenerate",
        "apps",
        "Regenerate secret",
        "Regenerate the secret (the old one stops working)",
        changes_tenant=True,
        needs_row=True,
        refused="regenerating secrets",
    ),
    Action(
        "delete",
        "d",
        "Delete",
        "apps",
        "Delete registration",
        "Delete the registration",
        changes_tenant=True,
        needs_row=True,
        refused="deleting registrations",
    ),
    Action(
        "toggle_root",
        "m",
        "Root ±",
        "apps",
        "Make root / remove root",
        "Make the registration root, or remove it from root",
        changes_tenant=True,
        needs_row=True,
        refused="changing root principals",
    ),
    # The same key where a service has no root principals (DataTrails): the view shows one of the two.
    Action(
        "toggle_owner",
        "m",
        "Owner ±",
        "apps",
        "Give / take the Owner role",
        "Give the registration the Owner role, or take it (where access is managed by roles)",
        changes_tenant=True,
        needs_row=True,
        refused="changing the Owner role",
    ),
    Action("copy_client_id", "c", "Copy id", "apps", "Copy client id", "Copy the client id (OSC 52)", needs_row=True),
    Action("refresh", "r", "Refresh", "apps", "Refresh registrations", "Load every page again"),
    Action("filter", "slash", "Filter", "apps", "Filter registrations", "Filter by display name or client id"),
    Action(
        "toggle_expiring",
        "f",
        "Expiring",
        "apps",
        "Show expiring secrets",
        "Only the secrets expired or expiring within 30 days (again: all)",
        name="expiring",
    ),
    Action(
        "mark",
        "space",
        "Mark",
        "apps",
        "Mark / unmark registration",
        "Mark the registration (or unmark it) for a batch rotation (G)",
        needs_row=True,
        show=False,  # the footer is full at 120 columns: help, the palette and the status line say it
    ),
    Action(
        "rotate_marked",
        "G",
        "Rotate marked",
        "apps",
        "Rotate marked secrets",
        "Rotate the marked registrations' secrets (none marked: this one)",
        changes_tenant=True,
        refused="rotating secrets",
        show=False,  # the status line says "N marked: G rotates"
    ),
    Action(
        "access",
        "x",
        "Access",
        "apps",
        "Explain registration's access",
        "What the registration can see and why: which access policies name it, through which filter",
        needs_row=True,
        show=False,  # the footer is full at 120 columns: help and the palette say it
    ),
    Action(
        "share",
        "s",
        "Share",
        "apps",
        "Share assets with registration",
        "Share the assets you pick with it, through a new access policy",
        changes_tenant=True,
        needs_row=True,
        refused="sharing assets",
        show=False,  # the footer is full at 120 columns: help and the palette say it
    ),
    Action("clear_filter", "escape", "Clear filter", "apps", show=False),
    # ROOT PRINCIPALS
    Action(
        "add", "a", "Add", "principals", "Add root principal", changes_tenant=True, refused="adding root principals"
    ),
    Action(
        "remove",
        "d",
        "Remove",
        "principals",
        "Remove root principal",
        changes_tenant=True,
        needs_row=True,
        refused="removing root principals",
    ),
    Action("copy_subject", "c", "Copy subject", "principals", "Copy root principal subject", needs_row=True),
    Action(
        "go_to_registration",
        "o",
        "Open registration",
        "principals",
        "Open the root principal's app registration",
        needs_row=True,
    ),
    Action("refresh", "r", "Refresh", "principals", "Refresh root principals"),
    # TOKEN INSPECTOR (its buttons are in the palette too: commands.button_commands)
    Action("clear", "ctrl+l", "Clear inspector", "inspector", "Clear the token inspector"),
    Action("test_access", "ctrl+t", "Test access", "inspector", "Test access with the inspected token"),
    # ACCESS POLICIES ("enter" on the table opens the details: the table's own binding)
    Action("details", "", "Details", "policies", "Show access policy details", needs_row=True),
    Action(
        "create_policy",  # not "create": the read-only words are found by the action's name
        "n",
        "New",
        "policies",
        "Create access policy",
        "Create an access policy: its filters, who it names and what they read",
        changes_tenant=True,
        refused="creating access policies",
        name="create",
    ),
    Action(
        "edit_policy",
        "e",
        "Edit",
        "policies",
        "Edit access policy",
        "Edit the access policy's name, filters and permission",
        changes_tenant=True,
        needs_row=True,
        refused="editing access policies",
        name="edit",
    ),
    Action(
        "delete_policy",  # not "delete": the read-only words are found by the action's name
        "d",
        "Delete",
        "policies",
        "Delete access policy",
        "Delete the access policy (after a confirmation)",
        changes_tenant=True,
        needs_row=True,
        refused="deleting access policies",
        name="delete",
    ),
    Action("refresh", "r", "Refresh", "policies", "Refresh access policies", "Read the access policies again"),
    # The console, anywhere
    Action("help", "question_mark", "Help", "", "Help: keys", "Every key of the current screen"),
    Action(
        "show_tab('apps')",
        "1",
        "Registrations tab",
        "",
        "Go to APP REGISTRATIONS",
        show=False,
        palette_help="The first tab",
        name="tab-apps",
    ),
    Action(
        "show_tab('principals')",
        "2",
        "Principals tab",
        "",
        "Go to ROOT PRINCIPALS",
        show=False,
        palette_help="The second tab",
        name="tab-principals",
    ),
    Action(
        "show_tab('inspector')",
        "3",
        "Inspector tab",
        "",
        "Go to TOKEN INSPECTOR",
        show=False,
        palette_help="The third tab",
        name="tab-inspector",
    ),
    Action(
        "show_tab('policies')",
        "4",
        "Policies tab",
        "",
        "Go to ACCESS POLICIES",
        show=False,
        palette_help="The fourth tab",
        name="tab-policies",
    ),
    # Work from inside text fields too (digits type there): the browsers' tab keys.
    Action("cycle_tab(1)", "ctrl+pagedown", "Next tab", "", show=False, priority=True, name="next-tab"),
    Action("cycle_tab(-1)", "ctrl+pageup", "Previous tab", "", show=False, priority=True, name="previous-tab"),
    Action("quit", "ctrl+q", "Quit", "", show=False, priority=True),
    Action("reconnect", "", "Reconnect", "", "Reconnect", palette_help="Connect and load everything again"),
    Action(
        "audit_trail",
        "",
        "Audit trail",
        "",
        "Audit trail",
        palette_help="Every change made with rkvst-tui on this machine, newest first (audit.jsonl)",
        name="audit",
    ),
)

BY_ID = {action.id: action for action in ACTIONS}
assert len(BY_ID) == len(ACTIONS), "two actions share a keymap id"


def of_tab(tab: str) -> tuple[Action, ...]:
    return tuple(action for action in ACTIONS if action.tab == tab)


def bindings(tab: str) -> list[Binding | tuple[str, str] | tuple[str, str, str]]:
    """The BINDINGS of a tab's view ("" : the App's), in the footer's order (typed as Textual's
    BINDINGS are, so that a class may assign them)."""
    return [action.binding() for action in of_tab(tab) if action.key]


def changing_the_tenant(tab: str) -> frozenset[str]:
    return frozenset(action.action for action in of_tab(tab) if action.changes_tenant)


def needing_a_row(tab: str) -> frozenset[str]:
    return frozenset(action.action for action in of_tab(tab) if action.needs_row)


def refusal_words(action_name: str) -> str:
    """What a refused action is called in the read-only notice."""
    for action in ACTIONS:
        if action.action == action_name and action.refused:
            return action.refused
    return "changes to the tenant"


def palette_actions() -> tuple[Action, ...]:
    """The actions the palette lists, the tabs' first, then the console's."""
    tabbed = [action for tab in TAB_IDS for action in of_tab(tab) if action.title]
    # The tabs' jumps first, then help and reconnect (as the palette has always listed them).
    anywhere = sorted((action for action in of_tab("") if action.title), key=lambda a: not a.name.startswith("tab-"))
    return (*tabbed, *anywhere)


def unknown_ids(keymap: Mapping[str, object]) -> list[str]:
    """The ids of a keymap that name no action (a typo would otherwise change nothing, silently)."""
    return [binding_id for binding_id in keymap if binding_id not in BY_ID]


def keymap_problem(keymap: Mapping[str, object]) -> str | None:
    """Why a `[keymap]` table is wrong, in words for the user; None when it is fine."""
    unknown = unknown_ids(keymap)
    if unknown:
        return (
            f"[keymap] in config.toml: {', '.join(repr(name) for name in unknown)} "
            f"name{'s' if len(unknown) == 1 else ''} no action of the console; "
            f"the ids are: {', '.join(sorted(BY_ID))}"
        )
    return None


def ids(actions: Iterable[Action] = ACTIONS) -> list[str]:
    return [action.id for action in actions]
