"""Shared helpers for the benchmark scripts: results tables, machine facts, isolated data dirs.

Every benchmark measures its own baseline in the same run and prints its figures as a
table: figure, value, baseline, ratio, target, PASS/FAIL. A script exits 0 when every
figure passes, 1 otherwise, so `run_all.py` can say which ones failed.

These are not tests: pytest does not collect tests/benchmarks (pyproject norecursedirs).
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # `python tests/benchmarks/x.py` puts only this folder on the path
    sys.path.insert(0, str(REPO))

# Variables that would point the console at a configured service instead of the sandbox.
CONNECTION_VARIABLES = (
    "RKVST_URL",
    "RKVST_CLIENT_ID",
    "RKVST_APPREG_CLIENT",
    "RKVST_CLIENT_SECRET",
    "RKVST_APPREG_SECRET",
    "RKVST_CLIENT_SECRET_FILE",
    "RKVST_APPREG_SECRET_FILENAME",
    "RKVST_BEARER_TOKEN_FILE",
    "BEARER_TOKEN_FILE",
    "RKVST_AUTHTOKEN_FILENAME",
    "RKVST_PROFILE",
    "RKVST_TUI_STATE_DIR",
)


@dataclass
class Figure:
    """One measured figure and how it is judged.

    `limit` is compared with `value`, or with `ratio` (value / baseline) when `on_ratio`;
    `higher_is_better` flips the comparison (a throughput ratio must be at least the limit).
    A baseline is always shown when measured, for scale, even when the target is absolute.
    """

    name: str
    value: float
    unit: str
    limit: float
    baseline: float | None = None
    on_ratio: bool = False
    higher_is_better: bool = False
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    @property
    def judged(self) -> float:
        if self.on_ratio:
            if self.ratio is None:
                raise ValueError(f"{self.name}: a ratio target needs a non-zero baseline")
            return self.ratio
        return self.value

    @property
    def passed(self) -> bool:
        return self.judged >= self.limit if self.higher_is_better else self.judged <= self.limit

    @property
    def target(self) -> str:
        sign = ">=" if self.higher_is_better else "<="
        if self.on_ratio:
            return f"ratio {sign} {self.limit:g}"
        return f"{sign} {_number(self.limit)} {self.unit}".rstrip()


def _number(value: float) -> str:
    if value == int(value) and (abs(value) >= 100 or isinstance(value, int)):
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def print_table(title: str, figures: list[Figure], *, out=None) -> bool:
    """Print the results table; True when every figure passes."""
    out = out or sys.stdout
    rows = [("figure", "value", "baseline", "ratio", "target", "result")]
    for fig in figures:
        rows.append(
            (
                fig.name,
                f"{_number(fig.value)} {fig.unit}".rstrip(),
                f"{_number(fig.baseline)} {fig.unit}".rstrip() if fig.baseline is not None else "-",
                f"{fig.ratio:.2f}" if fig.ratio is not None else "-",
                fig.target,
                "PASS" if fig.passed else "FAIL",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print(f"\n== {title} ==", file=out)
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip(), file=out)
        if index == 0:
            print("  ".join("-" * width for width in widths), file=out)
    for fig in figures:
        if fig.note:
            print(f"  note: {fig.name}: {fig.note}", file=out)
    out.flush()
    return all(fig.passed for fig in figures)


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    """nproc, CPU model and Python version: where the figures were measured."""
    model = "unknown CPU"
    try:
        text = Path("/proc/cpuinfo").read_text()
        match = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
        if match:
            model = match.group(1).strip()
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()} "
        f"({sys.executable}), {platform.system()} {platform.release()}"
    )


def print_header(title: str) -> None:
    print(f"# {title}")
    print(f"# machine: {machine()}", flush=True)


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size of a process in MiB (VmRSS of /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


BYTECODE_CACHE = Path(tempfile.gettempdir()) / "rkvst-tui-bench-pycache"


def isolated_env(root: Path, *, bytecode_cache: bool = True) -> dict[str, str]:
    """An environment whose rkvst-tui config, data and state all live under `root`.

    With `bytecode_cache` the programs may cache compiled bytecode as an installed
    program does (this sandboxed machine sets PYTHONDONTWRITEBYTECODE=1, which makes
    every start compile every module from source: seconds, not what a user sees). The
    cache goes to a separate folder (PYTHONPYCACHEPREFIX), never into the repository.
    """
    env = {k: v for k, v in os.environ.items() if k not in CONNECTION_VARIABLES}
    env["RKVST_TUI_DATA_DIR"] = str(root / "data")
    env["RKVST_TUI_CONFIG_DIR"] = str(root / "config")
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(BYTECODE_CACHE)
    return env


@contextmanager
def temporary_root(prefix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        yield Path(name)


def seeded_sandbox_dir(data_root: Path, registrations: int) -> Path:
    """Make the default sandbox data under `data_root` (as the console finds it) with
    `registrations` app registrations in all: the admin plus `registrations - 1` seeded."""
    from rkvst_tui.sandbox.server import SandboxServer

    sandbox_dir = data_root / "sandbox"
    server = SandboxServer(sandbox_dir)
    server.open()
    server.store.seed_applications(registrations - 1)
    server.stop()
    return sandbox_dir
