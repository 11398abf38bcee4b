"""Every documented way to give a secret or a token, end to end against a real sandbox.

Each source is run by the command line (`rkvst-tui token` mints a token whose subject is the
registration the source names; a fixed token lists the registrations) and by the console (it
connects and its header says who is signed in). The registration is a root registration of
its own, not the sandbox's admin, so a source that was silently ignored for the local sandbox
cannot pass. Files that hold a secret and the config file get a warning when others can read
them, as ssh warns about a private key.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from rkvst_tui import cli
from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.config import KEYRING_SERVICE, keyring_available
from rkvst_tui.api.connection import Connection
from rkvst_tui.api.files import write_bearer_token_file
from rkvst_tui.api.models import Principal
from rkvst_tui.cli import console as cli_console
from rkvst_tui.cli import output
from rkvst_tui.cli import parser as cli_parser
from rkvst_tui.sandbox.server import SandboxServer
from rkvst_tui.tui.app import RkvstApp
from tests.console_helpers import SIZE, notifications, screen_text, settle
from tests.env_helpers import clear_service_environment

TOKEN_PATH = "/archivist/iam/v1/appidp/token"
USER_NAME = "matrix-root"


@dataclass
class Tenant:
    server: SandboxServer
    client_id: str
    secret: str = field(repr=False)

    @property
    def url(self) -> str:
        return self.server.base_url

    def token(self) -> str:
        answer = httpx.post(
            self.url + TOKEN_PATH,
            timeout=10,
            data={"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.secret},
        )
        answer.raise_for_status()
        return answer.json()["access_token"]


@pytest.fixture(scope="module")
def tenant(tmp_path_factory) -> Iterator[Tenant]:
    """One sandbox for the module, with a root registration that is not the sandbox's admin."""
    server = SandboxServer(tmp_path_factory.mktemp("sources"))
    server.start()

    async def make_root_user() -> tuple[str, str]:
        admin = Connection(server.base_url, client_id=server.admin_client_id, secret=server.admin_secret)
        async with RkvstClient(admin) as api:
            created = await api.create_application(USER_NAME, {})
            await api.add_root_principal(Principal(issuer=admin.issuer, subject=created.client_id))
            return created.client_id, created.credentials[0].secret

    try:
        client_id, secret = asyncio.run(make_root_user())
        yield Tenant(server, client_id, secret)
    finally:
        server.stop()


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """No configuration of the machine running the tests: config and data in tmp dirs."""
    clear_service_environment(monkeypatch, "PROD_SECRET")
    monkeypatch.setenv("RKVST_TUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("RKVST_TUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(sys, "stdin", open(os.devnull))  # not a terminal: nothing may prompt
    return tmp_path


def private(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o600)
    return path


def config_file(home: Path, text: str) -> Path:
    return private(home / "config" / "config.toml", text)


# -- the sources ------------------------------------------------------------------------------
# Each one sets itself up in `home` for `tenant` and returns the command-line options it needs.
# "credentials" sources give a client id and secret; "token" sources a fixed bearer token.


def _secret_file_alone(t: Tenant, home: Path, env) -> list[str]:
    path = private(home / "secret", t.secret + "\n")
    return ["--url", t.url, "--client-id", t.client_id, "--secret-file", str(path)]


def _secret_file_line(t: Tenant, home: Path, env) -> list[str]:
    path = private(home / "secret.env", f"SECRET={t.secret}\n")
    return ["--url", t.url, "--client-id", t.client_id, "--secret-file", str(path)]


def _secret_file_credentials_env(t: Tenant, home: Path, env) -> list[str]:
    path = private(home / "tl101.env", f"CLIENT_ID={t.client_id}\nSECRET={t.secret}\n")  # --save-credentials
    return ["--url", t.url, "--client-id", t.client_id, "--secret-file", str(path)]


def _secret_file_credentials_json(t: Tenant, home: Path, env) -> list[str]:
    path = private(home / "tl101.json", json.dumps({"client_id": t.client_id, "secret": t.secret}))
    return ["--url", t.url, "--client-id", t.client_id, "--secret-file", str(path)]


def _env_secret(t: Tenant, home: Path, env) -> list[str]:
    env(RKVST_URL=t.url, RKVST_CLIENT_ID=t.client_id, RKVST_CLIENT_SECRET=t.secret)
    return []


def _env_secret_file(t: Tenant, home: Path, env) -> list[str]:
    env(RKVST_URL=t.url, RKVST_CLIENT_ID=t.client_id, RKVST_CLIENT_SECRET_FILE=str(private(home / "secret", t.secret)))
    return []


def _sdk_names(t: Tenant, home: Path, env) -> list[str]:
    env(RKVST_URL=t.url, RKVST_APPREG_CLIENT=t.client_id, RKVST_APPREG_SECRET=t.secret)
    return []


def _sdk_secret_filename(t: Tenant, home: Path, env) -> list[str]:
    env(
        RKVST_URL=t.url,
        RKVST_APPREG_CLIENT=t.client_id,
        RKVST_APPREG_SECRET_FILENAME=str(private(home / "secret", t.secret)),
    )
    return []


def _profile(t: Tenant, secret_line: str, *, default: bool = True) -> str:
    head = 'default_profile = "prod"\n' if default else ""
    return f'{head}[profiles.prod]\nbase_url = "{t.url}"\nclient_id = "{t.client_id}"\n{secret_line}\n'


def _profile_secret_file(t: Tenant, home: Path, env) -> list[str]:
    path = private(home / "prod.secret", t.secret)
    config_file(home, _profile(t, f'secret_file = "{path}"'))
    return []


def _profile_secret_env(t: Tenant, home: Path, env) -> list[str]:
    env(PROD_SECRET=t.secret)
    config_file(home, _profile(t, 'secret_env = "PROD_SECRET"'))
    return []


def _profile_secret_keyring(t: Tenant, home: Path, env) -> list[str]:
    import keyring

    keyring.set_password(KEYRING_SERVICE, t.client_id, t.secret)
    config_file(home, _profile(t, "secret_keyring = true"))
    return []


def _profile_option(t: Tenant, home: Path, env) -> list[str]:
    path = private(home / "prod.secret", t.secret)
    config_file(home, _profile(t, f'secret_file = "{path}"', default=False))
    return ["--profile", "prod"]


def _profile_variable(t: Tenant, home: Path, env) -> list[str]:
    path = private(home / "prod.secret", t.secret)
    config_file(home, _profile(t, f'secret_file = "{path}"', default=False))
    env(RKVST_PROFILE="prod")
    return []


def _bearer_file(t: Tenant, home: Path) -> Path:
    return write_bearer_token_file(home / "bearer_token", t.token())


def _token_file_option(t: Tenant, home: Path, env) -> list[str]:
    return ["--url", t.url, "--token-file", str(_bearer_file(t, home))]


def _token_file_variable(name: str) -> Callable[..., list[str]]:
    def source(t: Tenant, home: Path, env) -> list[str]:
        env(RKVST_URL=t.url, **{name: str(_bearer_file(t, home))})
        return []

    return source


def _profile_bearer_token_file(t: Tenant, home: Path, env) -> list[str]:
    path = _bearer_file(t, home)
    config_file(
        home, f'default_profile = "prod"\n[profiles.prod]\nbase_url = "{t.url}"\nbearer_token_file = "{path}"\n'
    )
    return []


needs_keyring = pytest.mark.skipif(
    not keyring_available(), reason="the optional keyring package is not installed (rkvst-tui[keyring])"
)

CREDENTIALS = "credentials"
TOKEN = "token"
SOURCES = [
    pytest.param(_secret_file_alone, CREDENTIALS, id="--secret-file with the secret alone"),
    pytest.param(_secret_file_line, CREDENTIALS, id="--secret-file with SECRET=..."),
    pytest.param(_secret_file_credentials_env, CREDENTIALS, id="--secret-file with CLIENT_ID and SECRET lines"),
    pytest.param(_secret_file_credentials_json, CREDENTIALS, id="--secret-file with credentials JSON"),
    pytest.param(_env_secret, CREDENTIALS, id="RKVST_CLIENT_SECRET"),
    pytest.param(_env_secret_file, CREDENTIALS, id="RKVST_CLIENT_SECRET_FILE"),
    pytest.param(_sdk_names, CREDENTIALS, id="RKVST_APPREG_CLIENT and RKVST_APPREG_SECRET"),
    pytest.param(_sdk_secret_filename, CREDENTIALS, id="RKVST_APPREG_SECRET_FILENAME"),
    pytest.param(_profile_secret_file, CREDENTIALS, id="profile secret_file"),
    pytest.param(_profile_secret_env, CREDENTIALS, id="profile secret_env"),
    pytest.param(_profile_secret_keyring, CREDENTIALS, id="profile secret_keyring", marks=needs_keyring),
    pytest.param(_profile_option, CREDENTIALS, id="--profile"),
    pytest.param(_profile_variable, CREDENTIALS, id="RKVST_PROFILE"),
    pytest.param(_token_file_option, TOKEN, id="--token-file"),
    pytest.param(_token_file_variable("RKVST_BEARER_TOKEN_FILE"), TOKEN, id="RKVST_BEARER_TOKEN_FILE"),
    pytest.param(_token_file_variable("BEARER_TOKEN_FILE"), TOKEN, id="BEARER_TOKEN_FILE"),
    pytest.param(_token_file_variable("RKVST_AUTHTOKEN_FILENAME"), TOKEN, id="RKVST_AUTHTOKEN_FILENAME"),
    pytest.param(_profile_bearer_token_file, TOKEN, id="profile bearer_token_file"),
]


@pytest.fixture
def memory_keyring() -> Iterator[None]:
    """An in-memory keyring backend, registered through keyring's public API (when installed)."""
    if not keyring_available():
        yield
        return
    import keyring
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.values: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.values.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.values[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.values.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def set_env(monkeypatch) -> Callable[..., None]:
    def setter(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return setter


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- the command line -----------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "kind"), SOURCES)
def test_the_command_line_signs_in_with_each_source(source, kind, tenant, home, set_env, memory_keyring, capsys):
    options = source(tenant, home, set_env)
    if kind == CREDENTIALS:
        code, out, err = run_cli(capsys, "token", "--json", *options)
        assert code == 0, err
        assert claims_of(json.loads(out)["access_token"])["sub"] == tenant.client_id
    else:
        code, out, err = run_cli(capsys, "apps", "list", "--json", *options)
        assert code == 0, err
        assert USER_NAME in [a["display_name"] for a in json.loads(out)["applications"]]
    assert "warning" not in err  # every file here is 0600
    assert tenant.secret not in out + err


def test_secret_keyring_without_the_package_says_what_to_install(tenant, home, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "keyring", None)  # as on a machine without it: import fails
    assert not keyring_available()
    config_file(home, _profile(tenant, "secret_keyring = true"))
    code, out, err = run_cli(capsys, "token")
    assert code == 2 and out == ""
    assert "keyring package is not installed" in err and "rkvst-tui[keyring]" in err


def test_the_command_line_asks_for_a_missing_secret_on_a_terminal(tenant, home):
    """A client id alone, on a terminal: the secret is prompted for, not echoed, and works."""
    env = {**os.environ, "RKVST_URL": tenant.url, "RKVST_CLIENT_ID": tenant.client_id}
    controller, terminal = pty.openpty()
    # Its own session: no controlling terminal, so getpass uses the pty on standard input
    # and never the terminal the tests run in.
    child = subprocess.Popen(
        [sys.executable, "-m", "rkvst_tui", "token"],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=env,
        start_new_session=True,
        close_fds=True,
    )
    os.close(terminal)
    seen = b""
    try:
        seen += _read_until(controller, b"Secret for client id")
        os.write(controller, tenant.secret.encode() + b"\n")
        seen += _read_until(controller, None)  # to the end
        assert child.wait(30) == 0, seen
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        os.close(controller)
    text = seen.decode(errors="replace")
    assert f"Secret for client id {tenant.client_id}" in text
    assert tenant.secret not in text  # not echoed
    tokens = re.findall(r"[\w-]+\.[\w-]+\.[\w-]+", text.split("Secret for client id", 1)[1])
    assert len(tokens) == 1 and claims_of(tokens[0])["sub"] == tenant.client_id


def _read_until(fd: int, marker: bytes | None, timeout: float = 30.0) -> bytes:
    """Output of the pty until `marker` is seen (None: until it closes)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker is not None and marker in seen:
            return seen
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the pty
            chunk = b""
        if not chunk:
            if marker is None:
                return seen
            break
        seen += chunk
    raise AssertionError(f"waited for {marker!r}; the terminal showed {seen!r}")


# -- the console ------------------------------------------------------------------------------------


def console_app(options: list[str]) -> tuple[RkvstApp, list]:
    args = cli_parser.build_parser().parse_args(options)
    connect, servers = cli_console.console_connect(args, output.Io(sys.stdout, sys.stderr, sys.stdin, False))
    return RkvstApp(connect=connect), servers


@pytest.mark.parametrize(("source", "kind"), SOURCES)
async def test_the_console_signs_in_with_each_source(source, kind, tenant, home, set_env, memory_keyring):
    app, servers = console_app(source(tenant, home, set_env))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        shown = screen_text(app)
        assert f"signed in as {tenant.client_id}" in shown
        assert tenant.url in shown and servers == []  # the tenant, not a local sandbox
        assert app.identity.is_root is True
        assert not [n for n in notifications(app) if "Warning" in n]
        assert tenant.secret not in shown


# -- files others can read ----------------------------------------------------------------------------


def _open_secret_file(t: Tenant, home: Path, env) -> tuple[list[str], Path, str]:
    path = private(home / "secret", t.secret)
    path.chmod(0o640)
    return ["--url", t.url, "--client-id", t.client_id, "--secret-file", str(path)], path, "its group"


def _open_secret_variable_file(t: Tenant, home: Path, env) -> tuple[list[str], Path, str]:
    path = private(home / "secret", t.secret)
    path.chmod(0o604)
    env(RKVST_URL=t.url, RKVST_CLIENT_ID=t.client_id, RKVST_CLIENT_SECRET_FILE=str(path))
    return [], path, "others"


def _open_profile_secret_file(t: Tenant, home: Path, env) -> tuple[list[str], Path, str]:
    path = private(home / "prod secret", t.secret)  # a space: the chmod hint is quoted
    path.chmod(0o644)
    config_file(home, _profile(t, f'secret_file = "{path}"'))
    return [], path, "its group and others"


def _open_token_file(t: Tenant, home: Path, env) -> tuple[list[str], Path, str]:
    path = _bearer_file(t, home)
    path.chmod(0o644)
    return ["--url", t.url, "--token-file", str(path)], path, "its group and others"


def _open_config_file(t: Tenant, home: Path, env) -> tuple[list[str], Path, str]:
    path = private(home / "prod.secret", t.secret)
    config = config_file(home, _profile(t, f'secret_file = "{path}"'))
    config.chmod(0o664)
    return [], config, "its group and others"


EXPOSED = [
    pytest.param(_open_secret_file, id="--secret-file 0640"),
    pytest.param(_open_secret_variable_file, id="RKVST_CLIENT_SECRET_FILE 0604"),
    pytest.param(_open_profile_secret_file, id="profile secret_file 0644"),
    pytest.param(_open_token_file, id="--token-file 0644"),
    pytest.param(_open_config_file, id="config.toml 0664"),
]


def _chmod_hint(path: Path) -> str:
    import shlex

    return f"chmod 600 {shlex.quote(str(path))}"


@pytest.mark.parametrize("exposed", EXPOSED)
def test_the_command_line_warns_about_a_file_others_can_read(exposed, tenant, home, set_env, capsys):
    options, path, who = exposed(tenant, home, set_env)
    code, out, err = run_cli(capsys, "apps", "list", "--json", *options)
    assert code == 0, err  # a warning, as ssh gives, not a refusal
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, err
    assert str(path) in warnings[0] and f"read by {who}" in warnings[0] and _chmod_hint(path) in warnings[0]
    path.chmod(0o600)
    code, out, err = run_cli(capsys, "apps", "list", "--json", *options)
    assert code == 0 and "warning" not in err


@pytest.mark.parametrize("exposed", EXPOSED)
async def test_the_console_warns_about_a_file_others_can_read(exposed, tenant, home, set_env):
    options, path, _ = exposed(tenant, home, set_env)
    app, _ = console_app(options)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert f"signed in as {tenant.client_id}" in screen_text(app)
        warned = [n for n in notifications(app) if n.startswith("Warning")]
        assert len(warned) == 1 and str(path) in warned[0] and _chmod_hint(path) in warned[0]
