"""Rotating the secrets of several app registrations without losing one.

For each registration, in turn: note it in the progress file and in the journal of unrecorded
secrets (api/secret_journal.py), regenerate its secret, write the new credentials to its own
file `DIR/<client id>.env` (mode 0600, atomically, fsynced, never over an existing file), then
end the journal entry and mark it saved in the progress file: only then the next one. The
first failure stops the run (`RotationStopped` says which were rotated, where each secret is,
what happened to the one that failed and what is left).

Running it again over the same directory continues with what is left:

- a registration marked saved is not rotated again;
- one that was started and whose file exists was saved just before the process died: it is
  marked saved;
- one that was started and has no file lost its new secret with the process (killed between
  the regenerate and the write): nobody has that secret, so it is regenerated again.

The progress file `DIR/rotation-progress.json` (0600, atomic) holds **no secret**: the
service, and per registration its client id, display name, file and state. A lock beside it
keeps two runs out of one directory.

With `keyring=True` (`apps rotate --save-keyring`) each new secret goes to the system keyring
instead of a file, under the service `rkvst-tui` and the client id (where a profile with
`secret_keyring = true` reads it), before the next one is made; the progress file is kept in
the state directory (`keyring_progress_dir`). A registration started by a run that died cannot
be told saved by looking (the keyring held a secret before): `check_keyring` asks the token
endpoint whether the secret in the keyring works.

What rotation breaks (`ROTATION_BREAKS`, said before asking): every program that holds the old
secret stops getting tokens at once; tokens already issued with it run until they expire.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import state_dirs
from .errors import ApiError, RkvstError, may_have_acted
from .files import atomic_write_private, credentials_text, locked_beside, parse_credentials
from .models import Application
from .secret_journal import SecretJournal, service_of
from .terminal_safe import terminal_safe
from .time_words import rfc3339

if TYPE_CHECKING:
    from .client import RkvstClient

PROGRESS_NAME = "rotation-progress.json"
PROGRESS_VERSION = 1
MAX_PROGRESS_BYTES = 4 << 20
STARTED, SAVED, SHOWN = "started", "saved", "shown"  # SHOWN: printed instead, its file could not be written

ROTATION_BREAKS = (
    "Rotating a secret breaks whatever holds the old one: every program that uses it stops getting "
    "tokens at once (until it is given the new one); tokens already issued with it keep working until they expire."
)


def credentials_name(client_id: str) -> str:
    return f"{client_id}.env"


def keyring_words(client_id: str) -> str:
    from .config import KEYRING_SERVICE

    return f"the keyring (service {KEYRING_SERVICE}, user {client_id})"


def keyring_progress_dir(base_url: str, is_sandbox: bool) -> Path:
    """Where a --save-keyring rotation of this service keeps its progress (no secret in it)."""
    import re

    slug = re.sub(r"[^A-Za-z0-9.-]+", "_", service_of(base_url, is_sandbox)).strip("_")[:80] or "service"
    return state_dirs.state_dir() / "keyring-rotations" / slug


def _keyring_module() -> Any:
    """The optional keyring package; RotationRefused (naming it) when it is not installed."""
    try:
        import keyring
    except Exception:  # noqa: BLE001 - a broken optional package is an absent one
        raise RotationRefused(
            "--save-keyring needs the keyring package, which is not installed",
            hint="install it (pip install 'rkvst-tui[keyring]', or pip install keyring), or use --save-dir DIR",
        ) from None
    return keyring


def _now_text() -> str:
    return rfc3339(datetime.now(timezone.utc))


class RotationRefused(RkvstError):
    """The run can not start as asked (another service's directory, a file in the way, another
    run in progress): nothing was changed."""


@dataclass(frozen=True)
class Done:
    """A registration rotated (by this run or an earlier one over the same directory)."""

    client_id: str
    display_name: str
    file: Path | None  # None: in the keyring, or its file could not be written and it was printed
    at: str
    earlier: bool = False  # by an earlier run
    in_keyring: bool = False  # saved to the system keyring (--save-keyring)

    @property
    def saved(self) -> bool:
        return self.file is not None or self.in_keyring


@dataclass
class RotationPlan:
    save_dir: Path
    todo: list[Application]  # to regenerate, in order
    done: list[Done]  # rotated already (earlier runs), or just now found saved
    redo: set[str] = field(default_factory=set)  # client ids started before whose new secret was lost
    uncertain: set[str] = field(default_factory=set)  # keyring: started before; check_keyring tells

    def file_for(self, app: Application) -> Path:
        return self.save_dir / credentials_name(app.client_id)


class RotationStopped(RkvstError):
    """A run stopped at its first failure. `.done`: rotated so far (with their files); `.failed`:
    the registration it stopped at; `.left`: those not attempted; `.unsaved`: the failed one's
    new credentials when they exist only in memory (its file could not be written: show them)."""

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        done: list[Done],
        failed: Application,
        left: list[Application],
        unsaved: Application | None = None,
        old_secret_works: bool | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.done, self.failed, self.left, self.unsaved = done, failed, left, unsaved
        self.old_secret_works = old_secret_works


class Rotation:
    """Rotation of registrations of `client`'s service into `save_dir` (see the module docstring)."""

    def __init__(
        self,
        client: RkvstClient,
        save_dir: str | os.PathLike[str] | None = None,
        *,
        journal: SecretJournal | None = None,
        keyring: bool = False,
    ) -> None:
        self.client = client
        self.keyring = _keyring_module() if keyring else None
        if save_dir is None:
            if not keyring:
                raise ValueError("a rotation needs a save_dir, or keyring=True")
            connection = client.connection
            save_dir = keyring_progress_dir(connection.base_url, connection.is_sandbox)
        self.save_dir = Path(save_dir).expanduser()
        self.journal = journal if journal is not None else SecretJournal()
        self.progress_path = self.save_dir / PROGRESS_NAME
        self._entries: dict[str, dict[str, str]] = {}

    @property
    def service(self) -> str:
        connection = self.client.connection
        return service_of(connection.base_url, connection.is_sandbox)

    # ------------------------------------------------------------------ progress

    def _read_progress(self) -> dict[str, dict[str, str]]:
        try:
            with open(self.progress_path, "rb") as handle:
                raw = handle.read(MAX_PROGRESS_BYTES + 1)
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise RotationRefused(
                f"the rotation progress file {self.progress_path} can not be read ({exc.strerror or exc})"
            ) from None
        try:
            data = json.loads(raw.decode("utf-8")) if len(raw) <= MAX_PROGRESS_BYTES else None
        except (UnicodeDecodeError, ValueError):
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("registrations"), dict):
            raise RotationRefused(
                f"{self.progress_path} is not a rotation progress file of rkvst-tui",
                hint="choose another --save-dir",
            )
        if data.get("service") != self.service:
            raise RotationRefused(
                f"{self.save_dir} holds a rotation of another service ({terminal_safe(str(data.get('service')), 80)})",
                hint="choose another --save-dir for this one",
            )
        entries: dict[str, dict[str, str]] = {}
        for client_id, entry in data["registrations"].items():
            if isinstance(entry, dict) and entry.get("state") in (STARTED, SAVED, SHOWN):
                entries[str(client_id)] = {k: str(v) for k, v in entry.items() if isinstance(v, str)}
        return entries

    def _write_progress(self) -> None:
        document = {
            "version": PROGRESS_VERSION,
            "service": self.service,
            "base_url": self.client.connection.base_url,
            "note": "rkvst-tui apps rotate: what was rotated into this directory (no secret in here)",
            "registrations": self._entries,
        }
        atomic_write_private(self.progress_path, json.dumps(document, indent=1) + "\n", overwrite=True)

    def where(self, client_id: str) -> str:
        """Where the new secret of `client_id` goes: its file, or the keyring."""
        return (
            keyring_words(client_id) if self.keyring is not None else str(self.save_dir / credentials_name(client_id))
        )

    def _mark(self, app: Application, state: str) -> None:
        self._entries[app.client_id] = {
            "display_name": app.display_name,
            "file": "" if self.keyring is not None else self.where(app.client_id),
            "keyring": "yes" if self.keyring is not None else "",
            "state": state,
            "at": _now_text(),
        }
        self._write_progress()

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the directory for one run (RotationRefused if another run holds it)."""
        held = contextlib.ExitStack()
        try:
            held.enter_context(locked_beside(self.save_dir / PROGRESS_NAME, wait=False))
        except BlockingIOError:
            raise RotationRefused(
                f"another rotation is running in {self.save_dir}", hint="wait for it to finish, then run again"
            ) from None
        with held:
            yield

    # ------------------------------------------------------------------ planning

    def _holds_credentials_of(self, path: Path, client_id: str) -> bool:
        try:
            pairs = parse_credentials(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            return False
        return pairs.get("CLIENT_ID") == client_id and bool(pairs.get("SECRET"))

    def plan(self, apps: Iterable[Application]) -> RotationPlan:
        """What a run would do with `apps` (in this order, the signed-in registration last):
        RotationRefused when a file it would write is in the way. Changes nothing on the service."""
        self._entries = self._read_progress()
        todo: list[Application] = []
        done: list[Done] = []
        redo: set[str] = set()
        uncertain: set[str] = set()
        seen: set[str] = set()
        me = self.client.acting_client_id()
        given = list(apps)
        ordered = [a for a in given if a.client_id != me] + [a for a in given if a.client_id == me]
        for app in ordered:
            if app.client_id in seen:
                continue
            seen.add(app.client_id)
            entry = self._entries.get(app.client_id)
            path = self.save_dir / credentials_name(app.client_id)
            state = entry.get("state") if entry else None
            in_keyring = bool(entry and entry.get("keyring"))
            if entry is not None and state in (SAVED, SHOWN):
                done.append(
                    Done(
                        app.client_id,
                        entry.get("display_name", app.display_name),
                        path if state == SAVED and not in_keyring else None,
                        entry.get("at", ""),
                        earlier=True,
                        in_keyring=state == SAVED and in_keyring,
                    )
                )
                continue
            if entry is not None and state == STARTED and self.keyring is not None:
                uncertain.add(app.client_id)  # check_keyring: does the keyring's secret work?
                todo.append(app.without_secret())
                continue
            if entry is not None and state == STARTED:
                if self._holds_credentials_of(path, app.client_id):
                    done.append(Done(app.client_id, app.display_name, path, entry.get("at", ""), earlier=True))
                    continue
                redo.add(app.client_id)
            if self.keyring is None and (path.exists() or path.is_symlink()):
                raise RotationRefused(
                    f"{path} exists already: a secret in it would be overwritten",
                    hint="move it away (it may hold a secret still in use) or choose another --save-dir",
                )
            todo.append(app.without_secret())
        return RotationPlan(self.save_dir, todo, done, redo, uncertain)

    async def check_keyring(self, plan: RotationPlan) -> None:
        """Registrations started by a --save-keyring run that died: saved if the secret the
        keyring holds for them gets a token now (it is then the new one); else regenerated again."""
        if self.keyring is None or not plan.uncertain:
            return
        from .config import KEYRING_SERVICE

        for app in [a for a in plan.todo if a.client_id in plan.uncertain]:
            try:
                secret = self.keyring.get_password(KEYRING_SERVICE, app.client_id)
            except Exception:  # noqa: BLE001 - keyring backends raise their own types: treat as not saved
                secret = None
            works = False
            if secret:
                try:
                    await self.client.request_token(app.client_id, secret)
                    works = True
                except RkvstError:
                    works = False
            if works:
                plan.todo.remove(app)
                entry = self._entries.get(app.client_id, {})
                plan.done.append(Done(app.client_id, app.display_name, None, entry.get("at", ""), True, True))
            else:
                plan.redo.add(app.client_id)
        plan.uncertain.clear()

    # ------------------------------------------------------------------ running

    def _settle_found(self, plan: RotationPlan) -> None:
        """Registrations found saved by a run that died before marking them: mark them now."""
        changed = False
        for item in plan.done:
            entry = self._entries.get(item.client_id)
            if entry and entry.get("state") == STARTED and item.saved:
                entry["state"] = SAVED
                changed = True
                with contextlib.suppress(OSError):
                    self.journal.settle(item.client_id)
        if changed:
            self._write_progress()

    async def run(self, plan: RotationPlan, *, on_done: Callable[[Done], Any] | None = None) -> list[Done]:
        """Rotate `plan.todo` in order; every registration rotated (earlier ones first). Raises
        RotationStopped at the first failure, RotationRefused when nothing could start."""
        connection = self.client.connection
        self._settle_found(plan)
        done = list(plan.done)
        for index, app in enumerate(plan.todo):
            left = plan.todo[index + 1 :]
            path = plan.file_for(app)

            def stopped(
                message: str,
                hint: str,
                *,
                old_works: bool | None = None,
                unsaved: Application | None = None,
                _app: Application = app,
                _left: list[Application] = left,
            ) -> RotationStopped:
                return RotationStopped(
                    message, hint=hint, done=done, failed=_app, left=_left, unsaved=unsaved, old_secret_works=old_works
                )

            name = terminal_safe(app.display_name, 80)
            try:
                self._mark(app, STARTED)
                self.journal.record_shown(
                    client_id=app.client_id,
                    display_name=app.display_name,
                    base_url=connection.base_url,
                    profile=connection.profile,
                    is_sandbox=connection.is_sandbox,
                    reason="rotated",
                )
            except OSError as exc:
                raise stopped(
                    f"'{name}' was not rotated: its progress could not be noted ({exc})",
                    "nothing was changed for it; fix the directory and run again",
                    old_works=True,
                ) from None
            try:
                fresh = await self.client.regenerate_secret(app.client_id)
            except RkvstError as exc:
                if may_have_acted(exc):  # a lost answer, an unreadable one, a 5xx
                    raise stopped(
                        f"the answer to the regenerate of '{name}' ({app.client_id}) was lost: its old secret "
                        "may no longer work, and its new one was never seen",
                        "run the same command again: it gives this registration a secret you can see",
                        old_works=None,
                    ) from exc
                self._forget(app)
                why = terminal_safe(exc.message, 300)
                refused = f"the service refused it ({exc.status})" if isinstance(exc, ApiError) else why
                raise stopped(
                    f"'{name}' ({app.client_id}) was not rotated: {refused}",
                    "its old secret still works; fix the cause and run again to go on",
                    old_works=True,
                ) from exc
            try:
                self._save(fresh, path)
            except Exception as exc:  # noqa: BLE001 - OSError, TargetExists, or a keyring backend's own error
                reason = getattr(exc, "message", None) or str(exc) or type(exc).__name__
                raise stopped(
                    f"'{name}' ({app.client_id}) was rotated but its new credentials could not be saved: "
                    f"{terminal_safe(reason, 300)}",
                    "its old secret no longer works: record the new one shown here",
                    old_works=False,
                    unsaved=fresh,
                ) from None
            in_keyring = self.keyring is not None
            item = Done(app.client_id, app.display_name, None if in_keyring else path, _now_text(), False, in_keyring)
            with contextlib.suppress(OSError):
                self.journal.settle(app.client_id)  # saved: that is its record
            with contextlib.suppress(OSError):
                self._mark(app, SAVED)  # else the next run finds the file and marks it
            done.append(item)
            if on_done is not None:
                on_done(item)
        return done

    def _save(self, fresh: Application, path: Path) -> None:
        if self.keyring is not None:
            from .config import KEYRING_SERVICE

            self.keyring.set_password(KEYRING_SERVICE, fresh.client_id, fresh.secret)
            return
        atomic_write_private(path, credentials_text(fresh.client_id, fresh.secret))

    def _forget(self, app: Application) -> None:
        """It was not rotated after all (refused, or never sent): no new secret exists."""
        self._entries.pop(app.client_id, None)
        with contextlib.suppress(OSError):
            self._write_progress()
        with contextlib.suppress(OSError):
            self.journal.settle(app.client_id)

    def shown_instead(self, app: Application) -> None:
        """The new secret of `app`, which could not be saved, was printed: that is its record."""
        self._entries[app.client_id] = {"display_name": app.display_name, "file": "", "state": SHOWN, "at": _now_text()}
        with contextlib.suppress(OSError):
            self._write_progress()
        with contextlib.suppress(OSError):
            self.journal.settle(app.client_id)
