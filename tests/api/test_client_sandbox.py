"""Every operation of the service layer against a real sandbox over 127.0.0.1 HTTP."""

from __future__ import annotations

import asyncio
import re
import time

import httpx
import pytest
from api_helpers import admin_connection

from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.connection import Connection
from rkvst_tui.api.errors import (
    BadRequest,
    ConnectionRefused,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    QuotaExceeded,
    RateLimited,
    SelfRemovalRefused,
    Unauthenticated,
)
from rkvst_tui.api.files import write_bearer_token_file
from rkvst_tui.api.models import Principal

HEX64 = re.compile(r"^[0-9a-f]{64}$")


async def _non_root(client: RkvstClient, name: str = "not-root") -> tuple[RkvstClient, str]:
    app = await client.create_application(name, {"serial_number": "TL1"})
    other = RkvstClient(Connection(client.base_url, client_id=app.client_id, secret=app.secret))
    return other, app.client_id


# -- tokens ---------------------------------------------------------------------------


async def test_token_endpoint_answers_a_bearer_token_that_repr_hides(client, sandbox):
    answer = await client.request_token(sandbox.admin_client_id, sandbox.admin_secret)
    assert answer.token_type == "Bearer"
    assert answer.expires_in == 3600
    assert answer.access_token.count(".") == 2
    assert answer.access_token not in repr(answer)
    assert client.tokens.mint_count == 0  # the raw endpoint is not the connection's token


async def test_a_wrong_secret_is_refused_without_repeating_it(client, sandbox):
    wrong = "0" * 63 + "1"
    with pytest.raises(Unauthenticated) as caught:
        await client.request_token(sandbox.admin_client_id, wrong)
    error = caught.value
    assert str(error) == "the client id or secret was refused"
    assert error.status == 401 and error.grpc_code == 16
    assert wrong not in str(error) + repr(error) + error.hint + error.server_message


async def test_fifty_calls_mint_exactly_one_token(client):
    for _ in range(50):
        await client.list_applications_page(page_size=1)
    assert client.tokens.mint_count == 1


async def test_concurrent_first_calls_share_one_mint(client):
    await asyncio.gather(*(client.get_root_principals() for _ in range(20)))
    assert client.tokens.mint_count == 1


async def test_token_is_refreshed_before_it_expires(make_sandbox):
    server = make_sandbox(token_ttl=2)
    statuses: list[int] = []

    async def record(response: httpx.Response) -> None:
        statuses.append(response.status_code)

    async with RkvstClient(admin_connection(server)) as api:
        api._http.event_hooks["response"].append(record)
        await api.get_root_principals()
        first_token = api.tokens.current
        assert api.tokens.mint_count == 1
        assert 1.5 < api.tokens.seconds_left() <= 2
        # 10% of 2 s before expiry the token is due: it is replaced before a request
        # could be refused, so the server never answers 401.
        await asyncio.sleep(1.85)
        await api.get_root_principals()
        assert api.tokens.mint_count == 2
        assert api.tokens.current != first_token
    assert 401 not in statuses and statuses.count(200) == 4  # two mints, two reads


async def test_a_refused_token_is_replaced_once_and_the_call_succeeds(sandbox, restart_with_new_keys):
    async with RkvstClient(admin_connection(sandbox)) as api:
        await api.get_root_principals()
        restart_with_new_keys(sandbox)  # the cached token's key is gone: the server answers 401
        principals = await api.get_root_principals()
        assert api.app_principal(sandbox.admin_client_id) in principals
        assert api.tokens.mint_count == 2


async def test_a_fixed_token_file_is_used_and_reread_after_a_401(sandbox, tmp_path, mint_token, restart_with_new_keys):
    token_file = tmp_path / "bearer_token"
    write_bearer_token_file(token_file, mint_token(sandbox))
    async with RkvstClient(Connection(sandbox.base_url, bearer_token_file=token_file)) as api:
        assert (await api.whoami()).client_id == sandbox.admin_client_id
        restart_with_new_keys(sandbox)
        write_bearer_token_file(token_file, mint_token(sandbox), overwrite=True)
        assert await api.get_root_principals()
        assert api.tokens.mint_count == 0


