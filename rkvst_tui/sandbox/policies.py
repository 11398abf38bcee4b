"""Access policies in the sandbox: their SQLite table and how a PATCH merges.

The rules (what a filter or user attribute means, what a bad policy is) are
rkvst_tui/api/access_rules.py, shared with the console; docs/access-policies.md says why.
"""

from __future__ import annotations

import builtins
import json
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rkvst_tui.api import access_rules as rules

from .problems import bad_request
from .store import Store

_SCHEMA = """
CREATE TABLE IF NOT EXISTS access_policies (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid          TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    body          TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS access_policies_by_name ON access_policies (display_name, seq);
"""
IDENTITY_PREFIX = "access_policies/"
MASKABLE = rules.POLICY_FIELDS


@dataclass(frozen=True)
class PolicyRecord:
    seq: int
    uuid: str
    body: dict[str, Any]  # the wire shape, identity and tenant included

    @property
    def display_name(self) -> str:
        return self.body.get("display_name", "")


def normalise(body: Mapping[str, Any]) -> dict[str, Any]:
    """The checked fields in the wire's full shape: every list present, empty or not."""
    permissions = []
    for permission in body.get("access_permissions") or []:
        shaped: dict[str, Any] = {key: list(permission.get(key) or []) for key in rules.PERMISSION_LISTS}
        shaped["user_attributes"] = [{"or": list(g.get("or") or [])} for g in permission.get("user_attributes") or []]
        permissions.append(shaped)
    return {
        "display_name": body.get("display_name") or "",
        "description": body.get("description") or "",
        "filters": [{"or": list(g.get("or") or [])} for g in body.get("filters") or []],
        "access_permissions": permissions,
    }


def refuse_if_bad(body: Any, *, creating: bool = True, only: list[str] | None = None) -> None:
    problems = rules.errors(rules.check_policy(body, creating=creating, only=only))
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise bad_request(f"invalid access policy: {problems[0]}{more}")


def parse_mask(raw: str | None) -> list[str] | None:
    """`mask=display_name,filters` (grpc-gateway field mask); None when absent."""
    if raw is None:
        return None
    paths = [part.strip() for part in raw.split(",") if part.strip()]
    for path in paths:
        if path not in MASKABLE:
            raise bad_request(
                f"mask names {path[:60]!r}, which is not a field of an access policy you can update "
                f"(the fields are {', '.join(MASKABLE)})"
            )
    return paths


class PolicyStore:
    """The access_policies table, beside the rest of the sandbox's data in the same database."""

    def __init__(self, store: Store) -> None:
        self.store = store
        with store._write() as db:
            _create(db)

    def _wire(self, policy_uuid: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return {"identity": IDENTITY_PREFIX + policy_uuid, **normalise(body), "tenant": self.store.tenant_id}

    def create(self, body: Mapping[str, Any]) -> PolicyRecord:
        _ = self.store.tenant_id  # made before the write below holds the lock's transaction
        with self.store._write() as db:
            policy_uuid = self.store._new_id(db, "access-policy")
            wire = self._wire(policy_uuid, body)
            cursor = db.execute(
                "INSERT INTO access_policies (uuid, display_name, body) VALUES (?, ?, ?)",
                (policy_uuid, wire["display_name"], json.dumps(wire)),
            )
            seq = cursor.lastrowid or 0
        return PolicyRecord(seq, policy_uuid, wire)

    def get(self, policy_uuid: str) -> PolicyRecord | None:
        rows = self.store._read("SELECT seq, uuid, body FROM access_policies WHERE uuid = ?", (policy_uuid,))
        return PolicyRecord(rows[0]["seq"], rows[0]["uuid"], json.loads(rows[0]["body"])) if rows else None

    def update(self, policy_uuid: str, changes: Mapping[str, Any], fields: list[str]) -> PolicyRecord | None:
        """Replace `fields` with their values in `changes` (absent: emptied); the result is checked."""
        with self.store._write() as db:
            row = db.execute("SELECT seq, body FROM access_policies WHERE uuid = ?", (policy_uuid,)).fetchone()
            if row is None:
                return None
            merged = json.loads(row["body"])
            for name in fields:
                merged[name] = changes.get(name)
            refuse_if_bad({k: merged.get(k) for k in rules.POLICY_FIELDS}, creating=True)
            wire = self._wire(policy_uuid, merged)
            db.execute(
                "UPDATE access_policies SET display_name = ?, body = ? WHERE uuid = ?",
                (wire["display_name"], json.dumps(wire), policy_uuid),
            )
        return PolicyRecord(row["seq"], policy_uuid, wire)

    def delete(self, policy_uuid: str) -> bool:
        with self.store._write() as db:
            return db.execute("DELETE FROM access_policies WHERE uuid = ?", (policy_uuid,)).rowcount > 0

    def list(
        self, *, after_seq: int = 0, limit: int = 100, display_name: str | None = None, description: str | None = None
    ) -> list[PolicyRecord]:
        sql = "SELECT seq, uuid, body FROM access_policies WHERE seq > ?"
        params: list[Any] = [after_seq]
        if display_name is not None:
            sql += " AND display_name = ?"
            params.append(display_name)
        rows = self.store._read(sql + " ORDER BY seq", params)
        records = [PolicyRecord(r["seq"], r["uuid"], json.loads(r["body"])) for r in rows]
        if description is not None:
            records = [r for r in records if r.body.get("description") == description]
        return records[:limit]

    def all(self) -> builtins.list[dict[str, Any]]:  # builtins: `list` is a method here
        return [json.loads(r["body"]) for r in self.store._read("SELECT body FROM access_policies ORDER BY seq")]

    def count(self) -> int:
        return self.store._read("SELECT COUNT(*) AS n FROM access_policies")[0]["n"]


def _create(db) -> None:
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


_stores: weakref.WeakKeyDictionary[Store, PolicyStore] = weakref.WeakKeyDictionary()
_stores_lock = threading.Lock()


def policies_of(store: Store) -> PolicyStore:
    """The PolicyStore of a sandbox Store (its table made on first use)."""
    with _stores_lock:
        found = _stores.get(store)
        if found is None:
            found = _stores[store] = PolicyStore(store)
        return found
