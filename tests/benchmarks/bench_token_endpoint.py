"""The sandbox's token endpoint: tokens per second against the raw RS256 signing rate.

The sandbox runs as `rkvst-tui sandbox` (its own process, its request log on) on a
temporary data dir. A bounded load of 4 concurrent keep-alive clients asks for
client_credentials tokens for 5 s over loopback. The clients are lean asyncio streams
sending a prepared request (like wrk): with httpx (`--httpx`) the load generator's own
CPU, on a 2-core machine, caps the figure before the server does. The baseline, measured in the same run,
is the raw signing rate of the same key: jwt.encode in a loop with the loaded key object
and a claim set like the sandbox's. The ratio says how much the endpoint spends besides
signing (HTTP, form parsing, the secret check, SQLite, JSON, logging).

    uv run python tests/benchmarks/bench_token_endpoint.py [--clients 4] [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from benchlib import Figure, isolated_env, print_header, print_table, temporary_root

TOKEN_PATH = "/archivist/iam/v1/appidp/token"


def start_sandbox(root: Path) -> tuple[subprocess.Popen, str]:
    """`rkvst-tui sandbox --port 0` in its own process; (process, base URL)."""
    env = isolated_env(root)
    process = subprocess.Popen(
        [sys.executable, "-m", "rkvst_tui", "sandbox", "--port", "0", "--data-dir", str(root / "sandbox")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 30
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        match = re.search(r"listening on (http://\S+)", line)
        if match:
            return process, match.group(1)
        if not line and process.poll() is not None:
            break
    process.kill()
    raise RuntimeError("the sandbox did not start")


def admin_credentials(root: Path) -> tuple[str, str]:
    values = dict(line.split("=", 1) for line in (root / "sandbox" / "admin-credentials.env").read_text().split())
    return values["CLIENT_ID"], values["SECRET"]


def signing_rate(root: Path, seconds: float) -> float:
    """Tokens per second from jwt.encode alone, with the sandbox's current key, loaded once."""
    import jwt
    from cryptography.hazmat.primitives import serialization

    with sqlite3.connect(root / "sandbox" / "sandbox.sqlite3") as db:
        kid, pem = db.execute("SELECT kid, private_pem FROM signing_keys WHERE state = 'current'").fetchone()
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    now = int(time.time())
    claims = {
        "iss": "http://127.0.0.1:1/appidpv1",
        "aud": "http://127.0.0.1:1/archivist",
        "sub": str(uuid.uuid4()),
        "client_id": str(uuid.uuid4()),
        "name": "sandbox-admin",
        "jit_tenant_id": f"tenant/{uuid.uuid4()}",
        "jit_tier": "FREE",
        "iat": now,
        "exp": now + 3600,
    }
    count = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        claims["jti"] = uuid.uuid4().hex
        jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid, "typ": "at+jwt"})
        count += 1
    return count / (time.perf_counter() - started)


def process_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def lean_rate(base_url: str, client_id: str, secret: str, clients: int, seconds: float) -> tuple[float, int]:
    """Tokens per second from `clients` keep-alive connections sending a prepared request."""
    from urllib.parse import urlencode, urlsplit

    parts = urlsplit(base_url)
    body = urlencode({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}).encode()
    request = (
        f"POST {TOKEN_PATH} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    stop_at = time.perf_counter() + seconds
    failures = 0

    async def one_client() -> int:
        nonlocal failures
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        done = 0
        try:
            while time.perf_counter() < stop_at:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
                answer = await reader.readexactly(length)
                if head.startswith(b"HTTP/1.1 200") and b'"access_token"' in answer:
                    done += 1
                else:
                    failures += 1
        finally:
            writer.close()
        return done

    started = time.perf_counter()
    counts = await asyncio.gather(*(one_client() for _ in range(clients)))
    return sum(counts) / (time.perf_counter() - started), failures


async def httpx_rate(base_url: str, client_id: str, secret: str, clients: int, seconds: float) -> tuple[float, int]:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    stop_at = time.perf_counter() + seconds
    failures = 0

    async def one_client() -> int:
        nonlocal failures
        done = 0
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            while time.perf_counter() < stop_at:
                answer = await http.post(TOKEN_PATH, data=form)
                if answer.status_code == 200 and answer.json().get("access_token"):
                    done += 1
                else:
                    failures += 1
        return done

    started = time.perf_counter()
    counts = await asyncio.gather(*(one_client() for _ in range(clients)))
    return sum(counts) / (time.perf_counter() - started), failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--httpx", action="store_true", help="load with httpx clients instead of lean streams")
    args = parser.parse_args(argv)
    endpoint_rate = httpx_rate if args.httpx else lean_rate
    print_header(f"sandbox token endpoint ({args.clients} concurrent clients, {args.seconds:g} s, loopback)")
    with temporary_root("rkvst-bench-token-") as root:
        process, base_url = start_sandbox(root)
        try:
            client_id, secret = admin_credentials(root)
            # Warm up: connections, the first token's code paths.
            asyncio.run(endpoint_rate(base_url, client_id, secret, 1, 0.3))
            cpu_before = process_cpu_seconds(process.pid)
            rate, failures = asyncio.run(endpoint_rate(base_url, client_id, secret, args.clients, args.seconds))
            server_cpu = process_cpu_seconds(process.pid) - cpu_before
        finally:
            process.terminate()
            process.wait(timeout=15)
        # Measured while the sandbox is stopped, so the two figures do not share the CPUs.
        raw = signing_rate(root, min(args.seconds, 3.0))
    tokens = rate * args.seconds
    print(
        f"  load: {'httpx' if args.httpx else 'lean asyncio streams'}, {args.clients} connections; "
        f"failed requests: {failures}"
    )
    figures = [
        Figure(
            "token endpoint throughput",
            rate,
            "tokens/s",
            0.5,
            baseline=raw,
            on_ratio=True,
            higher_is_better=True,
            note="baseline: jwt.encode RS256 with the same loaded key, one thread",
        ),
        Figure(
            "sandbox CPU per token",
            server_cpu / tokens * 1000,
            "ms",
            2.0,
            baseline=1000 / raw,
            on_ratio=True,
            note="sandbox process CPU during the load / tokens; baseline: one raw signature",
        ),
        Figure("failed token requests", failures, "", 0),
    ]
    return 0 if print_table("token endpoint vs raw RS256 signing", figures) else 1


if __name__ == "__main__":
    sys.exit(main())
