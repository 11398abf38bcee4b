"""Token reuse: a console run of 200 API calls mints exactly one token.

The console (App.run_test, 120x40) on an embedded sandbox with 50 registrations: it
signs in and loads, then the Pilot refreshes the registrations (r) until the console has
made at least 200 API calls. The sandbox's request log counts every request by path, so
the token-endpoint requests are counted at the server, not only by the client's own
`tokens.mint_count`. The baseline is the number of API calls made: without reuse every
one of them would have needed a token.

    uv run python tests/benchmarks/bench_token_reuse.py [--calls 200]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from benchlib import Figure, print_header, print_table, temporary_root

TOKEN_PATH = "/archivist/iam/v1/appidp/token"
SIZE = (120, 40)


async def measure(calls_wanted: int) -> list[Figure]:
    from rkvst_tui.api.client import RkvstClient
    from rkvst_tui.api.connection import Connection
    from rkvst_tui.sandbox.server import SandboxServer
    from rkvst_tui.tui.app import RkvstApp

    requests: list[str] = []

    def log(line: str) -> None:  # "METHOD PATH STATUS DURATION", one per request
        method, path = line.split()[:2]
        requests.append(path)

    with temporary_root("rkvst-bench-tokens-") as root:
        server = SandboxServer(root / "sandbox", log=log)
        server.open()
        server.store.seed_applications(49)
        server.start()
        try:
            connection = Connection(
                server.base_url, client_id=server.admin_client_id, secret=server.admin_secret, is_sandbox=True
            )
            client = RkvstClient(connection)
            app = RkvstApp(client)
            api_calls = lambda: sum(1 for path in requests if path != TOKEN_PATH)  # noqa: E731
            async with app.run_test(size=SIZE) as pilot:
                view = app.apps_view
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    if view.loaded_once and not view.loading_pages and app.principals_loaded:
                        if api_calls() >= calls_wanted:
                            break
                        await pilot.press("r")
                    await asyncio.sleep(0.01)
                await pilot.pause()
                rows = view.table.row_count
            mint_count = client.tokens.mint_count
            await client.aclose()
        finally:
            server.stop()

    token_requests = sum(1 for path in requests if path == TOKEN_PATH)
    made = api_calls()
    print(
        f"  API calls seen by the sandbox: {made} (table rows at the end: {rows}); "
        f"token endpoint requests: {token_requests}; client mint_count: {mint_count}"
    )
    return [
        Figure("API calls made by the console", made, "calls", calls_wanted, higher_is_better=True),
        Figure(
            "tokens minted (client.tokens.mint_count)",
            mint_count,
            "",
            1,
            baseline=made,
            note="baseline: the API calls, each of which would need a token without reuse",
        ),
        Figure("token endpoint requests seen by the sandbox", token_requests, "", 1, baseline=made),
        Figure(
            "tokens minted at least once",
            min(mint_count, token_requests),
            "",
            1,
            higher_is_better=True,
            note="the console did sign in with a token",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args(argv)
    print_header(f"token reuse over a console run of {args.calls} API calls")
    figures = asyncio.run(measure(args.calls))
    return 0 if print_table("token reuse", figures) else 1


if __name__ == "__main__":
    sys.exit(main())
