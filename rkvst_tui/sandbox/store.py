"""The sandbox's storage: one SQLite database in WAL mode under the data directory.

Every write commits before the HTTP answer leaves, so an acknowledged write survives
`kill -9` of the process. By default (`durable=True`, synchronous=FULL) each commit is
also fsynced, so it survives a power cut; `durable=False` (NORMAL in WAL mode) skips the
fsync and still survives a process crash. Client secrets are kept only as SHA-256 hashes
(a 256-bit random secret needs no slow hash). Lists use keyset paging on the integer
`seq` column, so a page costs the same at 100,000 registrations as at 1,000.

One connection, shared by the server thread and by tests that seed data, guarded by a
lock: SQLite serialises writers anyway, and a single connection keeps that honest.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .clock import SystemClock, derived_uuid, one_year_after, rfc3339

DATABASE_NAME = "sandbox.sqlite3"
SCHEMA_VERSION = "2"  # 2: applications.roles (the DataTrails era's Owner role)
OWNER = "OWNER"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS applications (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid          TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    custom_claims TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL,
    valid_from    TEXT NOT NULL,
    valid_until   TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    roles         TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS applications_by_name ON applications (display_name, seq);
CREATE TABLE IF NOT EXISTS root_principals (
    position       INTEGER PRIMARY KEY,
    issuer         TEXT NOT NULL,
    own_issuer     INTEGER NOT NULL DEFAULT 0,
    subject        TEXT NOT NULL,
    display_name   TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS assets (
    seq   INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid  TEXT NOT NULL UNIQUE,
    body  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS signing_keys (
    kid         TEXT PRIMARY KEY,
    private_pem TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('current', 'next', 'retired')),
    created_at  TEXT NOT NULL
);
"""


