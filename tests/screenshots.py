"""Write screenshots/*.svg of the console's main screens, for the README.

    uv run python tests/screenshots.py [--out screenshots] [--only NAME ...]

The pictures come from the same deterministic sandbox scene as the snapshot tests
(tests/tui/scenes.py): fixed clock, seeded ids, no secret anywhere on screen. Besides
those scenes: the create form with errors and warnings, the one-time secret reveal
(a real create through the form, with the sandbox told to hand out a clearly fake
all-zero secret) and the TOKEN INSPECTOR with a token signed by a fixed test key
(verified with that key; the console's clock is frozen, so its times never move), and
the registrations and a registration's details at 80x24 (NARROW_SHOTS).
Nothing real is shown: tests/security/test_secrets_at_rest.py scans screenshots/.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "tui"))

import scenes  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
FAKE_SECRET = "0" * 64  # clearly fake, as in the snapshot tests

Scene = tuple[Callable[..., Awaitable[None]], tuple[str, ...]]


async def _until(pilot, condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"the scene timed out waiting for {what}")
        await pilot.pause(0.05)


async def _open_form(pilot) -> None:
    from rkvst_tui.tui.screens.app_form import AppFormScreen

    await scenes.settled(pilot)
    await pilot.press("n")
    await _until(pilot, lambda: isinstance(pilot.app.screen, AppFormScreen), "the create form")


async def _create_form_with_errors(pilot) -> None:
    """The rows of the form snapshot test: a good claim, a reserved prefix, a registered
    claim, a case clash and a duplicate; ctrl+s is refused and says why."""
    await _open_form(pilot)
    await pilot.press(*"TrafficLight103")
    for name, value in [
        ("serial_number", "TL1000000103"),
        ("jit_device", "lamp"),
        ("email", "ops@example.com"),
        ("Exp", "soon"),
        ("serial_number", "again"),
    ]:
        await pilot.press("ctrl+n", *name, "tab", *value)
    await pilot.press("ctrl+s")
    await pilot.pause()


async def _policy_form(pilot) -> None:
    """n on ACCESS POLICIES: a policy typed with a filter that is refused and a claim nobody carries."""
    from textual.widgets import TextArea

    from rkvst_tui.tui.screens.policy_form import PolicyFormScreen

    app = pilot.app
    await scenes.settled(pilot)
    await pilot.press("4")
    await _until(pilot, lambda: app.policies_view.loaded, "the access policies")
    await pilot.press("n")
    await _until(pilot, lambda: isinstance(app.screen, PolicyFormScreen), "the policy form")
    await pilot.press(*"Lamps in Cambridge")
    app.screen.query_one("#policy-filters", TextArea).focus()
    await pilot.press(*"location=Cambridge", "enter", *"attributes.arc_display_type=Traffic Light")
    app.screen.query_one("#policy-who", TextArea).focus()
    await pilot.press(*"jwt_colour=red")
    await app.workers.wait_for_complete()
    for area in app.screen.query(TextArea):
        area.cursor_blink = False


async def _share_assets(pilot) -> None:
    """s on TrafficLight101's row: the Cambridge traffic lights picked, named by client id."""
    from textual.widgets import SelectionList

    from rkvst_tui.tui.screens.share_assets import ShareAssetsScreen

    app = pilot.app
    await scenes._main(pilot)
    await pilot.press("s")
    await _until(pilot, lambda: isinstance(app.screen, ShareAssetsScreen) and app.screen.loaded, "the share screen")
    screen = app.screen
    values = screen.query_one("#share-values", SelectionList)
    for pair in (("arc_display_type", "Traffic Light"), ("location", "Cambridge")):
        values.select(screen.pairs.index(pair))
    await app.workers.wait_for_complete()


def _secret_reveal(server) -> Callable[..., Awaitable[None]]:
    async def run(pilot) -> None:
        from rkvst_tui.tui.screens.secret_reveal import SecretRevealScreen

        await _open_form(pilot)
        await pilot.press(*"TrafficLight103")
        for name, value in [("serial_number", "TL1000000103"), ("has_cyclist_light", "true")]:
            await pilot.press("ctrl+n", *name, "tab", *value)
        server.store.fixed_secret = FAKE_SECRET  # this create's secret only: the picture shows it
        try:
            await pilot.press("ctrl+s")
            await _until(pilot, lambda: isinstance(pilot.app.screen, SecretRevealScreen), "the reveal")
        finally:
            server.store.fixed_secret = None
        assert pilot.app.screen._secret == FAKE_SECRET, "the reveal must show the fake secret"
        await pilot.app.workers.wait_for_complete()

    return run


def all_scenes(server) -> dict[str, Scene]:
    """The snapshot tests' scenes, then the ones only the README shows (they change the tenant last)."""
    return {
        **scenes.SCENES,
        "create_form_errors": (_create_form_with_errors, ()),
        "token_inspector": (scenes.TEST_SCENES["token_inspector"][0], ()),
        "policy_form": (_policy_form, ()),
        "share_assets": (_share_assets, ()),
        "secret_reveal": (_secret_reveal(server), ()),
    }


# Pictures at the other first-class size: (file stem, the scene, the size).
NARROW_SHOTS = {
    "app_registrations_80x24": "app_registrations",
    "registration_details_80x24": "registration_details_commands",
    "access_policies_80x24": "access_policies",
}


async def shoot(
    server, name: str, scene: Scene, out: Path, *, read_only: bool = False, size: tuple[int, int] = scenes.SIZE
) -> Path:
    run_before, keys = scene
    app = scenes.console(server, read_only=read_only)
    async with app.run_test(size=size) as pilot:
        await run_before(pilot)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        scenes.freeze_inputs(app)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        path = out / f"{name}.svg"
        svg = app.export_screenshot(title="rkvst-tui")
        path.write_text(svg, encoding="utf-8", newline="\n")
    return path


async def main(out: Path, only: list[str] | None = None) -> int:
    if not scenes.port_is_free(scenes.SCENE_PORT):
        print(
            f"port {scenes.SCENE_PORT} is taken: stop whatever uses it (the scene needs a fixed URL)", file=sys.stderr
        )
        return 1
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rkvst-scene-") as data_dir:
        server = scenes.build_sandbox(Path(data_dir))
        try:
            chosen = all_scenes(server)
            narrow = {stem: {**chosen, **scenes.TEST_SCENES}[scene] for stem, scene in NARROW_SHOTS.items()}
            unknown = sorted(set(only or ()) - set(chosen) - set(narrow))
            if unknown:
                print(f"no such scene: {', '.join(unknown)} (scenes: {', '.join(chosen)})", file=sys.stderr)
                return 2
            # The narrow ones first: the last scenes of `chosen` change the tenant.
            for name, scene in narrow.items():
                if not only or name in only:
                    print(await shoot(server, name, scene, out, size=scenes.NARROW))
            for name, scene in chosen.items():
                if not only or name in only:
                    print(await shoot(server, name, scene, out))
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    # Local times in the inspector follow TZ: pinned, so the pictures are the same everywhere.
    os.environ["TZ"] = "UTC"
    time.tzset()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "screenshots")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these scenes (file stems)")
    arguments = parser.parse_args()
    sys.exit(asyncio.run(main(arguments.out, arguments.only)))
