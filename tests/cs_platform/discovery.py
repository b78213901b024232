"""Find the factory of every model, so the isolation matrix covers new models by itself.

Factories live in `tests/factories.py` (core and accounts) and `tests/<app>/factories.py`.
"""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path

import factory
from django.db import models

TESTS_DIR = Path(__file__).resolve().parent.parent


def _factory_modules() -> list[str]:
    names = ["tests.factories"]
    for path in sorted(TESTS_DIR.glob("*/factories.py")):
        names.append(f"tests.{path.parent.name}.factories")
    return names


# Factory modules that failed to import (module name → error); a test reports them, so one
# broken file does not stop the whole matrix from being collected.
import_errors: dict[str, str] = {}


@cache
def factories_by_model() -> dict[type[models.Model], type[factory.django.DjangoModelFactory]]:
    """Model → factory. When a model has several, the one named `<Model>Factory` wins."""
    found: dict[type[models.Model], list[type[factory.django.DjangoModelFactory]]] = {}
    for module_name in _factory_modules():
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            import_errors[module_name] = f"{type(exc).__name__}: {exc}"
            continue
        for value in vars(module).values():
            if not (
                isinstance(value, type)
                and issubclass(value, factory.django.DjangoModelFactory)
                and not value._meta.abstract
                and value._meta.model is not None
            ):
                continue
            model = value._meta.get_model_class()
            candidates = found.setdefault(model, [])
            if value not in candidates:
                candidates.append(value)
    return {
        model: next((f for f in fs if f.__name__ == f"{model.__name__}Factory"), fs[0])
        for model, fs in found.items()
    }


def factory_for(model: type[models.Model]) -> type[factory.django.DjangoModelFactory] | None:
    return factories_by_model().get(model)
