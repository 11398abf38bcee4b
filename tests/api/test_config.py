"""Configuration: profiles, environment variables, precedence, and errors that name file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from rkvst_tui.api import config as config_module
from rkvst_tui.api import state_dirs
from rkvst_tui.api.config import load_profiles, resolve_connection
from rkvst_tui.api.connection import Connection, check_base_url
from rkvst_tui.api.errors import ConfigError

SECRET = "cd" * 32


@pytest.fixture
def home(tmp_path) -> dict[str, str]:
    """An environment with only the rkvst-tui directory overrides set."""
    return {"RKVST_TUI_CONFIG_DIR": str(tmp_path / "config"), "RKVST_TUI_DATA_DIR": str(tmp_path / "data")}


def _write_config(env: dict[str, str], text: str) -> Path:
    path = state_dirs.config_file(env)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _secret_file(tmp_path: Path, text: str = SECRET) -> Path:
    path = tmp_path / "secret"
    path.write_text(text + "\n")
    return path


# -- paths -----------------------------------------------------------------------------------


def test_directory_overrides(tmp_path):
    env = {"RKVST_TUI_CONFIG_DIR": str(tmp_path / "c"), "RKVST_TUI_DATA_DIR": str(tmp_path / "d")}
    assert state_dirs.config_file(env) == tmp_path / "c" / "config.toml"
    assert state_dirs.sandbox_data_dir(env) == tmp_path / "d" / "sandbox"
    assert state_dirs.sandbox_admin_credentials(env) == tmp_path / "d" / "sandbox" / "admin-credentials.env"
    assert state_dirs.state_dir(env) == tmp_path / "d" / "state"
    assert state_dirs.state_dir({**env, "RKVST_TUI_STATE_DIR": str(tmp_path / "s")}) == tmp_path / "s"


def test_default_directories_come_from_platformdirs():
    assert "rkvst-tui" in str(state_dirs.config_dir({}))
    assert "rkvst-tui" in str(state_dirs.data_dir({}))


# -- nothing configured ---------------------------------------------------------------------------


def test_nothing_configured_means_the_sandbox(home):
    assert resolve_connection(env=home) is None


def test_credentials_without_a_url_are_an_error(home, tmp_path):
    with pytest.raises(ConfigError) as caught:
        resolve_connection(client_id="abc", secret_file=_secret_file(tmp_path), env=home)
    assert "no service URL" in str(caught.value) and "RKVST_URL" in caught.value.hint


# -- environment ---------------------------------------------------------------------------------


def test_the_projects_own_variables(home, tmp_path):
    env = {
        **home,
        "RKVST_URL": "https://app.rkvst.io/",
        "RKVST_CLIENT_ID": "cid",
        "RKVST_CLIENT_SECRET_FILE": str(_secret_file(tmp_path)),
    }
    connection = resolve_connection(env=env)
    assert connection == Connection("https://app.rkvst.io", client_id="cid", secret=SECRET)
    assert connection.issuer == "https://app.rkvst.io/appidpv1"
    assert connection.audience == "https://app.rkvst.io/archivist"
    assert SECRET not in repr(connection)


def test_the_sdks_variables(home, tmp_path):
    env = {
        **home,
        "RKVST_URL": "https://app.rkvst.io",
        "RKVST_APPREG_CLIENT": "cid",
        "RKVST_APPREG_SECRET_FILENAME": str(_secret_file(tmp_path)),
    }
    connection = resolve_connection(env=env)
    assert (connection.client_id, connection.secret) == ("cid", SECRET)
    env = {**home, "RKVST_URL": "https://app.rkvst.io", "RKVST_APPREG_CLIENT": "cid", "RKVST_APPREG_SECRET": "s"}
    assert resolve_connection(env=env).secret == "s"


@pytest.mark.parametrize("name", ["RKVST_BEARER_TOKEN_FILE", "BEARER_TOKEN_FILE", "RKVST_AUTHTOKEN_FILENAME"])
def test_bearer_token_file_variables(home, tmp_path, name):
    env = {**home, "RKVST_URL": "https://app.rkvst.io", name: str(tmp_path / "bearer_token")}
    connection = resolve_connection(env=env)
    assert connection.bearer_token_file == tmp_path / "bearer_token"
    assert not connection.has_client_credentials


def test_credentials_win_over_a_token_file_from_the_environment(home, tmp_path):
    env = {
        **home,
        "RKVST_URL": "https://app.rkvst.io",
        "RKVST_CLIENT_ID": "cid",
        "RKVST_CLIENT_SECRET": "s",
        "BEARER_TOKEN_FILE": str(tmp_path / "bearer_token"),
    }
    connection = resolve_connection(env=env)
    assert connection.has_client_credentials and connection.bearer_token_file is None
    explicit = resolve_connection(token_file=tmp_path / "t", env=env)
    assert explicit.bearer_token_file == tmp_path / "t" and explicit.secret is None


def test_a_client_id_alone_leaves_the_secret_to_ask_for(home):
    connection = resolve_connection(env={**home, "RKVST_URL": "https://app.rkvst.io", "RKVST_CLIENT_ID": "cid"})
    assert connection.client_id == "cid" and connection.secret is None


# -- profiles ----------------------------------------------------------------------------------------


def test_profiles_and_precedence(home, tmp_path):
    secret = _secret_file(tmp_path)
    _write_config(
        home,
        f"""
