"""Every API error is JSON with a message, never an HTML page."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from cs_platform.degraded import is_outage, retry_after_seconds

logger = logging.getLogger(__name__)


def json_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    if is_outage(exc):
        logger.warning("API request met a service outage: %s", exc)
        seconds = retry_after_seconds()
        return Response(
            {
                "detail": f"The service is briefly unavailable; retry after {seconds} seconds. "
                "Nothing of this request was stored.",
                "code": "service_unavailable",
            },
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(seconds)},
        )
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, IntegrityError):
        exc = exceptions.ValidationError(
            {"detail": "This change conflicts with existing data (duplicate or missing reference)."}
        )
    response = exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled API error", exc_info=exc)
        return Response(
            {"detail": "Internal server error.", "code": "server_error"},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, Http404 | exceptions.NotFound):
        response.data = {"detail": "Not found.", "code": "not_found"}
    elif isinstance(exc, PermissionDenied | exceptions.PermissionDenied):
        response.data = {
            "detail": str(exc.detail if hasattr(exc, "detail") else exc),
            "code": "permission_denied",
        }
    return response
