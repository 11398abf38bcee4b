"""80x24 is a first-class size: columns give way by priority and follow the terminal's width,
cut text ends in `…`, and the inspector keeps its live countdown."""

from __future__ import annotations

import subprocess

import pytest
from rich.text import Text
from textual.widgets.data_table import ColumnKey
from tui_helpers import running_console, screen_text

from rkvst_tui.sandbox.store import PrincipalRecord
from rkvst_tui.tui.widgets.fixed_table import FittedColumn, fit_widths, shorten_text

NARROW = (80, 24)


def table_lines(app, table) -> list[str]:
    """The table's lines as drawn on screen."""
    region = table.region
    lines = screen_text(app).splitlines()[region.y : region.y + region.height]
    return [line[region.x : region.x + region.width].rstrip() for line in lines]


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
        assert table.visible_column_keys() == ["mark", "name", "client_id", "secret", "expiry", "root"]
        assert table.virtual_size.width <= table.size.width  # nothing scrolls sideways
        assert not table.show_horizontal_scrollbar
        lines = table_lines(app, table)
        assert lines[0].split() == ["Display", "Name", "Client", "Id", "Secret", "Expiry", "Date", "Root"]
        row = next(line for line in lines if "TrafficLight101" in line)
        kept = table.columns[ColumnKey("client_id")].width - 1  # the characters either side of …
        shortened = f"{record.client_id[: (kept + 1) // 2]}…{record.client_id[-(kept // 2) :]}"
        assert shortened in row and record.client_id not in row
        # The cell keeps the whole id (copied whole with c, shown whole in the details).
        assert table.get_cell(record.client_id, "client_id").plain == record.client_id

        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        await pilot.pause()
        assert table.visible_column_keys() == ["mark", "name", "client_id", "secret", "expiry", "claims", "root"]
        row = next(line for line in table_lines(app, table) if "TrafficLight101" in line)
        assert record.client_id in row and "1: serial_number" in row


async def test_root_principals_cut_names_and_emails_end_in_an_ellipsis(make_sandbox):
    server = make_sandbox(deterministic=True)
    store = server.store
    store.set_root_principals(
        [
            *store.get_root_principals(),
            PrincipalRecord(
                "https://login.example.com",
                "auth0|5f1a2b3c4d",
                "TrafficLight101 operators",
                "alice.operator@example.com",
            ),
        ]
    )
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

    from rkvst_tui.tui.views.inspector import TokenInspector

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


def run_as_shell(command: str) -> list[str]:
    """The arguments bash passes to curl for `command` (curl replaced by a function that prints them)."""
    checked = subprocess.run(["bash", "-n", "-c", command], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    printed = subprocess.run(
        ["bash", "-c", 'curl() { printf "%s\\n" "$@"; }\n' + command],
        env={"SECRET": "s3cret", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return printed.splitlines()


async def drag_over(pilot, widget) -> None:
    """A mouse selection from the widget's first cell to its last, as a user drags it."""
    from textual import events

    last = (widget.region.width - 1, widget.region.height - 1)
    await pilot._post_mouse_events([events.MouseDown], widget, offset=(0, 0), button=1)
    await pilot._post_mouse_events([events.MouseMove], widget, offset=last, button=1)
    await pilot._post_mouse_events([events.MouseUp], widget, offset=last, button=1)
    await pilot.pause()


@pytest.mark.parametrize("size", [NARROW, (120, 40)])
async def test_the_token_command_pastes_and_runs_at_every_width(make_sandbox, size):
    server = make_sandbox(deterministic=True)
    record, _ = server.store.create_application("TrafficLight101", {"serial_number": "TL1000000101"})
    expected = [
        f"{server.base_url}/archivist/iam/v1/appidp/token",
        "--data-urlencode",
        "grant_type=client_credentials",
        "--data-urlencode",
        f"client_id={record.client_id}",
        "--data-urlencode",
        "client_secret=s3cret",
    ]
    async with running_console(server, size=size) as (app, pilot):
        app.apps_view.select(record.client_id)
        await pilot.press("enter")
        await pilot.pause()
        block = app.screen.query_one("#details-token-command")
        app.screen.query_one("#details-dialog").scroll_to_widget(block, animate=False)
        await pilot.pause()
        await pilot.pause()
        # Textual's own selection (drag, then ctrl+c) copies the command as laid out.
        await drag_over(pilot, block)
        selected = app.screen.get_selected_text()
        assert selected and selected.startswith("curl ")
        assert run_as_shell(selected) == expected
        # What the terminal shows on those lines is the command too: a terminal's own selection
        # of the lines copies no border, and no soft wrap splits an argument.
        region = block.region
        on_screen = [line.rstrip() for line in screen_text(app).splitlines()[region.y : region.y + region.height]]
        if size == NARROW:  # the dialog has the whole width: whole lines are the command
            assert not any("█" in line for line in on_screen), on_screen
            assert run_as_shell("\n".join(on_screen)) == expected
        inside = [line[region.x : region.right].rstrip() for line in on_screen]
        assert all(line.endswith(" \\") for line in inside[:-1]) and max(map(len, inside)) <= region.width
        assert run_as_shell("\n".join(inside)) == expected
