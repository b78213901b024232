"""`POST /api/v1/events/`: the product's usage events (API key of scope `ingest`)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cs_platform.api.authentication import ApiKeyAuthentication
from cs_platform.api.permissions import TenantRolePermission
from cs_platform.models import ApiKey

from .services.ingest import (
    BatchTooLarge,
    MalformedBatch,
    events_ingest,
    events_parse,
    max_body_bytes,
)
from .throttles import IngestRateThrottle


class IsIngestKey(BasePermission):
    message = "Only an API key of scope 'ingest' may send events."

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, ApiKey)


def _too_large() -> Response:
    return Response(
        {
            "detail": f"The batch is too large (at most 10,000 events and {max_body_bytes()} "
            "bytes).",
            "code": "batch_too_large",
        },
        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )


class EventIngestView(APIView):
    """Accepts a JSON array (≤ 10,000 events) or NDJSON (`application/x-ndjson`)."""

    ingest_endpoint = True
    # Ingest keys only: a session would run the CSRF check, which reads the body this view
    # reads itself (a 415 instead of the 401 a session client should get).
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [TenantRolePermission, IsIngestKey]
    throttle_classes = [IngestRateThrottle]
    # The body is read here, not by DRF's parsers (no size cap of Django's `request.body`).
    parser_classes: list = []

    @extend_schema(
        request={"application/json": {"type": "array", "items": {"type": "object"}}},
        responses={
            200: OpenApiResponse(description='{"accepted": N, "duplicates": N, "rejected": []}'),
            400: OpenApiResponse(description="The body is not JSON."),
            413: OpenApiResponse(description="Too many events or too many bytes."),
        },
        summary="Send usage events",
    )
    def post(self, request: Request) -> Response:
        limit = max_body_bytes()
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return _too_large()
        body = request._request.read(limit + 1)
        if len(body) > limit:
            return _too_large()
        try:
            events = events_parse(body=body, content_type=request.content_type or "")
            result = events_ingest(tenant=request._request.tenant, events=events)
        except BatchTooLarge:
            return _too_large()
        except MalformedBatch as exc:
            return Response(
                {"detail": str(exc), "code": "malformed"}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(result.as_dict(), status=status.HTTP_200_OK)
