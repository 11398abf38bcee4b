"""Secrets at rest and in output, after a whole console session against a real sandbox.

The session does what an admin does with secrets: create a registration through the form,
get a token with its secret, save the credentials (the reveal's default place), regenerate the
secret and get a token with the new one (saving nothing), get a token in the inspector and save
it as a bearer file the user names. Every token the sandbox signs is recorded as it is signed.
Then every log record (root logger at DEBUG), everything printed, every notification and every
file under the session's directories (config, data, state, HOME, the sandbox's SQLite database
with its -wal and -shm) is read: a secret or token appears only in a file the user chose to save
(and the sandbox's own admin-credentials.env), and every file holding one is mode 0600.
"""

from __future__ import annotations

import html
import logging
import re
import stat
from pathlib import Path

from console_helpers import running_console, wait_until
from security_helpers import TALLY
from textual.widgets import Button, Input, Static

from rkvst_tui.api.state_dirs import ADMIN_CREDENTIALS_NAME, credentials_dir

REPO = Path(__file__).resolve().parents[2]
HEX_RUN = re.compile(r"[0-9a-f]{32,}")
JWT_LIKE = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")


async def wait_for(pilot, condition, what: str) -> None:
    await wait_until(pilot, condition, what=what)


def shown(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def fragments(secret: str) -> list[str]:
    """The secret and pieces of it long enough to be unmistakable (a leak may be partial)."""
    if secret.count(".") == 2:  # a JWT: its signature is what must not leak; the parts tell nothing alone
        signature = secret.rsplit(".", 1)[1]
        return [secret, signature[:32], signature[-32:]]
    return [secret] + [secret[i : i + 16] for i in range(0, len(secret), 16)]


def holders(blob: str, secrets: dict[str, str]) -> set[str]:
    return {name for name, secret in secrets.items() if any(piece in blob for piece in fragments(secret))}


class EveryRecord(logging.Handler):
    """Collects every record, from the root logger and from loggers that do not propagate to it
    (uvicorn's own, for one), at DEBUG."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._attached: list[tuple[logging.Logger, int]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def attach(self) -> None:
        loggers = [logging.getLogger()] + [
            logger
            for logger in logging.Logger.manager.loggerDict.values()
            if isinstance(logger, logging.Logger) and not logger.propagate
        ]
        for logger in loggers:
            self._attached.append((logger, logger.level))
            logger.addHandler(self)
            logger.setLevel(logging.DEBUG)

    def detach(self) -> None:
        for logger, level in self._attached:
            logger.removeHandler(self)
            logger.setLevel(level)


def every_file(*roots: Path) -> list[Path]:
    return sorted({path for root in roots if root.exists() for path in root.rglob("*") if path.is_file()})


async def console_session(server, tmp_path: Path, issued: list[str]) -> dict[str, object]:
    """Drive the console as an admin would; return what the test needs to know (secrets, paths)."""
    found: dict[str, object] = {}
    from rkvst_tui.api.secret_journal import SecretJournal

    journal = SecretJournal()  # in the state directory the test scans
    async with running_console(server, wait=False, journal=journal) as (app, pilot):
        from rkvst_tui.tui.screens.app_form import AppFormScreen
        from rkvst_tui.tui.screens.confirm import ConfirmScreen
        from rkvst_tui.tui.screens.secret_reveal import SaveCredentialsScreen, SecretRevealScreen

        await wait_for(pilot, lambda: app.apps_view.loaded_once and app.principals_loaded, "the console to load")

        # Create through the form, with a custom claim.
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, AppFormScreen), "the create form")
        app.screen.query_one("#display-name", Input).value = "TrafficLight101"
        await app.screen.action_add_claim("serial_number", "TL1000000101")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SecretRevealScreen), "the one-time secret")
        found["created secret"] = shown(app, "#reveal-secret")
        found["client id"] = shown(app, "#reveal-client-id")
        assert re.fullmatch(r"[0-9a-f]{64}", found["created secret"])

        # Get a token with it, then save the credentials where the reveal offers.
        await pilot.press("t")
        await wait_for(pilot, lambda: "These credentials work" in shown(app, "#reveal-status"), "a token")
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, SaveCredentialsScreen), "the save dialog")
        found["credentials file"] = Path(app.screen.query_one("#save-path", Input).value)
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, SecretRevealScreen) and "Saved" in shown(app, "#reveal-status"),
            "the credentials to be saved",
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "have you recorded it?")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is app.screen_stack[0], "the reveal to close")

        # Regenerate; get a token with the new secret; save nothing.
        await wait_for(pilot, lambda: app.apps_view.select(found["client id"]), "the new row")
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the regenerate warning")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, SecretRevealScreen), "the new secret")
        found["regenerated secret"] = shown(app, "#reveal-secret")
        assert re.fullmatch(r"[0-9a-f]{64}", found["regenerated secret"])
        # Noted in the journal while on screen (the file stays, and is scanned with the rest).
        assert [entry.client_id for entry in journal.entries()] == [found["client id"]]
        assert found["regenerated secret"] not in journal.path.read_text()
        await pilot.press("t")
        await wait_for(pilot, lambda: "These credentials work" in shown(app, "#reveal-status"), "a token")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "have you recorded it?")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is app.screen_stack[0], "the reveal to close")

        # The inspector: a token for the registration from its new secret, saved as a bearer file.
        await pilot.press("3")
        await pilot.pause()
        app.query_one("#ti-client-id", Input).value = found["client id"]
        app.query_one("#ti-secret", Input).value = found["regenerated secret"]
        before = len(issued)
        app.query_one("#ti-get", Button).press()
        await wait_for(
            pilot,
            lambda: len(issued) > before and app.query_one("#ti-secret", Input).value == "",
            "the inspector's token",
        )
        await app.workers.wait_for_complete()
        await pilot.pause()
        found["inspector token"] = issued[-1]
        found["bearer file"] = tmp_path / "home" / "work" / "bearer_token"
        app.query_one("#ti-save-path", Input).value = str(found["bearer file"])
        app.query_one("#ti-save", Button).press()
        await wait_for(pilot, lambda: Path(found["bearer file"]).exists(), "the bearer file")
        await pilot.pause()
        found["notifications"] = [f"{n.title}\n{n.message}" for n in app._notifications]
    return found


async def test_a_console_session_leaves_secrets_only_where_the_user_saved_them(
    make_sandbox, tmp_path, monkeypatch, capfd
) -> None:
    roots = {name: tmp_path / name for name in ("config", "data", "state", "home")}
    monkeypatch.setenv("RKVST_TUI_CONFIG_DIR", str(roots["config"]))
    monkeypatch.setenv("RKVST_TUI_DATA_DIR", str(roots["data"]))
    monkeypatch.setenv("RKVST_TUI_STATE_DIR", str(roots["state"]))
    monkeypatch.setenv("HOME", str(roots["home"]))

    server = make_sandbox(data_dir=roots["data"] / "sandbox")
    issued: list[str] = []
    sign = server.keys.sign

    def recording_sign(claims):
        token = sign(claims)
        issued.append(token)
        return token

    monkeypatch.setattr(server.keys, "sign", recording_sign)
    log = EveryRecord()
    log.attach()  # after the sandbox started: uvicorn configures its loggers as it starts
    try:
        found = await console_session(server, tmp_path, issued)
    finally:
        log.detach()

    assert Path(found["credentials file"]).parent == credentials_dir()  # the reveal's default place
    secrets = {
        "admin secret": server.admin_secret,
        "created secret": found["created secret"],
        "regenerated secret": found["regenerated secret"],
    }
    assert len(issued) >= 4  # the console's own, one per reveal, the inspector's
    secrets.update({f"token {index}": token for index, token in enumerate(issued)})
    inspector_token = next(name for name, value in secrets.items() if value == found["inspector token"])
    # The sandbox's private signing keys live in its database: anyone who reads them can forge any token.
    for index, key in enumerate(server.store.signing_keys()):
        secrets[f"signing key {index} ({key.state})"] = key.private_pem
    signing_keys = {name for name in secrets if name.startswith("signing key")}
    must_hold = {
        Path(found["credentials file"]): {"created secret"},
        Path(found["bearer file"]): {inspector_token},
        server.data_dir / ADMIN_CREDENTIALS_NAME: {"admin secret"},
    }
    allowed = dict(must_hold)
    for suffix in ("", "-wal"):
        allowed[server.data_dir / f"sandbox.sqlite3{suffix}"] = signing_keys

    # Files, while the sandbox runs (its -wal and -shm are there) and after it stops.
    scanned: set[Path] = set()
    for phase in ("running", "stopped"):
        files = every_file(*roots.values())
        if phase == "running":
            names = {path.name for path in files}
            assert {"sandbox.sqlite3", "sandbox.sqlite3-wal", "sandbox.sqlite3-shm"} <= names, names
            for name in ("sandbox.sqlite3", "sandbox.sqlite3-wal", "sandbox.sqlite3-shm"):
                assert stat.S_IMODE((server.data_dir / name).stat().st_mode) == 0o600, name
        for path in files:
            scanned.add(path)
            held = holders(path.read_bytes().decode("utf-8", errors="replace"), secrets)
            assert held <= allowed.get(path, set()), f"{path} holds {sorted(held)}"
            if held:
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, (
                    f"{path} holds a secret with mode {path.stat().st_mode:o}"
                )
        if phase == "running":
            server.stop()
    for path, expected in must_hold.items():
        assert holders(path.read_text(), secrets) == expected, path
    assert signing_keys <= holders(
        "".join(
            (server.data_dir / f"sandbox.sqlite3{suffix}").read_bytes().decode("utf-8", errors="replace")
            for suffix in ("", "-wal")
            if (server.data_dir / f"sandbox.sqlite3{suffix}").exists()
        ),
        secrets,
    )
    assert stat.S_IMODE(server.data_dir.stat().st_mode) == 0o700
    assert not (roots["config"] / "config.toml").exists() or not holders(
        (roots["config"] / "config.toml").read_text(), secrets
    )

    # Logs, printed output, notifications.
    records = log.records
    assert any(record.name.startswith("rkvst_tui.sandbox") for record in records), "the sandbox's log was not captured"
    for record in records:
        text = record.getMessage() + (record.exc_text or "") + repr(record.args)
        assert not holders(text, secrets), f"log record {record.name}: {text[:200]}"
    printed = capfd.readouterr()
    assert not holders(printed.out + printed.err, secrets)
    assert found["notifications"] and not holders("\n".join(found["notifications"]), secrets)

    TALLY["secret scan: files read (session dirs, incl. SQLite db/-wal/-shm)"] += len(scanned)
    TALLY["secret scan: log records read"] += len(records)
    TALLY["secret scan: secrets and tokens looked for"] += len(secrets)


def text_of_svg(path: Path) -> str:
    """The terminal text of an SVG screen: every <text> run, unescaped, runs joined without gaps."""
    runs = re.findall(r"<text[^>]*>([^<]*)</text>", path.read_text(encoding="utf-8"))
    return html.unescape("".join(runs)).replace("\xa0", "")


def test_committed_snapshots_and_screenshots_hold_no_secret_or_token() -> None:
    pictures = sorted({*REPO.glob("tests/**/__snapshots__/**/*"), *REPO.glob("screenshots/*.svg")})
    pictures = [path for path in pictures if path.is_file()]
    assert pictures, "no snapshots or screenshots found"
    for path in pictures:
        raw = path.read_text(encoding="utf-8", errors="replace")
        text = text_of_svg(path) if path.suffix == ".svg" else raw
        for blob in (raw, text, re.sub(r"[\s│┃║▎▊▌▍▏]", "", text)):
            secrets = [run for run in HEX_RUN.findall(blob) if len(set(run)) > 2]  # "000…" is a fake, not a secret
            assert not secrets, f"{path.relative_to(REPO)} shows a secret-like hex run {secrets[0][:12]}…"
            tokens = JWT_LIKE.findall(blob)
            assert not tokens, f"{path.relative_to(REPO)} shows a whole token {tokens[0][:16]}…"
    TALLY["secret scan: committed snapshots and screenshots read"] += len(pictures)
