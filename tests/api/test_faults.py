"""Faults a real server can not produce on demand, through httpx.MockTransport.

Dropped connections, DNS and TLS failures, time-outs, bodies that are not JSON or not the
contract's shape, a server that echoes secrets. Everything else is tested against the sandbox.
"""

from __future__ import annotations

import socket
import ssl

import httpx
import pytest

from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.connection import Connection
from rkvst_tui.api.errors import (
    ConnectionLost,
    ConnectionRefused,
    InvalidResponse,
    MethodNotAllowed,
    NameResolutionError,
    NetworkError,
    NotFound,
    RateLimited,
    RequestTimeout,
    ResponseTimeout,
    ServerError,
    TlsError,
)

BASE = "https://rkvst.example.test"
SECRET = "5e" * 32
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjbGllbnQtMSIsIm5hbWUiOiJhZG1pbiJ9.c2lnbmF0dXJl"
TOKEN_PATH = "/archivist/iam/v1/appidp/token"
APPS_PATH = "/archivist/iam/v1/applications"


def _token_answer() -> httpx.Response:
    return httpx.Response(200, json={"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600})


class Script:
    """A transport that answers the token endpoint and replays `answers` for everything else."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH:
            return _token_answer()
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


async def _no_sleep(seconds: float) -> None:
    _no_sleep.waits.append(seconds)


_no_sleep.waits = []


def _client(script: Script, **kwargs) -> RkvstClient:
    _no_sleep.waits = []
    connection = Connection(BASE, client_id="client-1", secret=SECRET)
    return RkvstClient(connection, transport=httpx.MockTransport(script), sleep=_no_sleep, **kwargs)


def _connect_error(cause: BaseException) -> httpx.ConnectError:
    try:
        try:
            raise cause
        except BaseException as inner:
            raise httpx.ConnectError("connect failed") from inner
    except httpx.ConnectError as outer:
        return outer


APP_ID = "0b6e4f6a-3c1d-4e55-9a7b-2f0c8d9e1a23"
APP = {
    "identity": f"applications/{APP_ID}",
    "display_name": "a",
    "client_id": APP_ID,
    "tenant_id": "tenant/t",
    "credentials": [{"secret": "", "valid_from": "2021-09-21T16:43:19Z", "valid_until": "2022-09-21T16:43:19Z"}],
    "custom_claims": {},
}


# -- network failures ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cause", "kind", "words"),
    [
        (ConnectionRefusedError(111, "Connection refused"), ConnectionRefused, "connection refused"),
        (socket.gaierror(-2, "Name or service not known"), NameResolutionError, "could not be resolved"),
        (ssl.SSLCertVerificationError(1, "certificate verify failed"), TlsError, "TLS connection"),
    ],
)
async def test_connect_failures_are_told_apart(cause, kind, words):
    script = Script(_connect_error(cause))
    async with _client(script) as api:
        with pytest.raises(kind) as caught:
            await api.get_application(APP_ID)
    assert words in str(caught.value)
    assert caught.value.request_sent is False
    assert SECRET not in str(caught.value) + caught.value.hint


async def test_a_get_is_retried_after_a_dropped_connection():
    script = Script(httpx.RemoteProtocolError("Server disconnected"), httpx.Response(200, json=APP))
    async with _client(script) as api:
        app = await api.get_application(APP_ID)
    assert app.client_id == APP_ID
    assert len(script.requests) == 2
    assert _no_sleep.waits == [0.25]


async def test_get_retries_are_bounded():
    script = Script(_connect_error(ConnectionRefusedError(111, "refused")))
    async with _client(script) as api:
        with pytest.raises(ConnectionRefused):
            await api.get_application(APP_ID)
    assert len(script.requests) == 3  # one try and max_connection_retries=2 more
    assert _no_sleep.waits == [0.25, 0.5]


async def test_a_dropped_create_is_never_retried_and_says_it_may_have_happened():
    script = Script(httpx.RemoteProtocolError("Server disconnected without sending a response."))
    async with _client(script) as api:
        with pytest.raises(ConnectionLost) as caught:
            await api.create_application("TrafficLight101", {})
    assert caught.value.request_sent is True
    assert "may have acted" in str(caught.value)
    assert len(script.requests) == 1


async def test_a_create_without_an_answer_in_time_is_a_lost_connection_too():
    script = Script(httpx.ReadTimeout("timed out"))
    async with _client(script, timeout=0.5) as api:
        with pytest.raises(ResponseTimeout) as caught:
            await api.create_application("TrafficLight101", {})
    error = caught.value
    assert isinstance(error, RequestTimeout) and isinstance(error, ConnectionLost)
    assert error.request_sent is True and "within 0.5 s" in str(error)
    assert len(script.requests) == 1


async def test_regenerate_is_never_retried():
    script = Script(httpx.ReadError("connection reset"))
    async with _client(script) as api:
        with pytest.raises(ConnectionLost):
            await api.regenerate_secret(APP_ID)
    assert len(script.requests) == 1


async def test_a_connect_timeout_means_nothing_was_sent():
    script = Script(httpx.ConnectTimeout("timed out"))
    async with _client(script, max_connection_retries=0) as api:
        with pytest.raises(RequestTimeout) as caught:
            await api.create_application("x", {})
    assert caught.value.request_sent is False
    assert not isinstance(caught.value, ConnectionLost)


# -- bodies --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (httpx.Response(200, text="<html>login</html>", headers={"content-type": "text/html"}), "not JSON (text/html)"),
        (httpx.Response(200, json=["not", "an", "object"]), "not a JSON object"),
        (httpx.Response(200, json={"applications": {"oops": 1}}), "'applications' that is not a list"),
        (httpx.Response(200, json={"applications": [{"display_name": "no identity"}]}), "has no 'identity'"),
        (httpx.Response(200, json={"applications": [dict(APP, custom_claims={"n": 1})]}), "not a string"),
        (
            httpx.Response(200, json={"applications": [dict(APP, credentials=[{"valid_from": "yesterday"}])]}),
            "not an RFC 3339 time",
        ),
    ],
)
async def test_wrong_bodies_are_invalid_responses(answer, words):
    async with _client(Script(answer)) as api:
        with pytest.raises(InvalidResponse) as caught:
            await api.list_applications_page()
    assert words in str(caught.value)


async def test_a_token_answer_without_a_token():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"token_type": "Bearer"})

    async with RkvstClient(
        Connection(BASE, client_id="c", secret=SECRET), transport=httpx.MockTransport(handler)
    ) as api:
        with pytest.raises(InvalidResponse) as caught:
            await api.access_token()
    assert "no 'access_token'" in str(caught.value)


async def test_a_page_token_that_repeats_stops_paging():
    page = httpx.Response(200, json={"applications": [APP], "next_page_token": "same"})
    async with _client(Script(page)) as api:
        with pytest.raises(InvalidResponse) as caught:
            await api.list_applications()
    assert "same page token twice" in str(caught.value)


async def test_a_redirect_is_reported_not_followed():
    answer = httpx.Response(301, headers={"location": "https://elsewhere.test/archivist"})
    async with _client(Script(answer)) as api:
        with pytest.raises(InvalidResponse) as caught:
            await api.get_root_principals()
    assert "redirected (301)" in str(caught.value)


# -- statuses ---------------------------------------------------------------------------------------


async def test_server_errors_keep_the_status_and_grpc_code():
    answer = httpx.Response(503, json={"code": 14, "message": "backend unavailable", "details": [{"@type": "x"}]})
    async with _client(Script(answer)) as api:
        with pytest.raises(ServerError) as caught:
            await api.get_root_principals()
    error = caught.value
    assert (error.status, error.grpc_code, error.server_message) == (503, 14, "backend unavailable")
    assert error.details == [{"@type": "x"}]
    assert str(error) == "the server failed (503): backend unavailable"


async def test_an_error_page_that_is_not_json_still_maps_by_status():
    answer = httpx.Response(502, text="<html>Bad gateway</html>", headers={"content-type": "text/html"})
    async with _client(Script(answer)) as api:
        with pytest.raises(ServerError) as caught:
            await api.get_root_principals()
    assert caught.value.status == 502 and "<html>" not in str(caught.value)


async def test_unknown_route_and_wrong_method():
    async with _client(Script(httpx.Response(404, json={"code": 5, "message": "Not Found"}))) as api:
        with pytest.raises(NotFound) as caught:
            await api.get_root_principals()
    assert "the server has no /archivist/v1/tenancies/root_principals" in str(caught.value)
    async with _client(Script(httpx.Response(501, json={"code": 12, "message": "Method Not Allowed"}))) as api:
        with pytest.raises(MethodNotAllowed) as caught:
            await api.get_root_principals()
    assert "does not allow GET" in str(caught.value)


async def test_a_server_that_echoes_secrets_has_them_scrubbed():
    echo = httpx.Response(400, json={"code": 3, "message": f"bad secret {SECRET} with token {TOKEN}"})
    async with _client(Script(echo)) as api:
        with pytest.raises(Exception) as caught:
            await api.create_application("x", {})
    text = str(caught.value) + repr(caught.value) + caught.value.server_message
    assert SECRET not in text and TOKEN not in text and "***" in text


async def test_a_long_rate_limit_wait_is_not_slept_through():
    answer = httpx.Response(
        429, json={"code": 8, "message": "slow down"}, headers={"Archivist-Rate-Limit-Reset": "3600"}
    )
    async with _client(Script(answer)) as api:
        with pytest.raises(RateLimited) as caught:
            await api.get_root_principals()
    assert caught.value.retry_after == 3600
    assert _no_sleep.waits == []
    assert "try again in 3600 s" in str(caught.value)


async def test_rate_limit_retries_are_bounded_and_safe_for_a_create():
    limited = httpx.Response(429, json={"code": 8, "message": "slow down"}, headers={"Archivist-Rate-Limit-Reset": "2"})
    script = Script(limited, limited, httpx.Response(200, json=dict(APP, credentials=[{"secret": SECRET}])))
    async with _client(script) as api:
        created = await api.create_application("a", {})
    assert created.secret == SECRET
    assert _no_sleep.waits == [2.0, 2.0]
    script = Script(limited)
    async with _client(script) as api:
        with pytest.raises(RateLimited):
            await api.get_root_principals()
    assert len(script.requests) == 4 and _no_sleep.waits == [2.0, 2.0, 2.0]


async def test_key_set_absent_or_broken_is_none():
    for answer in (
        httpx.Response(404, json={"code": 5, "message": "Not Found"}),
        httpx.Response(200, text="nope"),
        httpx.Response(200, json={"keys": "x"}),
        httpx.ConnectError("refused"),
    ):

        def handler(request: httpx.Request, answer=answer) -> httpx.Response:
            if isinstance(answer, Exception):
                raise answer
            return answer

        async with RkvstClient(Connection(BASE), transport=httpx.MockTransport(handler)) as api:
            assert await api.fetch_jwks() is None


async def test_every_network_error_is_a_network_error():
    for exc in (httpx.WriteError("w"), httpx.PoolTimeout("p"), httpx.ProxyError("proxy")):
        async with _client(Script(exc), max_connection_retries=0) as api:
            with pytest.raises(NetworkError):
                await api.create_application("x", {})


async def test_an_unreachable_network_is_not_called_refused():
    script = Script(_connect_error(OSError(101, "Network is unreachable")))
    async with _client(script, max_connection_retries=0) as api:
        with pytest.raises(ConnectionRefused) as caught:
            await api.get_root_principals()
    assert str(caught.value) == "could not connect to rkvst.example.test (network is unreachable)"