async def test_a_stale_fixed_token_says_which_file_to_renew(sandbox, tmp_path, mint_token, restart_with_new_keys):
    token_file = tmp_path / "bearer_token"
    old = mint_token(sandbox)
    write_bearer_token_file(token_file, old)
    restart_with_new_keys(sandbox)
    async with RkvstClient(Connection(sandbox.base_url, bearer_token_file=token_file)) as api:
        with pytest.raises(Unauthenticated) as caught:
            await api.get_root_principals()
    assert str(token_file) in str(caught.value)
    assert "rkvst-tui token --save" in caught.value.hint
    assert old not in str(caught.value) + repr(caught.value)


# -- identity ---------------------------------------------------------------------------


async def test_whoami_names_the_root_registration(client, sandbox):
    me = await client.whoami()
    assert me.client_id == sandbox.admin_client_id
    assert me.display_name == "sandbox-admin"
    assert me.is_root is True
    # The list it read to tell is handed back, so a caller showing it need not ask again.
    assert list(me.root_principals) == await client.get_root_principals()
    assert any(p.subject == sandbox.admin_client_id for p in me.root_principals)


async def test_whoami_of_a_new_registration_is_not_root(client):
    other, client_id = await _non_root(client)
    async with other:
        me = await other.whoami()
    assert (me.client_id, me.display_name, me.is_root) == (client_id, "not-root", False)
    assert me.root_principals is None  # refused: there is no list to hand back


async def test_a_non_root_caller_is_told_to_become_root(client):
    other, client_id = await _non_root(client)
    async with other:
        with pytest.raises(PermissionDenied) as caught:
            await other.list_applications_page()
    assert str(caught.value) == "this registration is not a root principal: add it to ROOT PRINCIPALS"
    assert client_id in caught.value.hint and f"{client.base_url}/appidpv1" in caught.value.hint


# -- app registrations ---------------------------------------------------------------------


async def test_create_answers_the_secret_once(client):
    created = await client.create_application("TrafficLight101", {"serial_number": "TL1000000101"})
    assert HEX64.match(created.secret)
    assert created.identity == f"applications/{created.client_id}"
    assert created.uuid == created.client_id
    assert created.custom_claims == {"serial_number": "TL1000000101"}
    assert created.valid_until.year == created.valid_from.year + 1
    assert created.secret not in repr(created)
    fetched = await client.get_application(created.client_id)
    assert fetched.secret == ""
    assert fetched.display_name == "TrafficLight101"
    assert (await client.get_application(created.identity)).client_id == created.client_id


async def test_the_new_credentials_mint_a_token(client):
    created = await client.create_application("minting", {})
    answer = await client.request_token(created.client_id, created.secret)
    assert answer.access_token


async def test_update_changes_only_what_is_given(client):
    created = await client.create_application("before", {"a": "1", "b": "2"})
    renamed = await client.update_application(created.client_id, display_name="after")
    assert (renamed.display_name, renamed.custom_claims) == ("after", {"a": "1", "b": "2"})
    reclaimed = await client.update_application(created, custom_claims={"c": "3"})
    assert (reclaimed.display_name, reclaimed.custom_claims) == ("after", {"c": "3"})
    assert reclaimed.secret == ""
    with pytest.raises(InvalidArgument):
        await client.update_application(created)


async def test_a_bad_claim_is_refused_by_the_server_with_its_reason(client):
    with pytest.raises(BadRequest) as caught:
        await client.create_application("bad", {"jit_tier": "GOLD"})
    assert caught.value.status == 400
    assert "jit_" in str(caught.value)


async def test_delete_removes_the_registration(client):
    created = await client.create_application("doomed", {})
    await client.delete_application(created.identity)
    with pytest.raises(NotFound) as caught:
        await client.get_application(created.client_id)
    assert str(caught.value) == f"app registration {created.client_id} was not found"


async def test_unknown_and_malformed_ids(client):
    with pytest.raises(NotFound):
        await client.delete_application("00000000-0000-4000-8000-000000000000")
    for bad in ("", "..", "applications/", "a/b", "x y"):
        with pytest.raises(InvalidArgument):
            await client.get_application(bad)


async def test_regenerate_replaces_the_secret_at_once(client):
    created = await client.create_application("rotating", {})
    renewed = await client.regenerate_secret(created.client_id)
    assert HEX64.match(renewed.secret) and renewed.secret != created.secret
    with pytest.raises(Unauthenticated):
        await client.request_token(created.client_id, created.secret)
    assert (await client.request_token(created.client_id, renewed.secret)).access_token


async def test_regenerating_our_own_secret_keeps_the_connection_working(client, sandbox):
    await client.get_root_principals()
    renewed = await client.regenerate_secret(sandbox.admin_client_id)
    client.tokens.invalidate()  # force a new mint, which needs the new secret
    assert await client.get_root_principals()
    assert client.connection.secret == renewed.secret


