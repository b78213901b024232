"""An app reads and writes another app's tables only through that app's selectors and services.

Static analysis of the source with `ast` (no database, well under a second). For every module of
an app (migrations excepted) it finds the queries on a model that belongs to *another* app:

- `Model.objects…`, `Model._base_manager`, `Model._default_manager`, where `Model` is a name
  imported from another app's models (`from accounts.models import Contact [as C]`) or an
  attribute of an imported models module (`from accounts import models as am; am.Contact.objects`);
- related managers: `x.<accessor>.<queryset method>(…)` (`account.contacts.filter(…)`,
  `user.memberships.all()`), where `<accessor>` is the name of a reverse relation or a
  many-to-many field whose rows live in another app, and no model of the querying app has a
  relation of that name (so the accessor is unambiguous).

What it does not see (say so rather than pretend): lookups that span a relation into another
app inside the querying app's own query (`Score.objects.filter(account__owner=…)`,
`select_related("account")`), a forward foreign key read (`contact.account` loads one row),
models reached through `apps.get_model()` or a variable holding a class, and raw SQL naming
another app's tables. Those stay the reviewers' job.

Not scanned: migrations, and demo seeding (the `demo` app), which fills every app's tables on
purpose and which production code never imports.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.apps import apps
from django.db import models

ROOT = Path(__file__).resolve().parents[2]

# The project's apps (installed apps whose code lives in this repository), by top-level package:
# cs_platform.audit, cs_platform.trash … are cs_platform.
PROJECT_APPS = tuple(
    sorted(
        {
            config.name.split(".", 1)[0]
            for config in apps.get_app_configs()
            if Path(config.path).resolve().is_relative_to(ROOT)
            # A virtualenv inside the checkout (a fresh clone's .venv) holds third-party apps.
            and "site-packages" not in Path(config.path).parts
        }
    )
)

# Demo seeding (the `demo` app) fills every app's tables on purpose and production code never
# imports it: not scanned. Nor are migrations.
SKIPPED_APPS = {"demo"}
SKIPPED_PARTS = {"migrations", "__pycache__"}

MANAGERS = {"objects", "_base_manager", "_default_manager"}
QUERYSET_METHODS = {
    "all",
    "filter",
    "exclude",
    "get",
    "first",
    "last",
    "count",
    "exists",
    "values",
    "values_list",
    "order_by",
    "create",
    "get_or_create",
    "update_or_create",
    "update",
    "delete",
    "add",
    "remove",
    "set",
    "clear",
    "bulk_create",
    "bulk_update",
    "aggregate",
    "annotate",
    "select_related",
    "prefetch_related",
    "only",
    "defer",
    "in_bulk",
    "iterator",
    "none",
}

# Places that still query another app directly, each named with why. Empty is the goal; a new
# entry needs a reason a reviewer accepts.
KNOWN: dict[tuple[str, str], str] = {}


def _app_of_module(module: str) -> str | None:
    top = module.split(".", 1)[0]
    return top if top in PROJECT_APPS else None


def _project_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if _app_of_module(m.__module__) is not None]


@cache
def _models_by_module() -> dict[str, dict[str, type[models.Model]]]:
    """{"accounts.models": {"Contact": Contact, …}, …}: what `from <module> import X` can name."""
    found: dict[str, dict[str, type[models.Model]]] = {}
    for model in _project_models():
        found.setdefault(model.__module__, {})[model.__name__] = model
        # A models package (`x/models/__init__.py` importing from `x/models/y.py`).
        if ".models." in model.__module__:
            base = model.__module__.split(".models.", 1)[0] + ".models"
            found.setdefault(base, {})[model.__name__] = model
    return found


@cache
def _accessors() -> dict[str, set[str]]:
    """Related-manager names → the apps whose rows they return."""
    names: dict[str, set[str]] = {}
    for model in _project_models():
        for field in model._meta.get_fields():
            if field.auto_created and (field.one_to_many or field.many_to_many):
                accessor = field.get_accessor_name()  # type: ignore[union-attr]
                target = field.related_model
            elif field.many_to_many and not field.auto_created:
                accessor = field.name
                target = field.related_model
            else:
                continue
            if accessor and target is not None and not accessor.endswith("+"):
                app = _app_of_module(target.__module__)
                if app is not None:
                    names.setdefault(accessor, set()).add(app)
    return names


@dataclass(frozen=True)
class Query:
    path: str
    line: int
    model_app: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what} ({self.model_app})"


def _imported_models(
    tree: ast.AST, by_module: dict[str, dict[str, type[models.Model]]]
) -> tuple[dict[str, type[models.Model]], dict[str, dict[str, type[models.Model]]]]:
    """Names bound to model classes, and names bound to models modules, by this file's imports."""
    classes: dict[str, type[models.Model]] = {}
    modules: dict[str, dict[str, type[models.Model]]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                bound = alias.asname or alias.name
                module_models = by_module.get(node.module, {})
                if alias.name in module_models:
                    classes[bound] = module_models[alias.name]
                submodule = f"{node.module}.{alias.name}"
                if by_module.get(submodule):
                    modules[bound] = by_module[submodule]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and by_module.get(alias.name):
                    modules[alias.asname] = by_module[alias.name]
    return classes, modules


def _model_of(
    node: ast.expr,
    classes: dict[str, type[models.Model]],
    modules: dict[str, dict[str, type[models.Model]]],
) -> type[models.Model] | None:
    if isinstance(node, ast.Name):
        return classes.get(node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return modules.get(node.value.id, {}).get(node.attr)
    return None


@cache
def _worth_parsing(app: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """What a file of `app` must contain to hold a cross-app query: an import of another
    app's models and a manager, or `.<accessor>.<method>(` of a related manager whose rows
    live elsewhere. Parsing only those keeps the test fast (parsing is most of its time)."""
    others = "|".join(a for a in PROJECT_APPS if a != app)
    accessors = "|".join(sorted(_foreign_accessors(app))) or "(?!)"
    methods = "|".join(sorted(QUERYSET_METHODS))
    imports = re.compile(
        rf"(?:from|import)\s+(?:{others})(?:\.\w+)*\.models\b"
        rf"|from\s+(?:{others})(?:\.\w+)*\s+import\s+[^\n]*\bmodels\b"
    )
    managers = re.compile(r"\.(?:objects|_base_manager|_default_manager)\b")
    related = re.compile(rf"\.(?:{accessors})\s*\.\s*(?:{methods})\s*\(")
    return imports, managers, related


def _may_query_another_app(text: str, app: str) -> bool:
    imports, managers, related = _worth_parsing(app)
    return bool((imports.search(text) and managers.search(text)) or related.search(text))


@cache
def _foreign_accessors(app: str) -> frozenset[str]:
    # An accessor that one of the querying app's own models also has is ambiguous: skip it.
    return frozenset(name for name, owners in _accessors().items() if app not in owners)


def _queries_in(path: Path, app: str) -> Iterator[Query]:
    by_module = _models_by_module()
    accessors = _accessors()
    foreign_accessors = _foreign_accessors(app)
    text = path.read_text()
    if not _may_query_another_app(text, app):
        return
    tree = ast.parse(text, filename=str(path))
    classes, modules = _imported_models(tree, by_module)
    rel = str(path.relative_to(ROOT))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        if node.attr in MANAGERS:
            model = _model_of(node.value, classes, modules)
            if model is not None:
                model_app = _app_of_module(model.__module__)
                if model_app is not None and model_app != app:
                    yield Query(rel, node.lineno, model_app, f"{model.__name__}.{node.attr}")
        elif node.attr in QUERYSET_METHODS and isinstance(node.value, ast.Attribute):
            accessor = node.value.attr
            receiver = node.value.value
            # `self.contacts` in a higher app is its own attribute (a dict …), not a manager.
            is_self = isinstance(receiver, ast.Name) and receiver.id == "self"
            if accessor in foreign_accessors and accessor not in MANAGERS and not is_self:
                owners = accessors[accessor]
                yield Query(
                    rel, node.lineno, ",".join(sorted(owners)), f"….{accessor}.{node.attr}()"
                )


def _app_files() -> Iterator[tuple[Path, str]]:
    for app in PROJECT_APPS:
        if app in SKIPPED_APPS:
            continue
        for path in sorted((ROOT / app).rglob("*.py")):
            if set(path.relative_to(ROOT).parts) & SKIPPED_PARTS:
                continue
            yield path, app


@cache
def cross_app_queries() -> tuple[Query, ...]:
    found = [query for path, app in _app_files() for query in _queries_in(path, app)]
    return tuple(sorted(found, key=lambda q: (q.path, q.line, q.what)))


def test_no_app_queries_another_apps_models_outside_its_selectors_and_services():
    found = [q for q in cross_app_queries() if (q.path, q.what) not in KNOWN]
    assert not found, (
        "Query another app's models through its selectors (reads) and services (writes):\n"
        + "\n".join(str(q) for q in found)
    )


def test_every_known_exception_still_exists():
    found = {(q.path, q.what) for q in cross_app_queries()}
    assert not set(KNOWN) - found, "remove the exceptions that are gone from KNOWN"


def test_the_detector_sees_managers_aliases_modules_and_related_managers(tmp_path):
    source = (
        "from accounts.models import Contact as C\n"
        "from accounts import models as am\n"
        "from cs_platform.models import User\n"
        "C.objects.filter(pk=1)\n"
        "am.Account._base_manager.all()\n"
        "User._default_manager.first()\n"
        "account.contacts.filter(is_champion=True)\n"
        "account.contacts\n"  # an attribute, not a query: not counted
        "from healthscore.models import Scorecard\n"
        "Scorecard.objects.all()\n"  # the querying app's own model
    )
    app_dir = tmp_path / "healthscore"
    app_dir.mkdir()
    module = app_dir / "probe.py"
    module.write_text(source)
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        found = sorted((q.line, q.what, q.model_app) for q in _queries_in(module, "healthscore"))
    finally:
        ROOT = saved
    assert found == [
        (4, "Contact.objects", "accounts"),
        (5, "Account._base_manager", "accounts"),
        (6, "User._default_manager", "cs_platform"),
        (7, "….contacts.filter()", "accounts"),
    ]
