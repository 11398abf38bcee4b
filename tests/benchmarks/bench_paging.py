"""The sandbox's paging cost does not grow with the tenant.

One page of 100 app registrations over real HTTP (one client, keep-alive, one token),
median of repeated requests, at 1,000 registrations (the baseline) and at 100,000: the
first page, a page in the middle and the last page (reached through the page tokens the
server hands out), and the same with a display_name filter.

    uv run python tests/benchmarks/bench_paging.py [--large 100000] [--repeat 40]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import httpx
from benchlib import Figure, median, print_header, print_table, temporary_root

SMALL = 1_000
PAGE = 100
LIST_PATH = "/archivist/iam/v1/applications"
TOKEN_PATH = "/archivist/iam/v1/appidp/token"


def page_tokens(http: httpx.Client, count: int) -> dict[str, str]:
    """Tokens for the middle and the last page of 100, found by walking with big pages."""
    wanted = {"middle": (count // 2) // PAGE * PAGE, "last": (count - 1) // PAGE * PAGE}
    tokens: dict[str, str] = {}
    seen = 0
    token = ""
    while len(tokens) < len(wanted):
        # Walk in pages of 100 up to each target offset: a token from a page of 100 asks for 100 next.
        params = {"page_size": PAGE}
        if token:
            params["page_token"] = token
        answer = http.get(LIST_PATH, params=params).json()
        seen += len(answer["applications"])
        token = answer["next_page_token"]
        for name, offset in wanted.items():
            if seen == offset and name not in tokens:
                tokens[name] = token
        if not token:
            break
    return tokens


def one_request(http: httpx.Client, params: dict) -> float:
    """Seconds for one GET of a page (the answer read and parsed)."""
    started = time.perf_counter()
    answer = http.get(LIST_PATH, params=params)
    answer.raise_for_status()
    assert answer.json()["applications"], f"empty page for {params}"
    return time.perf_counter() - started


class Tenant:
    """A started sandbox with `count` registrations, a signed-in client and its page tokens."""

    def __init__(self, root: Path, count: int) -> None:
        from rkvst_tui.sandbox.server import SandboxServer

        self.count = count
        self.server = SandboxServer(root / f"sandbox-{count}")
        self.server.open()
        seeding = time.perf_counter()
        self.server.store.seed_applications(count - 1)
        self.seed_seconds = time.perf_counter() - seeding
        self.server.start()
        self.http = httpx.Client(base_url=self.server.base_url, timeout=30)
        token = self.http.post(
            TOKEN_PATH,
            data={
                "grant_type": "client_credentials",
                "client_id": self.server.admin_client_id,
                "client_secret": self.server.admin_secret,
            },
        ).json()["access_token"]
        self.http.headers["Authorization"] = f"Bearer {token}"
        tokens = page_tokens(self.http, count)
        width = max(len(str(count - 1)), 6)
        self.queries = {
            "first page": {"page_size": PAGE},
            "middle page": {"page_token": tokens["middle"]},
            "last page": {"page_token": tokens["last"]},
            # The last seeded registration's name: found through the (display_name, seq) index.
            "display_name filter": {"page_size": PAGE, "display_name": f"app-{(count - 1):0{width}d}"},
        }

    def close(self) -> None:
        self.http.close()
        self.server.stop()


def measure(small: Tenant, large: Tenant, repeat: int) -> dict[str, tuple[float, float]]:
    """Median latency per query, small and large tenant requests interleaved so that what
    else the machine does weighs on both alike."""
    results = {}
    for name in small.queries:
        for tenant in (small, large):  # warm up: connection, statement cache
            for _ in range(3):
                one_request(tenant.http, tenant.queries[name])
        times: dict[int, list[float]] = {small.count: [], large.count: []}
        for _ in range(repeat):
            for tenant in (small, large):
                times[tenant.count].append(one_request(tenant.http, tenant.queries[name]))
        results[name] = (median(times[small.count]), median(times[large.count]))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=60)
    args = parser.parse_args(argv)
    print_header(f"sandbox paging: one page of {PAGE} at {SMALL:,} and {args.large:,} registrations")
    with temporary_root("rkvst-bench-paging-") as root:
        small = Tenant(root, SMALL)
        large = Tenant(root, args.large)
        try:
            print(
                f"  seeded {SMALL:,} in {small.seed_seconds:.2f}s and {args.large:,} in {large.seed_seconds:.2f}s",
                flush=True,
            )
            results = measure(small, large, args.repeat)
        finally:
            small.close()
            large.close()
    figures = [
        Figure(f"{name} at {args.large:,}", big * 1000, "ms", 1.5, baseline=little * 1000, on_ratio=True)
        for name, (little, big) in results.items()
    ]
    return 0 if print_table(f"paging latency, {args.large:,} vs {SMALL:,} registrations (baseline)", figures) else 1


if __name__ == "__main__":
    sys.exit(main())
