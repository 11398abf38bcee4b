"""What a view asks of the rest of the console ("messages up"): each bubbles to the App,
which owns the panes, the header and the screens that outlive one tab."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from rkvst_tui.api.models import Application, Principal


class RegistrationsChanged(Message):
    """The loaded registrations changed (a load, a create, an edit, a delete)."""


class PoliciesChanged(Message):
    """An access policy was written or deleted outside the ACCESS POLICIES tab."""


class RootPrincipalsWanted(Message):
    """Read ROOT PRINCIPALS again (r on either tab)."""


class AddRootPrincipalWanted(Message):
    """Ask for a root principal to add (a on ROOT PRINCIPALS)."""


@dataclass
class MakeRootWanted(Message):
    """Ask, then add this registration to ROOT PRINCIPALS."""

    application: Application


@dataclass
class RemoveRootWanted(Message):
    """Ask (unless `confirm` is False: the user said so already), then remove this root principal."""

    principal: Principal
    name: str
    confirm: bool = True


@dataclass
class GoToRegistration(Message):
    """Show APP REGISTRATIONS with this registration under the cursor."""

    client_id: str


@dataclass
class RevealSecret(Message):
    """Show the one-time secret `application` holds (the journal notes it first)."""

    application: Application
    reason: str


@dataclass
class OpenInInspector(Message):
    """Show TOKEN INSPECTOR with this token inspected (a token only, never a secret)."""

    token: str
    origin: str
