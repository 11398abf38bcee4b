"""Two admins changing ROOT PRINCIPALS at once, against one real sandbox.

The list is read, changed and written whole, so the later write wins and can bring back a
principal the earlier one removed. The client reads the list again after writing and says
what changed beyond its own change. Requests to the list are put in a fixed order across the
two clients by a transport that wraps the real one (the order is the fault; the server and
its answers are real).
"""

from __future__ import annotations

import asyncio

import httpx
from api_helpers import admin_connection
from principals_race import Ordered, Schedule

from rkvst_tui.api.client import ROOT_PRINCIPALS_PATH, RkvstClient
from rkvst_tui.api.models import Principal

ZED = Principal("https://idp.example", "zed", "Zed")
WES = Principal("https://idp.example", "wes", "Wes")


def _on_the_server(sandbox) -> set[tuple[str, str]]:
    return {(p.issuer, p.subject) for p in sandbox.store.get_root_principals()}


async def _two_admins(sandbox, schedule: Schedule):
    async with RkvstClient(admin_connection(sandbox)) as setup:
        await setup.add_root_principal(ZED)
    alice = RkvstClient(admin_connection(sandbox), transport=Ordered("alice", schedule))
    bob = RkvstClient(admin_connection(sandbox), transport=Ordered("bob", schedule))
    async with alice, bob:
        # Alice removes Zed while Bob adds Wes: both read the list before either writes.
        return await asyncio.gather(alice.remove_root_principal(ZED), bob.add_root_principal(WES))


async def test_the_first_writer_sees_the_principal_it_removed_come_back(sandbox):
    schedule = Schedule(("alice", "GET"), ("bob", "GET"), ("alice", "PATCH"), ("bob", "PATCH"), ("alice", "GET"))
    removed, added = await _two_admins(sandbox, schedule)
    assert ("https://idp.example", "zed") in _on_the_server(sandbox)
    # Bob's write, made from the list he read before Alice's, brought Zed back.
    assert ZED in removed.principals and WES in removed.principals
    assert removed.undone and removed.concurrent
    assert set(removed.appeared) == {ZED, WES} and removed.disappeared == ()
    said = removed.concurrent_change()
    assert "Someone else changed the root principals at the same time." in said
    assert "zed (https://idp.example), which you removed is back: remove it again." in said
    assert "Now also in the list: wes (https://idp.example)." in said
    # Bob read again after both writes: the list is what he wrote, he can not tell.
    assert not added.concurrent and not added.undone and added.concurrent_change() == ""


async def test_the_writer_whose_add_was_overwritten_says_it_is_gone(sandbox):
    schedule = Schedule(("alice", "GET"), ("bob", "GET"), ("bob", "PATCH"), ("alice", "PATCH"), ("bob", "GET"))
    removed, added = await _two_admins(sandbox, schedule)
    # Alice's write, made from the list she read before Bob's, dropped Wes.
    assert ("https://idp.example", "wes") not in _on_the_server(sandbox)
    assert WES not in added.principals and added.undone
    assert set(added.disappeared) == {WES, ZED} and added.appeared == ()
    said = added.concurrent_change()
    assert "wes (https://idp.example), which you added is not in the list: add it again." in said
    assert "No longer in the list: zed (https://idp.example)." in said
    assert not removed.concurrent and not removed.undone


async def test_one_after_the_other_nothing_is_reported(sandbox):
    schedule = Schedule(("alice", "GET"), ("alice", "PATCH"), ("alice", "GET"), ("bob", "GET"), ("bob", "PATCH"))
    removed, added = await _two_admins(sandbox, schedule)
    assert not removed.concurrent and not added.concurrent
    assert ZED not in added.principals and WES in added.principals


async def test_a_failed_re_read_keeps_the_write_and_says_to_check(sandbox):
    class FailSecondGet(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner, self.gets = httpx.AsyncHTTPTransport(), 0

        async def handle_async_request(self, request):
            if request.url.path == ROOT_PRINCIPALS_PATH and request.method == "GET":
                self.gets += 1
                if self.gets > 1:
                    return httpx.Response(503, json={"code": 14, "message": "unavailable"})
            return await self.inner.handle_async_request(request)

    async with RkvstClient(admin_connection(sandbox), transport=FailSecondGet(), max_connection_retries=0) as api:
        change = await api.add_root_principal(WES)
    assert WES in change.principals and not change.undone
    assert change.concurrent_change().startswith("The root principals could not be read again")
