"""How the offer on start (registrations left with a secret nobody recorded) looks, at 120x40
and 80x24, on a deterministic sandbox (seeded ids) with fixed journal times.

Update after an intended change with
`uv run pytest tests/tui/test_unrecorded_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

import pytest
from textual.app import App
from textual.pilot import Pilot
from tui_helpers import APP_CSS, client_for, wait_until

from rkvst_tui.api.secret_journal import UnrecordedSecret
from rkvst_tui.sandbox.server import SandboxServer
from rkvst_tui.tui.screens.unrecorded import UnrecordedSecretsScreen


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    server = SandboxServer(tmp_path_factory.mktemp("offer"), deterministic=True)
    server.start()
    made = [server.store.create_application(name, {})[0] for name in ("TrafficLight103", "partner-feed-2")]
    yield server, made
    server.stop()


class OfferHost(App):
    CSS_PATH = APP_CSS

    def __init__(self, server, made) -> None:
        super().__init__()
        self.client = client_for(server)
        self.entries = [
            UnrecordedSecret(
                client_id=record.client_id,
                display_name=record.display_name,
                service="local sandbox",
                base_url=server.base_url,
                profile="sandbox",
                reason=reason,
                shown_at=f"2026-01-15T11:{minute}:00+00:00",
                pid=0,
            )
            for record, reason, minute in zip(made, ("created", "regenerated"), ("42", "57"))
        ]

    def on_mount(self) -> None:
        self.push_screen(
            UnrecordedSecretsScreen(self.client, self.entries, settle=lambda _: None, reveal=lambda _: None)
        )

    async def on_unmount(self) -> None:
        await self.client.aclose()


async def checked(pilot: Pilot) -> None:
    await wait_until(
        pilot,
        lambda: isinstance(pilot.app.screen, UnrecordedSecretsScreen) and not pilot.app.screen._checking,
        what="the check",
    )
    await pilot.pause()


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_the_offer_on_start(scene, snap_compare, size) -> None:
    assert snap_compare(OfferHost(*scene), terminal_size=size, run_before=checked)
