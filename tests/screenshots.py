"""Write screenshots/*.svg of the console's main screens, for the README.

    uv run python tests/screenshots.py [--out screenshots]

The pictures come from the same deterministic sandbox scene as the snapshot tests
(tests/tui/scenes.py): fixed clock, seeded ids, no secret anywhere on screen.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "tui"))

import scenes  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


async def shoot(server, name: str, out: Path, *, read_only: bool = False) -> Path:
    run_before, keys = scenes.SCENES[name]
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


async def main(out: Path) -> int:
    if not scenes.port_is_free(scenes.SCENE_PORT):
        print(f"port {scenes.SCENE_PORT} is taken: stop whatever uses it (the scene needs a fixed URL)",
              file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rkvst-scene-") as data_dir:
        server = scenes.build_sandbox(Path(data_dir))
        try:
            for name in scenes.SCENES:
                print(await shoot(server, name, out))
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "screenshots")
    sys.exit(asyncio.run(main(parser.parse_args().out)))
