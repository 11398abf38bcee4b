"""The layering rules of architecture.md, read from each module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "rkvst_tui"


def _imports(path: Path) -> set[str]:
    """Every absolute module name a file imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module_parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if module_parts[-1] == "__init__":
        module_parts = module_parts[:-1]
    package_parts = module_parts if path.name == "__init__.py" else module_parts[:-1]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
                names.add(prefix)
                names.update(f"{prefix}.{alias.name}" for alias in node.names)
            elif node.module:
                names.add(node.module)
    return names


def _modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def _violations(layer: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in _modules(layer):
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    return found


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("api", ("textual", "starlette", "uvicorn", "rkvst_tui.tui", "rkvst_tui.sandbox", "rkvst_tui.cli")),
        ("sandbox", ("textual", "rkvst_tui.tui", "rkvst_tui.cli")),
        ("tui", ("rkvst_tui.sandbox", "starlette", "uvicorn", "rkvst_tui.cli")),
    ],
)
def test_layer_imports_only_what_architecture_allows(layer: str, forbidden: tuple[str, ...]) -> None:
    assert _modules(layer), f"rkvst_tui/{layer} has no modules"
    assert _violations(layer, forbidden) == []


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    """Guard against a checker that can never fail."""
    fake = PACKAGE / "api" / "_import_rule_probe.py"
    fake.write_text("from textual.app import App\nfrom ..sandbox import server\n")
    try:
        found = _violations("api", ("textual", "rkvst_tui.sandbox"))
    finally:
        fake.unlink()
    assert "rkvst_tui/api/_import_rule_probe.py imports textual.app" in found
    assert any("rkvst_tui.sandbox" in line for line in found)
