"""Write screenshots/*.svg of the console's main screens, for the README.

    uv run python tests/screenshots.py [--out screenshots] [--only NAME ...]

The pictures come from the same deterministic sandbox scene as the snapshot tests
(tests/tui/scenes.py): fixed clock, seeded ids, no secret anywhere on screen. Besides
those scenes: the create form with errors and warnings, the one-time secret reveal
(a real create through the form, with the sandbox told to hand out a clearly fake
all-zero secret) and the TOKEN INSPECTOR with a token signed by a fixed test key
(verified with that key; the console's clock is frozen, so its times never move).
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
    from rkvst_tui.tui.app_form import AppFormScreen

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


def _secret_reveal(server) -> Callable[..., Awaitable[None]]:
    async def run(pilot) -> None:
        from rkvst_tui.tui.secret_reveal import SecretRevealScreen

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


def _scene_token(base_url: str) -> tuple[str, str]:
    """A token for the scene's backend signed with a fixed Ed25519 test key (deterministic
    signatures: the same bytes every run), and that key's public PEM to verify it."""
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))  # public test material
    now = int(scenes.FROZEN_NOW.timestamp())
    token = jwt.encode(
        {
            "iss": f"{base_url}/appidpv1",
            "aud": f"{base_url}/archivist",
            "sub": "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065",
            "client_id": "d1fb6c87-faa9-4d56-b2fd-a5b70a9af065",
            "name": "TrafficLight101",
            "jit_tenant_id": "tenant/53e6bed7-6f4c-4a37-8c4f-cf889f2b1aa6",
            "jti": "0b7e5c3a9d",
            "iat": now - 300,
            "exp": now + 42 * 60 + 10,
            "serial_number": "TL1000000101",
            "has_cyclist_light": "true",
        },
        key,
        algorithm="EdDSA",
        headers={"typ": "at+jwt", "kid": "scene-test-key"},
    )
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return token, pem


def _token_inspector(server) -> Callable[..., Awaitable[None]]:
    async def run(pilot) -> None:
        from textual.widgets import TextArea

        from rkvst_tui.tui.inspector import TokenInspector

        app = pilot.app
        await scenes.settled(pilot)
        await pilot.press("3")
        await _until(pilot, lambda: bool(app.query(TokenInspector)), "the inspector")
        token, pem = _scene_token(server.base_url)
        app.query_one("#ti-key", TextArea).load_text(pem)
        app.query_one(TokenInspector).inspect_text(f"Authorization: Bearer {token}\n", origin="pasted")
        for area in app.query(TextArea):
            area.cursor_blink = False
        await pilot.pause()
        await app.workers.wait_for_complete()
        await _until(pilot, lambda: app.query_one(TokenInspector).report is not None, "the report")
        assert app.query_one(TokenInspector).report.signature_state == "VERIFIED"

    return run


def all_scenes(server) -> dict[str, Scene]:
    """The snapshot tests' scenes, then the ones only the README shows (they change the tenant last)."""
    return {
        **scenes.SCENES,
        "create_form_errors": (_create_form_with_errors, ()),
        "token_inspector": (_token_inspector(server), ()),
        "secret_reveal": (_secret_reveal(server), ()),
    }


async def shoot(server, name: str, scene: Scene, out: Path, *, read_only: bool = False) -> Path:
    run_before, keys = scene
    app = scenes.console(server, read_only=read_only)
    async with app.run_test(size=scenes.SIZE) as pilot:
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
        print(f"port {scenes.SCENE_PORT} is taken: stop whatever uses it (the scene needs a fixed URL)",
              file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rkvst-scene-") as data_dir:
        server = scenes.build_sandbox(Path(data_dir))
        try:
            chosen = all_scenes(server)
            unknown = sorted(set(only or ()) - set(chosen))
            if unknown:
                print(f"no such scene: {', '.join(unknown)} (scenes: {', '.join(chosen)})", file=sys.stderr)
                return 2
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
