"""A create whose answer was lost: did the server make the registration, and which one is it?

Both front ends follow the same sequence (`rkvst-tui apps create`, and the console's form
with its lost-create screen):

1. before the create, `ids_named(client, name)`: the client ids that already carry the
   display name (None when that look-up fails);
2. the create fails in a way that `may_have_acted` (a lost answer, an unreadable one, a 5xx);
3. `find_made(client, name, claims, known_ids)`: the registrations the create may have
   made. With the ids from before, exactly the new ones (names are not unique, and an older
   namesake must never be regenerated or deleted); without them, those with the claims
   that were sent. Newest last, as the server lists them.

`answer_fate` and `status_words` word what became of the answer, the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .errors import ApiError, InvalidResponse, RkvstError, may_have_acted

if TYPE_CHECKING:
    from .client import RkvstClient
    from .models import Application

__all__ = ["answer_fate", "find_made", "ids_named", "lost_candidates", "may_have_acted", "status_words"]


async def ids_named(client: RkvstClient, display_name: str) -> set[str] | None:
    """The client ids of the registrations named `display_name` now (None: they could not be read)."""
    try:
        return {app.client_id for app in await client.find_applications_by_name(display_name)}
    except RkvstError:
        return None


def lost_candidates(
    found: list[Application], custom_claims: Mapping[str, object], known_client_ids: set[str] | None
) -> list[Application]:
    """The registrations among `found` (same display name) that the lost create may have made.

    With the ids that existed before the create, that is exactly the new ones. Without
    them, the ones with the claims that were sent (newest last, as the server lists them).
    """
    if known_client_ids is not None:
        return [app for app in found if app.client_id not in known_client_ids]
    return [app for app in found if dict(app.custom_claims) == dict(custom_claims)]


async def find_made(
    client: RkvstClient,
    display_name: str,
    custom_claims: Mapping[str, object],
    known_client_ids: set[str] | None,
) -> list[Application]:
    """The registrations the lost create may have made (raises the look-up's RkvstError)."""
    found = await client.find_applications_by_name(display_name)
    return lost_candidates(found, custom_claims, known_client_ids)


def status_words(status: int | None) -> str:
    """ "502 Bad Gateway"; just the number when the status has no standard name."""
    from http import HTTPStatus

    if status is None:
        return "an error"
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def answer_fate(cause: BaseException) -> str:
    """What became of the create's answer: "the answer was lost", "the answer could not be read",
    "the server answered 502 Bad Gateway"."""
    if isinstance(cause, ApiError):
        return f"the server answered {status_words(cause.status)}"
    if isinstance(cause, InvalidResponse):
        return "the answer could not be read"
    return "the answer was lost"
