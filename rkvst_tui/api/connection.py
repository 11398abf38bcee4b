"""Where to connect and as whom: one `Connection` per backend (a profile, the env, or the sandbox)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .errors import ConfigError

ISSUER_PATH = "/appidpv1"
AUDIENCE_PATH = "/archivist"
# Sent by the local sandbox on every answer (never by RKVST): a sandbox started on its own
# (`rkvst-tui sandbox`, reached through RKVST_URL) is known as one by what it answers. Only
# believed from this machine, so that no remote server can dress a real tenant as test data.
SANDBOX_MARKER_HEADER = "RKVST-Sandbox"


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str, *, allow_insecure: bool = False) -> str:
    """The base URL if it is usable, else a ConfigError that says how to fix it.

    It must be absolute, end without '/', carry no query or fragment, and use https
    unless it points at this machine (or the user insists with allow_insecure).
    """
    if not isinstance(base_url, str) or not base_url.strip():
        raise ConfigError("the base URL is empty", hint="give the service's URL, e.g. https://app.rkvst.io")
    if base_url != base_url.strip():
        raise ConfigError(f"the base URL {base_url.strip()!r} has surrounding spaces", hint="remove them")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"the base URL {base_url!r} is not an http(s) URL",
            hint="give the service's URL, e.g. https://app.rkvst.io",
        )
    if base_url.endswith("/"):
        raise ConfigError(
            f"the base URL {base_url!r} ends in '/'",
            hint=f"use {base_url.rstrip('/')!r}",
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(
            f"the base URL {parts.scheme}://{parts.hostname}… carries a query, fragment or user name",
            hint="give only scheme, host, port and (optionally) a path prefix",
        )
    if parts.scheme == "http" and not is_loopback_host(parts.hostname) and not allow_insecure:
        raise ConfigError(
            f"the base URL {base_url!r} uses plain http to another machine: secrets and tokens would travel unencrypted",
            hint="use https, or pass --insecure if you really mean it",
        )
    return base_url


@dataclass(frozen=True)
class Connection:
    base_url: str
    client_id: str | None = None
    secret: str | None = field(default=None, repr=False)
    bearer_token_file: Path | None = None
    profile: str = "default"
    is_sandbox: bool = False  # the local sandbox rkvst-tui starts (its port can change between starts)
    # A server on this machine that says it is a sandbox (RKVST-Sandbox header): shown with
    # the badge, but not the local sandbox, so its registrations are kept apart by URL.
    answered_as_sandbox: bool = False
    allow_insecure: bool = False
    # Problems found while resolving it that do not stop it (a secret file others can read),
    # for the CLI's stderr and the console's notifications.
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        check_base_url(self.base_url, allow_insecure=self.allow_insecure)
        if self.bearer_token_file is not None and not isinstance(self.bearer_token_file, Path):
            object.__setattr__(self, "bearer_token_file", Path(self.bearer_token_file))

    def __repr__(self) -> str:
        secret = "'***'" if self.secret else "None"
        return (
            f"Connection(base_url={self.base_url!r}, client_id={self.client_id!r}, secret={secret}, "
            f"bearer_token_file={self.bearer_token_file!r}, profile={self.profile!r}, "
            f"is_sandbox={self.is_sandbox!r})"
        )

    @property
    def shows_as_sandbox(self) -> bool:
        """Test data only: the local sandbox, or a loopback server that answered as one."""
        return self.is_sandbox or self.answered_as_sandbox

    @property
    def issuer(self) -> str:
        """The token issuer, and the issuer of app registrations as root principals."""
        return self.base_url + ISSUER_PATH

    @property
    def audience(self) -> str:
        return self.base_url + AUDIENCE_PATH

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(urlsplit(self.base_url).hostname or "")

    @property
    def has_client_credentials(self) -> bool:
        return bool(self.client_id) and bool(self.secret)
