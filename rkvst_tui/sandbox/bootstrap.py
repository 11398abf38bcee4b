"""First start of an empty sandbox: the root registration `sandbox-admin` and demo assets.

The admin's secret exists in clear only in `<data-dir>/admin-credentials.env` (mode
0600, written atomically) and in the runner's one-time output; the database holds its
hash. The file is rewritten when the admin's secret is regenerated, so it always holds
the secret that works.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..api.files import write_credentials_file
from .assets import add_demo_assets
from .store import OWNER, PrincipalRecord, Store

ADMIN_DISPLAY_NAME = "sandbox-admin"
CREDENTIALS_FILE = "admin-credentials.env"
ADMIN_META_KEY = "admin_client_id"


@dataclass
class AdminCredentials:
    client_id: str
    secret: str = field(repr=False)
    created: bool = False  # True when this start made (or remade) them: the runner prints them once


def write_admin_credentials(data_dir: Path, client_id: str, secret: str) -> Path:
    """Keep the admin's CLIENT_ID and SECRET lines for the console and scripts (0600, atomic)."""
    return write_credentials_file(Path(data_dir) / CREDENTIALS_FILE, client_id, secret, fmt="env", overwrite=True)


def read_admin_credentials(data_dir: Path) -> tuple[str, str] | None:
    path = Path(data_dir) / CREDENTIALS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, PermissionError, UnicodeDecodeError):
        return None
    values = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep:
            values[name.strip()] = value.strip()
    if values.get("CLIENT_ID") and values.get("SECRET"):
        return values["CLIENT_ID"], values["SECRET"]
    return None


def ensure_admin(store: Store, data_dir: Path) -> AdminCredentials:
    """Make sure a working root registration exists and its credentials file is right.

    First start: create it (and the demo assets). Later starts: read the file; if the
    admin was deleted or the file lost or stale, make new credentials so the sandbox is
    never left without a way in.
    """
    admin_id = store.get_meta(ADMIN_META_KEY)
    first_start = admin_id is None
    stored = read_admin_credentials(data_dir)
    _owner(store, admin_id)
    if admin_id and stored and stored[0] == admin_id and store.check_secret(admin_id, stored[1]).verdict == "ok":
        return AdminCredentials(admin_id, stored[1], created=False)

    if admin_id and store.get_application(admin_id) is not None:
        regenerated = store.regenerate_secret(admin_id)
        assert regenerated is not None
        record, secret = regenerated
    else:
        record, secret = store.create_application(ADMIN_DISPLAY_NAME, {}, roles=(OWNER,))
        store.set_meta(ADMIN_META_KEY, record.client_id)
    principals = store.get_root_principals()
    if not any(p.own_issuer and p.subject == record.client_id for p in principals):
        store.set_root_principals(
            [*principals, PrincipalRecord("", record.client_id, ADMIN_DISPLAY_NAME, "", own_issuer=True)]
        )
    if first_start:
        _ = store.tenant_id  # fix the tenant before the assets name it
        add_demo_assets(store)
    write_admin_credentials(data_dir, record.client_id, secret)
    return AdminCredentials(record.client_id, secret, created=True)


def _owner(store: Store, admin_id: str | None) -> None:
    """The admin is root and has the Owner role (what administers on the DataTrails flavour);
    a data directory of an earlier schema gets the role here."""
    record = store.get_application(admin_id) if admin_id else None
    if record is not None and not record.is_owner:
        store.update_application(record.client_id, roles=(*record.roles, OWNER))
