"""Reading an HTTP answer's body without letting the server decide how much memory it takes.

`read_bounded(response, limit)` reads a streamed httpx response and returns its decoded body,
or raises `BodyTooLarge` as soon as more than `limit` bytes came (or a Content-Length says
they would), so an endless or huge answer costs at most about `limit` of memory. Compressed
answers (gzip, deflate) are inflated here, at most `limit` bytes of output at a time: httpx's
own decoders inflate a whole network read at once, which a small compressed answer can turn
into gigabytes.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

import httpx

_AUTO_HEADER = zlib.MAX_WBITS | 32  # zlib or gzip, told apart by the header
_RAW_DEFLATE = -zlib.MAX_WBITS  # "deflate" as some servers send it: no zlib header


class BodyTooLarge(Exception):
    """The answer's body is longer than the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the answer is larger than {size_text(limit)}")
        self.limit = limit


class UnreadableEncoding(Exception):
    """The answer is compressed in a way that was not asked for, or its compressed data is broken."""


def size_text(n: int) -> str:
    """A byte count as a person says it: 4 MiB, 64 KiB, 100 bytes."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            value = n / size
            return f"{value:g} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"


def declared_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


class _Inflater:
    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._started = False
        self._raw = False  # "deflate" without its zlib header, as some servers send it
        self._inflate = zlib.decompressobj(_AUTO_HEADER)

    def feed(self, data: bytes, room: int) -> bytes:
        """At most room + 1 bytes of output (one more than fits: the caller then knows it is too large)."""
        try:
            out = self._inflate.decompress(data, room + 1)
        except zlib.error:
            if self._started or self.encoding != "deflate" or self._raw:
                raise UnreadableEncoding(f"its {self.encoding} data is broken") from None
            self._raw = True
            self._inflate = zlib.decompressobj(_RAW_DEFLATE)
            return self.feed(data, room)
        self._started = True
        return out

    def finish(self) -> bytes:
        # Every byte fed was consumed (feed stops at the limit otherwise): what is left is small.
        try:
            return self._inflate.flush()
        except zlib.error:
            raise UnreadableEncoding(f"its {self.encoding} data is broken") from None


def _inflater(response: httpx.Response) -> _Inflater | None:
    encodings = [e.strip().lower() for e in response.headers.get("content-encoding", "").split(",") if e.strip()]
    encodings = [e for e in encodings if e != "identity"]
    if not encodings:
        return None
    if len(encodings) == 1 and encodings[0] in ("gzip", "x-gzip", "deflate"):
        return _Inflater("deflate" if encodings[0] == "deflate" else "gzip")
    raise UnreadableEncoding(f"it is compressed as {', '.join(encodings)[:40]!r}, which was not asked for")


async def _already_read(response: httpx.Response) -> AsyncIterator[bytes]:
    yield response.content


async def read_bounded(response: httpx.Response, limit: int, *, truncate: bool = False) -> bytes:
    """The decoded body of a streamed `response`, at most `limit` bytes.

    More than that raises BodyTooLarge, or with `truncate` returns the first `limit` bytes
    (for an error page, whose start is all that is shown). Compressed bytes count too, so a
    body that never ends stops at the limit even when it inflates to nothing.
    """
    declared = declared_length(response)
    if declared is not None and declared > limit and not truncate:
        raise BodyTooLarge(limit)
    if response.is_stream_consumed:  # an answer made in memory (a test's transport): decoded already
        inflater, chunks = None, _already_read(response)
    else:
        inflater, chunks = _inflater(response), response.aiter_raw()
    body = bytearray()
    received = 0
    async for chunk in chunks:
        received += len(chunk)
        piece = inflater.feed(chunk, limit - len(body)) if inflater else chunk
        body += piece
        if len(body) > limit or received > limit:
            if truncate:
                return bytes(body[:limit])
            raise BodyTooLarge(limit)
    if inflater is not None:
        body += inflater.finish()
        if len(body) > limit:
            if truncate:
                return bytes(body[:limit])
            raise BodyTooLarge(limit)
    return bytes(body)
