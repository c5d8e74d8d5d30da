"""The portal's modules import one way: no cycle between them (at module level or hidden in a
function), and no layer reaches up to one above it (route → form → service → model)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PORTAL = ROOT / "portal"

# A module of a layer on the left may not import anything of the layers on the right.
FORBIDDEN = {
    "portal.models": (
        "portal.services",
        "portal.web",
        "portal.routes",
        "portal.forms",
        "portal.api",
    ),
    "portal.services": (
        "portal.web",
        "portal.routes",
        "portal.forms",
        "portal.jobs",
        "portal.cli",
        "portal.api",
    ),
    "portal.web": ("portal.routes", "portal.api"),
    "portal.forms": ("portal.routes", "portal.api"),
    # The API's schemas and document sit beside the routes, below none of them.
    "portal.api": ("portal.routes",),
    "portal.clock": ("portal.services", "portal.models", "portal.web"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in PORTAL.rglob("*.py")}


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every portal module `path` imports, wherever the import statement stands."""
    tree = ast.parse(path.read_text(), filename=str(path))
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name.startswith("portal") and name != this and name != "portal":
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: imports_of(path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_graph_reader_sees_a_cycle_when_there_is_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_reader_sees_imports_inside_functions():
    graph = import_graph()
    assert "portal.cli" in graph["portal"]  # create_app imports the commands in a function


def test_no_module_imports_itself_back_through_others():
    assert find_cycle(import_graph()) is None


def test_no_layer_imports_a_layer_above_it():
    wrong = []
    for module, targets in import_graph().items():
        for layer, above in FORBIDDEN.items():
            if module == layer or module.startswith(layer + "."):
                wrong += [(module, t) for t in targets if t.startswith(above)]
    assert wrong == []
