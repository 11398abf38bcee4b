"""Load and durability of the sandbox, run as a subprocess (`python -m rkvst_tui.sandbox.runner`).

Eight concurrent clients send mixed traffic over loopback (token, list, create, delete) for
RKVST_LOAD_SECONDS (20 s by default, 60 for the full run). Every acknowledged create and
delete is tracked and compared with a final full listing: no 5xx, nothing lost, nothing
doubled. Then the same traffic runs while the sandbox is killed with SIGKILL and restarted on
the same data dir: every acknowledged write must be there afterwards and no acknowledged
delete may come back. Requests whose answer the kill swallowed are "in doubt": they may or
may not have happened, but never twice.

`pytest -s tests/reliability/test_load.py` prints the figures (requests, rps, p50/p99, errors).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.connection import Connection

APPS = "/archivist/iam/v1/applications"
TOKEN = "/archivist/iam/v1/appidp/token"
CLIENTS = 8
LOAD_SECONDS = float(os.environ.get("RKVST_LOAD_SECONDS", "20"))
KILL_PHASE_SECONDS = 8.0
REPO = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- the sandbox process


class SandboxProcess:
    """`python -m rkvst_tui.sandbox.runner` on a data dir; output goes to files (a full pipe would
    stall the server)."""

    def __init__(self, data_dir: Path, logs: Path, port: int = 0) -> None:
        self.data_dir, self.logs, self.port = data_dir, logs, port
        self.process: subprocess.Popen | None = None
        self.base_url = ""
        self.starts = 0

    def start(self, timeout: float = 20.0) -> None:
        self.starts += 1
        out = self.logs / f"sandbox-{self.starts}.out"
        err = self.logs / f"sandbox-{self.starts}.err"
        with out.open("w") as stdout, err.open("w") as stderr:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "rkvst_tui.sandbox.runner",
                    "--port",
                    str(self.port),
                    "--data-dir",
                    str(self.data_dir),
                ],
                stdout=stdout,
                stderr=stderr,
                stdin=subprocess.DEVNULL,
                cwd=REPO,
            )
        deadline = time.monotonic() + timeout
        marker = "RKVST sandbox listening on "
        while time.monotonic() < deadline:
            for line in out.read_text().splitlines():
                if line.startswith(marker):
                    self.base_url = line.removeprefix(marker).strip()
                    self.port = int(self.base_url.rsplit(":", 1)[1])
                    return
            if self.process.poll() is not None:
                raise AssertionError(f"the sandbox exited {self.process.returncode}: {err.read_text()[-2000:]}")
            time.sleep(0.05)
        raise AssertionError("the sandbox did not print its address in time")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)  # no chance to flush or close anything
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def credentials(self) -> tuple[str, str]:
        lines = dict(
            line.split("=", 1)
            for line in (self.data_dir / "admin-credentials.env").read_text().splitlines()
            if "=" in line
        )
        return lines["CLIENT_ID"], lines["SECRET"]


# --------------------------------------------------------------------------- the load


@dataclass
class Ledger:
    """What the clients were told: acknowledged writes, and writes whose answer was lost."""

    acked_creates: dict[str, str] = field(default_factory=dict)  # display name -> client id
    acked_deletes: set[str] = field(default_factory=set)  # client ids
    doubtful_creates: set[str] = field(default_factory=set)  # display names
    refused_creates: set[str] = field(default_factory=set)  # never reached the server: must not exist
    doubtful_deletes: set[str] = field(default_factory=set)  # client ids
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    by_kind: Counter = field(default_factory=Counter)
    network_errors: Counter = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0

    def figures(self, title: str) -> str:
        rps = self.requests / self.seconds if self.seconds else 0.0
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(self.by_kind.items()))
        return (
            f"{title}: {self.requests} requests in {self.seconds:.1f} s ({rps:.0f} rps) by {CLIENTS} clients "
            f"[{kinds}]; p50 {self.percentile(0.50):.1f} ms, p99 {self.percentile(0.99):.1f} ms; "
            f"5xx {self.server_errors}; network errors {sum(self.network_errors.values())}; "
            f"statuses {dict(sorted(self.statuses.items()))}"
        )


class Worker:
    def __init__(
        self, number: int, target: SandboxProcess, ledger: Ledger, admin: tuple[str, str], run: int, seed: int
    ) -> None:
        self.number, self.target, self.ledger, self.admin, self.run = number, target, ledger, admin, run
        self.random = random.Random(seed)
        self.live: list[str] = []  # acknowledged creates of this worker not yet deleted
        self.serial = 0
        self.token = ""

    async def _request(self, http: httpx.AsyncClient, kind: str, method: str, path: str, **kwargs) -> httpx.Response:
        started = time.perf_counter()
        response = await http.request(method, self.target.base_url + path, **kwargs)
        self.ledger.latencies.append(time.perf_counter() - started)
        self.ledger.statuses[response.status_code] += 1
        self.ledger.by_kind[kind] += 1
        if response.status_code >= 300:
            self.ledger.unexpected.append(f"{kind} -> {response.status_code}: {response.text[:200]}")
        return response

    async def _mint(self, http: httpx.AsyncClient, client_id: str, secret: str) -> str:
        answer = await self._request(
            http,
            "token",
            "POST",
            TOKEN,
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        )
        return answer.json()["access_token"] if answer.status_code == 200 else ""

    async def one(self, http: httpx.AsyncClient) -> None:
        if not self.token:
            self.token = await self._mint(http, *self.admin)
            return
        auth = {"Authorization": f"Bearer {self.token}"}
        roll = self.random.random()
        if roll < 0.15:
            await self._mint(http, *self.admin)
        elif roll < 0.50 or (roll >= 0.80 and not self.live):
            await self._request(http, "list", "GET", APPS, params={"page_size": 50}, headers=auth)
        elif roll < 0.80:
            self.serial += 1
            name = f"load-{self.run}-{self.number}-{self.serial}"
            try:
                answer = await self._request(
                    http,
                    "create",
                    "POST",
                    APPS,
                    headers=auth,
                    json={"display_name": name, "custom_claims": {"worker": str(self.number)}},
                )
            except httpx.ConnectError:
                self.ledger.refused_creates.add(name)
                raise
            except httpx.HTTPError:
                self.ledger.doubtful_creates.add(name)
                raise
            if answer.status_code == 200:
                client_id = answer.json()["client_id"]
                self.ledger.acked_creates[name] = client_id
                self.live.append(client_id)
        else:
            client_id = self.live.pop(self.random.randrange(len(self.live)))
            try:
                answer = await self._request(http, "delete", "DELETE", f"{APPS}/{client_id}", headers=auth)
            except httpx.ConnectError:
                self.live.append(client_id)  # never reached the server: still there
                raise
            except httpx.HTTPError:
                self.ledger.doubtful_deletes.add(client_id)
                raise
            if answer.status_code == 200:
                self.ledger.acked_deletes.add(client_id)

    async def run_until(self, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        async with httpx.AsyncClient(timeout=10, trust_env=False) as http:
            while loop.time() < deadline:
                try:
                    await self.one(http)
                except httpx.HTTPError as exc:  # the server is down (killed): note it, back off a little
                    self.ledger.network_errors[type(exc).__name__] += 1
                    await asyncio.sleep(0.05)


async def drive(
    target: SandboxProcess, ledger: Ledger, seconds: float, run: int, during: asyncio.Future | None = None
) -> None:
    admin = target.credentials()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    started = time.perf_counter()
    workers = [Worker(n, target, ledger, admin, run, seed=run * 100 + n) for n in range(CLIENTS)]
    tasks = [asyncio.create_task(w.run_until(deadline)) for w in workers]
    if during is not None:
        tasks.append(during)
    await asyncio.gather(*tasks)
    ledger.seconds += time.perf_counter() - started


async def listing(target: SandboxProcess) -> list:
    client_id, secret = target.credentials()
    connection = Connection(target.base_url, client_id=client_id, secret=secret, is_sandbox=True)
    async with RkvstClient(connection) as api:
        return await api.list_applications(page_size=1000)


def check_nothing_lost(ledger: Ledger, apps: list) -> None:
    names = Counter(app.display_name for app in apps)
    by_id = {app.client_id: app for app in apps}
    doubled = [name for name, n in names.items() if n > 1]
    assert not doubled, f"registrations created twice: {doubled[:5]}"
    for name, client_id in ledger.acked_creates.items():
        if client_id in ledger.acked_deletes or client_id in ledger.doubtful_deletes:
            continue
        assert client_id in by_id, f"acknowledged create {name} ({client_id}) is missing"
        assert by_id[client_id].display_name == name
    resurrected = [cid for cid in ledger.acked_deletes if cid in by_id]
    assert not resurrected, f"acknowledged deletes came back: {resurrected[:5]}"
    reached = [name for name in ledger.refused_creates if name in names]
    assert not reached, f"creates refused at connect exist anyway: {reached[:5]}"
    known = set(ledger.acked_creates) | ledger.doubtful_creates
    strangers = [name for name in names if name.startswith("load-") and name not in known]
    assert not strangers, f"registrations nobody asked for: {strangers[:5]}"


# --------------------------------------------------------------------------- the tests


@pytest.fixture
def sandbox_process(tmp_path):
    target = SandboxProcess(tmp_path / "data", tmp_path)
    target.start()
    yield target
    target.stop()


async def test_mixed_load_has_no_5xx_and_loses_or_doubles_nothing(sandbox_process):
    ledger = Ledger()
    await drive(sandbox_process, ledger, LOAD_SECONDS, run=1)
    apps = await listing(sandbox_process)
    print("\n" + ledger.figures("steady load"))
    live = len(ledger.acked_creates) - len(ledger.acked_deletes)
    print(
        f"steady load: {len(ledger.acked_creates)} acknowledged creates, {len(ledger.acked_deletes)} acknowledged "
        f"deletes, {live} live registrations checked against a full listing of {len(apps)}"
    )

    assert ledger.requests > CLIENTS * LOAD_SECONDS, "the load ran"
    assert ledger.server_errors == 0, ledger.unexpected[:5]
    assert not ledger.unexpected, ledger.unexpected[:5]
    assert not ledger.network_errors, ledger.network_errors
    assert ledger.by_kind["create"] and ledger.by_kind["delete"] and ledger.by_kind["list"] and ledger.by_kind["token"]
    check_nothing_lost(ledger, apps)
    assert len([a for a in apps if a.display_name.startswith("load-")]) == live


async def test_sigkill_during_the_load_keeps_every_acknowledged_write(sandbox_process):
    ledger = Ledger()
    target = sandbox_process
    admin_before = target.credentials()

    async def kill_and_restart() -> None:
        await asyncio.sleep(KILL_PHASE_SECONDS * 0.35)
        acked_at_kill = (len(ledger.acked_creates), len(ledger.acked_deletes))
        await asyncio.to_thread(target.kill)
        killed_at = time.perf_counter()
        await asyncio.sleep(0.5)  # down for a moment: the clients see refused connections
        await asyncio.to_thread(target.start)  # same data dir, same port
        print(
            f"\nSIGKILL after {acked_at_kill[0]} acknowledged creates and {acked_at_kill[1]} deletes; "
            f"serving again after {time.perf_counter() - killed_at:.2f} s"
        )

    port_before = target.port
    await drive(target, ledger, KILL_PHASE_SECONDS, run=2, during=asyncio.ensure_future(kill_and_restart()))
    assert target.starts == 2 and target.port == port_before, "restarted on the same port"
    apps = await listing(target)
    print(ledger.figures("load through SIGKILL"))
    print(
        f"after SIGKILL: {len(ledger.acked_creates)} acknowledged creates and {len(ledger.acked_deletes)} "
        f"acknowledged deletes checked; {len(ledger.doubtful_creates)} creates and {len(ledger.doubtful_deletes)} "
        f"deletes in doubt (answer lost to the kill), none doubled; {len(ledger.refused_creates)} creates refused "
        "while it was down, none made"
    )

    assert ledger.network_errors, "the kill happened while requests were in flight"
    assert ledger.server_errors == 0, ledger.unexpected[:5]
    assert target.credentials() == admin_before, "the admin credentials survive the kill"
    check_nothing_lost(ledger, apps)
    # The clients went on after the restart with the tokens they had: same keys, same issuer.
    assert ledger.statuses.get(401, 0) == 0, ledger.unexpected[:5]
