"""Configuration: profiles in config.toml, environment variables and command-line options.

config.toml (in `state_dirs.config_dir()`):

    default_profile = "prod"

    [profiles.prod]
    base_url = "https://app.rkvst.io"
    client_id = "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065"
    secret_file = "~/.config/rkvst/prod.secret"   # or: secret_env = "PROD_SECRET"
                                                  # or: secret_keyring = true (needs `keyring`)
    # bearer_token_file = "~/bearer_token"         # a fixed token instead of credentials
    # allow_insecure = false                       # plain http to another machine

The secret itself is never in the file: a `secret` key is refused.

Precedence, field by field: command-line options, then the profile named with --profile,
then the environment, then the default profile. Environment variables:
RKVST_URL; RKVST_CLIENT_ID (or the SDK's RKVST_APPREG_CLIENT); RKVST_CLIENT_SECRET (or
RKVST_APPREG_SECRET); RKVST_CLIENT_SECRET_FILE (or RKVST_APPREG_SECRET_FILENAME);
RKVST_BEARER_TOKEN_FILE, BEARER_TOKEN_FILE (the guide's) or RKVST_AUTHTOKEN_FILENAME
(the SDK's); RKVST_PROFILE selects a profile like --profile.
The DataTrails era's names are read after these (the first one set wins, in this order):
DATATRAILS_URL; DATATRAILS_CLIENT_ID (the docs') then DATATRAILS_APPREG_CLIENT (the SDK's);
DATATRAILS_CLIENT_SECRET then DATATRAILS_APPREG_SECRET; DATATRAILS_APPREG_SECRET_FILENAME;
DATATRAILS_AUTHTOKEN_FILENAME. So when both RKVST_URL and DATATRAILS_URL are set, RKVST_URL
wins (and a note says the other was not used).

No URL anywhere -> `resolve_connection` returns None: use the local sandbox.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import state_dirs
from .connection import Connection
from .errors import ConfigError

KEYRING_SERVICE = "rkvst-tui"

# RKVST names first (this project's and the RKVST-era SDK's), then the DataTrails era's.
ENV_URL = ("RKVST_URL", "DATATRAILS_URL")
ENV_CLIENT_ID = ("RKVST_CLIENT_ID", "RKVST_APPREG_CLIENT", "DATATRAILS_CLIENT_ID", "DATATRAILS_APPREG_CLIENT")
ENV_SECRET = ("RKVST_CLIENT_SECRET", "RKVST_APPREG_SECRET", "DATATRAILS_CLIENT_SECRET", "DATATRAILS_APPREG_SECRET")
ENV_SECRET_FILE = ("RKVST_CLIENT_SECRET_FILE", "RKVST_APPREG_SECRET_FILENAME", "DATATRAILS_APPREG_SECRET_FILENAME")
ENV_TOKEN_FILE = (
    "RKVST_BEARER_TOKEN_FILE",
    "BEARER_TOKEN_FILE",
    "RKVST_AUTHTOKEN_FILENAME",
    "DATATRAILS_AUTHTOKEN_FILENAME",
)
ENV_PROFILE = ("RKVST_PROFILE",)

_STRING_KEYS = ("base_url", "client_id", "secret_env", "secret_file", "bearer_token_file")
_BOOL_KEYS = ("secret_keyring", "allow_insecure")
PROFILE_KEYS = _STRING_KEYS + _BOOL_KEYS


@dataclass(frozen=True)
class Profile:
    name: str
    base_url: str | None = None
    client_id: str | None = None
    secret_env: str | None = None
    secret_file: Path | None = None
    secret_keyring: bool = False
    bearer_token_file: Path | None = None
    allow_insecure: bool = False


@dataclass(frozen=True)
class Config:
    path: Path
    profiles: dict[str, Profile] = field(default_factory=dict)
    default_profile: str | None = None
    exists: bool = False
    # [keymap]: the console's action id -> key(s), e.g. registrations-create = "N" (README, Keys)
    keymap: dict[str, str] = field(default_factory=dict)


def keyring_available() -> bool:
    try:
        import keyring  # noqa: F401  (optional dependency: rkvst-tui[keyring])
    except Exception:  # noqa: BLE001 - a broken optional package is an absent one
        return False
    return True


def _profile(name: str, table: Any, path: Path) -> Profile:
    where = f"{path}: [profiles.{name}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} is not a table", hint=f"write it as [profiles.{name}] with keys below it")
    if "secret" in table or "client_secret" in table:
        key = "secret" if "secret" in table else "client_secret"
        raise ConfigError(
            f"{where} has a '{key}' key: secrets are never kept in the config file",
            hint="remove it and use secret_file, secret_env or secret_keyring = true",
        )
    unknown = sorted(set(table) - set(PROFILE_KEYS))
    if unknown:
        raise ConfigError(f"{where} has an unknown key '{unknown[0]}'", hint=f"known keys: {', '.join(PROFILE_KEYS)}")
    values: dict[str, Any] = {}
    for key in _STRING_KEYS:
        if key in table:
            value = table[key]
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{where} key '{key}' must be a non-empty string", hint=f'e.g. {key} = "..."')
            values[key] = value.strip()
    for key in _BOOL_KEYS:
        if key in table:
            if not isinstance(table[key], bool):
                raise ConfigError(f"{where} key '{key}' must be true or false")
            values[key] = table[key]
    sources = [k for k in ("secret_env", "secret_file", "secret_keyring") if values.get(k)]
    if len(sources) > 1:
        raise ConfigError(f"{where} gives the secret twice ({' and '.join(sources)})", hint="keep one of them")
    for key in ("secret_file", "bearer_token_file"):
        if key in values:
            try:
                values[key] = Path(values[key]).expanduser()
            except RuntimeError:  # "~someone/..." for a user this machine does not know: as a shell
                values[key] = Path(values[key])  # leaves it, a path that does not exist (said when used)
    return Profile(name=name, **values)


def load_profiles(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Config:
    """The profiles of config.toml (an absent file is an empty configuration)."""
    env = os.environ if env is None else env
    config_path = Path(path) if path is not None else state_dirs.config_file(env)
    try:
        raw = config_path.read_bytes()
    except FileNotFoundError:
        return Config(path=config_path)
    except OSError as exc:
        raise ConfigError(f"{config_path} can not be read ({exc.strerror or exc})") from None
    import tomllib  # here, not at the top: with no config file the console starts without it

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{config_path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path} is not valid TOML: {exc}", hint="fix the line it names") from None
    if "secret" in data:
        raise ConfigError(
            f"{config_path} has a 'secret' key: secrets are never kept in the config file",
            hint="remove it and use secret_file, secret_env or secret_keyring = true in a profile",
        )
    tables = data.get("profiles", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"{config_path}: 'profiles' must be a table", hint="write profiles as [profiles.NAME]")
    profiles = {name: _profile(name, table, config_path) for name, table in tables.items()}
    default = data.get("default_profile")
    if default is not None:
        if not isinstance(default, str):
            raise ConfigError(f"{config_path}: 'default_profile' must be a string naming a profile")
        if default not in profiles:
            raise ConfigError(
                f"{config_path}: default_profile '{default}' names no [profiles.{default}] table",
                hint=f"profiles defined: {', '.join(sorted(profiles)) or 'none'}",
            )
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict) or not all(isinstance(v, str) and v.strip() for v in keymap.values()):
        raise ConfigError(
            f"{config_path}: [keymap] must be a table of action ids and key names",
            hint='write e.g. [keymap] then registrations-create = "N" (several keys: "N,ctrl+n")',
        )
    return Config(
        path=config_path,
        profiles=profiles,
        default_profile=default,
        exists=True,
        keymap={name: keys.strip() for name, keys in keymap.items()},
    )


def _env(env: Mapping[str, str], names: tuple[str, ...], notes: list[str] | None = None) -> tuple[str, str] | None:
    """(name, value) of the first variable of `names` that is set and not blank; with `notes`,
    a note when a variable of the other era (RKVST_* / DATATRAILS_*) is set to something else."""
    found: tuple[str, str] | None = None
    for name in names:
        value = env.get(name, "").strip()
        if not value:
            continue
        if found is None:
            found = name, value
        elif notes is not None and value != found[1] and name.split("_", 1)[0] != found[0].split("_", 1)[0]:
            shown = "a different value" if "SECRET" in name else repr(value)
            notes.append(f"{found[0]} and {name} are both set ({name} has {shown}): using {found[0]}")
            break
    return found


@dataclass
class _Layer:
    """What one source (options, a profile, the environment) says about each field."""

    source: str
    base_url: str | None = None
    client_id: str | None = None
    secret: Any = None  # a zero-argument callable giving the secret, so only the winner is read
    token_file: Path | None = None
    allow_insecure: bool | None = None


def _read_secret_file(path: str | os.PathLike[str], notes: list[str]) -> str:
    """The secret in `path`; a warning in `notes` when others may read the file."""
    from .files import exposure_warning, read_secret_file

    secret = read_secret_file(path)
    if warning := exposure_warning(path, "the secret file"):
        notes.append(warning)
    return secret


def _profile_secret(profile: Profile, config: Config, env: Mapping[str, str], notes: list[str]) -> Any:
    where = f"{config.path}: [profiles.{profile.name}]"
    if profile.secret_env:

        def from_env() -> str:
            value = env.get(profile.secret_env or "", "")
            if not value.strip():
                raise ConfigError(
                    f"{where} secret_env names {profile.secret_env}, which is not set",
                    hint=f"export {profile.secret_env}=... (the secret), or change the profile",
                )
            return value.strip()

        return from_env
    if profile.secret_file:

        def from_file() -> str:
            try:
                return _read_secret_file(profile.secret_file, notes)  # type: ignore[arg-type]
            except ConfigError as exc:
                raise ConfigError(f"{where} secret_file: {exc.message}", hint=exc.hint) from None

        return from_file
    if profile.secret_keyring:

        def from_keyring() -> str:
            if not keyring_available():
                raise ConfigError(
                    f"{where} secret_keyring = true, but the keyring package is not installed",
                    hint="install rkvst-tui[keyring], or use secret_file / secret_env",
                )
            import keyring

            if not profile.client_id:
                raise ConfigError(f"{where} secret_keyring = true needs a client_id in the profile")
            try:
                value = keyring.get_password(KEYRING_SERVICE, profile.client_id)
            except Exception as exc:  # noqa: BLE001 - keyring backends raise their own types
                raise ConfigError(f"{where}: the keyring could not be read ({type(exc).__name__})") from None
            if not value:
                raise ConfigError(
                    f"{where}: the keyring has no secret for client id {profile.client_id}",
                    hint=f"store it with: keyring set {KEYRING_SERVICE} {profile.client_id}",
                )
            return str(value)

        return from_keyring
    return None


def _profile_layer(profile: Profile, config: Config, env: Mapping[str, str], notes: list[str]) -> _Layer:
    return _Layer(
        source=f"profile '{profile.name}'",
        base_url=profile.base_url,
        client_id=profile.client_id,
        secret=_profile_secret(profile, config, env, notes),
        token_file=profile.bearer_token_file,
        allow_insecure=profile.allow_insecure or None,
    )


def _env_layer(env: Mapping[str, str], notes: list[str]) -> _Layer:
    layer = _Layer(source="the environment")
    if found := _env(env, ENV_URL, notes):
        layer.base_url = found[1]
    if found := _env(env, ENV_CLIENT_ID, notes):
        layer.client_id = found[1]
    if found := _env(env, ENV_SECRET, notes):
        value = found[1]
        layer.secret = lambda: value
    elif found := _env(env, ENV_SECRET_FILE):
        name, file_name = found

        def from_file() -> str:
            try:
                return _read_secret_file(file_name, notes)
            except ConfigError as exc:
                raise ConfigError(f"{name}: {exc.message}", hint=exc.hint) from None

        layer.secret = from_file
    if found := _env(env, ENV_TOKEN_FILE):
        layer.token_file = Path(found[1]).expanduser()
    return layer


def normalise_base_url(url: str) -> str:
    """What a person typed, made into a base URL: spaces and trailing slashes removed."""
    return url.strip().rstrip("/")


def resolve_connection(
    profile: str | None = None,
    url: str | None = None,
    client_id: str | None = None,
    secret_file: str | os.PathLike[str] | None = None,
    token_file: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    *,
    allow_insecure: bool = False,
    config_path: str | os.PathLike[str] | None = None,
) -> Connection | None:
    """The connection the options, a profile and the environment describe; None: nothing is configured.

    The secret may be missing (a client id alone): the caller prompts for it or reports it.
    """
    env = os.environ if env is None else env
    config = load_profiles(config_path, env)
    notes: list[str] = []  # warnings for the connection (files others can read)
    if config.exists:
        from .files import exposure_warning

        if warning := exposure_warning(config.path, "the config file"):
            notes.append(warning)
    explicit_name = profile or (_env(env, ENV_PROFILE) or (None, None))[1]
    if explicit_name and explicit_name not in config.profiles:
        raise ConfigError(
            f"there is no profile '{explicit_name}' in {config.path}",
            hint=f"profiles defined: {', '.join(sorted(config.profiles)) or 'none'}",
        )
    chosen_name = explicit_name or config.default_profile
    chosen = config.profiles.get(chosen_name) if chosen_name else None

    options = _Layer(source="the command line")
    options.base_url = url
    options.client_id = client_id
    if secret_file is not None:
        secret_path = Path(secret_file).expanduser()

        def from_option() -> str:
            return _read_secret_file(secret_path, notes)

        options.secret = from_option
    options.token_file = Path(token_file).expanduser() if token_file is not None else None
    options.allow_insecure = allow_insecure or None

    layers = [options]
    if chosen and explicit_name:
        layers.append(_profile_layer(chosen, config, env, notes))
    layers.append(_env_layer(env, notes))
    if chosen and not explicit_name:
        layers.append(_profile_layer(chosen, config, env, notes))

    def first(attribute: str) -> Any:
        return next((getattr(layer, attribute) for layer in layers if getattr(layer, attribute) is not None), None)

    base_url = first("base_url")
    if base_url is None:
        if explicit_name or client_id or secret_file or token_file:
            raise ConfigError(
                "no service URL is configured for these credentials",
                hint="give --url, set RKVST_URL, or put base_url in the profile",
            )
        return None
    base_url = normalise_base_url(base_url)
    insecure = bool(first("allow_insecure"))

    if options.token_file is not None:
        # An explicit --token-file means: use exactly this token.
        return Connection(
            base_url,
            client_id=first("client_id"),
            bearer_token_file=options.token_file,
            profile=chosen_name or "default",
            allow_insecure=insecure,
            warnings=_with_token_file_warning(notes, options.token_file),
        )
    resolved_client = first("client_id")
    secret_source = first("secret")
    secret = secret_source() if resolved_client and secret_source is not None else None
    token_path = first("token_file") if not secret else None
    return Connection(
        base_url,
        client_id=resolved_client,
        secret=secret,
        bearer_token_file=token_path,
        profile=chosen_name or "default",
        allow_insecure=insecure,
        warnings=_with_token_file_warning(notes, token_path),
    )


def _with_token_file_warning(notes: list[str], token_file: Path | None) -> tuple[str, ...]:
    if token_file is not None:
        from .files import exposure_warning

        if warning := exposure_warning(token_file, "the bearer token file"):
            notes.append(warning)
    return tuple(notes)
