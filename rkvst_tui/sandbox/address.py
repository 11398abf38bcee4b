"""Which sandbox serves a data directory, where it listens, and proof that it is that one.

While it serves, a sandbox holds `sandbox.lock` in its data directory (flock: the kernel lets
go when the process dies, even by SIGKILL) and records where it listens in `address.json`
(mode 0600, written atomically, removed when it stops) with a random key of that run.
Before anyone sends it the admin's credentials, the server at that address must answer a
fresh random challenge with HMAC-SHA256 under that key. Only someone who can read the
data directory knows the key, so another local user listening on the port cannot answer;
the published key set would not do, since anyone can fetch and replay it.

    record = find_running(data_dir)       # AddressRecord | None; SandboxIdentityError if a stranger answers
    lock = DataDirLock(data_dir)          # the server's: lock.acquire() -> bool, lock.release()
    key = new_key(); ...serve, answering proof(key, challenge)...
    record = write_address(data_dir, base_url, key, flavour)
    clear_address(data_dir, record)

Standard library only: the console's sandbox child imports it before the server.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from rkvst_tui.api.errors import RkvstError

ADDRESS_FILE = "address.json"
LOCK_FILE = "sandbox.lock"
IDENTITY_PATH = "/sandbox/v1/identity"
CHALLENGE_PATTERN = re.compile(r"[0-9a-f]{64}")
CHECK_TIMEOUT = 3.0  # seconds for the whole identity check, connection to last byte
MAX_ANSWER_BYTES = 16 * 1024  # the real answer is ~200 bytes; a stranger's may be endless
_PROOF_CONTEXT = b"rkvst-tui sandbox identity v1\n"


class SandboxIdentityError(RkvstError):
    """The server at a sandbox's recorded address is not that sandbox: nothing was sent to it."""


class DataDirInUse(RkvstError):
    """Another sandbox serves this data directory."""


@dataclass(frozen=True)
class AddressRecord:
    base_url: str
    pid: int
    key: str = field(repr=False)  # hex; proves the server read this data directory
    flavour: str = ""  # "rkvst" or "datatrails"; "" in a record written before flavours


def new_key() -> str:
    return secrets.token_hex(32)


def proof(key: str, challenge: str) -> str:
    """The server's answer to `challenge` (the /sandbox/v1/identity route)."""
    return hmac.new(bytes.fromhex(key), _PROOF_CONTEXT + challenge.encode("ascii"), hashlib.sha256).hexdigest()


# -- the lock ---------------------------------------------------------------------------------


class DataDirLock:
    """An exclusive, non-blocking flock on `<data_dir>/sandbox.lock` for a serving sandbox."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_FILE
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the only descriptor releases the flock


def is_served(data_dir: Path) -> bool:
    """True while some process holds the data directory's lock."""
    probe = DataDirLock(data_dir)
    if not probe.path.exists():
        return False
    try:
        if probe.acquire():
            probe.release()
            return False
    except OSError:
        return False
    return True


# -- the record ---------------------------------------------------------------------------------


def write_address(data_dir: Path, base_url: str, key: str, flavour: str = "") -> AddressRecord:
    """Record where this process serves `data_dir`, the key it proves itself with and the
    flavour it serves (call it holding the lock)."""
    from rkvst_tui.api.files import atomic_write_private

    record = AddressRecord(base_url=base_url, pid=os.getpid(), key=key, flavour=flavour)
    fields = {"base_url": record.base_url, "pid": record.pid, "key": record.key, "flavour": record.flavour}
    text = json.dumps(fields) + "\n"
    atomic_write_private(Path(data_dir) / ADDRESS_FILE, text, overwrite=True)
    return record


def read_address(data_dir: Path) -> AddressRecord | None:
    """The recorded address, or None when there is none (or it is not one of ours)."""
    path = Path(data_dir) / ADDRESS_FILE
    try:
        with open(path, "rb") as file:
            data = json.loads(file.read(MAX_ANSWER_BYTES))
        flavour = data.get("flavour", "")
        record = AddressRecord(
            base_url=data["base_url"],
            pid=int(data["pid"]),
            key=data["key"],
            flavour=flavour if flavour in ("rkvst", "datatrails") else "",
        )
        bytes.fromhex(record.key)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(record.base_url, str) or urlsplit(record.base_url).scheme != "http":
        return None
    return record


