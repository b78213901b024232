"""Imports are at the top of a module, where readers and tools (import-linter) see them.

A function-level import is allowed in two places only:
- an `AppConfig` method in an `apps.py`: Django imports apps.py before any model is loaded, so
  `ready()` is where an app imports its models and plugs into the apps below it;
- a line that says why: `# deferred: <reason>` (a cycle with Django's or DRF's loading, or a
  library that takes seconds to import and is used by one rare path).
Static (ast), no database: well under a second.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [
    "cs_platform",
    "accounts",
    "journeys",
    "healthscore",
    "touchmodel",
    "content",
    "tracking",
    "webhooks",
    "calendars",
    "demo",
]
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
