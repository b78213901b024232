from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Installed only for its `seed_demo` command; it has no models, URLs or hooks."""

    name = "demo"
    verbose_name = "Demo"