def clear_address(data_dir: Path, record: AddressRecord | None = None) -> None:
    """Remove the record (only `record`'s, when given: never a newer sandbox's)."""
    path = Path(data_dir) / ADDRESS_FILE
    if record is not None and read_address(data_dir) != record:
        return
    try:
        path.unlink()
    except FileNotFoundError:
        pass


# -- the check ------------------------------------------------------------------------------------


def _get(base_url: str, path: str, timeout: float) -> tuple[int, bytes]:
    """One bounded HTTP GET over a plain socket: (status, body)."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    deadline = time.monotonic() + timeout
    received = bytearray()
    with socket.create_connection((host, port), timeout=timeout) as connection:
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
        )
        connection.sendall(request.encode("ascii"))
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no whole answer in time")
            connection.settimeout(left)
            chunk = connection.recv(4096)
            if not chunk:
                break
            received += chunk
            if len(received) > MAX_ANSWER_BYTES:
                raise ValueError(f"an answer of more than {MAX_ANSWER_BYTES // 1024} KiB")
    head, _, body = bytes(received).partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[0].startswith(b"HTTP/") or not status_line[1].isdigit():
        raise ValueError("not an HTTP answer")
    return int(status_line[1]), body


def check_identity(record: AddressRecord, data_dir: Path, timeout: float = CHECK_TIMEOUT) -> None:
    """Raise SandboxIdentityError unless the server at `record.base_url` proves it knows the key;
    ConnectionRefusedError (an OSError) when nothing listens there."""
    challenge = secrets.token_hex(32)
    where = record.base_url
    refused = (
        f"the server at {where} is not the sandbox of {data_dir}: the sandbox's admin credentials were not sent to it"
    )
    hint = (
        "something else listens on that port; see what with `ss -ltnp` and stop it, "
        "then start the sandbox again (`rkvst-tui sandbox`), or configure RKVST_URL"
    )
    try:
        status, body = _get(where, f"{IDENTITY_PATH}?challenge={challenge}", timeout)
    except ConnectionRefusedError:
        raise
    except (OSError, ValueError) as exc:
        reason = "it did not answer in time" if isinstance(exc, (TimeoutError, socket.timeout)) else str(exc)
        raise SandboxIdentityError(f"{refused} ({reason})", hint=hint) from None
    try:
        answer = json.loads(body) if status == 200 else None
        claimed = answer.get("proof") if isinstance(answer, dict) else None
    except ValueError:
        claimed = None
    if not isinstance(claimed, str) or not hmac.compare_digest(claimed, proof(record.key, challenge)):
        how = (
            f"it answered HTTP {status} to the identity check"
            if status != 200
            else "it could not answer the identity check"
        )
        raise SandboxIdentityError(f"{refused} ({how})", hint=hint)


def find_running(data_dir: Path, timeout: float = CHECK_TIMEOUT) -> AddressRecord | None:
    """The address of the sandbox serving `data_dir`, checked; None when none is running.

    Nothing is sent anywhere unless the data directory's lock is held and an address is recorded.
    """
    data_dir = Path(data_dir)
    for attempt in range(2):
        record = read_address(data_dir)
        if record is None or not is_served(data_dir):
            return None  # a record left by a sandbox that was killed: its lock went with it
        try:
            check_identity(record, data_dir, timeout)
            return record
        except ConnectionRefusedError:
            return None
        except SandboxIdentityError:
            # A sandbox that has just started may have replaced the record meanwhile.
            if attempt or read_address(data_dir) == record:
                raise
    return None


def wait_for_running(data_dir: Path, timeout: float) -> AddressRecord | None:
    """For a sandbox that holds the lock but is still starting: its address once it serves."""
    deadline = time.monotonic() + timeout
    while True:
        record = find_running(data_dir)
        if record is not None or not is_served(data_dir) or time.monotonic() > deadline:
            return record
        time.sleep(0.05)
