"""A hostile or broken server cannot exhaust the client: answers are capped, requests have a deadline.

A loopback server of the test's own (hostile_server.py) sends an endless chunked body, a
10 GiB Content-Length, a gzip bomb, 500,000 nested arrays, a body that drips a byte a
second, and headers that never end, to the token request, to a list call and to the CLI's
`rkvst-tui token`. Each must end with a clear error within the deadline, and the peak
resident memory of the process that made the call must grow by little (the calls run in
processes of their own, so that pytest's memory is not counted; the figures are printed).

And an app registration whose client_id is not the uuid of its identity (a hostile server's
`x";touch /tmp/pwned;echo "`) is a malformed answer, so it never reaches a snippet.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from hostile_server import MAX_SEND, HostileServer, gzip_bomb
from security_helpers import NOTES

from rkvst_tui.api.client import MAX_RESPONSE_BYTES, RkvstClient
from rkvst_tui.api.connection import Connection
from rkvst_tui.api.errors import InvalidResponse, RequestTimeout, ResponseTimeout, ServerError, may_have_acted

TOKEN = "/archivist/iam/v1/appidp/token"
APPS = "/archivist/iam/v1/applications"
JWKS = "/appidpv1/.well-known/jwks.json"
PROBE = Path(__file__).with_name("hostile_probe.py")
CLI = Path(sys.executable).with_name("rkvst-tui")
CLIENT_ID = "0b6e4f6a-3c1d-4e55-9a7b-2f0c8d9e1a23"
DEADLINE = 1.0  # seconds; the default is 30
SLACK = 2.0  # seconds past the deadline an error may take to arrive
MEMORY_BOUND_KIB = 24 << 10  # growth of the peak RSS; the cap is 4 MiB

TOO_LARGE = ("InvalidResponse", "larger than 4 MiB")
TOO_SLOW = ("ResponseTimeout", f"within {DEADLINE:g} s")
EXPECTED = {
    "endless": TOO_LARGE,
    "huge": TOO_LARGE,
    "gzip_bomb": TOO_LARGE,
    "deep_json": ("InvalidResponse", "nested too deeply"),
    "drip": TOO_SLOW,
    "slow_headers": TOO_SLOW,
    "endless_headers": ("InvalidResponse", "headers larger than 100 KiB"),
}
SLOW = {"drip", "slow_headers"}


@dataclass
class Run:
    """One process run to its end: exit code, output, seconds and peak resident memory."""

    code: int
    stdout: str
    stderr: str
    seconds: float  # the process's whole life, start-up included
    peak_kib: int  # of that process alone


# Runs a command and writes its exit status and peak RSS (wait4) to the file in argv[1]. A
# launcher of its own because a child's peak counts what it shared with its parent before it
# exec'd: forked from pytest (~100 MiB) every child would seem to need that much.
LAUNCHER = """
import json, os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as report:
    json.dump({"code": os.waitstatus_to_exitcode(status), "peak_kib": usage.ru_maxrss}, report)
