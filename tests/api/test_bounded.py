"""read_bounded: an answer's body, decoded, never more than the limit in memory.

Streams made here byte by byte (what a network read hands httpx), for the encodings a
server may send; the loopback cases (endless, huge, gzip bomb) are in
tests/security/test_hostile_server.py.
"""

from __future__ import annotations

import gzip
import zlib

import httpx
import pytest

from rkvst_tui.api.bounded import BodyTooLarge, UnreadableEncoding, read_bounded, size_text

BODY = b'{"applications": [], "next_page_token": ""}' * 100


class Chunks(httpx.AsyncByteStream):
    def __init__(self, data: bytes, size: int = 1000) -> None:
        self.pieces = [data[i : i + size] for i in range(0, len(data), size)]

    async def __aiter__(self):
        for piece in self.pieces:
            yield piece


def _streamed(data: bytes, **headers: str) -> httpx.Response:
    return httpx.Response(200, headers={k.replace("_", "-"): v for k, v in headers.items()}, stream=Chunks(data))


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (BODY, None),
        (gzip.compress(BODY), "gzip"),
        (gzip.compress(BODY), "x-gzip"),
        (zlib.compress(BODY), "deflate"),
        (_raw_deflate(BODY), "deflate"),  # without the zlib header, as some servers send it
        (BODY, "identity"),
    ],
    # Named, not by their bytes: gzip's header holds the time, and xdist's workers must collect
    # the same test ids.
    ids=["plain", "gzip", "x-gzip", "zlib", "raw-deflate", "identity"],
)
async def test_each_encoding_is_read_whole(encoded: bytes, encoding: str | None) -> None:
    headers = {"content_encoding": encoding} if encoding else {}
    assert await read_bounded(_streamed(encoded, **headers), len(BODY)) == BODY


@pytest.mark.parametrize("encoding", [None, "gzip"])
async def test_one_byte_over_the_limit_is_too_large(encoding: str | None) -> None:
    encoded = gzip.compress(BODY) if encoding else BODY
    headers = {"content_encoding": encoding} if encoding else {}
    with pytest.raises(BodyTooLarge) as caught:
        await read_bounded(_streamed(encoded, **headers), len(BODY) - 1)
    assert "larger than" in str(caught.value)


async def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    response = _streamed(b"", content_length=str(10 << 30))
    with pytest.raises(BodyTooLarge):
        await read_bounded(response, 4 << 20)
    assert not response.is_stream_consumed


async def test_an_error_page_is_cut_not_refused() -> None:
    page = b"<html>" + b"x" * 100_000
    assert await read_bounded(_streamed(page, content_length=str(len(page))), 1000, truncate=True) == page[:1000]
    bomb = gzip.compress(b" " * (8 << 20))
    assert await read_bounded(_streamed(bomb, content_encoding="gzip"), 1000, truncate=True) == b" " * 1000


@pytest.mark.parametrize(
    ("encoded", "encoding", "words"),
    [
        (b"not gzip at all", "gzip", "gzip data is broken"),
        (b"not deflate at all", "deflate", "deflate data is broken"),
        (BODY, "br", "compressed as 'br', which was not asked for"),
        (BODY, "gzip, gzip", "which was not asked for"),
    ],
)
async def test_unreadable_encodings_say_so(encoded: bytes, encoding: str, words: str) -> None:
    with pytest.raises(UnreadableEncoding) as caught:
        await read_bounded(_streamed(encoded, content_encoding=encoding), 1 << 20)
    assert words in str(caught.value)


def test_sizes_read_as_a_person_says_them() -> None:
    assert [size_text(n) for n in (4 << 20, 64 << 10, 100, 1536 << 10)] == ["4 MiB", "64 KiB", "100 bytes", "1.5 MiB"]
