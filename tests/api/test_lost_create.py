"""A create whose answer was lost (api/lost_create.py), against a real sandbox over HTTP: the
registration it made is found, never an older namesake."""

from __future__ import annotations

from rkvst_tui.api.errors import ApiError, ConnectionLost, InvalidResponse, ServerError
from rkvst_tui.api.lost_create import answer_fate, find_made, ids_named, may_have_acted, status_words


async def test_the_new_registration_is_found_and_its_older_namesake_is_not(client):
    older = await client.create_application("twin", {"serial": "1"})
    known = await ids_named(client, "twin")
    assert known == {older.client_id}
    made = await client.create_application("twin", {"serial": "1"})  # as if its answer had been lost
    assert [app.client_id for app in await find_made(client, "twin", {"serial": "1"}, known)] == [made.client_id]


async def test_without_the_ids_from_before_only_the_same_claims_tell(client):
    await client.create_application("twin", {"serial": "1"})
    made = await client.create_application("twin", {"serial": "2"})
    found = await find_made(client, "twin", {"serial": "2"}, None)
    assert [app.client_id for app in found] == [made.client_id]
    assert await find_made(client, "twin", {"serial": "3"}, None) == []


async def test_a_name_nobody_has_is_no_ids(client):
    assert await ids_named(client, "nobody-has-this-name") == set()


def test_the_fate_of_an_answer_in_words():
    assert status_words(502) == "502 Bad Gateway" and status_words(599) == "599" and status_words(None) == "an error"
    assert answer_fate(ServerError("x", status=502)) == "the server answered 502 Bad Gateway"
    assert answer_fate(InvalidResponse("x")) == "the answer could not be read"
    assert answer_fate(ConnectionLost("x")) == "the answer was lost"
    assert may_have_acted(ServerError("x", status=503)) and not may_have_acted(ApiError("x", status=400))
