"""Bad input, generated: claim maps sent to the real sandbox, mutated real tokens, broken
configuration files (in the service layer and through the CLI).

What tests/api already covers and is not repeated here: claim rules on arbitrary rows in
process (tests/api/test_claims.py), the inspector on arbitrary text, on mutations of a locally
signed token and on arbitrary JSON payloads (tests/api/test_tokens.py), and a fixed list of
config errors (tests/api/test_config.py). Added: the client's verdict against the server's
over real HTTP, mutations of the sandbox's own tokens verified through its key set, and
generated config files of every TOML type.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import string
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rkvst_tui import cli
from rkvst_tui.api import claims as claim_rules
from rkvst_tui.api.config import PROFILE_KEYS, load_profiles
from rkvst_tui.api.errors import ConfigError
from rkvst_tui.api.inspection import INVALID, NOT_CHECKED, UNSECURED, VERIFIED, inspect_token, normalise
from rkvst_tui.sandbox.server import SandboxServer

APPS = "/archivist/iam/v1/applications"
TOKEN = "/archivist/iam/v1/appidp/token"
JWKS = "/appidpv1/.well-known/jwks.json"
NOW = datetime.now(timezone.utc)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> SandboxServer:
    sandbox = SandboxServer(tmp_path_factory.mktemp("bad-input"))
    sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="module")
def http(server) -> httpx.Client:
    token = httpx.post(
        server.base_url + TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": server.admin_client_id,
            "client_secret": server.admin_secret,
        },
        timeout=10,
    ).json()["access_token"]
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        yield client


# --------------------------------------------------------------------------- claims: client and server agree

RESERVED = sorted(claim_rules.RESERVED_NAMES | claim_rules.IANA_REGISTERED_CLAIMS)
lone_surrogates = st.tuples(st.text(max_size=4), st.sampled_from(["\ud800", "\udcff", "\udfff"])).map("".join)
plain_names = st.text(alphabet=string.ascii_letters + string.digits + "_-.:", min_size=1, max_size=24)
claim_names = st.one_of(
    plain_names,
    st.text(max_size=40),  # any Unicode, control characters included
    lone_surrogates,
    st.sampled_from(RESERVED),
    st.sampled_from(RESERVED).map(str.upper),
    st.tuples(st.sampled_from(["jit_", "arc_", "JIT_", "x-"]), plain_names).map("".join),
    st.integers(claim_rules.MAX_NAME_LENGTH - 2, claim_rules.MAX_NAME_LENGTH + 2).map(lambda n: "n" * n),
)
claim_values = st.one_of(
    st.text(max_size=40),
    lone_surrogates,  # valid in a Python str and in a JSON escape, not in UTF-8: not text
    st.integers(claim_rules.MAX_VALUE_LENGTH - 2, claim_rules.MAX_VALUE_LENGTH + 2).map(lambda n: "v" * n),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)
claim_maps = st.one_of(
    st.dictionaries(claim_names, claim_values, max_size=8),
    st.dictionaries(
        plain_names, st.text(max_size=8), min_size=claim_rules.MAX_CLAIMS - 2, max_size=claim_rules.MAX_CLAIMS + 3
    ),
)


def _post(http: httpx.Client, method: str, path: str, body: object) -> httpx.Response:
    # ensure_ascii: lone surrogates travel as \\u escapes, as any JSON client may send them.
    return http.request(
        method, path, content=json.dumps(body, ensure_ascii=True).encode(), headers={"Content-Type": "application/json"}
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(custom_claims=claim_maps)
def test_the_sandbox_refuses_exactly_what_the_client_rules_call_an_error(http, custom_claims):
    client_errors = claim_rules.errors(claim_rules.check_claims(custom_claims))
    created = _post(http, "POST", APPS, {"display_name": "generated", "custom_claims": custom_claims})
    assert created.status_code in (200, 400), created.text
    assert (created.status_code == 400) == bool(client_errors), (
        f"client says {[i.message for i in client_errors]}, server says {created.status_code} {created.text[:300]}"
    )
    if created.status_code == 400:
        said = created.json()["message"]
        # The claim rules' words, or the body's own fault (NaN/Infinity, a lone surrogate escape).
        assert said.startswith(("invalid custom_claims", "the request body")), said
        return
    app = created.json()
    assert app["custom_claims"] == custom_claims
    assert http.get(f"{APPS}/{app['client_id']}").json()["custom_claims"] == custom_claims
    # The same map as an update gets the same verdict.
    updated = _post(http, "PATCH", f"{APPS}/{app['client_id']}", {"custom_claims": custom_claims})
    assert updated.status_code == 200 and updated.json()["custom_claims"] == custom_claims
    assert http.delete(f"{APPS}/{app['client_id']}").status_code == 200


display_names = st.one_of(
    st.text(max_size=60),
    lone_surrogates,
    st.sampled_from(["", "   ", "\t\n"]),
    st.integers(1022, 1026).map(lambda n: "d" * n),
)  # the limit is 1024


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=display_names)
def test_any_display_name_is_created_as_typed_or_refused_with_a_reason(server, name):
    from rkvst_tui.api.client import RkvstClient
    from rkvst_tui.api.connection import Connection
    from rkvst_tui.api.errors import BadRequest, InvalidArgument

    async def create() -> object:
        connection = Connection(
            server.base_url, client_id=server.admin_client_id, secret=server.admin_secret, is_sandbox=True
        )
        async with RkvstClient(connection) as api:
            try:
                made = await api.create_application(name, {})
            except (BadRequest, InvalidArgument) as refused:  # never a UnicodeEncodeError or a 5xx
                return refused
            found = await api.find_applications_by_name(name)
            await api.delete_application(made)
            return made, found

    before = server.store.count_applications()
    outcome = asyncio.run(create())
    if isinstance(outcome, Exception):
        assert outcome.message
        assert server.store.count_applications() == before, "a refused create made nothing"
        return
    made, found = outcome
    assert made.display_name == name and [a.client_id for a in found] == [made.client_id]


# --------------------------------------------------------------------------- mutated sandbox tokens

B64URL = string.ascii_letters + string.digits + "-_"


@pytest.fixture(scope="module")
def real_token(server) -> tuple[str, dict]:
    token = httpx.post(
        server.base_url + TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": server.admin_client_id,
            "client_secret": server.admin_secret,
        },
        timeout=10,
    ).json()["access_token"]
    jwks = httpx.get(server.base_url + JWKS, timeout=10).json()
    return token, jwks


edits = st.one_of(
    # (segment, position, cut, insert): a typo, a deletion or an insertion inside one part
    st.tuples(
        st.just("edit"),
        st.integers(0, 2),
        st.integers(0, 2000),
        st.integers(0, 3),
        st.text(alphabet=B64URL + "=+/. \n\t\"'%é\x00", max_size=3),
    ),
    st.tuples(st.just("truncate"), st.integers(0, 2000)),
    st.tuples(st.just("drop part"), st.integers(0, 2)),
    st.tuples(st.just("extra part"), st.text(alphabet=B64URL, max_size=8)),
    st.tuples(st.just("swap"), st.permutations([0, 1, 2])),
    st.tuples(
        st.just("wrap"),
        st.sampled_from(
            [
                "Bearer {}",
                "Authorization: Bearer {}",
                " {} \n",
                "'{}'",
                "GET / HTTP/1.1\nAuthorization: Bearer {}\n\n",
                "{}\n{}",
            ]
        ),
    ),
)


def _mutate(token: str, edit: tuple) -> str:
    parts = token.split(".")
    kind = edit[0]
    if kind == "edit":
        _, segment, position, cut, insert = edit
        segment %= len(parts)
        text = parts[segment]
        position %= len(text) + 1
        parts[segment] = text[:position] + insert + text[position + cut :]
        return ".".join(parts)
    if kind == "truncate":
        return token[: edit[1] % (len(token) + 1)]
    if kind == "drop part":
        return ".".join(p for i, p in enumerate(parts) if i != edit[1])
    if kind == "extra part":
        return token + "." + edit[1]
    if kind == "swap":
        return ".".join(parts[i] for i in edit[1] if i < len(parts))
    return edit[1].format(token, token)


PART_NAMES = ("header", "payload", "signature", "part ")
STRUCTURE = ("expected 3 parts", "nothing to inspect", "this is an encrypted token")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations=st.lists(edits, min_size=1, max_size=3))
def test_mutated_sandbox_tokens_are_reported_with_the_failing_part_named(server, real_token, mutations):
    original, jwks = real_token
    token = original
    for edit in mutations:
        token = _mutate(token, edit)
    report = inspect_token(
        token,
        now=NOW,
        jwks=jwks,
        expected_issuer=server.base_url + "/appidpv1",
        expected_audience=server.base_url + "/archivist",
    )
    json.dumps(report.to_json(), allow_nan=False)
    assert report.signature_state in (VERIFIED, INVALID, NOT_CHECKED, UNSECURED)
    for error in report.errors:
        assert error.startswith(PART_NAMES) or error.startswith(STRUCTURE), error
    for part in report.parts:
        if part.error:
            assert part.error.startswith(part.name), (part.name, part.error)
    if report.signature_state == VERIFIED:
        # Only a change that leaves the signed bytes as they were may still verify.
        assert normalise(token) == original, token
    else:
        assert report.signature_reason, "an unverified signature says why"
    if normalise(token) == original:
        assert report.signature_state == VERIFIED and not report.errors


# --------------------------------------------------------------------------- configuration files

TOML_KEYS = string.ascii_letters + string.digits + "_-"
SECRET_SOURCES = ("secret_env", "secret_file", "secret_keyring")
STRING_KEYS = tuple(k for k in PROFILE_KEYS if k not in ("secret_keyring", "allow_insecure"))
BOOL_KEYS = ("secret_keyring", "allow_insecure")


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        text = repr(value)
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(text, text)
    if isinstance(value, str):
        # A TOML basic string: JSON's escapes for C0 controls are TOML's too; DEL must be escaped.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"


toml_scalars = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(["https://app.rkvst.io", "  ", "", "~/secret", "RKVST_SECRET"]),
    st.integers(-5, 5),
    st.floats(allow_nan=True),
    st.booleans(),
    st.datetimes(timezones=st.just(timezone.utc)),
)
toml_values = st.one_of(
    toml_scalars,
    st.lists(toml_scalars, max_size=2),
    st.dictionaries(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=4), toml_scalars, max_size=2),
)
profile_tables = st.dictionaries(
    st.sampled_from([*PROFILE_KEYS, "secret", "client_secret", "base_ur1", "timeout"]), toml_values, max_size=4
)


def _offenders(table: dict) -> set[str]:
    bad = set()
    for key, value in table.items():
        if key not in PROFILE_KEYS:
            bad.add(key)
        elif key in STRING_KEYS and not (isinstance(value, str) and value.strip()):
            bad.add(key)
        elif key in BOOL_KEYS and not isinstance(value, bool):
            bad.add(key)
    return bad


@pytest.fixture(scope="module")
def config_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("config-home")
    env = {"RKVST_TUI_CONFIG_DIR": str(home), "RKVST_TUI_DATA_DIR": str(home / "data")}
    saved = {
        name: os.environ.get(name)
        for name in [
            *env,
            "RKVST_URL",
            "RKVST_PROFILE",
            "RKVST_CLIENT_ID",
            "RKVST_CLIENT_SECRET_FILE",
            "RKVST_BEARER_TOKEN_FILE",
            "BEARER_TOKEN_FILE",
            "RKVST_TUI_DEBUG",
        ]
    }
    for name in saved:
        os.environ.pop(name, None)
    os.environ.update(env)
    yield home
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _assert_cli_refuses(path: Path) -> str:
    code, out, err = _cli("apps", "list")
    lines = err.splitlines()
    assert code == 2, (code, err)
    assert out == "" and "Traceback" not in err
    assert lines and lines[0].startswith("error: ") and str(path) in lines[0], err
    assert len(lines) <= 2 and all(line.startswith(("error: ", "hint: ")) for line in lines), err
    return lines[0]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    profiles=st.dictionaries(
        st.text(alphabet=TOML_KEYS, min_size=1, max_size=6), profile_tables, min_size=1, max_size=3
    )
)
def test_a_config_file_of_any_types_loads_or_names_the_file_and_the_key(config_home, profiles):
    path = config_home / "config.toml"
    text = "".join(
        f"[profiles.{name}]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in table.items())
        for name, table in profiles.items()
    )
    path.write_text(text)
    offenders = {key for table in profiles.values() for key in _offenders(table)}
    doubled = any(
        sum(bool(table.get(k)) and k not in _offenders(table) for k in SECRET_SOURCES) > 1
        for table in profiles.values()
    )
    try:
        config = load_profiles()
    except ConfigError as error:
        message = str(error)
        assert str(path) in message
        assert offenders or doubled, f"refused a good file: {message}\n{text}"
        if offenders and "gives the secret twice" not in message:
            assert any(f"'{key}'" in message for key in offenders), (message, offenders)
        assert _assert_cli_refuses(path) == f"error: {message}"
        return
    assert not offenders and not doubled, f"accepted a bad file:\n{text}"
    for name, table in profiles.items():
        profile = config.profiles[name]
        if "base_url" in table:
            assert profile.base_url == table["base_url"].strip()
        for key in BOOL_KEYS:
            assert getattr(profile, key) == table.get(key, False)


@settings(max_examples=150, deadline=None)
@given(
    raw=st.one_of(
        st.binary(max_size=80),
        st.text(max_size=80).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.sampled_from(
            [
                b"[profiles.p\nbase_url=",
                b"[[profiles]]\n",
                b"profiles = 3\n",
                b"default_profile = 1\n",
                b"\xff\xfe[profiles.p]\n",
                b"[profiles.p]\n=\n",
            ]
        ),
    )
)
def test_a_malformed_config_file_is_a_config_error_naming_the_file(config_home, raw):
    path = config_home / "config.toml"
    path.write_bytes(raw)
    try:
        load_profiles()
    except ConfigError as error:
        assert str(path) in str(error)
        _assert_cli_refuses(path)
