"""A new secret's one showing on the command line (`apps create`, `apps regenerate`).

The printed (or saved) secret is its record, so nothing goes to the secret journal, unless
standard output fails: then the secret is lost, and the journal names the registration for
the next start.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..api.errors import RkvstError, TargetExists
from .output import Io, clean, emit_json, fields, utc_time, warn_if_shared

if TYPE_CHECKING:
    from ..api.connection import Connection
    from ..api.models import Application


def claim_pairs(app: Application) -> list[tuple[str, Any]]:
    if not app.custom_claims:
        return [("Custom claims", "(none)")]
    return [
        ("Custom claims" if index == 0 else "", f"{name} = {value}")
        for index, (name, value) in enumerate(sorted(app.custom_claims.items()))
    ]


def check_save_target(path: str | None, force: bool) -> None:
    """Refuse before the server acts: a secret with nowhere to go is a lost secret."""
    if path and not force and (Path(path).expanduser().exists() or Path(path).expanduser().is_symlink()):
        raise TargetExists(Path(path).expanduser())


def save_secret(app: Application, path: str | None, force: bool, io: Io) -> Path | None:
    """Save the credentials; if that fails the secret is printed instead, so it is never lost."""
    if not path:
        return None
    from ..api.files import write_credentials_file

    try:
        saved = write_credentials_file(path, app.client_id, app.secret, overwrite=force)
    except (OSError, RkvstError) as exc:
        reason = getattr(exc, "reason", None) or getattr(exc, "message", None) or exc
        io.note(f"error: could not save the credentials to {path}: {clean(reason)}; printing the secret instead")
        return None
    warn_if_shared(saved, io)
    return saved


def secret_output(
    app: Application, io: Io, *, reason: str, saved: Path | None, connection: Connection, claims: bool = False
) -> None:
    """Print the new secret (or where it was saved): that output is its record. If standard
    output fails (a pipe closed early), the secret is lost: the journal notes it, so the next
    start of the console or the CLI names the registration and offers a new secret."""
    try:
        _print_secret(app, io, reason=reason, saved=saved, claims=claims)
        if not saved:
            io.out.flush()  # a closed pipe fails here, not silently at exit
    except OSError:
        if not saved:
            _secret_output_lost(app, io, created=reason == "created", connection=connection)
        raise


def _secret_output_lost(app: Application, io: Io, *, created: bool, connection: Connection) -> None:
    from ..api.secret_journal import SecretJournal

    try:
        SecretJournal().record_shown(
            client_id=app.client_id,
            display_name=app.display_name,
            base_url=connection.base_url,
            profile=connection.profile,
            is_sandbox=connection.is_sandbox,
            reason="created" if created else "regenerated",
        )
    except OSError:
        pass
    try:
        io.note(
            f"error: the new secret of '{clean(app.display_name)}' could not be written to standard output, "
            f"so it is lost; get a new one with `rkvst-tui apps regenerate {clean(app.client_id)}`"
        )
    except OSError:
        pass


def _print_secret(app: Application, io: Io, *, reason: str, saved: Path | None, claims: bool) -> None:
    if io.json:
        shown = app.without_secret() if saved else app
        emit_json({"application": shown.to_wire(), "credentials_file": str(saved) if saved else None}, io.out)
        return
    io.say(f"{reason} app registration '{clean(app.display_name)}'")
    secret = ("Credentials", f"saved to {saved} (mode 0600)") if saved else ("SECRET", app.secret)
    pairs = [("CLIENT_ID", app.client_id), secret, ("Expires", utc_time(app.valid_until))]
    if app.roles is not None:  # a service with roles (DataTrails): say whether it administers
        pairs.append(("Owner", "yes: it administers the tenancy" if app.is_owner else "no"))
    io.say(fields(pairs + (claim_pairs(app) if claims else [])))  # what the server set, as it answered
    if not saved:
        io.note("Take note of the SECRET now: it can not be viewed again.")
