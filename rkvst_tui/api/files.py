"""Files that hold a secret: bearer-token files and credentials files.

Written atomically (a temporary file in the same directory, fsync, then rename or link),
mode 0600 from the moment the file exists, its directory made 0700 when this code creates
it, and never over an existing file unless asked (`TargetExists`, a FileExistsError). A
crash or an error mid-write leaves the old file as it was and no temporary file behind.

Formats:
- bearer token (the seed guide's, for `curl -H @file`): ``Authorization: Bearer <token>``;
  a bare token or ``Bearer <token>`` is read too.
- credentials, env style: ``CLIENT_ID=...`` and ``SECRET=...`` lines (the sandbox's
  admin-credentials.env); JSON style: ``{"client_id": "...", "secret": "..."}``.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets as _random
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import ConfigError, RkvstError, TargetExists

BEARER_PREFIX = "Authorization: Bearer "
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")
CLIENT_ID_KEYS = (
    "CLIENT_ID",
    "RKVST_CLIENT_ID",
    "RKVST_APPREG_CLIENT",
    "DATATRAILS_CLIENT_ID",
    "DATATRAILS_APPREG_CLIENT",
    "client_id",
)
SECRET_KEYS = (
    "SECRET",
    "CLIENT_SECRET",
    "RKVST_CLIENT_SECRET",
    "RKVST_APPREG_SECRET",
    "DATATRAILS_CLIENT_SECRET",
    "DATATRAILS_APPREG_SECRET",
    "secret",
    "client_secret",
)


class TargetIsDirectory(TargetExists):
    """The path names a directory: a file can not take its place, asked or not."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, hint=f"give a file name, e.g. {path / 'credentials.env'}")
        self.message = f"{path} is a directory: give the name of a file to write"


class SaveFailed(RkvstError, OSError):
    """A private file could not be written. `.reason` says why in plain words ("the directory
    ... does not exist"); it is an OSError too, so callers that catch those keep working."""

    def __init__(self, path: Path, reason: str, *, code: int | None = None, what: str = "") -> None:
        action = f"save {what} to" if what else "write"
        RkvstError.__init__(self, f"could not {action} {path}: {reason}", hint="choose a directory you can write to")
        self.errno, self.strerror, self.filename, self.reason = code, reason, str(path), reason


def _write_failure_reason(exc: OSError, target: Path) -> str:
    directory = target.parent
    reasons = {
        errno.ENOENT: (
            f"no file can be created in {directory}"
            if directory.is_dir()  # /proc, say
            else f"the directory {directory} does not exist and can not be created"
        ),
        errno.ENOTDIR: f"{directory} is not a directory",
        errno.EACCES: f"permission denied in {directory}",
        errno.EPERM: f"permission denied in {directory}",
        errno.EROFS: f"{directory} is on a read-only file system",
        errno.EISDIR: f"{target} is a directory",
    }
    return reasons.get(exc.errno or 0) or exc.strerror or str(exc)


def make_private_dirs(directory: Path) -> None:
    """Create `directory` and any missing parents, each new one mode 0700."""
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for path in reversed(missing):
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            continue
        os.chmod(path, 0o700)  # the umask may have taken bits away; say exactly what we mean


@contextmanager
def locked_beside(path: Path, *, wait: bool = True) -> Iterator[None]:
    """Hold an advisory lock in `path`.lock (made private): consoles that read, change and
    write `path` take turns. With `wait=False` a lock another process holds raises
    BlockingIOError at once. Where there are no advisory locks, writers still write whole
    files or lines, so the lock is skipped."""
    make_private_dirs(path.parent)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on POSIX
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # not every platform can open a directory; the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_private(path: str | os.PathLike[str], text: str, overwrite: bool = False) -> Path:
    """Write `text` to `path`, mode 0600, atomically; refuse to replace a file unless `overwrite`."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise TargetIsDirectory(target)
    if not overwrite and (target.exists() or target.is_symlink()):
        raise TargetExists(target)
    try:
        return _write_private(target, text, overwrite)
    except (TargetExists, SaveFailed):
        raise
    except OSError as exc:
        raise SaveFailed(target, _write_failure_reason(exc, target), code=exc.errno) from exc


def _write_private(target: Path, text: str, overwrite: bool) -> Path:
    directory = target.parent
    make_private_dirs(directory)
    temporary = directory / f".{target.name}.{_random.token_hex(6)}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            os.fchmod(fd, 0o600)
            data = text.encode("utf-8")
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        if overwrite:
            os.replace(temporary, target)
        else:
            # link() fails if the target appeared meanwhile: no window in which we clobber it.
            try:
                os.link(temporary, target)
            except FileExistsError:
                raise TargetExists(target) from None
            except OSError:
                if target.exists():
                    raise TargetExists(target) from None
                os.replace(temporary, target)  # a file system without hard links
            else:
                os.unlink(temporary)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)
    return target


def bearer_file_text(token: str) -> str:
    return f"{BEARER_PREFIX}{token}\n"


def write_bearer_token_file(path: str | os.PathLike[str], token: str, overwrite: bool = False) -> Path:
    """Save `token` in the guide's format, ready for `curl -H @file`."""
    token = parse_bearer_token(token, source="the token")
    return atomic_write_private(path, bearer_file_text(token), overwrite=overwrite)


