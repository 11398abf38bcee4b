"""The fault table at the service layer, against the real sandbox behind a fault-injecting
transport: what `RkvstClient` raises, how often it tried (at the transport), and what the
server really did (in its store).

tests/api/test_faults.py checks the client's mapping with MockTransport alone; here the
server is real, so "the server acted" and "nothing was created twice" are facts, not
assumptions, and the CLI's answer to the same faults is checked too.
"""

from __future__ import annotations

import pytest
from reliability_helpers import APPS, FAULTS, FaultCase, FaultyTransport, client_for, names_in_store

from rkvst_tui import cli
from rkvst_tui.api import errors

RAISED = {
    "connection refused": errors.ConnectionRefused,
    "DNS failure": errors.NameResolutionError,
    "TLS failure": errors.TlsError,
    "read time-out": errors.ResponseTimeout,
    "dropped after send": errors.ConnectionLost,
    "500": errors.ServerError,
    "502 html page": errors.ServerError,
    "503": errors.ServerError,
    "body not JSON": errors.InvalidResponse,
    "body of the wrong shape": errors.InvalidResponse,
    "429 storm": errors.RateLimited,
}


async def _no_wait(seconds: float) -> None:
    return None


@pytest.mark.parametrize("case", FAULTS, ids=[c.name for c in FAULTS])
async def test_a_create_is_tried_once_and_the_store_says_whether_it_happened(sandbox, case: FaultCase):
    transport = FaultyTransport()
    async with client_for(sandbox, transport, sleep=_no_wait) as api:
        await api.access_token()
        transport.arm("POST", APPS, case.fault)
        with pytest.raises(RAISED[case.name]) as caught:
            await api.create_application("device-1", {"serial_number": "TL1"})
        error = caught.value
        assert error.message and "Traceback" not in error.message
        assert sandbox.admin_secret not in str(error) + error.hint
        if isinstance(error, errors.NetworkError):
            assert error.request_sent is case.server_acts, "request_sent tells the caller to look before retrying"
        # Never re-sent on its own, except a 429 (a refusal) within its bound.
        assert transport.count("POST", APPS) == (1 + api.max_rate_limit_retries if case.name == "429 storm" else 1)
        assert names_in_store(sandbox, "device-1") == (1 if case.server_acts else 0)

        # Once the fault is gone the same client works, and the lost create can be found by name.
        transport.disarm()
        found = await api.find_applications_by_name("device-1")
        assert len(found) == (1 if case.server_acts else 0)


@pytest.mark.parametrize("case", FAULTS, ids=[c.name for c in FAULTS])
async def test_a_listing_is_retried_only_within_its_bound(sandbox, case: FaultCase):
    transport = FaultyTransport()
    async with client_for(sandbox, transport, sleep=_no_wait) as api:
        await api.access_token()
        transport.arm("GET", APPS, case.fault)
        with pytest.raises(RAISED[case.name]):
            await api.list_applications()
        # The client is the one layer that retries (the console passes it a notify hook, no retries of its own).
        bound = 1 + api.max_rate_limit_retries if case.name == "429 storm" else min(case.max_get_attempts, 3)
        assert 1 <= transport.count("GET", APPS) <= bound
        transport.disarm()
        assert [a.display_name for a in await api.list_applications()] == ["sandbox-admin"]


# --------------------------------------------------------------------------- the CLI's create


@pytest.fixture
def cli_env(sandbox, tmp_path, monkeypatch):
    for name in ("RKVST_PROFILE", "RKVST_CLIENT_SECRET", "RKVST_BEARER_TOKEN_FILE", "BEARER_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RKVST_TUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("RKVST_TUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RKVST_URL", sandbox.base_url)
    monkeypatch.setenv("RKVST_CLIENT_ID", sandbox.admin_client_id)
    monkeypatch.setenv("RKVST_CLIENT_SECRET_FILE", str(sandbox.credentials_file))
    return sandbox


def _cli_with(monkeypatch, transport: FaultyTransport) -> None:
    """Every client the CLI builds talks through `transport` (to the real sandbox)."""
    from rkvst_tui.api import client as client_module

    real_init = client_module.RkvstClient.__init__

    def init(self, connection, **kwargs):
        kwargs["transport"] = transport
        real_init(self, connection, **kwargs)

    monkeypatch.setattr(client_module.RkvstClient, "__init__", init)


@pytest.mark.parametrize("case", [c for c in FAULTS if c.server_acts], ids=[c.name for c in FAULTS if c.server_acts])
def test_the_cli_names_the_registration_a_lost_create_made(cli_env, monkeypatch, capsys, case: FaultCase):
    transport = FaultyTransport()
    transport.arm("POST", APPS, case.fault)
    _cli_with(monkeypatch, transport)
    code = cli.main(["apps", "create", "--name", "lost-one"])
    err = capsys.readouterr().err
    (made,) = cli_env.store.list_applications(display_name="lost-one")
    assert code != 0 and "Traceback" not in err
    assert made.uuid in err and f"rkvst-tui apps regenerate {made.uuid}" in err, err
    assert transport.count("POST", APPS) == 1