"""


def _run(command: list[str], env: dict[str, str] | None, tmp_path: Path) -> Run:
    out, err, report = tmp_path / "out", tmp_path / "err", tmp_path / "report.json"
    with open(out, "wb") as out_file, open(err, "wb") as err_file:
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-c", LAUNCHER, str(report), *command],
            stdout=out_file,
            stderr=err_file,
            stdin=subprocess.DEVNULL,
            env=env,
            timeout=120,
            check=True,
        )
        seconds = time.monotonic() - started
    result = json.loads(report.read_text())
    return Run(result["code"], out.read_text(), err.read_text(), seconds, result["peak_kib"])


TOKEN_CASES = list(EXPECTED)
LIST_CASES = ["endless", "huge", "drip"]


@dataclass
class Probe:
    outcome: dict
    server: HostileServer
    path: str


@pytest.fixture(scope="module")
def probes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Probe]]:
    """Every token and list case, one after another in one probe process (hostile_probe.py)."""
    gzip_bomb()  # made before any call is timed
    cases = [("token", TOKEN, b) for b in TOKEN_CASES] + [("list", APPS, b) for b in LIST_CASES]
    servers = [HostileServer({path: behaviour}).__enter__() for _, path, behaviour in cases]
    try:
        command = [sys.executable, str(PROBE), str(DEADLINE)]
        for (operation, _, _), server in zip(cases, servers):
            command += [operation, server.base_url]
        run = _run(command, None, tmp_path_factory.mktemp("probes"))
        assert run.code == 0, run.stderr
        outcomes = json.loads(run.stdout)
        yield {
            f"{operation}-{behaviour}": Probe(outcome, server, path)
            for (operation, path, behaviour), server, outcome in zip(cases, servers, outcomes)
        }
    finally:
        for server in servers:
            server.__exit__(None, None, None)


def _check(behaviour: str, probe: Probe, what: str) -> dict:
    outcome = probe.outcome
    kind, words = EXPECTED[behaviour]
    growth = outcome["rss_growth_kib"]
    offered = probe.server.sent_bytes(probe.path)
    NOTES[f"hostile server, {what}, {behaviour}"] = (
        f"{outcome['error']} after {outcome['seconds']:.2f} s, peak RSS +{growth / 1024:.1f} MiB, "
        f"{offered / 2**20:.1f} MiB offered"
    )
    print(f"{what} / {behaviour}: {outcome}")
    assert outcome["error"] == kind and words in outcome["message"], outcome
    assert "is http://127.0.0.1" in outcome["hint"] or "RKVST_TUI_DEADLINE" in outcome["hint"], outcome
    limit = DEADLINE + SLACK if behaviour in SLOW else SLACK
    assert outcome["seconds"] <= limit, outcome
    assert growth < MEMORY_BOUND_KIB, outcome
    if behaviour in ("endless", "huge", "endless_headers"):
        assert offered < MAX_SEND, "the client read the whole flood instead of stopping"
    return outcome


@pytest.mark.parametrize("behaviour", TOKEN_CASES)
def test_the_token_request_is_bounded(behaviour: str, probes: dict[str, Probe]) -> None:
    probe = probes[f"token-{behaviour}"]
    outcome = _check(behaviour, probe, "token request")
    assert outcome["may_have_acted"]  # an answer came, or may have: look before acting again
    assert probe.server.requests(TOKEN) == 1


@pytest.mark.parametrize("behaviour", LIST_CASES)
def test_a_list_call_is_bounded(behaviour: str, probes: dict[str, Probe]) -> None:
    probe = probes[f"list-{behaviour}"]
    _check(behaviour, probe, "list call")
    assert probe.server.requests(APPS) == 1  # a time-out or a broken answer is not retried


async def test_a_create_that_times_out_is_never_sent_again() -> None:
    with HostileServer({APPS: "drip"}) as server:
        connection = Connection(server.base_url, client_id=CLIENT_ID, secret="5e" * 32)
        async with RkvstClient(connection, deadline=DEADLINE) as client:
            started = time.monotonic()
            with pytest.raises(ResponseTimeout) as caught:
                await client.create_application("TrafficLight101")
            elapsed = time.monotonic() - started
        assert elapsed <= DEADLINE + SLACK
        assert caught.value.request_sent and may_have_acted(caught.value)
        assert "may have acted" in caught.value.message
        assert server.requests(APPS) == 1


async def test_an_endless_error_page_still_reports_the_status() -> None:
    with HostileServer({APPS: "endless_error"}) as server:
        connection = Connection(server.base_url, client_id=CLIENT_ID, secret="5e" * 32)
        async with RkvstClient(connection, deadline=DEADLINE, max_connection_retries=0) as client:
            started = time.monotonic()
            with pytest.raises(ServerError) as caught:
                await client.list_applications()
            elapsed = time.monotonic() - started
        assert caught.value.status == 500 and "the server failed (500)" in caught.value.message
        assert elapsed <= SLACK and server.sent_bytes(APPS) < MAX_SEND


@pytest.mark.parametrize("behaviour", ["endless", "drip"])
async def test_the_key_set_fetch_is_bounded(behaviour: str) -> None:
    with HostileServer({JWKS: behaviour}) as server:
        async with RkvstClient(Connection(server.base_url), deadline=DEADLINE) as client:
            started = time.monotonic()
            assert await client.fetch_jwks() is None  # the inspector then says NOT CHECKED
            elapsed = time.monotonic() - started
        assert elapsed <= DEADLINE + SLACK and server.sent_bytes(JWKS) < MAX_SEND


@pytest.fixture
def unanswering_port() -> Iterator[int]:
    """A loopback port whose listen queue is full, so that a new connection hangs in connect."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    time.sleep(0.1)
    yield port
    for filler in fillers:
        filler.close()
    listener.close()


