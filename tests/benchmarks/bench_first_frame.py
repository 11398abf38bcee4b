"""Time to first frame, as a person sees it.

The console runs in tmux at 120x40 on the embedded sandbox (50 registrations, seeded
beforehand in a temporary data dir). The clock runs from launch until the APP
REGISTRATIONS table shows a known row, polling `tmux capture-pane -p` every ~10 ms. The
baseline is a minimal Textual app (Header, a DataTable with one row, Footer) started the
same way with the same interpreter. The floor is that baseline importing the HTTP stack on a
thread after its first frame, as the console must before its rows (HTTP_FLOOR_APP): the
console's rows are judged against it (target: at most 1.2 x, median of 7, same run). The lean
floor is the floor without httpx's command-line client (click, pygments), which `import httpx`
loads and the console keeps out: the stricter reference, judged by the same target.

Each case is its own environment, measured in the same run (--cases picks some):

- cache: bytecode is written and read (a normal machine; a private PYTHONPYCACHEPREFIX,
  warmed by one unmeasured launch of each program);
- precompiled: PYTHONDONTWRITEBYTECODE=1 (containers, CI machines) on an install that was
  compiled when it was installed (`[tool.uv] compile-bytecode = true` for the packages;
  the project's own modules compiled too, as .ci/run does: `python -m compileall rkvst_tui`);
- source: PYTHONDONTWRITEBYTECODE=1 and no bytecode at all (an empty PYTHONPYCACHEPREFIX):
  every start compiles every module from source, as before installs precompiled.

    uv run python tests/benchmarks/bench_first_frame.py [--runs 7] [--cases cache,precompiled,source]
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from benchlib import Figure, isolated_env, median, print_header, print_table, seeded_sandbox_dir, temporary_root

WIDTH, HEIGHT = 120, 40
POLL_SECONDS = 0.010
TIMEOUT_SECONDS = 30.0
REGISTRATIONS = 50
CONSOLE_ROW = "app-000001"  # the first seeded registration (the admin is row 0)
CONSOLE_FRAME = "Manage RKVST"
BASELINE_ROW = "baseline-row-0001"

BASELINE_APP = f'''
from textual.app import App
from textual.widgets import DataTable, Footer, Header


class Baseline(App):
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Display Name", "Client Id")
        table.add_row("{BASELINE_ROW}", "00000000-0000-0000-0000-000000000000")


Baseline().run()
'''

# A reference, not a target: the baseline app that also imports the HTTP stack the console's
# client needs (httpx, httpcore, anyio's asyncio backend) on a thread after its first frame, as
# the console does, before it adds its row. It is the floor for any console whose first rows come
# through httpx.
HTTP_FLOOR_APP = BASELINE_APP.replace(
    """    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Display Name", "Client Id")
        table.add_row(""",
    """    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Display Name", "Client Id")
        self.run_worker(self.add_row_after_imports())

    async def add_row_after_imports(self):
        import asyncio

        def import_http_stack():
            import anyio._backends._asyncio, httpcore, httpx  # noqa: F401, E401

        await asyncio.to_thread(import_http_stack)
        table = self.query_one(DataTable)
        table.add_row(""",
)
assert HTTP_FLOOR_APP != BASELINE_APP

# The floor as the console imports the stack: without httpx's own command-line client (click,
# pygments), which `import httpx` loads when it can and rkvst-tui keeps out
# (cli/dispatch.py keep_out_httpx_command_line). The stricter of the two floors.
LEAN_FLOOR_APP = 'import sys\n\nsys.modules["httpx._main"] = None\n' + HTTP_FLOOR_APP


class Tmux:
    """A private tmux server (its own socket) so the benchmark never touches the user's sessions."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name = name
        self.socket = name
        self.env = env  # the server (started by the first command) passes it to the program
        self.launches = 0

    def fresh(self) -> None:
        """A new server socket per launch: a new session on a server that is still shutting down dies."""
        self.launches += 1
        self.socket = f"{self.name}-{self.launches}"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=check, env=self.env
        )

    def capture(self) -> str:
        return self.run("capture-pane", "-p", "-t", "bench", check=False).stdout

    def kill(self) -> None:
        self.run("kill-server", check=False)
        # tmux leaves the socket file behind; a benchmark should leave nothing.
        folder = Path(self.env.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
        (folder / self.socket).unlink(missing_ok=True)


def time_launch(command: list[str], marks: list[str], tmux: Tmux) -> dict[str, float]:
    """Seconds from launch until each mark first shows in the pane."""
    shell = shlex.join(command)
    seen: dict[str, float] = {}
    tmux.fresh()
    started = time.perf_counter()
    tmux.run("new-session", "-d", "-s", "bench", "-x", str(WIDTH), "-y", str(HEIGHT), shell)
    try:
        while time.perf_counter() - started < TIMEOUT_SECONDS:
            screen = tmux.capture()
            now = time.perf_counter() - started
            for mark in marks:
                if mark not in seen and mark in screen:
                    seen[mark] = now
            if len(seen) == len(marks):
                return seen
            time.sleep(POLL_SECONDS)
        raise RuntimeError(
            f"{command[-1]} did not show {[m for m in marks if m not in seen]} in "
            f"{TIMEOUT_SECONDS:.0f}s; last screen:\n{tmux.capture()}"
        )
    finally:
        tmux.kill()


CASES = {
    "cache": "bytecode cache (a normal machine)",
    "precompiled": "PYTHONDONTWRITEBYTECODE=1, precompiled install",
    "source": "PYTHONDONTWRITEBYTECODE=1, nothing compiled (before)",
}
FLOOR_RATIO_TARGET = 1.2  # the console's rows, at most this times the floor (issue 15)


def case_env(case: str, root: Path) -> dict[str, str]:
    """The environment of one case (see the module docstring)."""
    env = isolated_env(root, bytecode_cache=case == "cache")
    if case == "precompiled":
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    elif case == "source":
        empty = root / "no-bytecode"
        empty.mkdir(exist_ok=True)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = str(empty)  # bytecode is looked for only here, and never written
    return env


def compile_project() -> None:
    """What an install does for the project's own modules (and .ci/run for a checkout)."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(Path(__file__).resolve().parents[2] / "rkvst_tui")], check=True
    )


def measure_case(case: str, root: Path, runs: int) -> list[Figure]:
    env = case_env(case, root)
    seeded_sandbox_dir(Path(env["RKVST_TUI_DATA_DIR"]), REGISTRATIONS)
    baseline_script = root / "baseline_app.py"
    baseline_script.write_text(BASELINE_APP)
    floor_script = root / "http_floor_app.py"
    floor_script.write_text(HTTP_FLOOR_APP)
    lean_script = root / "lean_floor_app.py"
    lean_script.write_text(LEAN_FLOOR_APP)
    console_cmd = [sys.executable, "-m", "rkvst_tui"]
    baseline_cmd = [sys.executable, str(baseline_script)]
    floor_cmd = [sys.executable, str(floor_script)]
    lean_cmd = [sys.executable, str(lean_script)]
    tmux = Tmux(f"rkvst-bench-{root.name}-{case}", env)
    print(f"\n# case {case}: {CASES[case]}", flush=True)

    # One unmeasured launch of each: the first run pays for cold file caches (and, in the
    # cache case, fills the bytecode cache).
    time_launch(baseline_cmd, [BASELINE_ROW], tmux)
    time_launch(floor_cmd, [BASELINE_ROW], tmux)
    time_launch(lean_cmd, [BASELINE_ROW], tmux)
    time_launch(console_cmd, [CONSOLE_ROW], tmux)

    console_rows, console_frames, baselines, floors, lean_floors = [], [], [], [], []
    for run in range(runs):
        base = time_launch(baseline_cmd, [BASELINE_ROW], tmux)[BASELINE_ROW]
        floor = time_launch(floor_cmd, [BASELINE_ROW], tmux)[BASELINE_ROW]
        lean = time_launch(lean_cmd, [BASELINE_ROW], tmux)[BASELINE_ROW]
        marks = time_launch(console_cmd, [CONSOLE_FRAME, CONSOLE_ROW], tmux)
        baselines.append(base)
        floors.append(floor)
        lean_floors.append(lean)
        console_frames.append(marks[CONSOLE_FRAME])
        console_rows.append(marks[CONSOLE_ROW])
        print(
            f"  run {run + 1}: baseline {base * 1000:.0f} ms, floor (baseline + HTTP stack) {floor * 1000:.0f} ms, "
            f"lean floor {lean * 1000:.0f} ms, "
            f"console frame {marks[CONSOLE_FRAME] * 1000:.0f} ms, rows {marks[CONSOLE_ROW] * 1000:.0f} ms",
            flush=True,
        )

    base = median(baselines) * 1000
    floor = median(floors) * 1000
    return [
        Figure(
            f"{case}: console first frame (median)",
            median(console_frames) * 1000,
            "ms",
            1.5,
            baseline=base,
            on_ratio=True,
            note="baseline: the minimal Textual app's row",
        ),
        Figure(
            f"{case}: console rows vs the floor (median)",
            median(console_rows) * 1000,
            "ms",
            FLOOR_RATIO_TARGET,
            baseline=floor,
            on_ratio=True,
            note="floor: the minimal app importing the HTTP stack before its row; the console also starts "
            "the embedded sandbox, signs in and loads the first page",
        ),
        Figure(
            f"{case}: console rows vs the lean floor (median)",
            median(console_rows) * 1000,
            "ms",
            FLOOR_RATIO_TARGET,
            baseline=median(lean_floors) * 1000,
            on_ratio=True,
            note="lean floor: the floor without httpx's command-line client, which the console keeps out too",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--cases", default=",".join(CASES), help=f"comma-separated, of: {', '.join(CASES)} (default: all, in one run)"
    )
    args = parser.parse_args(argv)
    cases = [case.strip() for case in args.cases.split(",") if case.strip()]
    unknown = [case for case in cases if case not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}: choose from {', '.join(CASES)}")
    print_header(f"time to first frame (tmux {WIDTH}x{HEIGHT}, embedded sandbox, {REGISTRATIONS} registrations)")
    if "precompiled" in cases:
        compile_project()

    figures: list[Figure] = []
    for case in cases:
        with temporary_root(f"rkvst-bench-frame-{case}-") as root:
            figures += measure_case(case, root, args.runs)
    passed = print_table("time to first frame (the console vs the baseline and vs the floor, same run)", figures)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
