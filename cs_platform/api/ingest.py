"""The base of the ingestion endpoints every app may offer (usage events `POST /api/v1/events/`
in healthscore, Segment's calls `POST /segment/v1/<call>` in tracking): an API key of scope
`ingest` only, its own rate limit per key, and a body the view reads itself under a cap (no
size limit of Django's `request.body`, no DRF parser)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from ..models import ApiKey
from .authentication import ApiKeyAuthentication
from .permissions import TenantRolePermission
from .throttles import IngestRateThrottle


class IsIngestKey(BasePermission):
    """API keys only: a signed-in session never reaches an ingestion endpoint (the key's scope
    is checked by `TenantRolePermission`, as the view declares `ingest_endpoint`)."""

    message = _("Only an API key of scope 'ingest' may send events.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, ApiKey)


class IngestView(APIView):
    """An ingestion endpoint. Subclasses may replace `authentication_classes` (Segment's write
    key) and read their body with `body_read`."""

    ingest_endpoint = True
    # Ingest keys only: a session would run the CSRF check, which reads the body the view
    # reads itself (a 415 instead of the 401 a session client should get).
    authentication_classes: list = [ApiKeyAuthentication]
    permission_classes: list = [TenantRolePermission, IsIngestKey]
    throttle_classes: list = [IngestRateThrottle]
    parser_classes: list = []

    @staticmethod
    def body_read(request: Request, *, limit: int) -> bytes | None:
        """The request's body, or None when it is larger than `limit` bytes (refused on its
        declared length before anything is read, else after reading one byte more)."""
        django_request = request._request
        try:
            declared = int(django_request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return None
        body = django_request.read(limit + 1)
        return None if len(body) > limit else body
