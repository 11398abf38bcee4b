"""The command palette finds every action of every tab: each key in a tab's footer and each
button of TOKEN INSPECTOR has an entry, and running the inspector's entries does what the
buttons do."""

from __future__ import annotations

import stat

from textual.widgets import Button, Input, OptionList
from tui_helpers import running_console, screen_text, wait_until

from rkvst_tui.tui.views.inspector import TokenInspector
from rkvst_tui.tui.views.principals import RootPrincipalsView
from rkvst_tui.tui.views.registrations import AppRegistrationsView

VIEWS = {"apps": AppRegistrationsView, "principals": RootPrincipalsView, "inspector": TokenInspector}


def shown_entries(app) -> list[tuple[str, str]]:
    options = app.screen.query_one(OptionList)
    entries = []
    for index in range(options.option_count):
        hit = getattr(options.get_option_at_index(index), "hit", None)  # None: "No matches found"
        if hit is not None:
            entries.append((str(hit.text), str(hit.help or "")))
    return entries


async def palette_entries(app, pilot, query: str = "", expect: str = "") -> list[tuple[str, str]]:
    """(title, help) of each entry the palette shows for `query` (all of them when empty),
    once the entry titled `expect` is among them (or, without one, once the list settles)."""
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: bool(app.screen.query(OptionList)), what="the palette")
    if query:
        app.screen.query_one(Input).value = query  # as typed, without a search per keystroke
    if expect:
        try:
            await wait_until(
                pilot,
                lambda: expect in [t for t, _ in shown_entries(app)],
                timeout=3,
                what=f"{expect!r} in the palette",
            )
        except AssertionError:
            raise AssertionError(f"{expect!r} not among {shown_entries(app)}") from None
    else:
        await wait_until(pilot, lambda: app.screen.query_one(OptionList).option_count > 0, what="palette entries")
        await pilot.pause(0.3)  # every provider has answered
    return shown_entries(app)


async def close_palette(app, pilot) -> None:
    await pilot.press("escape")
    await wait_until(pilot, lambda: app.screen is app.screen_stack[0], what="the palette to close")


async def run_from_palette(app, pilot, query: str, title: str) -> None:
    entries = await palette_entries(app, pilot, query, expect=title)
    titles = [text for text, _ in entries]
    options = app.screen.query_one(OptionList)
    options.highlighted = titles.index(title)
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.screen is app.screen_stack[0], what="the palette to close")
    await pilot.pause()


async def test_every_footer_key_and_inspector_button_of_every_tab_is_in_the_palette(sandbox):
    async with running_console(sandbox) as (app, pilot):
        footer_keys: dict[str, list[str]] = {}
        for tab, key in (("apps", "1"), ("principals", "2"), ("inspector", "3")):
            await pilot.press(key)
            await wait_until(pilot, lambda tab=tab: bool(app.query(VIEWS[tab])) and app.active_tab == tab, what=tab)
            await pilot.pause()
            footer_keys[tab] = [
                app.get_key_display(active.binding)
                for active in app.screen.active_bindings.values()
                if isinstance(active.node, VIEWS[tab]) and active.binding.show
            ]
        inspector = app.query_one(TokenInspector)
        buttons = [str(button.label) for button in inspector.query(Button)]
        entries = await palette_entries(app, pilot)
        helps = [help_text for _, help_text in entries]
        for tab, keys in footer_keys.items():
            assert keys, f"no footer keys found on {tab}"
            for key in keys:
                assert any(h.endswith(f"({key})") or f" or {key})" in h for h in helps), (
                    f"the {tab} key {key} has no palette entry"
                )
        assert len(buttons) >= 11
        for label in buttons:
            # An entry titled with the button's words ("Copy header": "Copy the token header").
            assert any(set(label.casefold().split()) <= set(title.casefold().split()) for title, _ in entries), (
                f"the inspector's {label} button has no palette entry"
            )


async def test_the_inspector_actions_run_from_the_palette(sandbox, tmp_path):
    async with running_console(sandbox) as (app, pilot):
        await pilot.press("3")
        await wait_until(pilot, lambda: bool(app.query(TokenInspector)), what="the inspector")
        inspector = app.query_one(TokenInspector)
        # Get: the client id and secret typed, the palette's entry fetches a token.
        inspector.query_one("#ti-client-id", Input).value = sandbox.admin_client_id
        inspector.query_one("#ti-secret", Input).value = sandbox.admin_secret
        await run_from_palette(app, pilot, "get a token", "Get a token with a client id and secret")
        await wait_until(pilot, lambda: bool(inspector.current_token), what="the token fetched")
        token = inspector.current_token
        assert inspector.query_one("#ti-secret", Input).value == ""

        await run_from_palette(app, pilot, "copy the token", "Copy the token")
        assert app.clipboard == token

        target = tmp_path / "bearer_token"
        inspector.query_one("#ti-save-path", Input).value = str(target)
        await run_from_palette(app, pilot, "save the token", "Save the token as a bearer_token file")
        await wait_until(pilot, target.exists, what="the bearer_token file")
        assert target.read_text().strip() == f"Authorization: Bearer {token}"
        assert stat.S_IMODE(target.stat().st_mode) == 0o600

        await run_from_palette(app, pilot, "test access", "Test access with the inspected token")
        await wait_until(
            pilot, lambda: "200" in str(inspector.query_one("#ti-access").render()), what="the access test's answer"
        )

        await run_from_palette(app, pilot, "clear the token", "Clear the token inspector")
        await wait_until(pilot, lambda: not inspector.current_token, what="the inspector cleared")
        assert token not in screen_text(app)
