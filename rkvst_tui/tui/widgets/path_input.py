"""A file path typed or pasted: completion from the disk, and the quotes terminals add removed."""

from __future__ import annotations

from pathlib import Path

from textual.suggester import Suggester


class PathSuggester(Suggester):
    """Completes a file path from what is on disk (accept with the right arrow), like a shell's tab.

    Directories first complete with a trailing "/"; among files, `prefer` (".json") wins.
    Never cached: the disk changes.
    """

    def __init__(self, prefer: str = ".json") -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.prefer = prefer

    async def get_suggestion(self, value: str) -> str | None:
        if not value or value.endswith(("'", '"')):
            return None
        typed = Path(value).expanduser()
        folder, stem = (typed, "") if value.endswith("/") else (typed.parent, typed.name)
        try:
            entries = sorted(entry for entry in folder.iterdir() if entry.name.startswith(stem))
        except OSError:
            return None
        if stem == "" or not entries:
            entries = [e for e in entries if not e.name.startswith(".")]
        if not entries or (len(entries) == 1 and entries[0].name == stem and not entries[0].is_dir()):
            return None

        def rank(entry: Path) -> tuple[int, str]:
            if entry.is_dir():
                return (1, entry.name)
            return (0 if entry.name.endswith(self.prefer) else 2, entry.name)

        best = min(entries, key=rank)
        completion = best.name[len(stem) :] + ("/" if best.is_dir() else "")
        return value + completion if completion else None


def unquote_path(raw: str) -> str:
    """A path as typed or pasted: terminals quote dropped file names ('/a b/app.json')."""
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        raw = raw[1:-1]
    return raw
