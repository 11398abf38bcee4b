"""80x24 is a first-class size: columns give way by priority and follow the terminal's width,
cut text ends in `…`, and the inspector keeps its live countdown."""

from __future__ import annotations

import pytest
from rich.text import Text

from rkvst_tui.sandbox.store import PrincipalRecord
from rkvst_tui.tui.widgets.fixed_table import FittedColumn, fit_widths, shorten_text

from tui_helpers import running_console, screen_text

NARROW = (80, 24)


def table_lines(app, table) -> list[str]:
    """The table's lines as drawn on screen."""
    region = table.region
    lines = screen_text(app).splitlines()[region.y:region.y + region.height]
    return [line[region.x:region.x + region.width].rstrip() for line in lines]


def test_columns_give_way_least_important_first():
    columns = [
        FittedColumn("Name", "name", 20, least=16, rank=6, hideable=False),
        FittedColumn("Id", "id", 36, least=13, rank=4),
        FittedColumn("Claims", "claims", 16, least=12, rank=1),
        FittedColumn("Root", "root", 5, rank=5, hideable=False),
    ]
    assert fit_widths(columns, 200) == {"name": 20, "id": 36, "claims": 16, "root": 5}
    # Short of room: the less important shrink first, the more important get their width first.
    assert fit_widths(columns, 80) == {"name": 20, "id": 35, "claims": 12, "root": 5}
    # Even the narrowest widths do not fit: the least important is hidden.
    assert fit_widths(columns, 50) == {"name": 20, "id": 19, "claims": 0, "root": 5}
    # Only the columns that never hide are left, at their narrowest.
    assert fit_widths(columns, 10) == {"name": 16, "id": 0, "claims": 0, "root": 5}


def test_cut_text_ends_in_an_ellipsis_or_has_it_in_the_middle():
    assert shorten_text(Text("TrafficLight101"), 13, "ellipsis").plain == "TrafficLight…"
    assert shorten_text(Text("alice@example.com"), 12, "ellipsis").plain == "alice@examp…"
    client_id = "5b72c3d4-1111-2222-3333-44445a5b8a1f"
    assert shorten_text(Text(client_id), 9, "middle").plain == "5b72…8a1f"
    assert shorten_text(Text(client_id, style="bold"), 9, "middle").style == "bold"
    assert shorten_text(Text("short"), 9, "middle").plain == "short"


async def test_registrations_at_80_columns_keep_name_and_root_and_follow_the_width(make_sandbox):
    server = make_sandbox(deterministic=True)
    record, _ = server.store.create_application("TrafficLight101", {"serial_number": "TL1000000101"})
    async with running_console(server, size=NARROW) as (app, pilot):
        table = app.apps_view.table
        assert table.visible_column_keys() == ["name", "client_id", "secret", "expiry", "root"]
        assert table.virtual_size.width <= table.size.width  # nothing scrolls sideways
        assert not table.show_horizontal_scrollbar
        lines = table_lines(app, table)
        assert lines[0].split() == ["Display", "Name", "Client", "Id", "Secret", "Expiry", "Date", "Root"]
        row = next(line for line in lines if "TrafficLight101" in line)
        shortened = f"{record.client_id[:8]}…{record.client_id[-8:]}"
        assert shortened in row and record.client_id not in row
        # The cell keeps the whole id (copied whole with c, shown whole in the details).
        assert table.get_cell(record.client_id, "client_id").plain == record.client_id

        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        await pilot.pause()
        assert table.visible_column_keys() == ["name", "client_id", "secret", "expiry", "claims", "root"]
        row = next(line for line in table_lines(app, table) if "TrafficLight101" in line)
        assert record.client_id in row and "1: serial_number" in row


async def test_root_principals_cut_names_and_emails_end_in_an_ellipsis(make_sandbox):
    server = make_sandbox(deterministic=True)
    store = server.store
    store.set_root_principals([
        *store.get_root_principals(),
        PrincipalRecord("https://login.example.com", "auth0|5f1a2b3c4d", "TrafficLight101 operators",
                        "alice.operator@example.com"),
    ])
    async with running_console(server, size=NARROW) as (app, pilot):
        await pilot.press("2")
        await pilot.pause()
        await pilot.pause()
        table = app.principals_view.table
        assert "display_name" in table.visible_column_keys()
        row = next(line for line in table_lines(app, table) if "auth0" in line or "login" in line)
        for whole in ("TrafficLight101 operators", "alice.operator@example.com"):
            shown = next(word for word in row.split("  ") if word.strip() and whole.startswith(word.strip()[:5]))
            shown = shown.strip()
            assert shown.endswith("…") and whole.startswith(shown[:-1]), (shown, row)
        assert not table.show_horizontal_scrollbar


@pytest.mark.parametrize("size", [NARROW, (120, 40)])
async def test_inspector_times_keep_local_and_the_live_countdown(size):
    from test_inspector import Clock, InspectorHost, settle
    from test_inspector_app import SNAPSHOT_TOKEN
    from rkvst_tui.tui.inspector import TokenInspector

    clock = Clock()
    app = InspectorHost(clock=clock)
    async with app.run_test(size=size) as pilot:
        app.query_one(TokenInspector).inspect_text(SNAPSHOT_TOKEN)
        await settle(pilot)
        times = app.query_one("#ti-times")
        keys = times.visible_column_keys()
        assert "local" in keys and "relative" in keys
        assert not times.show_horizontal_scrollbar
        for name in ("#ti-header", "#ti-payload"):
            table = app.query_one(name)
            assert table.virtual_size.width <= table.size.width, name  # no sideways scrolling
        # Claim names are whole on one line (has_cyclist_light is the longest).
        payload = app.query_one("#ti-payload")
        assert payload.ordered_columns[0].width >= len("has_cyclist_light")
        assert "expires in 42m 10s" in "\n".join(table_lines(app, times))
        clock.advance(1)
        await pilot.pause(1.2)
        assert "expires in 42m 9s" in "\n".join(table_lines(app, times))
