"""Run every benchmark, one process each, and summarise which passed.

    uv run python tests/benchmarks/run_all.py [--quick] [NAME ...]

NAME is a script without its bench_ prefix (first_frame, scale, token_reuse,
token_endpoint, paging). --quick runs smaller versions (a smoke check of the scripts,
not the figures the targets are about). Exit status 0 when every benchmark passed.
These are not CI tests: the figures depend on the machine and on what else it runs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from benchlib import machine

HERE = Path(__file__).resolve().parent
BENCHMARKS = {
    "first_frame": ([], ["--runs", "2", "--cases", "cache"]),
    "scale": ([], ["--registrations", "2000"]),
    "token_reuse": ([], ["--calls", "40"]),
    "token_endpoint": ([], ["--seconds", "1"]),
    "paging": ([], ["--large", "10000", "--repeat", "10"]),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], metavar="NAME")
    parser.add_argument("--quick", action="store_true", help="small, fast versions of each benchmark")
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    print(f"# rkvst-tui benchmarks on {machine()}", flush=True)
    results: dict[str, tuple[int, float]] = {}
    for name in names:
        full, quick = BENCHMARKS[name]
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / f"bench_{name}.py"), *(quick if args.quick else full)])
        results[name] = (code, time.perf_counter() - started)
    print("\n== summary ==")
    for name, (code, seconds) in results.items():
        print(f"{name:<16} {'PASS' if code == 0 else 'FAIL'}  ({seconds:.0f}s)")
    return 0 if all(code == 0 for code, _ in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
