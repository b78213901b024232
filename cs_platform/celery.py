"""The Celery app: Redis broker, JSON, settings under the CELERY_ namespace."""

import os
from importlib import import_module
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cs_platform.settings.dev")

app = Celery("cs_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def task_named(name: str) -> Any:
    """The registered Celery task `name` ("<app>.<task>"), for a service that enqueues its own
    app's work. An app's tasks module imports its services (the tasks are thin), so the
    services never import it back: they look their task up by its registered name. The first
    lookup imports `<app>.tasks` (the registry is filled as task modules are imported)."""
    import_module(f"{name.split('.', 1)[0]}.tasks")
    return app.tasks[name]
