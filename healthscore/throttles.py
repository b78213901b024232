"""Ingest throttle: per API key, counted in the shared (Redis) cache."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from cs_platform.models import ApiKey

DEFAULT_INGEST_RATE = "600/min"


class IngestRateThrottle(SimpleRateThrottle):
    """`HEALTH_INGEST_THROTTLE_RATE` (e.g. "600/min"; None disables), else
    `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["ingest"]`, else 600 requests a minute."""

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
