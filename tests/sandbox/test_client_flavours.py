"""The service layer against both sandbox flavours: capability detection by what the service
answers (roles, no root principals, caps), the Owner role, either era's issuer, DATATRAILS_*."""

from __future__ import annotations

import pytest

from rkvst_tui.api import service
from rkvst_tui.api.client import RkvstClient
from rkvst_tui.api.config import resolve_connection
from rkvst_tui.api.connection import Connection
from rkvst_tui.api.errors import InvalidArgument, NotFound, PermissionDenied
from rkvst_tui.api.models import Principal
from rkvst_tui.sandbox.server import SandboxServer


def admin(server: SandboxServer) -> RkvstClient:
    return RkvstClient(Connection(server.base_url, client_id=server.admin_client_id, secret=server.admin_secret))


def as_app(server: SandboxServer, app) -> RkvstClient:
    return RkvstClient(Connection(server.base_url, client_id=app.client_id, secret=app.secret))


async def test_an_owner_created_by_the_client_on_datatrails_can_manage_registrations(make_sandbox) -> None:
    server = make_sandbox(flavour="datatrails")
    async with admin(server) as api:
        owner = await api.create_application("ci-owner", {}, owner=True)
        plain = await api.create_application("plain", {})
        assert owner.is_owner and owner.roles == ["OWNER"] and plain.roles == [] and not plain.is_owner
    async with as_app(server, owner) as as_owner:
        made = await as_owner.create_application("made-by-owner", {"k": "v"})
        assert [a.display_name for a in await as_owner.find_applications_by_name("made-by-owner")] == ["made-by-owner"]
        await as_owner.delete_application(made)
        me = await as_owner.whoami()
        assert me.is_owner is True and me.roles_only and me.is_admin
    async with as_app(server, plain) as as_plain:
        me = await as_plain.whoami()
        assert me.is_owner is False and me.is_admin is False
        with pytest.raises(PermissionDenied) as refused:
            await as_plain.list_applications()
        assert refused.value.message == "this registration does not have the Owner role"
        assert f"rkvst-tui apps update {plain.client_id} --owner" in refused.value.hint
        assert "ROOT PRINCIPALS" not in refused.value.message + refused.value.hint
    async with admin(server) as api:  # the role given and taken by update
        given = await api.update_application(plain, roles=service.owner_roles(plain, True))
        assert given.is_owner
        taken = await api.update_application(given, roles=service.owner_roles(given, False))
        assert taken.roles == []


async def test_root_principals_on_datatrails_say_access_is_managed_by_roles(make_sandbox) -> None:
    server = make_sandbox(flavour="datatrails")
    async with admin(server) as api:
        with pytest.raises(NotFound) as missing:
            await api.get_root_principals()
        assert "access is managed by roles" in missing.value.message
        assert "--owner" in missing.value.hint and "RKVST service?" not in missing.value.hint
        assert api.service.roles_only


@pytest.mark.parametrize(
    ("flavour", "name", "roles", "roots"),
    [
        ("rkvst", "RKVST", False, True),
        ("datatrails", "DataTrails", True, False),
    ],
)
async def test_detect_tells_the_service_by_what_it_answers(make_sandbox, flavour, name, roles, roots) -> None:
    server = make_sandbox(flavour=flavour, max_apps=3)
    async with admin(server) as api:
        facts = await service.detect(api)
        assert (facts.name, facts.has_roles, facts.has_root_principals) == (name, roles, roots)
        caps = await service.application_caps(api)
        assert caps is not None and caps.remaining == 3
        await api.create_application("one", {})
        caps = await service.application_caps(api)
        assert caps.remaining == 2
        if flavour == "datatrails":
            assert (caps.cap, caps.words()) == (3, "1 of 3 app registrations")
        else:
            assert (caps.cap, caps.words()) == (None, "2 app registrations left")


async def test_no_cap_published_without_max_apps(sandbox) -> None:
    async with admin(sandbox) as api:
        assert await service.application_caps(api) is None


async def test_the_owner_role_is_refused_where_the_service_has_no_roles(sandbox) -> None:
    async with admin(sandbox) as api:
        await api.list_applications_page(page_size=1)
        assert api.service.has_roles is False
        with pytest.raises(InvalidArgument) as refused:
            await api.create_application("would-be-owner", {}, owner=True)
        assert "has no roles" in refused.value.message and "principals add" in refused.value.hint
        assert await api.find_applications_by_name("would-be-owner") == []


