"""Templates live in the folder named after the blueprint that renders them (CONTRIBUTING.md):
portal/templates/<blueprint>/, beside the shared base.html, admin/base.html, macros/, errors/
(the error pages of every blueprint) and email/ (the mail the services send)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROUTES = ROOT / "portal" / "routes"
TEMPLATES = ROOT / "portal" / "templates"
SHARED_FOLDERS = {"macros", "errors", "email"}
RENDERERS = {"render", "render_template", "render_block", "render_template_string"}


def _blueprint_defined_in(tree: ast.Module) -> str | None:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "Blueprint"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            return node.args[0].value
    return None


def _module_path(dotted: str) -> Path:
    path = ROOT.joinpath(*dotted.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def blueprint_of(path: Path) -> str:
    """The blueprint a routes module adds its views to: the one it creates, or the `bp` it
    imports from the module that creates it."""
    tree = ast.parse(path.read_text())
    name = _blueprint_defined_in(tree)
    if name:
        return name
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and any(alias.name == "bp" for alias in node.names):
            name = _blueprint_defined_in(ast.parse(_module_path(node.module).read_text()))
            if name:
                return name
    raise AssertionError(f"{path.relative_to(ROOT)} adds views to no blueprint it can name")


def rendered_templates(path: Path) -> list[tuple[int, ast.expr]]:
    """(line, first argument) of every call that renders a template in the module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in RENDERERS:
                found.append((node.lineno, node.args[0]))
    return found


def routes_modules() -> list[Path]:
    return [p for p in sorted(ROUTES.rglob("*.py")) if p.name != "__init__.py"]


def test_each_route_renders_templates_of_its_own_blueprints_folder():
    misplaced = []
    checked = 0
    for path in routes_modules():
        calls = rendered_templates(path)
        if not calls:
            continue
        blueprint = blueprint_of(path)
        for line, template in calls:
            where = f"{path.relative_to(ROOT)}:{line}"
            if not (isinstance(template, ast.Constant) and isinstance(template.value, str)):
                misplaced.append(f"{where} renders a template whose name is not written out")
                continue
            checked += 1
            folder = template.value.split("/")[0]
            if folder != blueprint:
                misplaced.append(f"{where}: {template.value} is not in {blueprint}/")
    assert checked > 20  # the check sees the routes' render calls
    assert not misplaced, "\n".join(misplaced)


def test_every_template_folder_is_a_blueprints_or_a_shared_one():
    blueprints = {
        blueprint_of(p) for p in routes_modules() if _blueprint_defined_in(ast.parse(p.read_text()))
    }
    assert {
        "member",
        "auth",
        "account",
        "points",
        "rewards",
        "admin",
        "api",
        "health",
    } <= blueprints
    strays = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*")
        if path.is_file()
        and path.relative_to(TEMPLATES).parts[0] not in blueprints | SHARED_FOLDERS
        and path.name != "base.html"
    ]
    assert not strays, f"templates outside a blueprint's folder: {strays}"
