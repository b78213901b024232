"""One router for /api/v1/. Each app registers its viewsets in `<app>/api/urls.py`
(a `register(router)` function, and optionally extra `urlpatterns`), so apps never edit
this file."""

from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from rest_framework.routers import DefaultRouter

# The platform's API, then each domain app's that has one (<app>/api/urls.py).
API_APPS = ["cs_platform", *settings.DOMAIN_APPS]

router = DefaultRouter()
extra_urlpatterns: list = []
for app in API_APPS:
    if not find_spec(f"{app}.api") or not find_spec(f"{app}.api.urls"):
        continue
    module = import_module(f"{app}.api.urls")
    module.register(router)
    extra_urlpatterns += getattr(module, "urlpatterns", [])

api_urlpatterns = [*extra_urlpatterns, *router.urls]
