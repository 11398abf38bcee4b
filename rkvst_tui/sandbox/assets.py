"""The sandbox's assets: the demo set, `--seed-assets N`, list filters, and what a caller sees.

`GET /archivist/v2/assets` takes `attributes.NAME=VALUE` (what the official SDK sends for
`attrs=`, and the 2022 assetsv2 document's `attributes.arc_display_name`) or `attributes[NAME]=VALUE`
(the 2025 document's map form), and the documented top-level fields (`tracked`,
`confirmation_status`, ...). A root caller sees every asset whole; anyone else sees what
their access policies share, and only the attributes shared (access_rules.visible_attributes).
Filters apply to what the caller sees, so a hidden attribute cannot be probed by filtering.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rkvst_tui.api import access_rules as rules

from .paging import page_request
from .store import Store

DEMO_ASSETS: list[dict[str, str]] = [
    {
        "arc_display_name": "Traffic light 101",
        "arc_display_type": "Traffic Light",
        "arc_description": "Junction of High Street and Mill Lane",
        "serial_number": "TL1000000101",
        "location": "Cambridge",
        "arc_firmware_version": "3.2.1",
        "has_cyclist_light": "false",
    },
    {
        "arc_display_name": "Traffic light 102",
        "arc_display_type": "Traffic Light",
        "arc_description": "Pedestrian crossing by the station",
        "serial_number": "TL1000000102",
        "location": "Cambridge",
        "arc_firmware_version": "3.2.1",
        "has_cyclist_light": "false",
    },
    {
        "arc_display_name": "Cyclist light 7",
        "arc_display_type": "Traffic Light",
        "arc_description": "Cycle lane on the river path",
        "serial_number": "TL1000000107",
        "location": "Cambridge",
        "arc_firmware_version": "3.1.0",
        "has_cyclist_light": "true",
    },
    {
        "arc_display_name": "Weather station 3",
        "arc_display_type": "Weather Station",
        "arc_description": "Roof of the depot",
        "serial_number": "WS3000000003",
        "location": "Newmarket",
        "arc_firmware_version": "1.4.2",
    },
    {
        "arc_display_name": "Traffic light 201",
        "arc_display_type": "Traffic Light",
        "arc_description": "Roundabout on the Bury Road",
        "serial_number": "TL2000000201",
        "location": "Newmarket",
        "arc_firmware_version": "2.9.9",
        "has_cyclist_light": "false",
    },
    {
        "arc_display_name": "Door reader 12",
        "arc_display_type": "Door Access Reader",
        "arc_description": "Main entrance of the depot",
        "serial_number": "DR1200000012",
        "location": "Basingstoke",
        "arc_firmware_version": "5.0.1",
    },
]

SEED_TYPES = (
    ("Traffic light", "Traffic Light", "TL"),
    ("Weather station", "Weather Station", "WS"),
    ("Door reader", "Door Access Reader", "DR"),
)
SEED_LOCATIONS = ("Cambridge", "Newmarket", "Basingstoke", "Ely")
# Top-level fields of an asset that a list may filter on (assetsv2 GET /archivist/v2/assets).
FIELD_FILTERS = ("tracked", "confirmation_status", "proof_mechanism", "storage_integrity", "chain_id")
SCAN_CHUNK = 500


def add_demo_assets(store: Store) -> None:
    for attributes in DEMO_ASSETS:
        store.add_asset(attributes)


def seed_assets(store: Store, count: int) -> int:
    """Add `count` generated assets (types, locations and serial numbers in turn), one commit."""
    if count <= 0:
        return 0
    _ = store.tenant_id
    start = len(store._read("SELECT seq FROM assets"))
    with store.transaction():
        for index in range(1, count + 1):
            number = start + index
            name, kind, prefix = SEED_TYPES[number % len(SEED_TYPES)]
            store.add_asset(
                {
                    "arc_display_name": f"{name} {number}",
                    "arc_display_type": kind,
                    "arc_description": f"Seeded asset {number}",
                    "serial_number": f"{prefix}{number:010d}",
                    "location": SEED_LOCATIONS[number % len(SEED_LOCATIONS)],
                }
            )
    return count


# -- list filters --------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetQuery:
    """The filters of one list request (carried in its page tokens): wire name -> value."""

    filters: dict[str, str]

    def passes(self, asset: Mapping[str, Any]) -> bool:
        attributes = asset.get("attributes") or {}
        for key, value in self.filters.items():
            if key.startswith(rules.ATTRIBUTE_PREFIX):
                name = key[len(rules.ATTRIBUTE_PREFIX) :]
                if not rules.AssetTest(key, name, value).passes(attributes):
                    return False
            elif str(asset.get(key, "")) != value:
                return False
        return True


def _filter_key(name: str) -> str | None:
    """`attributes.X` and `attributes[X]` both become `attributes.X`; a documented field stays."""
    if name.startswith(rules.ATTRIBUTE_PREFIX) and len(name) > len(rules.ATTRIBUTE_PREFIX):
        return name
    if name.startswith("attributes[") and name.endswith("]") and len(name) > len("attributes[]"):
        inner = name[len("attributes[") : -1].strip("\"'")
        return rules.ATTRIBUTE_PREFIX + inner if inner else None
    return name if name in FIELD_FILTERS else None


def _token_filter_names(token: str) -> tuple[str, ...]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("utf-8"))
        orig = payload.get("orig_req") if isinstance(payload, dict) else None
        return tuple(k for k in orig if isinstance(k, str) and k != "page_size") if isinstance(orig, dict) else ()
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return ()  # page_request says what is wrong with it


def asset_page(kind: str, query) -> tuple[Any, AssetQuery]:
    """The page request and the filters of a list query (first page: from the query; later: the token)."""
    normalised: dict[str, str] = {}
    for name, value in query.multi_items():
        key = _filter_key(name)
        if key is not None:
            normalised[key] = value
    control = {k: query[k] for k in ("page_size", "page_token") if k in query}
    names = tuple(sorted(set(normalised) | set(_token_filter_names(control.get("page_token", "")))))
    page = page_request(kind, {**control, **normalised}, names)
    return page, AssetQuery(dict(page.filters))


# -- what a caller sees -----------------------------------------------------------------------


def iter_assets(store: Store, after_seq: int = 0) -> Iterator[tuple[int, dict]]:
    while True:
        rows = store.list_assets(after_seq=after_seq, limit=SCAN_CHUNK)
        yield from rows
        if len(rows) < SCAN_CHUNK:
            return
        after_seq = rows[-1][0]


def as_seen(asset: dict, grants: Sequence[rules.Grant] | None) -> dict | None:
    """The asset as this caller may see it (None: not at all). `grants is None`: an administrator."""
    if grants is None:
        return asset
    shown = rules.visible_through(grants, asset.get("attributes") or {})
    if shown is None:
        return None
    return {**asset, "attributes": shown}


def visible_page(
    store: Store, query: AssetQuery, *, after_seq: int, limit: int, grants: Sequence[rules.Grant] | None
) -> list[tuple[int, dict]]:
    """Up to `limit` assets after `after_seq` that the caller sees and that pass the query."""
    found: list[tuple[int, dict]] = []
    for seq, asset in iter_assets(store, after_seq):
        shown = as_seen(asset, grants)
        if shown is not None and query.passes(shown):
            found.append((seq, shown))
            if len(found) >= limit:
                break
    return found


def count_visible(store: Store, query: AssetQuery, *, grants: Sequence[rules.Grant] | None) -> int:
    return sum(1 for _, asset in iter_assets(store) if (s := as_seen(asset, grants)) is not None and query.passes(s))


def find_asset(store: Store, asset_uuid: str) -> dict | None:
    rows = store._read("SELECT body FROM assets WHERE uuid = ?", (asset_uuid,))
    return json.loads(rows[0]["body"]) if rows else None
