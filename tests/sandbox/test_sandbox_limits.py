"""The sandbox holds under abuse: request bodies, headers and JSON nesting are bounded.

Over real HTTP (raw sockets where httpx would not send the abuse): a body over 1 MiB gets
413 with the contract's status JSON before authentication, with or without Content-Length;
headers over 32 KiB get 431 and the connection is closed, however slowly they come; a JSON
body nested deeper than 32 levels gets 400; headers or a body that take too long get 408. And four concurrent 200 MB unauthenticated bodies
to the token endpoint leave the sandbox (in a process of its own, its peak RSS measured) small.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sandbox_helpers import APPS

from rkvst_tui.sandbox import limits
from rkvst_tui.sandbox.limits import MAX_BODY_BYTES, MAX_HEADER_BYTES, MAX_JSON_DEPTH
from rkvst_tui.sandbox.server import SandboxServer

TOKEN = "/archivist/iam/v1/appidp/token"
MIB = 1 << 20
FORM = "application/x-www-form-urlencoded"


def _status_json(answer: httpx.Response, status: int, code: int, words: str) -> dict:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["code"] == code and words in body["message"] and body["details"] == []
    return body


# -- bodies ------------------------------------------------------------------------------


def test_a_body_over_1_mib_is_refused_before_authentication(shared_sandbox: SandboxServer) -> None:
    big = b"a" * (MAX_BODY_BYTES + 1)
    base = shared_sandbox.base_url
    answer = httpx.post(base + TOKEN, content=big, headers={"Content-Type": FORM})
    body = _status_json(answer, 413, 8, "larger than 1 MiB")
    assert body["error"] == "invalid_request"  # the token endpoint's RFC 6749 fields too
    # A management path: 413, not the 401 an unauthenticated request would get.
    answer = httpx.post(base + APPS, content=big, headers={"Content-Type": "application/json"})
    _status_json(answer, 413, 8, "larger than 1 MiB")
    assert answer.headers["connection"] == "close"


def test_a_chunked_body_without_length_is_cut_off_at_1_mib(shared_sandbox: SandboxServer) -> None:
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        for _ in range(64):  # 4 MiB offered
            sent += 64 << 10
            yield b"a" * (64 << 10)

    try:
        answer = httpx.post(shared_sandbox.base_url + APPS, content=chunks(), headers={"Content-Type": FORM})
    except httpx.WriteError:  # the sandbox closed while httpx was still sending: ask with a raw socket
        pytest.fail("httpx could not read the answer")
    assert "content-length" not in answer.request.headers
    _status_json(answer, 413, 8, "larger than 1 MiB")


def test_a_body_of_exactly_1_mib_reaches_the_app(shared_sandbox: SandboxServer) -> None:
    answer = httpx.post(shared_sandbox.base_url + TOKEN, content=b"a" * MAX_BODY_BYTES, headers={"Content-Type": FORM})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"  # the app's own answer
    assert "grant_type" in answer.json()["message"]


def test_json_nested_too_deeply_is_a_bad_request(shared_api: httpx.Client) -> None:
    for depth in (MAX_JSON_DEPTH + 1, 100_000):
        nested = "[" * depth + "]" * depth
        answer = shared_api.post(
            APPS, content=f'{{"display_name": {nested}}}', headers={"Content-Type": "application/json"}
        )
        _status_json(answer, 400, 3, f"nests deeper than {MAX_JSON_DEPTH} levels")


def test_brackets_inside_strings_are_not_nesting(shared_api: httpx.Client) -> None:
    name = '[{"' * 40 + '\\"]'  # quotes escaped inside the string do not end it
    answer = shared_api.post(APPS, json={"display_name": name, "custom_claims": {"serial_number": "[" * 100}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["display_name"] == name
    shared_api.delete(f"{APPS}/{answer.json()['client_id']}")


# -- headers -----------------------------------------------------------------------------


@dataclass
class RawAnswer:
    status: int
    headers: dict[str, str]
    body: bytes
    sent: int = 0
    errors: list[str] = field(default_factory=list)

    def json(self) -> dict:
        return json.loads(self.body)


def _parse(data: bytes) -> RawAnswer:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    status = int(lines[0].split(" ")[1]) if lines[0].startswith("HTTP/") else 0
    return RawAnswer(status, headers, body)


def _raw_exchange(base_url: str, head: bytes, pieces: Iterator[bytes], pause: float = 0.0) -> RawAnswer:
    """Send `head`, then `pieces` (until the server closes), while reading the answer on a thread."""
    host, port = base_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    received = bytearray()

    def read() -> None:
        try:
            while chunk := sock.recv(65536):
                received.extend(chunk)
        except OSError:
            pass

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    sent, errors = 0, []
    try:
        sock.sendall(head)
        sent += len(head)
        for piece in pieces:
            sock.sendall(piece)
            sent += len(piece)
            if pause:
                time.sleep(pause)
    except OSError as exc:  # the server closed: what a limit does
        errors.append(type(exc).__name__)
    reader.join(timeout=30)
    sock.close()
    answer = _parse(bytes(received))
    answer.sent, answer.errors = sent, errors
    return answer


def test_headers_over_32_kib_get_431(shared_sandbox: SandboxServer) -> None:
    head = (f"GET {APPS} HTTP/1.1\r\nHost: x\r\nX-Padding: {'a' * MAX_HEADER_BYTES}\r\n\r\n").encode()
    answer = _raw_exchange(shared_sandbox.base_url, head, iter(()))
    assert answer.status == 431 and answer.headers["connection"] == "close"
    assert answer.json()["code"] == 8 and "larger than 32 KiB" in answer.json()["message"]


def test_headers_that_never_end_are_cut_off(shared_sandbox: SandboxServer) -> None:
    """An 8 MB header offered in 4 KiB pieces: refused after about 32 KiB, not buffered."""
    head = f"GET {APPS} HTTP/1.1\r\nHost: x\r\nX-Padding: ".encode()
    pieces = (b"a" * 4096 for _ in range(2048))
    answer = _raw_exchange(shared_sandbox.base_url, head, pieces, pause=0.001)
    assert answer.status == 431
    assert answer.sent < 4 * MIB, f"the sandbox kept reading: {answer.sent} bytes sent"


def test_headers_a_real_client_sends_are_accepted(shared_sandbox: SandboxServer, shared_api: httpx.Client) -> None:
    answer = shared_api.get(APPS, headers={"X-Padding": "a" * (16 << 10)})
    assert answer.status_code == 200
    assert shared_api.get(APPS).status_code == 200  # and the keep-alive connection goes on


# -- time ---------------------------------------------------------------------------------


@pytest.fixture
def quick_limits(monkeypatch: pytest.MonkeyPatch) -> float:
    """Head and body time limits of half a second (10 s and 30 s by default), read per request."""
    monkeypatch.setattr(limits, "HEAD_SECONDS", 0.5)
    monkeypatch.setattr(limits, "BODY_SECONDS", 0.5)
    return 0.5


def _timed(
    base_url: str, head: bytes, pieces: Iterator[bytes] | None = None, pause: float = 0.0
) -> tuple[RawAnswer, float]:
    started = time.monotonic()
    answer = _raw_exchange(base_url, head, iter(()) if pieces is None else pieces, pause)
    return answer, time.monotonic() - started


def test_a_connection_that_sends_nothing_is_closed(sandbox: SandboxServer, quick_limits: float) -> None:
    answer, elapsed = _timed(sandbox.base_url, b"")
    assert answer.status == 408 and "did not arrive within 0.5 s" in answer.json()["message"]
    assert elapsed < quick_limits + 1.5


def test_headers_that_drip_are_cut_off_in_time(sandbox: SandboxServer, quick_limits: float) -> None:
    """Under the size limit but a byte every 0.1 s: a connection held for ever, but for the time limit."""
    answer, elapsed = _timed(
        sandbox.base_url, f"GET {APPS} HTTP/1.1\r\nHost: x\r\nX-Slow: ".encode(), (b"a" for _ in range(600)), pause=0.1
    )
    assert answer.status == 408 and answer.headers["connection"] == "close"
    assert answer.json() == {
        "code": 3,
        "message": "the request line and headers did not arrive within 0.5 s",
        "details": [],
    }
    assert elapsed < quick_limits + 1.5


def test_a_body_that_never_comes_gets_408(sandbox: SandboxServer, quick_limits: float) -> None:
    head = f"POST {TOKEN} HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\nContent-Length: 100\r\n\r\n".encode()
    answer, elapsed = _timed(sandbox.base_url, head, (b"a" for _ in range(5)), pause=0.5)
    assert answer.status == 408
    assert answer.json()["message"] == "the request body did not arrive within 0.5 s"
    assert answer.json()["error"] == "invalid_request"
    assert elapsed < 5 * 0.5 + 1.5


def test_an_idle_kept_alive_connection_is_not_timed_out(
    sandbox: SandboxServer, quick_limits: float, admin_token: str
) -> None:
    with httpx.Client(base_url=sandbox.base_url, headers={"Authorization": f"Bearer {admin_token}"}) as client:
        assert client.get(APPS).status_code == 200
        time.sleep(quick_limits * 3)  # idle: the time limit counts from a request's first byte
        assert client.get(APPS).status_code == 200
        slow = httpx.Timeout(5.0)
        assert (
            client.post(
                TOKEN,
                data={
                    "grant_type": "client_credentials",
                    "client_id": sandbox.admin_client_id,
                    "client_secret": sandbox.admin_secret,
                },
                timeout=slow,
            ).status_code
            == 200
        )


# -- four 200 MB bodies at once ----------------------------------------------------------

SERVE = """
import sys
from pathlib import Path
from rkvst_tui.sandbox.server import SandboxServer
server = SandboxServer(Path(sys.argv[1]), port=0).start()
print(server.base_url, flush=True)
sys.stdin.read()
server.stop()
"""


def _resident_kib(pid: int, field_name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise LookupError(field_name)


@pytest.fixture
def sandbox_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(tmp_path / "data")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:"), base_url
        yield process, base_url
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_four_200_mb_bodies_at_once_leave_the_sandbox_small(sandbox_process) -> None:
    process, base_url = sandbox_process
    httpx.get(base_url + "/appidpv1/.well-known/jwks.json").raise_for_status()  # warmed up
    Path(f"/proc/{process.pid}/clear_refs").write_text("5")  # its peak RSS from here on
    before = _resident_kib(process.pid, "VmRSS")
    size, piece = 200 * MIB, b"a" * (64 << 10)
    heads = [
        f"POST {TOKEN} HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\nContent-Length: {size}\r\n\r\n".encode(),
        f"POST {TOKEN} HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\nTransfer-Encoding: chunked\r\n\r\n".encode(),
    ] * 2
    chunked = b"%x\r\n%s\r\n" % (len(piece), piece)
    answers: list[RawAnswer] = [None] * 4  # type: ignore[list-item]
    started = time.monotonic()

    def attack(i: int) -> None:
        body = chunked if b"chunked" in heads[i] else piece
        answers[i] = _raw_exchange(base_url, heads[i], (body for _ in range(size // len(piece))))

    threads = [threading.Thread(target=attack, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.monotonic() - started
    growth = _resident_kib(process.pid, "VmHWM") - before
    sent = sum(a.sent for a in answers)
    print(
        f"4 x 200 MB bodies: sandbox peak RSS +{growth / 1024:.1f} MiB over {before / 1024:.0f} MiB, "
        f"{sent / MIB:.1f} MiB accepted of 800, all answered in {elapsed:.2f} s"
    )
    assert [a.status for a in answers] == [413] * 4, answers
    assert all("larger than 1 MiB" in a.json()["message"] for a in answers)
    assert growth < 32 << 10, f"the sandbox grew by {growth} KiB"
    assert sent < 100 * MIB  # the sandbox stopped reading each one early
    token = httpx.post(
        base_url + TOKEN, data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}
    )
    assert token.status_code == 401  # still serving, and still authenticating
