"""The guide's application JSON file: `{"display_name": ..., "custom_claims": {...}}`.

One reader for the console's create form and `rkvst-tui apps create --from-file`, so both
accept the same files and say the same thing about a bad one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


class ApplicationFileError(ValueError):
    """An application JSON file that cannot be loaded: the message names the file and what is wrong."""


@dataclass
class LoadedApplication:
    display_name: str | None
    custom_claims: dict[str, object] | None
    ignored_keys: list[str]


def read_application_file(path: Path) -> LoadedApplication:
    """Read `{"display_name": ..., "custom_claims": {...}}` (the seed guide's file) from `path`.

    Values that are not strings are kept as they are so the form can flag them on their row.
    Other keys (a full Application as the server returns it, say) are ignored and named.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ApplicationFileError(f"{path}: file not found — check the path") from None
    except IsADirectoryError:
        raise ApplicationFileError(f"{path}: is a directory — give the path of a .json file") from None
    except PermissionError:
        raise ApplicationFileError(f"{path}: permission denied — check the file's permissions") from None
    except UnicodeDecodeError:
        raise ApplicationFileError(f"{path}: not a UTF-8 text file — is this the right file?") from None
    except OSError as exc:
        raise ApplicationFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApplicationFileError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    expected = 'expected an object like {"display_name": "...", "custom_claims": {"name": "value"}}'
    if not isinstance(data, dict):
        raise ApplicationFileError(f"{path}: {expected}, found {_json_kind(data)}")
    if "display_name" not in data and "custom_claims" not in data:
        raise ApplicationFileError(f"{path}: has neither display_name nor custom_claims — {expected}")
    display_name = data.get("display_name")
    if display_name is not None and not isinstance(display_name, str):
        raise ApplicationFileError(f"{path}: display_name must be a string, found {_json_kind(display_name)}")
    custom_claims = data.get("custom_claims")
    if custom_claims is not None and not isinstance(custom_claims, dict):
        raise ApplicationFileError(
            f"{path}: custom_claims must be an object mapping claim names to strings, found {_json_kind(custom_claims)}"
        )
    ignored = sorted(key for key in data if key not in ("display_name", "custom_claims"))
    return LoadedApplication(display_name, custom_claims, ignored)


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