def parse_bearer_token(text: str, *, source: str) -> str:
    """The token in `Authorization: Bearer <t>`, `Bearer <t>` or a bare `<t>` (first non-empty line)."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if line.lower().startswith("authorization:"):
        line = line.split(":", 1)[1].strip()
    if line.lower().startswith("bearer "):
        line = line[len("bearer ") :].strip()
    elif line.lower() == "bearer":
        line = ""
    if not line:
        raise ConfigError(f"{source} holds no token", hint="save one with `rkvst-tui token --save FILE`")
    if any(ch.isspace() for ch in line):
        raise ConfigError(
            f"{source} does not hold a bearer token", hint="expected 'Authorization: Bearer <token>' on one line"
        )
    return line


def _read_text(path: str | os.PathLike[str], what: str) -> tuple[Path, str]:
    source = Path(path).expanduser()
    try:
        return source, source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"the {what} file {source} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"the {what} file {source} is a directory") from None
    except PermissionError:
        raise ConfigError(f"the {what} file {source} can not be read (permission denied)") from None
    except UnicodeDecodeError:
        raise ConfigError(f"the {what} file {source} is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"the {what} file {source} can not be read ({exc.strerror or exc})") from None


def read_bearer_token_file(path: str | os.PathLike[str]) -> str:
    source, text = _read_text(path, "bearer token")
    return parse_bearer_token(text, source=f"the bearer token file {source}")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def parse_credentials(text: str) -> dict[str, str]:
    """Key/value pairs from an env-style or JSON credentials text (keys as written)."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError:
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): v for k, v in data.items() if isinstance(v, str)}
    pairs: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _ENV_LINE.match(line)
        if match:
            pairs[match.group(1)] = _unquote(match.group(2))
    return pairs


def _first(pairs: dict[str, str], keys: tuple[str, ...]) -> str:
    return next((pairs[k].strip() for k in keys if pairs.get(k, "").strip()), "")


def read_credentials_file(path: str | os.PathLike[str]) -> tuple[str, str]:
    """(client_id, secret) from an env-style or JSON credentials file."""
    source, text = _read_text(path, "credentials")
    pairs = parse_credentials(text)
    client_id, secret = _first(pairs, CLIENT_ID_KEYS), _first(pairs, SECRET_KEYS)
    if not client_id or not secret:
        missing = " and ".join(n for n, v in (("CLIENT_ID", client_id), ("SECRET", secret)) if not v)
        raise ConfigError(
            f"the credentials file {source} has no {missing}",
            hint='expected CLIENT_ID=... and SECRET=... lines, or {"client_id": ..., "secret": ...}',
        )
    return client_id, secret


def read_secret_file(path: str | os.PathLike[str]) -> str:
    """A secret from a file holding only the secret (the SDK's style) or a credentials file."""
    source, text = _read_text(path, "secret")
    secret = _first(parse_credentials(text), SECRET_KEYS)
    if secret:
        return secret
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) == 1 and "=" not in lines[0] and not lines[0].startswith("{"):
        return lines[0]
    raise ConfigError(
        f"the secret file {source} holds no secret",
        hint="put the secret alone in the file, or a SECRET=... line",
    )


def credentials_text(client_id: str, secret: str, fmt: str = "env") -> str:
    if fmt == "json":
        return json.dumps({"client_id": client_id, "secret": secret}, indent=2) + "\n"
    if fmt == "env":
        return f"CLIENT_ID={client_id}\nSECRET={secret}\n"
    raise ValueError(f"unknown credentials format {fmt!r}: use 'env' or 'json'")


def write_credentials_file(
    path: str | os.PathLike[str],
    client_id: str,
    secret: str,
    fmt: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Save a client id and secret (fmt None: JSON for a .json name, else env lines)."""
    if fmt is None:
        fmt = "json" if str(path).lower().endswith(".json") else "env"
    return atomic_write_private(path, credentials_text(client_id, secret, fmt), overwrite=overwrite)


def shared_directory_warning(path: str | os.PathLike[str]) -> str | None:
    """A warning when the directory holding `path` can be written by others (group or world,
    sticky bit or not: /tmp included): they can delete the file or plant one in its place for
    the next write. None when the directory is private, or absent (it is then made 0700)."""
    directory = Path(path).expanduser().parent
    try:
        mode = stat.S_IMODE(os.stat(directory).st_mode)
    except OSError:
        return None
    if not mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None
    who = "everyone" if mode & stat.S_IWOTH else "its group"
    return (
        f"{directory} can be written by {who} (mode {mode:04o}): they can delete or replace the file; "
        "keep secrets in a directory only you can write"
    )


def is_private(path: str | os.PathLike[str]) -> bool:
    """True when no one but the owner can read or write the file."""
    return (os.stat(path).st_mode & 0o077) == 0


def exposure_warning(path: str | os.PathLike[str], what: str) -> str | None:
    """A warning, as ssh gives for a private key, when `path` is open to its group or others.

    `what` names the file ("the secret file"); None when the file is private or absent.
    """
    import shlex

    source = Path(path).expanduser()
    try:
        mode = os.stat(source).st_mode
    except OSError:
        return None
    if (mode & 0o066) == 0 or not stat.S_ISREG(mode):
        return None
    readers = [who for who, bit in (("its group", 0o040), ("others", 0o004)) if mode & bit]
    writers = [who for who, bit in (("its group", 0o020), ("others", 0o002)) if mode & bit]
    access = "read" if readers else "changed"
    who = " and ".join(readers or writers) or "others"
    return (
        f"{what} {source} can be {access} by {who} (mode {stat.S_IMODE(mode):04o}); "
        f"make it private: chmod 600 {shlex.quote(str(source))}"
    )