class QuotaReached(Exception):
    """The app registration quota (`max_apps`) is used up."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"app registration quota of {limit} reached")
        self.limit = limit


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AppRecord:
    """One app registration as stored (never with its secret)."""

    seq: int
    uuid: str
    display_name: str
    custom_claims: dict[str, str]
    valid_from: str
    valid_until: str
    created_at: str
    roles: tuple[str, ...] = ()

    @property
    def client_id(self) -> str:
        return self.uuid

    @property
    def is_owner(self) -> bool:
        return OWNER in self.roles

    def to_wire(self, tenant_id: str, secret: str = "", *, with_roles: bool = False) -> dict:
        """The contract's Application shape; `secret` only for create and regenerate;
        `roles` only where the service has them (the DataTrails flavour)."""
        wire = {
            "identity": f"applications/{self.uuid}",
            "display_name": self.display_name,
            "client_id": self.uuid,
            "tenant_id": tenant_id,
            "credentials": [{"secret": secret, "valid_from": self.valid_from, "valid_until": self.valid_until}],
            "custom_claims": dict(self.custom_claims),
        }
        if with_roles:
            wire["roles"] = list(self.roles)
        return wire


@dataclass(frozen=True)
class PrincipalRecord:
    """A root principal. `own_issuer` marks "this sandbox's issuer, whatever its base URL"."""

    issuer: str
    subject: str
    display_name: str = ""
    email: str = ""
    own_issuer: bool = False


@dataclass(frozen=True)
class KeyRecord:
    kid: str
    private_pem: str
    state: str
    created_at: str


@dataclass
class SecretCheck:
    """The verdict on a client id and secret at the token endpoint."""

    verdict: str  # "ok" | "unknown-client" | "wrong-secret" | "expired" | "not-yet-valid"
    application: AppRecord | None = None
    detail: str = ""  # the moment the secret expired or becomes valid, for the error message


def _app_from_row(row: sqlite3.Row) -> AppRecord:
    return AppRecord(
        seq=row["seq"],
        uuid=row["uuid"],
        display_name=row["display_name"],
        custom_claims=json.loads(row["custom_claims"]),
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        created_at=row["created_at"],
        roles=tuple(json.loads(row["roles"])),
    )


_APP_COLUMNS = "seq, uuid, display_name, custom_claims, valid_from, valid_until, created_at, roles"


class Store:
    """All sandbox state. Thread-safe; every write is committed when a method returns."""

    def __init__(self, data_dir: Path, *, clock=None, fixed_secret: str | None = None, durable: bool = True) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / DATABASE_NAME
        self.clock = clock or SystemClock()
        self.deterministic = bool(getattr(self.clock, "deterministic", False))
        self.fixed_secret = fixed_secret
        self._lock = threading.RLock()
        self._tenant_id: str | None = None
        new_file = not self.path.exists()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        if new_file:
            os.chmod(self.path, 0o600)
        self._db.execute("PRAGMA journal_mode=WAL")
        # A commit is in the WAL file before the answer leaves (survives kill -9); FULL also
        # fsyncs it (survives a power cut) for a few milliseconds a write.
        self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        self._db.executescript(_SCHEMA)
        self._migrate()
        self._closed = False
        for suffix in ("-wal", "-shm"):
            sidecar = self.path.with_name(self.path.name + suffix)
            if sidecar.exists():
                os.chmod(sidecar, 0o600)

    def _migrate(self) -> None:
        """Bring a data directory of an earlier schema up to SCHEMA_VERSION, in one transaction."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is not None and row["value"] == SCHEMA_VERSION:
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                columns = {row["name"] for row in self._db.execute("PRAGMA table_info(applications)")}
                if "roles" not in columns:  # schema 1 (before the DataTrails flavour)
                    self._db.execute("ALTER TABLE applications ADD COLUMN roles TEXT NOT NULL DEFAULT '[]'")
                self._db.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?)"
                    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (SCHEMA_VERSION,),
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- plumbing -------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction, committed (and fsynced) before the block's caller goes on."""
        with self._lock:
            self._check_open()
            if self._db.in_transaction:  # inside transaction(): the outer block commits
                yield self._db
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several writes into one commit (one fsync), e.g. the first start's bootstrap."""
        with self._write():
            yield

    def _read(self, sql: str, params: Iterable = ()) -> list[sqlite3.Row]:
        with self._lock:
            self._check_open()
            return self._db.execute(sql, tuple(params)).fetchall()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the sandbox store is closed")

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    @property
    def closed(self) -> bool:
        return self._closed

    # -- meta, ids and secrets ---------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def _next_number(self, db: sqlite3.Connection, kind: str) -> int:
        key = f"counter:{kind}"
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        number = int(row["value"]) + 1 if row else 1
        db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, str(number)),
        )
        return number

    def _new_id(self, db: sqlite3.Connection, kind: str) -> str:
        if self.deterministic:
            return derived_uuid(kind, self._next_number(db, kind))
        return str(uuid.uuid4())

    def new_id(self, kind: str) -> str:
        """A fresh uuid (derived from a persisted counter when deterministic)."""
        with self._write() as db:
            return self._new_id(db, kind)

    def _new_secret(self) -> str:
        if self.fixed_secret is not None:
            return self.fixed_secret
        return secrets.token_hex(32)

    @property
    def tenant_id(self) -> str:
        # Fixed once made; every token and answer names it (profiling the token endpoint: a
        # SELECT per token). A reset makes a new Store, hence a new cache.
        if self._tenant_id is not None:
            return self._tenant_id
        value = self.get_meta("tenant_id")
        if value is None:
            with self._write() as db:
                row = db.execute("SELECT value FROM meta WHERE key = 'tenant_id'").fetchone()
                if row:
                    return row["value"]
                value = f"tenant/{self._new_id(db, 'tenant')}"
                db.execute("INSERT INTO meta (key, value) VALUES ('tenant_id', ?)", (value,))
        self._tenant_id = value
        return value

    # -- applications ------------------------------------------------------------

    def _validity(self) -> tuple[str, str]:
        now = self.clock.now()
        return rfc3339(now), rfc3339(one_year_after(now))

    def create_application(
        self,
        display_name: str,
        custom_claims: dict[str, str],
        *,
        max_apps: int | None = None,
        exclude_from_quota: str | None = None,
        roles: Iterable[str] = (),
    ) -> tuple[AppRecord, str]:
        """A new registration and its clear-text secret (the only time it exists)."""
        secret = self._new_secret()
        roles = tuple(roles)
        valid_from, valid_until = self._validity()
        with self._write() as db:
            if max_apps is not None:
                # A plain COUNT(*) walks the smallest index; `uuid != ?` would scan the table.
                count = db.execute("SELECT COUNT(*) FROM applications").fetchone()[0]
                if (
                    exclude_from_quota
                    and db.execute("SELECT 1 FROM applications WHERE uuid = ?", (exclude_from_quota,)).fetchone()
                ):
                    count -= 1
                if count >= max_apps:
                    raise QuotaReached(max_apps)
            app_uuid = self._new_id(db, "application")
            cursor = db.execute(
                "INSERT INTO applications (uuid, display_name, custom_claims, secret_sha256, valid_from, valid_until,"
                " created_at, roles) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    app_uuid,
                    display_name,
                    json.dumps(custom_claims),
                    hash_secret(secret),
                    valid_from,
                    valid_until,
                    valid_from,
                    json.dumps(list(roles)),
                ),
            )
            seq = cursor.lastrowid
            assert seq is not None  # an INSERT's row id
        record = AppRecord(seq, app_uuid, display_name, dict(custom_claims), valid_from, valid_until, valid_from, roles)
        return record, secret

    def get_application(self, app_uuid: str) -> AppRecord | None:
        rows = self._read(f"SELECT {_APP_COLUMNS} FROM applications WHERE uuid = ?", (app_uuid,))
        return _app_from_row(rows[0]) if rows else None

    def list_applications(
        self, *, after_seq: int = 0, limit: int = 100, display_name: str | None = None
    ) -> list[AppRecord]:
        """Up to `limit` registrations after `after_seq`, in creation order (keyset paging)."""
        if display_name is None:
            rows = self._read(
                f"SELECT {_APP_COLUMNS} FROM applications WHERE seq > ? ORDER BY seq LIMIT ?", (after_seq, limit)
            )
        else:
            rows = self._read(
                f"SELECT {_APP_COLUMNS} FROM applications WHERE display_name = ? AND seq > ? ORDER BY seq LIMIT ?",
                (display_name, after_seq, limit),
            )
        return [_app_from_row(row) for row in rows]

    def count_applications(self, display_name: str | None = None, *, exclude: str | None = None) -> int:
        """How many registrations (with this display name; without `exclude`, e.g. the quota's admin)."""
        sql, params = "SELECT COUNT(*) AS n FROM applications", []
        if display_name is not None:
            sql += " WHERE display_name = ?"  # the index on (display_name, seq)
            params.append(display_name)
        count = self._read(sql, params)[0]["n"]  # an index scan, not a table scan
        excluded = self.get_application(exclude) if exclude else None
        if excluded is not None and display_name in (None, excluded.display_name):
            count -= 1
        return count

    def update_application(
        self,
        app_uuid: str,
        *,
        display_name: str | None = None,
        custom_claims: dict[str, str] | None = None,
        roles: Iterable[str] | None = None,
    ) -> AppRecord | None:
        with self._write() as db:
            if roles is not None:
                db.execute("UPDATE applications SET roles = ? WHERE uuid = ?", (json.dumps(list(roles)), app_uuid))
            if display_name is not None:
                db.execute("UPDATE applications SET display_name = ? WHERE uuid = ?", (display_name, app_uuid))
            if custom_claims is not None:
                db.execute(
                    "UPDATE applications SET custom_claims = ? WHERE uuid = ?", (json.dumps(custom_claims), app_uuid)
                )
            row = db.execute(f"SELECT {_APP_COLUMNS} FROM applications WHERE uuid = ?", (app_uuid,)).fetchone()
        return _app_from_row(row) if row else None

    def delete_application(self, app_uuid: str) -> bool:
        with self._write() as db:
            return db.execute("DELETE FROM applications WHERE uuid = ?", (app_uuid,)).rowcount > 0

    def regenerate_secret(self, app_uuid: str) -> tuple[AppRecord, str] | None:
        """Replace the one credential; the old secret stops working at this commit."""
        secret = self._new_secret()
        valid_from, valid_until = self._validity()
        with self._write() as db:
            changed = db.execute(
                "UPDATE applications SET secret_sha256 = ?, valid_from = ?, valid_until = ? WHERE uuid = ?",
                (hash_secret(secret), valid_from, valid_until, app_uuid),
            ).rowcount
            if not changed:
                return None
            row = db.execute(f"SELECT {_APP_COLUMNS} FROM applications WHERE uuid = ?", (app_uuid,)).fetchone()
        return _app_from_row(row), secret

    def check_secret(self, client_id: str, secret: str) -> SecretCheck:
        """Is this the registration's current, unexpired secret? Constant-time comparison."""
        rows = self._read(f"SELECT {_APP_COLUMNS}, secret_sha256 FROM applications WHERE uuid = ?", (client_id,))
        offered = hash_secret(secret)
        if not rows:
            hmac.compare_digest(offered, "0" * 64)  # same work whether or not the client exists
            return SecretCheck("unknown-client")
        row = rows[0]
        if not hmac.compare_digest(offered, row["secret_sha256"]):
            return SecretCheck("wrong-secret")
        record = _app_from_row(row)
        now = rfc3339(self.clock.now())
        if now >= record.valid_until:
            return SecretCheck("expired", record, detail=record.valid_until)
        if now < record.valid_from:
            return SecretCheck("not-yet-valid", record, detail=record.valid_from)
        return SecretCheck("ok", record)

    def expire_secret(self, app_uuid: str, valid_until: datetime) -> None:
        """Move a secret's end of validity (tests and demos of expiry)."""
        with self._write() as db:
            db.execute("UPDATE applications SET valid_until = ? WHERE uuid = ?", (rfc3339(valid_until), app_uuid))

    def seed_applications(self, count: int, prefix: str = "app-", *, claims: bool = True) -> int:
        """Add `count` registrations in one transaction (benchmarks, paging demos).

        Each gets a random secret that nobody is told: seeded registrations cannot mint
        tokens until regenerated.
        """
        if count <= 0:
            return 0
        valid_from, valid_until = self._validity()
        width = max(len(str(count)), 6)
        with self._write() as db:
            start = db.execute("SELECT COALESCE(MAX(seq), 0) FROM applications").fetchone()[0]

            def rows() -> Iterator[tuple]:
                for index in range(1, count + 1):
                    number = start + index
                    claim_map = {"serial_number": f"SN{number:08d}"} if claims else {}
                    yield (
                        self._new_id(db, "application") if self.deterministic else str(uuid.uuid4()),
                        f"{prefix}{index:0{width}d}",
                        json.dumps(claim_map),
                        hashlib.sha256(os.urandom(32)).hexdigest(),
                        valid_from,
                        valid_until,
                        valid_from,
                    )

            db.executemany(
                "INSERT INTO applications (uuid, display_name, custom_claims, secret_sha256, valid_from, valid_until, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows(),
            )
        return count

    def owners_from_root_principals(self) -> int:
        """Give the Owner role to every registration that is a root principal by this sandbox's
        issuer (a tenancy moved from the RKVST era to DataTrails keeps its administrators)."""
        with self._write() as db:
            rows = db.execute(
                "SELECT a.uuid, a.roles FROM applications a JOIN root_principals p"
                " ON p.own_issuer = 1 AND p.subject = a.uuid"
            ).fetchall()
            changed = 0
            for row in rows:
                roles = json.loads(row["roles"])
                if OWNER not in roles:
                    db.execute(
                        "UPDATE applications SET roles = ? WHERE uuid = ?", (json.dumps([*roles, OWNER]), row["uuid"])
                    )
                    changed += 1
        return changed

    # -- root principals -----------------------------------------------------------

    def get_root_principals(self) -> list[PrincipalRecord]:
        rows = self._read(
            "SELECT issuer, own_issuer, subject, display_name, email FROM root_principals ORDER BY position"
        )
        return [
            PrincipalRecord(row["issuer"], row["subject"], row["display_name"], row["email"], bool(row["own_issuer"]))
            for row in rows
        ]

    def set_root_principals(self, principals: Iterable[PrincipalRecord]) -> None:
        """Replace the whole list (the contract's PATCH semantics)."""
        principals = list(principals)
        with self._write() as db:
            db.execute("DELETE FROM root_principals")
            db.executemany(
                "INSERT INTO root_principals (position, issuer, own_issuer, subject, display_name, email) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (index, p.issuer, int(p.own_issuer), p.subject, p.display_name, p.email)
                    for index, p in enumerate(principals)
                ],
            )

    # -- assets ------------------------------------------------------------------------

    def add_asset(self, attributes: dict[str, str], *, behaviours: list[str] | None = None) -> dict:
        """Store a demo asset in the assetsv2 response shape."""
        with self._write() as db:
            asset_uuid = self._new_id(db, "asset")
            tenant = db.execute("SELECT value FROM meta WHERE key = 'tenant_id'").fetchone()
            body = {
                "identity": f"assets/{asset_uuid}",
                "behaviours": behaviours if behaviours is not None else ["RecordEvidence", "Attachments"],
                "attributes": dict(attributes),
                "confirmation_status": "CONFIRMED",
                "tracked": "TRACKED",
                "owner": "0x" + hashlib.sha256(asset_uuid.encode()).hexdigest()[:40],
                "at_time": rfc3339(self.clock.now()),
                "storage_integrity": "TENANT_STORAGE",
                "proof_mechanism": "SIMPLE_HASH",
                "chain_id": "827586838445807967",
                "public": False,
                "tenant_identity": tenant["value"] if tenant else "",
            }
            db.execute("INSERT INTO assets (uuid, body) VALUES (?, ?)", (asset_uuid, json.dumps(body)))
        return body

    def count_assets(self) -> int:
        return self._read("SELECT COUNT(*) AS n FROM assets")[0]["n"]

    def list_assets(self, *, after_seq: int = 0, limit: int = 100) -> list[tuple[int, dict]]:
        rows = self._read("SELECT seq, body FROM assets WHERE seq > ? ORDER BY seq LIMIT ?", (after_seq, limit))
        return [(row["seq"], json.loads(row["body"])) for row in rows]

    # -- signing keys --------------------------------------------------------------------

    def signing_keys(self) -> list[KeyRecord]:
        rows = self._read("SELECT kid, private_pem, state, created_at FROM signing_keys ORDER BY created_at, kid")
        return [KeyRecord(row["kid"], row["private_pem"], row["state"], row["created_at"]) for row in rows]

    def save_signing_keys(self, keys: Iterable[KeyRecord]) -> None:
        """Insert or update keys (their state) in one transaction."""
        with self._write() as db:
            db.executemany(
                "INSERT INTO signing_keys (kid, private_pem, state, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(kid) DO UPDATE SET state = excluded.state",
                [(k.kid, k.private_pem, k.state, k.created_at) for k in keys],
            )
