"""Opaque page tokens (contract §3).

A later page is asked for with only `page_token` (and maybe `page_size`), so the token
carries the original filters, like the real service's base64 JSON `orig_req`. Instead
of the real `skip` offset it carries the last row's `seq` (keyset paging), so a deep page
costs no more than the first.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from .problems import bad_request

DEFAULT_PAGE_SIZE = 100  # decided (contract §3)
MAX_PAGE_SIZE = 1000
MAX_SEQ = 2**63 - 1  # SQLite's largest integer: a token past it is not one this server issued


@dataclass(frozen=True)
class PageRequest:
    kind: str
    page_size: int
    after_seq: int
    filters: dict[str, str]


def encode_token(kind: str, filters: dict[str, str], page_size: int, after_seq: int) -> str:
    payload = {"kind": kind, "orig_req": {"page_size": page_size, **filters}, "after": after_seq}
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def parse_page_size(raw: str | None, fallback: int = DEFAULT_PAGE_SIZE) -> int:
    if raw is None or raw == "":
        return fallback
    try:
        size = int(raw)
    except ValueError:
        raise bad_request(f"page_size must be a whole number, not {raw[:40]!r}") from None
    if size < 0:
        raise bad_request(f"page_size must not be negative (got {size})")
    if size == 0:
        return fallback  # protobuf's zero value means "not set"
    return min(size, MAX_PAGE_SIZE)


def page_request(kind: str, query, filter_names: tuple[str, ...]) -> PageRequest:
    """Read page_size, page_token and filters from a query; a bad token is a 400."""
    explicit = {name: query[name] for name in filter_names if query.get(name) not in (None, "")}
    token = query.get("page_token") or ""
    if not token:
        return PageRequest(kind, parse_page_size(query.get("page_size")), 0, explicit)
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("utf-8"))
        if not isinstance(payload, dict) or payload.get("kind") != kind:
            raise ValueError("wrong kind")
        orig = payload["orig_req"]
        after = payload["after"]
        if not isinstance(orig, dict) or not isinstance(after, int) or isinstance(after, bool):
            raise ValueError("wrong shape")
        if not 0 <= after <= MAX_SEQ:
            raise ValueError("no such position")
        filters = {name: orig[name] for name in filter_names if name in orig}
        if not all(isinstance(value, str) for value in filters.values()):
            raise ValueError("wrong filter")
        size = orig.get("page_size", DEFAULT_PAGE_SIZE)
        if not isinstance(size, int) or isinstance(size, bool):
            raise ValueError("wrong page size")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, binascii.Error):
        raise bad_request("page_token is not a token this server issued: start again without page_token") from None
    for name, value in explicit.items():
        if filters.get(name) != value:
            raise bad_request(f"{name} differs from the filter of page_token: send only page_token for later pages")
    return PageRequest(
        kind, parse_page_size(query.get("page_size"), fallback=min(max(size, 1), MAX_PAGE_SIZE)), after, filters
    )
