"""One router for /api/v1/. Each app registers its viewsets in `<app>/api/urls.py`
(a `register(router)` function, and optionally extra `urlpatterns`), so apps never edit
this file."""

from importlib import import_module
from importlib.util import find_spec

from rest_framework.routers import DefaultRouter

API_APPS = [
    "cs_platform",
    "webhooks",
    "accounts",
    "journeys",
    "healthscore",
    "touchmodel",
    "content",
]

router = DefaultRouter()
extra_urlpatterns: list = []
for app in API_APPS:
    if not find_spec(f"{app}.api") or not find_spec(f"{app}.api.urls"):
        continue
    module = import_module(f"{app}.api.urls")
    module.register(router)
    extra_urlpatterns += getattr(module, "urlpatterns", [])

api_urlpatterns = [*extra_urlpatterns, *router.urls]
