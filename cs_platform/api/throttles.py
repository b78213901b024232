"""Rate limits of the API: one per API key and one per signed-in user, counted in the shared
Redis cache so every web process sees the same count.

`API_KEY_THROTTLE_RATE` and `API_USER_THROTTLE_RATE` (e.g. "600/min"; unset or empty disables)
are read at each request, not when DRF is imported. A request over the limit answers 429 with
`Retry-After` and a JSON message (cs_platform.api.exceptions). Ingestion (`IngestRateThrottle`,
set by `cs_platform.api.ingest.IngestView`) keeps its own limit, which replaces these.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from cs_platform.models import ApiKey, User

DEFAULT_INGEST_RATE = "600/min"


class _SettingRateThrottle(SimpleRateThrottle):
    setting_name = ""

    def get_rate(self) -> str | None:
        return getattr(settings, self.setting_name, None) or None


class ApiKeyRateThrottle(_SettingRateThrottle):
    """Per API key: `API_KEY_THROTTLE_RATE`."""

    scope = "api_key"
    setting_name = "API_KEY_THROTTLE_RATE"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if isinstance(request.auth, ApiKey):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        return None


class UserRateThrottle(_SettingRateThrottle):
    """Per signed-in person (all their tenants together): `API_USER_THROTTLE_RATE`."""

    scope = "api_user"
    setting_name = "API_USER_THROTTLE_RATE"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if isinstance(request.user, User):
            return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
        return None


class IngestRateThrottle(SimpleRateThrottle):
    """Per API key on the ingestion endpoints: `HEALTH_INGEST_THROTTLE_RATE` (e.g. "600/min";
    None disables), else `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["ingest"]`, else 600
    requests a minute."""

    scope = "ingest"

    def get_rate(self) -> str | None:
        if hasattr(settings, "HEALTH_INGEST_THROTTLE_RATE"):
            return settings.HEALTH_INGEST_THROTTLE_RATE
        rates = getattr(settings, "REST_FRAMEWORK", {}).get("DEFAULT_THROTTLE_RATES", {})
        return rates.get("ingest", DEFAULT_INGEST_RATE)

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if isinstance(request.auth, ApiKey):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        return None