async def test_quota_reached_is_its_own_error(make_sandbox):
    server = make_sandbox(max_apps=1)
    async with RkvstClient(admin_connection(server)) as api:
        await api.create_application("one", {})
        with pytest.raises(QuotaExceeded) as caught:
            await api.create_application("two", {})
    assert str(caught.value) == "app registration quota reached"
    assert caught.value.status == 402


async def test_paging_through_250_registrations(client, sandbox):
    sandbox.store.seed_applications(250, prefix="app-")
    pages = [page async for page in client.iter_application_pages(page_size=100)]
    assert [len(p) for p in pages] == [100, 100, 51]  # 250 seeded plus sandbox-admin
    names = [app.display_name for page in pages for app in page]
    assert names[0] == "sandbox-admin"
    assert names[1:] == [f"app-{i:06d}" for i in range(1, 251)]
    assert len({app.client_id for page in pages for app in page}) == 251
    assert client.tokens.mint_count == 1


async def test_single_pages_and_the_name_filter(client, sandbox):
    sandbox.store.seed_applications(5, prefix="x-")
    await client.create_application("twin", {})
    await client.create_application("twin", {"n": "2"})
    first, token = await client.list_applications_page(page_size=2)
    assert len(first) == 2 and token
    second, _ = await client.list_applications_page(page_size=2, page_token=token)
    assert {a.client_id for a in first}.isdisjoint(a.client_id for a in second)
    twins = await client.find_applications_by_name("twin")
    assert [t.custom_claims for t in twins] == [{}, {"n": "2"}]
    assert await client.find_applications_by_name("nobody") == []
    with pytest.raises(InvalidArgument):
        await client.list_applications_page(page_size=0)


# -- root principals ------------------------------------------------------------------


async def test_make_an_app_root_and_remove_it(client):
    other, client_id = await _non_root(client, "promoted")
    principal = client.app_principal(client_id, display_name="promoted")
    after_add = await client.add_root_principal(principal)
    assert principal in after_add.principals and not after_add.concurrent and after_add.concurrent_change() == ""
    again = await client.add_root_principal(principal)
    assert again.principals == after_add.principals and not again.written  # no duplicate, nothing sent
    async with other:
        assert (await other.whoami()).is_root is True
        after_remove = await client.remove_root_principal(principal)
        assert principal not in after_remove.principals and not after_remove.concurrent
        assert (await other.whoami()).is_root is False


async def test_removing_ourselves_is_refused_before_anything_is_sent(client, sandbox):
    before = await client.get_root_principals()
    with pytest.raises(SelfRemovalRefused):
        await client.remove_root_principal(client.app_principal(sandbox.admin_client_id))
    assert await client.get_root_principals() == before


async def test_removing_a_principal_that_is_not_there(client):
    with pytest.raises(NotFound):
        await client.remove_root_principal(Principal("https://idp.example", "nobody"))


async def test_replace_the_whole_list_and_keep_every_field(client, sandbox):
    me = client.app_principal(sandbox.admin_client_id)
    bob = Principal("job.idp.server/1234", "08838336-c357-460d-902a-3aba9528dd22", "Bob Smith", "bob@job")
    answer = await client.set_root_principals([*(await client.get_root_principals()), bob])
    assert answer[-1] == bob
    assert (answer[-1].display_name, answer[-1].email) == ("Bob Smith", "bob@job")
    assert me in await client.get_root_principals()


# -- assets, keys, rate limits ------------------------------------------------------------


async def test_assets_for_root_and_for_a_new_registrations_token(client, sandbox):
    sandbox.store.add_asset({"arc_display_name": "Traffic light 1"})
    sandbox.store.add_asset({"arc_display_name": "Traffic light 2"})
    stored = [body["attributes"].get("arc_display_name", "") for _, body in sandbox.store.list_assets(limit=1000)]
    assets = await client.list_assets(page_size=1)  # one per page: paging is followed to the end
    assert [a.display_name for a in assets] == stored
    assert stored[-2:] == ["Traffic light 1", "Traffic light 2"]
    assert assets[0].extra["tracked"] == "TRACKED"  # unknown fields are kept
    created = await client.create_application("reader", {})
    token = (await client.request_token(created.client_id, created.secret)).access_token
    assert await client.list_assets(bearer_token=token) == []  # secure by default
    with pytest.raises(Unauthenticated) as caught:
        await client.list_assets(bearer_token=token[:-4] + "AAAA")
    assert "token was refused" in str(caught.value)
    assert token[:20] not in str(caught.value) + caught.value.server_message


