"""The console's embedded sandbox, in a child process started beside the UI.

The console with nothing configured runs a local sandbox. On a thread of the console's
process its start-up (uvicorn, Starlette, PyJWT and cryptography imports, the store, the
keys) and every answer it serves compete with the UI for the one GIL, so the first rows
came last (tests/benchmarks/bench_first_frame.py). A child process starts while the
console imports Textual and builds its first frame, on another core.

    sandbox = SandboxProcess(data_dir, preferred_port=8470)
    sandbox.spawn()          # returns at once
    sandbox.wait_ready()     # blocks until it serves (or raises SandboxStartError)
    sandbox.base_url, sandbox.admin_client_id, sandbox.admin_secret
    sandbox.stop()

The child lives exactly as long as the console: it serves until its standard input
closes, which happens when the console stops it or exits in any way (even killed), and
it is in its own session, so the terminal's signals go to the console alone. It writes
one JSON line on standard output: its base URL and admin credentials, or an error. Its
standard error is discarded: nothing may draw over the console's screen. Its environment
is the console's without the user's credentials (RKVST_*, DATATRAILS_*, BEARER_TOKEN_FILE):
the sandbox needs none of them.

When a sandbox already serves the data directory (another console, `rkvst-tui sandbox`),
the child does not start a second one: it checks that the server at the address recorded
there is that sandbox (sandbox/address.py), reports its address and the admin credentials
from the data directory with `"shared": true`, and exits; `shared` is then True.

This module is imported by the console launcher, so it imports only the standard library
at the top; the child imports the server itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from rkvst_tui.api.errors import RkvstError

READY_TIMEOUT = 30.0
CREDENTIAL_PREFIXES = ("RKVST_", "DATATRAILS_")
CREDENTIAL_NAMES = frozenset({"BEARER_TOKEN_FILE"})


def child_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for the sandbox child: the user's, without the user's credentials."""
    environ = dict(os.environ if environ is None else environ)
    return {
        name: value
        for name, value in environ.items()
        if not name.startswith(CREDENTIAL_PREFIXES) and name not in CREDENTIAL_NAMES
    }


class SandboxStartError(RkvstError):
    """The child sandbox did not start; the message says why, without secrets."""

    def __init__(self, message: str) -> None:
        super().__init__(
            message,
            hint="run `rkvst-tui sandbox` in a terminal to see the whole error "
            "(`rkvst-tui sandbox --reset` starts its data afresh)",
        )