default_profile = "prod"

[profiles.prod]
base_url = "https://app.rkvst.io"
client_id = "prod-id"
secret_file = "{secret}"

[profiles.staging]
base_url = "https://staging.example.com"
client_id = "staging-id"
secret_env = "STAGING_SECRET"
""",
    )
    config = load_profiles(env=home)
    assert sorted(config.profiles) == ["prod", "staging"] and config.default_profile == "prod"
    assert resolve_connection(env=home).client_id == "prod-id"
    # the environment wins over the default profile ...
    assert resolve_connection(env={**home, "RKVST_CLIENT_ID": "env-id"}).client_id == "env-id"
    # ... but a profile named on purpose wins over the environment
    staging = resolve_connection(profile="staging", env={**home, "STAGING_SECRET": "st", "RKVST_URL": "https://x.io"})
    assert (staging.base_url, staging.client_id, staging.secret, staging.profile) == (
        "https://staging.example.com",
        "staging-id",
        "st",
        "staging",
    )
    # and options win over everything
    assert (
        resolve_connection(profile="prod", url="https://other.example.com", env=home).base_url
        == "https://other.example.com"
    )
    assert resolve_connection(env={**home, "RKVST_PROFILE": "staging", "STAGING_SECRET": "st"}).profile == "staging"


def test_a_secret_env_that_is_not_set(home):
    path = _write_config(home, '[profiles.p]\nbase_url = "https://a.io"\nclient_id = "c"\nsecret_env = "NOPE"\n')
    with pytest.raises(ConfigError) as caught:
        resolve_connection(profile="p", env=home)
    assert str(path) in str(caught.value) and "NOPE" in str(caught.value)


def test_keyring_without_the_package(home, monkeypatch):
    monkeypatch.setattr(config_module, "keyring_available", lambda: False)
    _write_config(home, '[profiles.p]\nbase_url = "https://a.io"\nclient_id = "c"\nsecret_keyring = true\n')
    with pytest.raises(ConfigError) as caught:
        resolve_connection(profile="p", env=home)
    assert "keyring package is not installed" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[profiles.p\nbase_url=", "is not valid TOML"),
        ('[profiles.p]\nsecret = "hunter2-hunter2"\n', "'secret' key: secrets are never kept"),
        ('secret = "hunter2-hunter2"\n', "'secret' key"),
        ('[profiles.p]\nclient_secret = "hunter2-hunter2"\n', "'client_secret' key"),
        ("[profiles.p]\nbase_url = 5\n", "key 'base_url' must be a non-empty string"),
        ('[profiles.p]\nsecret_keyring = "yes"\n', "key 'secret_keyring' must be true or false"),
        ('[profiles.p]\nbase_ur1 = "https://a.io"\n', "unknown key 'base_ur1'"),
        ('[profiles.p]\nsecret_env = "A"\nsecret_file = "b"\n', "gives the secret twice"),
        ('default_profile = "nope"\n[profiles.p]\nbase_url = "https://a.io"\n', "names no [profiles.nope]"),
        ('profiles = "x"\n', "'profiles' must be a table"),
        ("[profiles]\np = 3\n", "[profiles.p] is not a table"),
    ],
)
def test_config_errors_name_the_file_and_key(home, text, words):
    path = _write_config(home, text)
    with pytest.raises(ConfigError) as caught:
        load_profiles(env=home)
    assert str(path) in str(caught.value)
    assert words in str(caught.value)
    assert "hunter2" not in str(caught.value) + caught.value.hint


def test_an_unknown_profile(home):
    with pytest.raises(ConfigError) as caught:
        resolve_connection(profile="ghost", env=home)
    assert "no profile 'ghost'" in str(caught.value)


# -- base URLs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://app.rkvst.io",
        "http://127.0.0.1:8470",
        "http://localhost:1",
        "http://[::1]:80",
        "https://proxy.example.com/rkvst",
    ],
)
def test_good_base_urls(url):
    assert check_base_url(url) == url


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://app.rkvst.io/", "ends in '/'"),
        ("app.rkvst.io", "not an http(s) URL"),
        ("ftp://app.rkvst.io", "not an http(s) URL"),
        ("http://app.rkvst.io", "plain http"),
        ("https://app.rkvst.io?x=1", "query"),
        ("https://user:pw@app.rkvst.io", "user name"),
        ("", "empty"),
    ],
)
def test_bad_base_urls(url, words):
    with pytest.raises(ConfigError) as caught:
        Connection(url)
    assert words in str(caught.value)
    assert "pw" not in str(caught.value)


def test_plain_http_elsewhere_when_insisted():
    assert Connection("http://rkvst.internal", allow_insecure=True).base_url == "http://rkvst.internal"


def test_a_path_under_an_unknown_users_home_stays_as_written(tmp_path):
    """As a shell leaves `~nobody/x` alone: it loads, and fails only where the file is read."""
    config = tmp_path / "config.toml"
    config.write_text('[profiles.p]\nsecret_file = "~no-such-user-rkvst/secret"\n')
    assert load_profiles(config).profiles["p"].secret_file == Path("~no-such-user-rkvst/secret")