async def test_a_deadline_reached_while_connecting_means_nothing_was_sent(unanswering_port: int) -> None:
    connection = Connection(f"http://127.0.0.1:{unanswering_port}", client_id=CLIENT_ID, secret="5e" * 32)
    async with RkvstClient(connection, deadline=DEADLINE, max_connection_retries=0) as client:
        started = time.monotonic()
        with pytest.raises(RequestTimeout) as caught:
            await client.create_application("TrafficLight101")
        elapsed = time.monotonic() - started
    assert not isinstance(caught.value, ResponseTimeout)
    assert not caught.value.request_sent and not may_have_acted(caught.value)
    assert f"took longer than {DEADLINE:g} s" in caught.value.message
    assert elapsed <= DEADLINE + SLACK


def test_the_defaults_are_sane() -> None:
    client = RkvstClient(Connection("http://127.0.0.1:1"))
    assert client.max_response_bytes == MAX_RESPONSE_BYTES == 4 << 20
    assert client.deadline == 30.0


# -- the command line --------------------------------------------------------------------


def _cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RKVST_", "DATATRAILS_", "BEARER_TOKEN"))}
    for name in ("RKVST_TUI_CONFIG_DIR", "RKVST_TUI_DATA_DIR", "RKVST_TUI_STATE_DIR"):
        env[name] = str(tmp_path / name.lower())
    env.update({"RKVST_CLIENT_ID": CLIENT_ID, "RKVST_CLIENT_SECRET": "5e" * 32, "RKVST_TUI_DEADLINE": str(DEADLINE)})
    env.update(extra)
    return env


CLI_CASES = ["endless", "huge", "drip"]


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Run, HostileServer]]:
    """`rkvst-tui token` against each hostile server, and against a good one (the baseline)."""
    tmp_path = tmp_path_factory.mktemp("cli")
    runs = {}
    for name in ["good", *CLI_CASES, "bad-deadline"]:
        with HostileServer({TOKEN: "good" if name == "bad-deadline" else name}) as server:
            env = _cli_env(tmp_path, RKVST_URL=server.base_url)
            if name == "bad-deadline":
                env["RKVST_TUI_DEADLINE"] = "soon"
            runs[name] = (_run([str(CLI), "token"], env, tmp_path), server)
    return runs


@pytest.mark.parametrize("behaviour", CLI_CASES)
def test_the_cli_token_command_is_bounded(behaviour: str, cli_runs: dict[str, tuple[Run, HostileServer]]) -> None:
    (baseline, _), (run, server) = cli_runs["good"], cli_runs[behaviour]
    assert baseline.code == 0, baseline.stderr
    err, offered = run.stderr, server.sent_bytes(TOKEN)
    growth = run.peak_kib - baseline.peak_kib
    NOTES[f"hostile server, rkvst-tui token, {behaviour}"] = (
        f"exit {run.code} after {run.seconds:.2f} s (start-up included), peak RSS {run.peak_kib / 1024:.0f} MiB "
        f"({growth / 1024:+.1f} MiB on a good answer's), {offered / 2**20:.1f} MiB offered"
    )
    print(
        f"cli / {behaviour}: exit {run.code}, {run.seconds:.2f} s, peak {run.peak_kib} KiB, growth {growth} KiB\n{err}"
    )
    kind, words = EXPECTED[behaviour]
    assert run.code == 1
    assert err.startswith("error: ") and words in err and "Traceback" not in err
    assert run.seconds <= (DEADLINE if behaviour in SLOW else 0) + SLACK + 3.0  # + the CLI's start-up
    assert growth < MEMORY_BOUND_KIB
    if behaviour != "drip":
        assert offered < MAX_SEND


