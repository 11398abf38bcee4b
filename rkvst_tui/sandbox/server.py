"""SandboxServer: the sandbox in a background thread (uvicorn), for the console and tests.

    srv = SandboxServer(data_dir, port=0)
    srv.start()            # returns once the port accepts connections
    srv.base_url           # http://127.0.0.1:PORT
    srv.admin_client_id, srv.admin_secret
    srv.stop()             # graceful; start() again reuses the port when it can

One server at a time serves a data directory: it holds the directory's lock from open() (or
reset) to stop(), and records the address it serves on in `address.json` while it serves
(sandbox/address.py: how clients find it and check it is this sandbox before they sign in).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import uvicorn

from . import address
from .address import DataDirInUse, DataDirLock
from .app import LOGGER_NAME, SandboxState, build_app
from .bootstrap import CREDENTIALS_FILE, AdminCredentials, ensure_admin, write_admin_credentials
from .clock import FixedClock, SystemClock
from .limits import with_header_limit
from .ratelimit import RateLimiter
from .signing import KeyRing
from .state import DATATRAILS, FLAVOURS, RKVST
from .store import DATABASE_NAME, Store

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


class _PromptServer(uvicorn.Server):
    """uvicorn's server, woken at once by stop() instead of at its next 0.1 s tick.

    Tests start and stop a sandbox per test; the tick would add up across the suite.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=0.1)
            except TimeoutError:
                pass
            should_exit = await self.on_tick(counter)

    def request_exit(self) -> None:
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(wake.set)
            except RuntimeError:  # the loop closed meanwhile: it has stopped anyway
                pass


class _CoalescingTransport:
    """A transport that joins the writes of one event-loop step into one send.

    uvicorn writes a response's headers and its body separately: two send() system calls
    and two packets per answer (with TCP_NODELAY), a large share of the token endpoint's
    cost besides signing. Both writes happen in the same step, so sending what was
    written at the end of that step (call_soon) sends each answer at once.
    """

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            asyncio.get_running_loop().call_soon(self._flush)
        self._pending.append(bytes(data))

    def _flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending.clear()
        self._transport.abort()

    def __getattr__(self, name: str):
        return getattr(self._transport, name)


def _http_protocol() -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (httptools if installed, else h11), its writes coalesced."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as base
    except ImportError:
        from uvicorn.protocols.http.h11_impl import H11Protocol as base  # type: ignore[assignment]

    class CoalescingProtocol(with_header_limit(base)):  # type: ignore[misc]
        def connection_made(self, transport) -> None:
            super().connection_made(_CoalescingTransport(transport))

    return CoalescingProtocol


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_NAMES or host.startswith("127.")


