"""The console at scale: 10,000 app registrations in the embedded sandbox.

In-process with App.run_test and the Pilot (120x40), the sandbox on a thread of the same
process, as the console runs it. Figures:

- first page visible: from the table's first list request until its rows are in the table
  and the screen has refreshed;
- all loaded: from that request until every registration is in the table;
- filter keystroke: from a key pressed in the filter box until the table shows exactly the
  matching rows (median over typing "app-009999" and deleting it again);
- resident memory of the process with everything loaded (it includes the sandbox, as the
  real console's does).

Baselines measured in the same run: the same list requests made with a bare httpx client
(the network and server floor), a keystroke into an Input that filters nothing, and the
process's RSS before the console started.

    uv run python tests/benchmarks/bench_scale.py [--registrations 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time

import benchlib
from benchlib import Figure, median, print_header, print_table, rss_mb, temporary_root

SIZE = (120, 40)
FILTER_TEXT = "app-009999"


async def wait_until(condition, timeout: float = 60.0, step: float = 0.002) -> float:
    """Poll `condition` on the event loop; the perf_counter time when it first held."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(step)
    return time.perf_counter()


async def painted(app) -> float:
    """The perf_counter time of the app's next screen refresh (what a person would see)."""
    future = asyncio.get_running_loop().create_future()
    app.call_after_refresh(lambda: future.done() or future.set_result(time.perf_counter()))
    return await future


def send_key(app, key: str) -> None:
    """A key press as the terminal driver delivers it (the Pilot's press also waits for idle,
    which measures the whole process going quiet, not the latency a person sees)."""
    from textual import events

    character = key if len(key) == 1 else None
    event = events.Key(key, character)
    event.set_sender(app)
    app._driver.send_message(event)


async def raw_paging(server, page_size: int | None) -> tuple[float, float]:
    """(first page, all pages) in seconds with a bare httpx client and one token: the floor."""
    import httpx

    async with httpx.AsyncClient(base_url=server.base_url) as http:
        answer = await http.post(
            "/archivist/iam/v1/appidp/token",
            data={
                "grant_type": "client_credentials",
                "client_id": server.admin_client_id,
                "client_secret": server.admin_secret,
            },
        )
        headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        started = time.perf_counter()
        first = None
        token = ""
        count = 0
        while True:
            params = {"page_size": page_size} if page_size else {}
            if token:
                params["page_token"] = token
            page = (await http.get("/archivist/iam/v1/applications", params=params, headers=headers)).json()
            count += len(page["applications"])
            if first is None:
                first = time.perf_counter() - started
            token = page.get("next_page_token") or ""
            if not token:
                break
        return first, time.perf_counter() - started


async def input_keystroke_baseline() -> float:
    """Median seconds for a keystroke into a bare Input to be processed (no filtering)."""
    from textual.app import App
    from textual.widgets import Input

    class Bare(App):
        def compose(self):
            yield Input()

    times = []
    app = Bare()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        box = app.query_one(Input)
        for index, character in enumerate(FILTER_TEXT, start=1):
            started = time.perf_counter()
            send_key(app, character)
            await wait_until(lambda index=index: box.value == FILTER_TEXT[:index], step=0.001)
            times.append(await painted(app) - started)
    return statistics.median(times)


async def measure(registrations: int) -> list[Figure]:
    from rkvst_tui.api.client import RkvstClient
    from rkvst_tui.api.connection import Connection
    from rkvst_tui.sandbox.server import SandboxServer
    from rkvst_tui.tui.app import RkvstApp
    from rkvst_tui.tui.views.registrations import AppRegistrationsView

    with temporary_root("rkvst-bench-scale-") as root:
        server = SandboxServer(root / "sandbox")
        server.open()
        seeded = time.perf_counter()
        server.store.seed_applications(registrations - 1)
        seed_seconds = time.perf_counter() - seeded
        server.start()
        try:
            page_size = AppRegistrationsView.page_size
            raw_first, raw_all = await raw_paging(server, page_size)
            keystroke_floor = await input_keystroke_baseline()
            rss_before = rss_mb()

            connection = Connection(
                server.base_url, client_id=server.admin_client_id, secret=server.admin_secret, is_sandbox=True
            )
            client = RkvstClient(connection)
            requested: list[float] = []
            original = client.iter_application_pages

            def timed_pages(*args, **kwargs):
                requested.append(time.perf_counter())
                return original(*args, **kwargs)

            client.iter_application_pages = timed_pages  # type: ignore[method-assign]
            app = RkvstApp(client)
            async with app.run_test(size=SIZE) as pilot:
                view = app.query_one(AppRegistrationsView)
                table = view.table
                await wait_until(lambda: requested)
                await wait_until(lambda: table.row_count > 0, step=0.001)
                first_page = await painted(app) - requested[0]
                all_loaded = (
                    await wait_until(lambda: not view.loading_pages and table.row_count >= registrations) - requested[0]
                )
                await pilot.pause()
                rss_loaded = rss_mb()

                await pilot.press("slash")
                await pilot.pause()
                keystrokes = []
                typed = ""
                sequence = [(ch, True) for ch in FILTER_TEXT] + [("backspace", False)] * len(FILTER_TEXT)
                for key, adding in sequence:
                    typed = typed + key if adding else typed[:-1]
                    needle = typed.casefold()
                    expected = sum(
                        1
                        for a in view.applications.values()
                        if needle in (a.display_name or "").casefold() or a.client_id.startswith(needle)
                    )
                    started = time.perf_counter()
                    send_key(app, key)
                    await wait_until(
                        lambda expected=expected, typed=typed: (
                            table.row_count == expected and view._filter == typed.strip()
                        ),
                        step=0.001,
                    )
                    keystrokes.append(await painted(app) - started)
                shown = table.row_count
            await client.aclose()
        finally:
            server.stop()

    print(
        f"  seeded {registrations - 1:,} registrations in {seed_seconds:.2f}s; console page size "
        f"{page_size or 'server default'}; table rows at the end {shown:,}; "
        f"keystrokes (ms): {', '.join(f'{k * 1000:.0f}' for k in keystrokes)}"
    )
    return [
        Figure(
            "first page visible after the table's request",
            first_page * 1000,
            "ms",
            500,
            baseline=raw_first * 1000,
            note="baseline: the same first request with a bare httpx client",
        ),
        Figure(
            f"all {registrations:,} registrations loaded",
            all_loaded,
            "s",
            3.0,
            baseline=raw_all,
            note="baseline: paging through all with a bare httpx client, same page size",
        ),
        Figure(
            "filter keystroke reflected in the table (median)",
            median(keystrokes) * 1000,
            "ms",
            50,
            baseline=keystroke_floor * 1000,
            note="baseline: a keystroke into a bare Input",
        ),
        Figure(
            "resident memory with all loaded",
            rss_loaded,
            "MiB",
            150,
            baseline=rss_before,
            note="process RSS incl. the sandbox thread; baseline: the same process before the console started",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=10_000)
    args = parser.parse_args(argv)
    print_header(f"the console at scale ({args.registrations:,} registrations, embedded sandbox)")
    figures = asyncio.run(measure(args.registrations))
    return 0 if print_table(f"scale: {args.registrations:,} registrations", figures) else 1


if __name__ == "__main__":
    benchlib.REPO  # noqa: B018 - the repository is importable (benchlib put it on sys.path)
    sys.exit(main())