def test_a_deadline_that_is_not_a_number_is_a_configuration_error(
    cli_runs: dict[str, tuple[Run, HostileServer]],
) -> None:
    run, server = cli_runs["bad-deadline"]
    assert server.requests(TOKEN) == 0
    assert run.code == 2
    assert "RKVST_TUI_DEADLINE='soon' is not a number of seconds" in run.stderr and "Traceback" not in run.stderr


# -- ids that would be pasted --------------------------------------------------------------

UUID = "0b6e4f6a-3c1d-4e55-9a7b-2f0c8d9e1a23"
OTHER_UUID = "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065"
HOSTILE_IDS = [
    (f"applications/{UUID}", 'x";touch /tmp/pwned;echo "', "is not a uuid"),
    (f"applications/{UUID}", f"{UUID}\x1b]52;c;cHduZWQ=\x07", "is not a uuid"),
    (f"applications/{UUID}", f"{UUID} ", "is not a uuid"),
    (f"applications/{UUID}", "", "is not a uuid"),
    (f"applications/{UUID}", OTHER_UUID, f"differs from its identity's {UUID}"),
    ("applications/../../tenancies", "../../tenancies", "is not applications/<uuid>"),
    (f"assets/{UUID}", UUID, "is not applications/<uuid>"),
]


def _application(identity: str, client_id: str) -> dict:
    return {
        "identity": identity,
        "display_name": "TrafficLight101",
        "client_id": client_id,
        "tenant_id": "tenant/t",
        "credentials": [{"secret": "5e" * 32, "valid_from": "", "valid_until": ""}],
        "custom_claims": {},
    }


def _hostile_service(application: dict) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN:
            return httpx.Response(200, json={"access_token": "eyJ0.eyJ0.c2ln", "expires_in": 3600})
        if request.method == "GET" and request.url.path == APPS:
            return httpx.Response(200, json={"applications": [application], "next_page_token": ""})
        return httpx.Response(200, json=application)

    return httpx.MockTransport(answer)


@pytest.mark.parametrize("operation", ["list", "get", "create"])
@pytest.mark.parametrize(("identity", "client_id", "words"), HOSTILE_IDS)
async def test_an_id_that_is_not_the_registrations_uuid_is_a_malformed_answer(
    operation: str,
    identity: str,
    client_id: str,
    words: str,
) -> None:
    connection = Connection("https://rkvst.example.test", client_id=CLIENT_ID, secret="5e" * 32)
    transport = _hostile_service(_application(identity, client_id))
    async with RkvstClient(connection, transport=transport) as client:
        with pytest.raises(InvalidResponse) as caught:
            if operation == "list":
                await client.list_applications()
            elif operation == "get":
                await client.get_application(UUID)
            else:
                await client.create_application("TrafficLight101")
    message = caught.value.message
    assert words in message
    assert "\x1b" not in message and "\x07" not in message  # shown escaped, if at all
    assert may_have_acted(caught.value)  # a create may have been made: the console looks it up


async def test_the_registrations_own_uuid_is_accepted() -> None:
    connection = Connection("https://rkvst.example.test", client_id=CLIENT_ID, secret="5e" * 32)
    transport = _hostile_service(_application(f"applications/{UUID}", UUID))
    async with RkvstClient(connection, transport=transport) as client:
        assert [app.client_id for app in await client.list_applications()] == [UUID]
        assert (await client.create_application("TrafficLight101")).client_id == UUID