class SandboxServer:
    """The local RKVST sandbox, served by uvicorn on a thread of this process.

    `flavour`: "rkvst" (the 2022-11 documents, the default) or "datatrails" (roles, no root
    principals, tenancies/self, /archivist/v1/caps); the data directory serves either.
    """

    def __init__(
        self,
        data_dir: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        token_ttl: int = 3600,
        max_apps: int | None = None,
        rate_limit: int | None = None,
        reset: bool = False,
        deterministic: bool = False,
        log: logging.Logger | Callable[[str], None] | None = None,
        *,
        fixed_secret: str | None = None,
        clock: FixedClock | SystemClock | None = None,
        flavour: str = RKVST,
    ) -> None:
        if flavour not in FLAVOURS:
            raise ValueError(f"flavour must be one of {', '.join(FLAVOURS)}, not {flavour!r}")
        if token_ttl < 1:
            raise ValueError("token_ttl must be at least 1 second")
        if max_apps is not None and max_apps < 0:
            raise ValueError("max_apps must not be negative")
        self.data_dir = Path(data_dir)
        self.host = host
        self.port = port
        self._requested_port = port
        self.token_ttl = token_ttl
        self.max_apps = max_apps
        self.rate_limit = rate_limit
        self.deterministic = deterministic
        self.clock = clock or (FixedClock() if deterministic else SystemClock())
        self.fixed_secret = fixed_secret
        self.flavour = flavour
        if log is None:
            log = logging.getLogger(LOGGER_NAME)
        self._log: Callable[[str], None] = log.info if isinstance(log, logging.Logger) else log
        self._store: Store | None = None
        self._keys: KeyRing | None = None
        self._admin: AdminCredentials | None = None
        self._server: _PromptServer | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._data_lock = DataDirLock(self.data_dir)
        self._address: address.AddressRecord | None = None
        if reset:
            self.reset_data()

    # -- data ---------------------------------------------------------------------------

    def reset_data(self) -> None:
        """Delete the sandbox's database, keys and admin credentials (not other files in the folder)."""
        if self.running:
            raise RuntimeError("stop the sandbox before resetting its data")
        self._claim_data_dir()  # never under a sandbox that serves this data
        for name in (DATABASE_NAME, DATABASE_NAME + "-wal", DATABASE_NAME + "-shm", CREDENTIALS_FILE):
            path = self.data_dir / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()

    def _claim_data_dir(self, attempts: int = 5) -> None:
        """Hold the data directory's lock, or raise DataDirInUse naming the sandbox that does."""
        if self._data_lock.held:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        for attempt in range(attempts):
            if self._data_lock.acquire():
                address.clear_address(self.data_dir)  # left by a sandbox that was killed: stale
                return
            if attempt + 1 < attempts:
                time.sleep(0.02)  # someone only probing it (address.is_served) lets go at once
        record = address.read_address(self.data_dir)
        where = f" (process {record.pid}, {record.base_url})" if record else ""
        raise DataDirInUse(
            f"another sandbox serves {self.data_dir}{where}",
            hint="use that one (the console and the command line find it), or stop it first",
        )

    def open(self) -> AdminCredentials:
        """Open the store, load keys and make sure the admin exists (start() calls this)."""
        if self._store is None or self._store.closed:
            self._claim_data_dir()
            self._store = Store(self.data_dir, clock=self.clock, fixed_secret=self.fixed_secret)
            with self._store.transaction():  # one commit for the whole first-start bootstrap
                self._keys = KeyRing(self._store)
                self._admin = ensure_admin(self._store, self.data_dir)
                if self.flavour == DATATRAILS:  # the RKVST era's root registrations administer as Owners
                    self._store.owners_from_root_principals()
        assert self._admin is not None
        return self._admin

    @property
    def store(self) -> Store:
        if self._store is None or self._store.closed:
            self.open()
        assert self._store is not None
        return self._store

    @property
    def keys(self) -> KeyRing:
        self.store  # noqa: B018 - opens the store (and with it the keys) when it is not open
        assert self._keys is not None
        return self._keys

    @property
    def admin_credentials(self) -> AdminCredentials:
        # Known since the last open: reading them after stop() must not take the data back.
        return self._admin if self._admin is not None else self.open()

    @property
    def admin_client_id(self) -> str:
        return self.admin_credentials.client_id

    @property
    def admin_secret(self) -> str:
        return self.admin_credentials.secret

    @property
    def credentials_file(self) -> Path:
        return self.data_dir / CREDENTIALS_FILE

    def _admin_secret_changed(self, secret: str) -> None:
        assert self._admin is not None
        write_admin_credentials(self.data_dir, self._admin.client_id, secret)
        self._admin = AdminCredentials(self._admin.client_id, secret, created=False)

    # -- serving ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only when the
        # listening socket says TCP; without it every keep-alive answer waits for Nagle's delay.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            if self.port == self._requested_port or self._requested_port != 0:
                sock.close()
                raise
            sock.bind((self.host, 0))  # the port used last time is taken: any free one will do
        sock.listen(128)
        sock.set_inheritable(True)
        self.port = sock.getsockname()[1]
        return sock

    def build_asgi_app(self, identity_key: str | None = None):
        """The ASGI app; with `identity_key` it answers address.check_identity's challenge."""
        self.open()
        state = SandboxState(
            store=self.store,
            keys=self.keys,
            token_ttl=self.token_ttl,
            max_apps=self.max_apps,
            admin_client_id=self.admin_client_id,
            rate_limiter=RateLimiter(self.rate_limit) if self.rate_limit else None,
            log=self._log,
            on_admin_secret=self._admin_secret_changed,
            identity_key=identity_key,
            flavour=self.flavour,
        )
        return build_app(state)

    def start(self, timeout: float = 15.0) -> SandboxServer:
        """Serve on a background thread; return when the port accepts connections."""
        with self._lock:
            if self.running:
                return self
            identity_key = address.new_key()
            app = self.build_asgi_app(identity_key)
            sock = self._bind()
            config = uvicorn.Config(
                app,
                log_level="warning",
                access_log=False,
                lifespan="off",
                timeout_graceful_shutdown=2,
                timeout_keep_alive=5,
                server_header=False,
                # No proxy in front of the sandbox: X-Forwarded-* from loopback clients must not
                # change the scheme the issuer is computed from (and the middleware cost a
                # layer per request, profiling the token endpoint).
                proxy_headers=False,
                http=_http_protocol(),
            )
            server = _PromptServer(config)
            self._server = server
            self._error = None

            def serve() -> None:
                try:
                    server.run(sockets=[sock])
                except BaseException as exc:  # noqa: BLE001 - reported by start()
                    self._error = exc
                finally:
                    sock.close()

            self._thread = threading.Thread(target=serve, name=f"rkvst-sandbox:{self.port}", daemon=True)
            self._thread.start()
            ready = threading.Event()
            deadline = timeout
            step = 0.01
            waited = 0.0
            while waited < deadline:
                if server.started:
                    ready.set()
                    break
                if not self._thread.is_alive():
                    break
                ready.wait(step)
                waited += step
            if not server.started:
                server.should_exit = True
                self._thread.join(timeout=5)
                self._close_store()
                raise RuntimeError(f"the sandbox did not start on {self.base_url}: {self._error!r}")
            self._address = address.write_address(self.data_dir, self.base_url, identity_key, self.flavour)
            return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving (graceful) and close the database."""
        with self._lock:
            if self._server is not None:
                self._server.request_exit()
            if self._thread is not None:
                self._thread.join(timeout=timeout)
                if self._thread.is_alive() and self._server is not None:
                    self._server.force_exit = True
                    self._thread.join(timeout=timeout)
            self._thread = None
            self._server = None
            if self._address is not None:
                address.clear_address(self.data_dir, self._address)
                self._address = None
            self._close_store()

    def _close_store(self) -> None:
        if self._store is not None:
            self._store.close()
        self._data_lock.release()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"SandboxServer({self.base_url}, data_dir={str(self.data_dir)!r}, {state})"
