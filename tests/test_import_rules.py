"""The layering rules of architecture.md, read from each module's imports."""

from __future__ import annotations

import ast
import re
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
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
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


# Inside the console: app -> views -> screens -> widgets -> helpers (architecture.md, "The console
# inside"). A module imports its own layer or the ones after it, and the imports form no circle.
TUI_LAYERS = ("app", "views", "screens", "widgets", "helpers")
TUI_APP_MODULES = {"rkvst_tui.tui.app", "rkvst_tui.tui.commands"}  # the App and its palette


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def tui_layer(module: str) -> str:
    if module in TUI_APP_MODULES:
        return "app"
    for layer in ("views", "screens", "widgets"):
        if module == f"rkvst_tui.tui.{layer}" or module.startswith(f"rkvst_tui.tui.{layer}."):
            return layer
    return "helpers"  # formatting, problems, snippets, session, actions, ...


def tui_import_graph(root: Path = PACKAGE / "tui") -> dict[str, set[str]]:
    """module -> the tui modules it imports (at the top or inside a function: a lazy import
    is an arrow too). `from x import name` counts as importing x.name when that is a module."""
    paths = sorted(root.rglob("*.py"))
    modules = {_module_name(path) for path in paths}
    graph: dict[str, set[str]] = {}
    for path in paths:
        this = _module_name(path)
        targets = set()
        for name in _imports(path):
            while name and name not in modules:
                name = name.rpartition(".")[0]
            # A package's __init__ is imported with any of its modules: not an arrow of its own.
            if name and name != this and not this.startswith(name + "."):
                targets.add(name)
        graph[this] = targets
    return graph


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{module} ({tui_layer(module)}) imports {target} ({tui_layer(target)})"
        for module, targets in graph.items()
        for target in targets
        if TUI_LAYERS.index(tui_layer(target)) < TUI_LAYERS.index(tui_layer(module))
    )


def find_circle(graph: dict[str, set[str]]) -> list[str]:
    """One circle of imports (its modules in order, the first repeated at the end), or []."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(module: str) -> list[str]:
        state[module] = "open"
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                return stack[stack.index(target) :] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[module] = "done"
        return []

    for module in sorted(graph):
        if module not in state:
            found = visit(module)
            if found:
                return found
    return []


def test_the_console_imports_run_app_views_screens_widgets_helpers() -> None:
    graph = tui_import_graph()
    assert {tui_layer(module) for module in graph} == set(TUI_LAYERS)
    assert layer_violations(graph) == []


def test_the_console_has_no_import_circle() -> None:
    assert find_circle(tui_import_graph()) == []


def test_the_checker_sees_a_planted_circle_and_an_arrow_back_up() -> None:
    """Guard against a checker that can never fail: two widgets that import each other (one
    lazily, inside a function), and a widget that imports a screen."""
    first, second = PACKAGE / "tui" / "widgets" / "_probe_a.py", PACKAGE / "tui" / "widgets" / "_probe_b.py"
    first.write_text("from rkvst_tui.tui.widgets import _probe_b\n")
    second.write_text(
        "def later():\n    from rkvst_tui.tui.widgets._probe_a import thing\n"
        "    from rkvst_tui.tui.screens.confirm import ConfirmScreen\n"
    )
    try:
        graph = tui_import_graph()
    finally:
        first.unlink()
        second.unlink()
    assert find_circle(graph) == [
        "rkvst_tui.tui.widgets._probe_a",
        "rkvst_tui.tui.widgets._probe_b",
        "rkvst_tui.tui.widgets._probe_a",
    ]
    assert (
        "rkvst_tui.tui.widgets._probe_b (widgets) imports rkvst_tui.tui.screens.confirm (screens)"
        in layer_violations(graph)
    )


# Textual's public API only (issue 15): the one module allowed to reach into Textual's private
# modules is the fixed-columns table, whose internals are kept together and guarded by its tests.
PRIVATE_TEXTUAL_ALLOWED = {"rkvst_tui/tui/widgets/fixed_table.py"}
PRIVATE_TEXTUAL = re.compile(r"\btextual(?:\.[A-Za-z]\w*)*\._\w+")


def _private_textual_names(path: Path) -> set[str]:
    """Private Textual modules a file imports, or names in a string (sys.modules lookups)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value]
        found.update(match.group(0) for name in names for match in PRIVATE_TEXTUAL.finditer(name))
    return found


def private_textual_uses(root: Path = PACKAGE) -> list[str]:
    return sorted(
        f"{path.relative_to(root.parent)} names {name}"
        for path in sorted(root.rglob("*.py"))
        if str(path.relative_to(root.parent)) not in PRIVATE_TEXTUAL_ALLOWED
        for name in _private_textual_names(path)
    )


def test_only_the_table_module_uses_textuals_private_modules() -> None:
    assert private_textual_uses() == []


def test_the_checker_sees_private_textual_modules(tmp_path: Path) -> None:
    """Guard against a checker that can never fail: each way of reaching a private module."""
    package = tmp_path / "rkvst_tui"
    package.mkdir()
    (package / "probe.py").write_text(
        "import sys\n"
        "import textual._border\n"
        "from textual import _segment_tools\n"
        "from textual.widgets._data_table import DataTable\n"
        "from textual.widgets import Input, TextArea\n"  # public: not reported
        "AREA = sys.modules.get('textual.widgets._text_area')\n"
    )
    assert private_textual_uses(package) == [
        "rkvst_tui/probe.py names textual._border",
        "rkvst_tui/probe.py names textual._segment_tools",
        "rkvst_tui/probe.py names textual.widgets._data_table",
        "rkvst_tui/probe.py names textual.widgets._text_area",
    ]
