"""The sandbox's HTTP plumbing: one send per answer, and no trust in X-Forwarded-* headers."""

from __future__ import annotations

import asyncio

import httpx
import jwt

from rkvst_tui.sandbox.server import _CoalescingTransport

TOKEN_PATH = "/archivist/iam/v1/appidp/token"


class RecordingTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_extra_info(self, name: str, default=None):
        return ("127.0.0.1", 1234) if name == "peername" else default


async def test_writes_of_one_loop_step_leave_as_one_send():
    real = RecordingTransport()
    transport = _CoalescingTransport(real)
    transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
    transport.write(b"{}")
    assert real.writes == []  # nothing sent before the step ends
    await asyncio.sleep(0)
    assert real.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"]
    transport.write(b"next answer")
    await asyncio.sleep(0)
    assert real.writes[-1] == b"next answer" and len(real.writes) == 2
    assert transport.get_extra_info("peername") == ("127.0.0.1", 1234)  # the rest is the real transport's


async def test_close_sends_what_was_written_first_and_abort_drops_it():
    real = RecordingTransport()
    transport = _CoalescingTransport(real)
    transport.write(b"last words")
    transport.close()
    assert real.writes == [b"last words"] and real.closed
    await asyncio.sleep(0)  # the scheduled flush finds nothing more to send
    assert real.writes == [b"last words"]

    dropped = RecordingTransport()
    transport = _CoalescingTransport(dropped)
    transport.write(b"never sent")
    transport.abort()
    await asyncio.sleep(0)
    assert dropped.writes == [] and dropped.aborted


def test_a_forwarded_scheme_does_not_change_the_issuer(sandbox):
    """Nothing proxies the sandbox: a client's X-Forwarded-Proto is not believed."""
    answer = httpx.post(
        sandbox.base_url + TOKEN_PATH,
        data={
            "grant_type": "client_credentials",
            "client_id": sandbox.admin_client_id,
            "client_secret": sandbox.admin_secret,
        },
        headers={"X-Forwarded-Proto": "https"},
        timeout=10,
    )
    claims = jwt.decode(answer.json()["access_token"], options={"verify_signature": False})
    assert claims["iss"] == sandbox.base_url + "/appidpv1"


def test_keep_alive_answers_arrive_whole(sandbox):
    """Many answers on one connection, each complete and parseable (the joined writes keep framing)."""
    with httpx.Client(base_url=sandbox.base_url, timeout=10) as http:
        form = {
            "grant_type": "client_credentials",
            "client_id": sandbox.admin_client_id,
            "client_secret": sandbox.admin_secret,
        }
        tokens = {http.post(TOKEN_PATH, data=form).json()["access_token"] for _ in range(50)}
        headers = {"Authorization": f"Bearer {tokens.pop()}"}
        listing = http.get("/archivist/iam/v1/applications", params={"page_size": 1000}, headers=headers)
    assert len(tokens) == 49 and listing.status_code == 200 and listing.json()["applications"]
