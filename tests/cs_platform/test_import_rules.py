"""Imports are at the top of a module, where readers and tools (import-linter) see them, and no
app's modules import each other in a circle.

A function-level import is allowed in two places only:
- an `AppConfig` method in an `apps.py`: Django imports apps.py before any model is loaded, so
  `ready()` is where an app imports its models and plugs into the apps below it;
- a line that says why: `# deferred: <reason>` (a cycle with Django's or DRF's loading, or a
  library that takes seconds to import and is used by one rare path).
Static (ast and import-linter's graph), no database: about two seconds.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["cs_platform", *settings.DOMAIN_APPS, "demo"]
MARK = "# deferred:"


def _app_config_classes(tree: ast.Module) -> set[ast.ClassDef]:
    return {
        node
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        and any(
            getattr(base, "id", getattr(base, "attr", "")) == "AppConfig" for base in node.bases
        )
    }


def unexplained_function_imports(source: str, *, is_apps_module: bool) -> list[int]:
    """Line numbers of imports inside functions that carry no `# deferred:` reason."""
    tree = ast.parse(source)
    lines = source.splitlines()
    exempt = _app_config_classes(tree) if is_apps_module else set()
    found: list[int] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if child in exempt:
                continue
            if isinstance(child, ast.Import | ast.ImportFrom) and in_function:
                reason = lines[child.lineno - 1].partition(MARK)[2].strip()
                if not reason:
                    found.append(child.lineno)
            visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    visit(tree, False)
    return found


def _modules() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def test_no_function_level_import_without_a_reason_on_its_line():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _modules()
        for line in unexplained_function_imports(
            path.read_text(), is_apps_module=path.name == "apps.py"
        )
    ]
    assert not offenders, (
        "Import at the top of the module, or say why on the line (`# deferred: <reason>`): "
        + ", ".join(offenders)
    )


def test_the_check_finds_an_unexplained_import_and_accepts_a_reason():
    source = (
        "def f():\n"
        "    from a import b\n"
        "    from c import d  # deferred: cycle with e\n"
        "    from g import h  # deferred:\n"
        "class C:\n"
        "    def m(self):\n"
        "        import os\n"
    )
    assert unexplained_function_imports(source, is_apps_module=False) == [2, 4, 7]


def test_only_the_app_config_of_an_apps_module_may_import_inside_its_methods():
    source = (
        "from django.apps import AppConfig\n"
        "class MyConfig(AppConfig):\n"
        "    def ready(self):\n"
        "        from .plugins import register\n"
        "def helper():\n"
        "    from .models import Thing\n"
    )
    assert unexplained_function_imports(source, is_apps_module=True) == [6]
    assert unexplained_function_imports(source, is_apps_module=False) == [4, 6]


def _on_a_cycle(edges: dict[str, list[str]]) -> list[str]:
    """The modules from which an import chain leads back to themselves."""

    def reaches(start: str, goal: str) -> bool:
        seen, todo = {start}, [start]
        while todo:
            for nxt in edges[todo.pop()]:
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return start == goal

    return sorted(m for m in edges if any(reaches(child, m) for child in edges[m]))


def test_no_import_cycle_inside_an_app():
    """Function-level imports count (grimp sees them); `if TYPE_CHECKING:` imports do not."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    cycles: list[str] = []
    for package in PACKAGES:
        modules = {m for m in graph.modules if m.split(".")[0] == package}
        edges = {
            m: sorted(i for i in graph.find_modules_directly_imported_by(m) if i in modules)
            for m in modules
        }
        cycles += _on_a_cycle(edges)
    assert not cycles, f"Modules on an import cycle: {cycles}"


def test_the_cycle_finder_finds_a_circle_and_ignores_a_chain():
    assert _on_a_cycle({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == ["a", "b", "c"]
    assert _on_a_cycle({"a": ["b"], "b": ["c"], "c": []}) == []
