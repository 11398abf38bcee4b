"""A loopback HTTP server that misbehaves on purpose, for the hostile-server tests.

    with HostileServer({"/archivist/iam/v1/appidp/token": "endless"}) as server:
        server.base_url                  # http://127.0.0.1:PORT
        server.sent_bytes(path)          # how much of its answers to `path` got out
        server.requests(path)            # how many requests for `path` came

Each path answers with one behaviour; every other path (and a path given as "good")
answers as RKVST would: a token, an empty list. Behaviours:

- `endless`: a chunked 200 whose body never ends (stops after MAX_SEND bytes, or when the
  client hangs up, so that a client without a cap costs this machine no more than that)
- `endless_error`: the same as a 500 error page
- `huge`: a 200 that announces a 10 GiB Content-Length and starts sending it
- `gzip_bomb`: a 200 of a few hundred KiB of gzip that inflates to BOMB_SIZE bytes of spaces
- `drip`: a 200 whose body comes one byte a second
- `slow_headers`: a status line, then a header line every 0.2 s, forever
- `endless_headers`: a status line, then header lines as fast as the client takes them
- `deep_json`: a 200 whose body is 500,000 nested arrays (1 MB, well under the cap)

Raw sockets on threads: the point is to send what no real HTTP server library would.
"""

from __future__ import annotations

import json
import socket
import threading
import zlib
from collections import Counter

MAX_SEND = 128 << 20
BOMB_SIZE = 256 << 20
GOOD_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJob3N0aWxlIn0.c2lnbmF0dXJl"
_CHUNK = 64 << 10
_bomb: bytes | None = None


def gzip_bomb() -> bytes:
    """BOMB_SIZE bytes of spaces, gzip-compressed (made once: ~1 s)."""
    global _bomb
    if _bomb is None:
        packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        block = b" " * (1 << 20)
        parts = [packer.compress(block) for _ in range(BOMB_SIZE // len(block))]
        _bomb = b"".join(parts) + packer.flush()
    return _bomb


def _good_answer(path: str) -> bytes:
    if path.endswith("/appidp/token"):
        body = {"access_token": GOOD_TOKEN, "token_type": "Bearer", "expires_in": 3600}
    else:
        body = {"applications": [], "next_page_token": ""}
    data = json.dumps(body).encode()
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
        b"Content-Length: %d\r\n\r\n" % len(data)
    ) + data


class HostileServer:
    def __init__(self, behaviours: dict[str, str]) -> None:
        self.behaviours = behaviours
        self._sent: Counter[str] = Counter()
        self._requests: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="hostile-server", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def sent_bytes(self, path: str) -> int:
        with self._lock:
            return self._sent[path]

    def requests(self, path: str) -> int:
        with self._lock:
            return self._requests[path]

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        self._listener.settimeout(0.05)  # closing a socket does not wake a thread blocked in accept
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.setblocking(True)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(30)
            try:
                path = self._read_request(conn)
                if path is not None:
                    with self._lock:
                        self._requests[path] += 1
                    self._answer(conn, path)
            except OSError:  # the client hung up: what a capped client does
                pass

    @staticmethod
    def _read_request(conn: socket.socket) -> str | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        return lines[0].split(" ")[1].split("?")[0]

    def _send(self, conn: socket.socket, path: str, data: bytes) -> None:
        conn.sendall(data)
        with self._lock:
            self._sent[path] += len(data)

    def _answer(self, conn: socket.socket, path: str) -> None:
        behaviour = self.behaviours.get(path, "good")
        if behaviour == "good":
            self._send(conn, path, _good_answer(path))
            return
        if behaviour in ("endless", "endless_error"):
            status = b"200 OK" if behaviour == "endless" else b"500 Internal Server Error"
            self._send(
                conn,
                path,
                b"HTTP/1.1 %s\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" % status,
            )
            chunk = b"%x\r\n%s\r\n" % (_CHUNK, b" " * _CHUNK)
            while self.sent_bytes(path) < MAX_SEND and not self._stopping.is_set():
                self._send(conn, path, chunk)
        elif behaviour == "huge":
            self._send(
                conn,
                path,
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (10 << 30),
            )
            while self.sent_bytes(path) < MAX_SEND and not self._stopping.is_set():
                self._send(conn, path, b" " * _CHUNK)
        elif behaviour == "gzip_bomb":
            bomb = gzip_bomb()
            self._send(
                conn,
                path,
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                b"Content-Length: %d\r\n\r\n" % len(bomb),
            )
            self._send(conn, path, bomb)
        elif behaviour == "deep_json":
            body = b"[" * 500_000 + b"]" * 500_000
            self._send(
                conn,
                path,
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body,
            )
        elif behaviour == "drip":
            self._send(conn, path, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
            for _ in range(100):
                if self._stopping.wait(1.0):
                    return
                self._send(conn, path, b" ")
        elif behaviour in ("slow_headers", "endless_headers"):
            self._send(conn, path, b"HTTP/1.1 200 OK\r\n")
            pause = 0.2 if behaviour == "slow_headers" else 0.0
            line = 0
            while self.sent_bytes(path) < MAX_SEND and not self._stopping.is_set():
                line += 1
                self._send(conn, path, b"X-Pad-%d: %s\r\n" % (line, b"v" * 100))
                if pause and self._stopping.wait(pause):
                    return
        else:
            raise ValueError(f"unknown behaviour {behaviour!r}")
