"""`rkvst-tui sandbox`: run the local RKVST sandbox in the foreground.

python -m rkvst_tui.sandbox.runner [--host H] [--port P] [--data-dir DIR]
    [--token-ttl S] [--max-apps N] [--rate-limit N] [--reset] [--seed-apps N] [--seed-assets N]
    [--flavour rkvst|datatrails]
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from pathlib import Path

from rkvst_tui.api import state_dirs

from .address import DataDirInUse
from .app import LOGGER_NAME
from .assets import seed_assets
from .server import SandboxServer, is_loopback
from .state import DATATRAILS, FLAVOURS, RKVST

DEFAULT_PORT = 8470


def default_data_dir() -> Path:
    """The user data dir's `sandbox` folder (RKVST_TUI_DATA_DIR overrides it, as everywhere)."""
    return state_dirs.sandbox_data_dir()


def _whole_number(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{value} must be {minimum} or more")
    return value


def _positive(text: str) -> int:
    return _whole_number(text, 1)


def _non_negative(text: str) -> int:
    return _whole_number(text, 0)


def _port(text: str) -> int:
    value = _non_negative(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a TCP port (0-65535)")
    return value


def build_parser(prog: str = "rkvst-tui sandbox") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Run the local RKVST sandbox: the App Registrations, token and assets API on this machine.",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; anything else exposes the sandbox to the network)",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"TCP port (default {DEFAULT_PORT}; 0 picks a free port and prints it)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"where the sandbox keeps its database and keys (default {default_data_dir()})",
    )
    parser.add_argument(
        "--token-ttl", type=_positive, default=3600, help="access token lifetime in seconds (default 3600)"
    )
    parser.add_argument(
        "--max-apps",
        type=_non_negative,
        default=None,
        help="app registration quota besides sandbox-admin; creating more answers 402",
    )
    parser.add_argument(
        "--rate-limit",
        type=_positive,
        default=None,
        metavar="N",
        help="at most N requests per second per client; more answer 429",
    )
    parser.add_argument("--reset", action="store_true", help="delete all sandbox data first and start afresh")
    parser.add_argument(
        "--seed-apps",
        type=_non_negative,
        default=0,
        metavar="N",
        help="add N app registrations (app-000001, ...) before serving, e.g. for benchmarks",
    )
    parser.add_argument(
        "--seed-assets",
        type=_non_negative,
        default=0,
        metavar="N",
        help="add N demo assets (types, locations and serial numbers in turn) before serving",
    )
    parser.add_argument(
        "--flavour",
        choices=FLAVOURS,
        default=RKVST,
        help="which service to behave as: rkvst (the 2022-11 documents: root principals; the default) "
        "or datatrails (today's service: the Owner role, no root principals, tenancies/self, caps)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    data_dir = args.data_dir or default_data_dir()
    out, err = sys.stdout, sys.stderr

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=err)
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger(LOGGER_NAME).setLevel(logging.INFO)

    if not is_loopback(args.host):
        print(
            f"warning: listening on {args.host} exposes the sandbox (and its admin credentials' power) to "
            "other machines; it has no TLS. Use 127.0.0.1 unless you mean it.",
            file=err,
        )
    try:
        server = SandboxServer(
            data_dir,
            host=args.host,
            port=args.port,
            token_ttl=args.token_ttl,
            max_apps=args.max_apps,
            rate_limit=args.rate_limit,
            reset=args.reset,
            flavour=args.flavour,
        )
    except DataDirInUse as exc:  # --reset under a sandbox that serves this data
        print(f"error: cannot reset the sandbox data: {exc.message}; {exc.hint}", file=err)
        return 1
    # Ctrl+C or SIGTERM at any moment from here on means "stop cleanly", never a traceback.
    stopping = threading.Event()

    def request_stop(signum, frame) -> None:
        stopping.set()

    in_main_thread = threading.current_thread() is threading.main_thread()  # only there can signals be caught
    previous = (
        {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)} if in_main_thread else {}
    )
    try:
        return _serve(server, args, data_dir, stopping, out, err)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve(server: SandboxServer, args: argparse.Namespace, data_dir: Path, stopping: threading.Event, out, err) -> int:
    try:
        admin = server.open()
    except Exception as exc:  # noqa: BLE001 - a clear sentence, not a traceback
        print(f"error: cannot open the sandbox data in {data_dir}: {exc}", file=err)
        return 1
    try:
        if args.seed_apps:
            started = time.perf_counter()
            server.store.seed_applications(args.seed_apps)
            print(f"seeded {args.seed_apps} app registrations in {time.perf_counter() - started:.1f}s", file=out)
        if args.seed_assets:
            seed_assets(server.store, args.seed_assets)
            print(f"seeded {args.seed_assets} assets", file=out)
        try:
            server.start()
        except (OSError, RuntimeError) as exc:
            print(
                f"error: cannot listen on {args.host}:{args.port}: {exc}. "
                "Is another sandbox running? Try --port 0 for a free port.",
                file=err,
            )
            return 1

        datatrails = args.flavour == DATATRAILS
        print(f"{'DataTrails' if datatrails else 'RKVST'} sandbox listening on {server.base_url}", file=out)
        print(f"data: {data_dir}", file=out)
        kind = "Owner" if datatrails else "root"
        if admin.created:
            print(
                f"{kind} app registration sandbox-admin created; its secret is shown once here and kept in "
                f"{server.credentials_file} (mode 0600):",
                file=out,
            )
            print(f"CLIENT_ID={admin.client_id}", file=out)
            print(f"SECRET={admin.secret}", file=out)
        else:
            print(
                f"{kind} app registration sandbox-admin: CLIENT_ID={admin.client_id}; "
                f"secret in {server.credentials_file}",
                file=out,
            )
        print("Press Ctrl+C to stop.", file=out, flush=True)
        while not stopping.wait(0.5):
            if not server.running:
                print("error: the sandbox stopped unexpectedly", file=err)
                return 1
    finally:
        server.stop()
    print("sandbox stopped", file=out, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