def test_principals_of_either_eras_issuer_are_this_tenants_registrations() -> None:
    datatrails = RkvstClient(Connection("https://app.datatrails.ai", client_id="c", secret="s"))
    assert service.own_issuers(datatrails) == {service.RKVST_ISSUER, service.DATATRAILS_ISSUER}
    rkvst = RkvstClient(Connection("https://app.rkvst.io", client_id="c", secret="s"))
    assert service.DATATRAILS_ISSUER in service.own_issuers(rkvst)
    elsewhere = RkvstClient(Connection("https://example.org", client_id="c", secret="s"))
    assert service.own_issuers(elsewhere) == {"https://example.org/appidpv1"}
    # the signed-in registration, written down in the RKVST era: still itself (not removable by mistake)
    assert datatrails.is_caller(Principal(service.RKVST_ISSUER, "c"))
    assert not elsewhere.is_caller(Principal(service.RKVST_ISSUER, "c"))


# -- DATATRAILS_* beside RKVST_* -------------------------------------------------------------


@pytest.mark.parametrize(
    ("client_name", "secret_name"),
    [
        ("DATATRAILS_CLIENT_ID", "DATATRAILS_CLIENT_SECRET"),  # the DataTrails docs'
        ("DATATRAILS_APPREG_CLIENT", "DATATRAILS_APPREG_SECRET"),  # the SDK's
    ],
)
async def test_datatrails_variables_connect(make_sandbox, tmp_path, client_name, secret_name) -> None:
    server = make_sandbox(flavour="datatrails")
    env = {
        "DATATRAILS_URL": server.base_url,
        client_name: server.admin_client_id,
        secret_name: server.admin_secret,
        "RKVST_TUI_CONFIG_DIR": str(tmp_path),
    }
    connection = resolve_connection(env=env)
    assert connection is not None and connection.base_url == server.base_url
    async with RkvstClient(connection) as api:
        assert (await api.whoami()).is_owner


def test_datatrails_secret_and_token_files(tmp_path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s" * 64)
    secret.chmod(0o600)
    env = {
        "DATATRAILS_URL": "https://app.datatrails.ai",
        "DATATRAILS_APPREG_CLIENT": "c",
        "DATATRAILS_APPREG_SECRET_FILENAME": str(secret),
        "RKVST_TUI_CONFIG_DIR": str(tmp_path),
    }
    connection = resolve_connection(env=env)
    assert connection.secret == "s" * 64 and connection.client_id == "c"
    token = tmp_path / "bearer-token.txt"
    token.write_text("Authorization: Bearer x.y.z\n")
    token.chmod(0o600)
    env = {
        "DATATRAILS_URL": "https://app.datatrails.ai",
        "DATATRAILS_AUTHTOKEN_FILENAME": str(token),
        "RKVST_TUI_CONFIG_DIR": str(tmp_path),
    }
    assert resolve_connection(env=env).bearer_token_file == token


def test_rkvst_names_win_when_both_are_set_and_a_note_says_so(tmp_path) -> None:
    env = {
        "RKVST_URL": "https://app.rkvst.io",
        "DATATRAILS_URL": "https://app.datatrails.ai",
        "RKVST_CLIENT_ID": "rkvst-id",
        "DATATRAILS_CLIENT_ID": "datatrails-id",
        "RKVST_CLIENT_SECRET": "r" * 64,
        "DATATRAILS_CLIENT_SECRET": "d" * 64,
        "RKVST_TUI_CONFIG_DIR": str(tmp_path),
    }
    connection = resolve_connection(env=env)
    assert (connection.base_url, connection.client_id, connection.secret) == (
        "https://app.rkvst.io",
        "rkvst-id",
        "r" * 64,
    )
    notes = "\n".join(connection.warnings)
    assert "RKVST_URL and DATATRAILS_URL are both set" in notes and "using RKVST_URL" in notes
    assert "RKVST_CLIENT_ID and DATATRAILS_CLIENT_ID" in notes
    assert "d" * 64 not in notes and "r" * 64 not in notes  # never a secret in a note