class SandboxProcess:
    def __init__(
        self, data_dir: Path, *, preferred_port: int = 0, python: str | None = None, flavour: str = "rkvst"
    ) -> None:
        """`preferred_port`: listen there when it is free (so the URL, and the curl commands the
        console shows, stay the same from one run to the next), else on any free port.
        `flavour`: "rkvst" or "datatrails" (sandbox/state.py FLAVOURS); a sandbox that already
        serves the data directory keeps the flavour it was started with (`serving_flavour`)."""
        self.data_dir = Path(data_dir)
        self.preferred_port = preferred_port
        self.flavour = flavour
        self._python = python or sys.executable
        self._process: subprocess.Popen | None = None
        self._ready: dict | None = None
        self._unread = False  # a child was started whose answer has not been read yet
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"SandboxProcess({self.base_url if self._ready else '-'}, data_dir={str(self.data_dir)!r}, {state})"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def shared(self) -> bool:
        """True when it uses a sandbox that another process runs over the same data."""
        return bool(self._ready and self._ready.get("shared"))

    def spawn(self) -> None:
        """Start the child (no wait). A second call while it runs, or before its answer is read,
        does nothing; after a shared answer it starts a new child, to look again."""
        with self._lock:
            if self.running or self._unread:
                return
            self._ready = None
            self._process = subprocess.Popen(
                [
                    self._python,
                    "-m",
                    "rkvst_tui.sandbox.embedded",
                    str(self.data_dir),
                    str(self.preferred_port),
                    self.flavour,
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                close_fds=True,
                env=child_environment(),
            )
            self._unread = True

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> SandboxProcess:
        """Block until the child serves; SandboxStartError if it fails or takes too long."""
        with self._lock:
            if self._ready is not None and (self.running or self.shared):
                return self
            self._unread = False
            process = self._process
            if process is None or process.stdout is None or process.stdout.closed:
                raise SandboxStartError("the local sandbox was not started")
            answer: list[bytes] = []
            stdout = process.stdout
            reader = threading.Thread(target=lambda: answer.append(stdout.readline()), daemon=True)
            reader.start()
            reader.join(timeout)
            line = answer[0] if answer else b""
            try:
                message = json.loads(line) if line.strip() else {}
            except ValueError:
                message = {}
            if "base_url" in message:
                self._ready = message
                return self
            self._kill()
            if reader.is_alive():
                raise SandboxStartError(f"the local sandbox did not start within {timeout:.0f} s")
            raise SandboxStartError(message.get("error") or "the local sandbox stopped while starting")

    def start(self, timeout: float = READY_TIMEOUT) -> SandboxProcess:
        self.spawn()
        return self.wait_ready(timeout)

    def _answer(self, name: str) -> str:
        if self._ready is None:
            raise SandboxStartError("the sandbox is not ready yet")
        return self._ready[name]

    @property
    def base_url(self) -> str:
        return self._answer("base_url")

    @property
    def serving_flavour(self) -> str:
        """The flavour the sandbox in use serves: a shared one keeps its own ("" if unknown)."""
        if self._ready is None:
            raise SandboxStartError("the sandbox is not ready yet")
        return str(self._ready.get("flavour", "")) if self.shared else self.flavour

    @property
    def admin_client_id(self) -> str:
        return self._answer("client_id")

    @property
    def admin_secret(self) -> str:
        return self._answer("secret")

    def stop(self, timeout: float = 10.0) -> None:
        """Close the child's standard input (it stops gracefully); kill it if it lingers."""
        with self._lock:
            process = self._process
            if process is None:
                return
            try:
                if process.stdin is not None:
                    process.stdin.close()
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._kill()
            finally:
                if process.stdout is not None:
                    process.stdout.close()
            self._process = None

    def _kill(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()


def _share(data_dir: Path, record, out) -> int:
    """Tell the console to use the sandbox another process runs over `data_dir`."""
    from rkvst_tui.api.files import read_credentials_file

    from .bootstrap import CREDENTIALS_FILE

    try:
        client_id, secret = read_credentials_file(data_dir / CREDENTIALS_FILE)
    except RkvstError as exc:
        return _fail(out, f"a sandbox already serves {data_dir} at {record.base_url}, but {exc.message}")
    out.write(
        json.dumps(
            {
                "base_url": record.base_url,
                "client_id": client_id,
                "secret": secret,
                "shared": True,
                "flavour": record.flavour,
            }
        )
        + "\n"
    )
    out.flush()
    return 0


def _fail(out, message: str) -> int:
    out.write(json.dumps({"error": message}) + "\n")
    out.flush()
    return 1


def _serve(data_dir: Path, preferred_port: int = 0, flavour: str = "rkvst") -> int:
    """The child: start the sandbox (or find the one serving this data), say where it is,
    serve until standard input closes."""
    from .. import gc_policy
    from . import address

    out = sys.stdout
    # Start-up is imports: objects that live as long as the process. Collecting them while
    # the console waits for this child slows it (tests/benchmarks/); freeze them once up.
    gc_policy.hold()
    try:
        # Before the server's imports: a sandbox that already serves this data is used, not doubled.
        running = address.find_running(data_dir)
        if running is not None:
            return _share(data_dir, running, out)
        from .server import SandboxServer

        server = SandboxServer(data_dir, port=preferred_port, flavour=flavour)
        try:
            server.start()
        except OSError:  # the preferred port is taken (another console, `rkvst-tui sandbox`)
            server.port = 0
            server.start()
    except address.DataDirInUse:  # one started meanwhile: wait until it serves, then use it
        try:
            running = address.wait_for_running(data_dir, READY_TIMEOUT / 2)
        except address.SandboxIdentityError as exc:
            return _fail(out, f"{exc.message}. {exc.hint}")
        if running is None:
            return _fail(out, f"another sandbox holds {data_dir} but does not serve it")
        return _share(data_dir, running, out)
    except address.SandboxIdentityError as exc:
        return _fail(out, f"{exc.message}. {exc.hint}")
    except Exception as exc:  # noqa: BLE001 - reported to the console as one sentence
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return _fail(out, f"the local sandbox could not start in {data_dir}: {detail}")
    try:
        out.write(
            json.dumps(
                {"base_url": server.base_url, "client_id": server.admin_client_id, "secret": server.admin_secret}
            )
            + "\n"
        )
        out.flush()
        # The console reads no more: anything printed later must not fill the pipe and stall us.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        os.close(devnull)
        gc_policy.resume_frozen()
        sys.stdin.buffer.read()  # until the console closes the pipe or exits
    except (OSError, KeyboardInterrupt):
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    if (
        len(sys.argv) not in (2, 3, 4)
        or (len(sys.argv) >= 3 and not sys.argv[2].isdigit())
        or (len(sys.argv) == 4 and sys.argv[3] not in ("rkvst", "datatrails"))
    ):
        sys.stderr.write(
            "usage: python -m rkvst_tui.sandbox.embedded DATA_DIR [PORT [rkvst|datatrails]] (started by the console)\n"
        )
        sys.exit(2)
    sys.exit(
        _serve(
            Path(sys.argv[1]),
            int(sys.argv[2]) if len(sys.argv) >= 3 else 0,
            sys.argv[3] if len(sys.argv) == 4 else "rkvst",
        )
    )