async def test_the_sandbox_key_set(client):
    jwks = await client.fetch_jwks()
    assert jwks is not None
    assert {key["kty"] for key in jwks["keys"]} == {"RSA"}


async def test_rate_limit_is_waited_out(make_sandbox):
    server = make_sandbox(rate_limit=3)
    waits: list[float] = []

    async def recorded_sleep(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(seconds)

    async with RkvstClient(admin_connection(server), sleep=recorded_sleep) as api:
        for _ in range(8):
            await api.get_root_principals()
    assert waits, "eight calls in a row at 3 per second must have been limited"
    assert all(0 < w <= 1.0 for w in waits)


async def test_the_rate_limit_hook_is_told_before_each_wait(make_sandbox):
    """The console's "rate limited, retrying in N s" comes from here: the client is the only retrier."""
    server = make_sandbox(rate_limit=3)
    events: list[tuple[str, float, int]] = []

    async def recorded_sleep(seconds: float) -> None:
        events.append(("slept", seconds, 0))
        await asyncio.sleep(seconds)

    def told(seconds: float, attempt: int) -> None:
        events.append(("told", seconds, attempt))

    async with RkvstClient(admin_connection(server), sleep=recorded_sleep, on_rate_limit=told) as api:
        for _ in range(8):
            await api.get_root_principals()
    told_events = [event for event in events if event[0] == "told"]
    assert told_events, "eight calls in a row at 3 per second must have been limited"
    for index, event in enumerate(events):
        if event[0] == "slept":
            assert events[index - 1][:2] == ("told", event[1])  # told first, with the wait it then slept
    assert all(1 <= attempt <= 3 for _, _, attempt in told_events)


async def test_rate_limit_gives_up_with_a_clear_error(make_sandbox):
    server = make_sandbox(rate_limit=1)
    async with RkvstClient(admin_connection(server), max_rate_limit_retries=0) as api:
        with pytest.raises(RateLimited) as caught:
            for _ in range(5):
                await api.get_root_principals()
    assert caught.value.status == 429
    assert 0 < caught.value.retry_after <= 1
    assert str(caught.value).startswith("the server is rate limiting requests: try again in")


async def test_a_stopped_server_is_connection_refused(make_sandbox):
    server = make_sandbox()
    connection = admin_connection(server)
    server.stop()
    async with RkvstClient(connection, sleep=lambda s: asyncio.sleep(0)) as api:
        started = time.monotonic()
        with pytest.raises(ConnectionRefused) as caught:
            await api.get_root_principals()
    assert time.monotonic() - started < 5
    assert "connection refused" in str(caught.value)
    assert "rkvst-tui sandbox" in caught.value.hint


async def test_user_agent_names_the_tool(sandbox):
    seen: list[str] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(request.headers["user-agent"])

    async with RkvstClient(admin_connection(sandbox)) as api:
        api._http.event_hooks["request"].append(hook)
        await api.get_root_principals()
    assert seen and all(re.fullmatch(r"rkvst-tui/\d+\.\d+\.\d+.*", ua) for ua in seen)


async def test_the_sandbox_is_known_by_its_answers_but_only_on_this_machine(sandbox):
    import httpx

    from rkvst_tui.api.client import RkvstClient
    from rkvst_tui.api.connection import SANDBOX_MARKER_HEADER, Connection

    plain = Connection(sandbox.base_url, client_id=sandbox.admin_client_id, secret=sandbox.admin_secret)
    async with RkvstClient(plain) as client:
        assert not client.is_sandbox
        await client.access_token()
        assert client.is_sandbox and client.connection.base_url == sandbox.base_url
        # ...but it is not the local sandbox rkvst-tui starts, whose registrations are kept under
        # "local sandbox" whatever its port: this one's are kept under its URL (secret journal).
        assert client.connection.answered_as_sandbox and not client.connection.is_sandbox
    # A remote server that sends the marker is not believed: it could dress a real tenant as test data.
    remote = Connection("https://tenant.example.com", client_id="c", secret="s")
    answer = {"access_token": "x.y.z", "token_type": "Bearer", "expires_in": 3600}
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, json=answer, headers={SANDBOX_MARKER_HEADER: "rkvst-tui"})
    )
    async with RkvstClient(remote, transport=transport) as client:
        await client.request_token("c", "s")
        assert not client.is_sandbox
