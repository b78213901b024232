"""Every API error is JSON with a message, never an HTML page.

Status codes follow one rule, documented on every operation of the schema
(`cs_platform.api.schema.JunkanAutoSchema`):
- 400: the request does not match the documented shape (a required field is missing, a value
  has the wrong type or format, is too long, out of the documented bounds, not a choice…);
- 409: the request has the documented shape but the data or a business rule refuses it
  (a reference to a row that does not exist, a duplicate, "only an active contract can be
  renewed", …). A client that follows the schema never gets a 400; it may get a 409.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.views import exception_handler

from cs_platform.degraded import is_outage, retry_after_seconds

logger = logging.getLogger(__name__)

# Error codes that mean "this value does not have the documented shape" (DRF's and Django's
# field-level codes). Any other code (does_not_exist, unique, a service's own rule, none at
# all) is a well-formed request refused by the data: 409.
SHAPE_ERROR_CODES = frozenset(
    {
        "required",
        "null",
        "blank",
        "invalid",
        "max_length",
        "min_length",
        "max_value",
        "min_value",
        "max_digits",
        "max_decimal_places",
        "max_whole_digits",
        "max_string_length",
        "invalid_choice",
        "invalid_list",
        "not_a_list",
        "not_a_dict",
        "empty",
        "incorrect_type",
        "incorrect_match",
        "no_match",
        "parse_error",
        "date",
        "datetime",
        "surrogate_characters_not_allowed",
        "null_characters_not_allowed",
        "control_characters",
        "not_a_string",
        "invalid_pk_value",
        "invalid_image",
        "no_name",
        "unique_list",
    }
)


def _codes(detail: Any) -> set[str]:
    if isinstance(detail, dict):
        return set().union(*(_codes(value) for value in detail.values())) if detail else set()
    if isinstance(detail, list):
        return set().union(*(_codes(value) for value in detail)) if detail else set()
    return {str(detail)}


def as_api_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A Django ValidationError (a model's or a service's) as DRF's, codes kept. A service's
    own rule usually has no code: it becomes `rule`, a refusal by the data (409)."""
    errors = (
        [error for errors in exc.error_dict.values() for error in errors]
        if hasattr(exc, "error_dict")
        else exc.error_list
    )
    for error in errors:
        error.code = error.code or "rule"
    detail = get_error_detail(exc)
    return exceptions.ValidationError(detail if isinstance(detail, dict) else {"detail": detail})


def as_rule_errors(detail: Any) -> Any:
    """The same errors, those with DRF's default code (`invalid`) recoded as `rule`: for
    errors a serializer's `validate()` raises once every field has the documented shape."""
    if isinstance(detail, dict):
        return {key: as_rule_errors(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [as_rule_errors(value) for value in detail]
    if isinstance(detail, ErrorDetail) and detail.code == "invalid":
        return ErrorDetail(str(detail), code="rule")
    return detail


def validation_status(exc: exceptions.ValidationError) -> int:
    """400 when every error is about the shape of a value, 409 when the data refuses it."""
    if _codes(exc.get_codes()) <= SHAPE_ERROR_CODES:
        return status.HTTP_400_BAD_REQUEST
    return status.HTTP_409_CONFLICT


def _refusal_before_the_view(exc: Exception) -> Response | None:
    """Errors that mean nothing of the request was looked at: an outage, a body too large."""
    if is_outage(exc):
        logger.warning("API request met a service outage: %s", exc)
        seconds = retry_after_seconds()
        return Response(
            {
                "detail": _(
                    "The service is briefly unavailable; retry after %(seconds)s seconds. "
                    "Nothing of this request was stored."
                )
                % {"seconds": seconds},
                "code": "service_unavailable",
            },
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(seconds)},
        )
    if isinstance(exc, RequestDataTooBig):
        # Django's cap on a body read into memory (DRF ≥ 3.17.2 parses JSON through it).
        return Response(
            {
                "detail": _(
                    "The request body is too large: at most %(bytes)s bytes. Nothing was stored."
                )
                % {"bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
                "code": "request_too_large",
            },
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    return None


def _not_found(exc: Exception) -> dict[str, str]:
    if isinstance(exc, exceptions.NotFound) and exc.get_codes() == "invalid_cursor":
        # A page cursor the list did not give: says so (it names no row of any tenant).
        return {"detail": str(exc.detail), "code": "invalid_cursor"}
    return {"detail": _("Not found."), "code": "not_found"}


def json_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    refusal = _refusal_before_the_view(exc)
    if refusal is not None:
        return refusal
    if isinstance(exc, DjangoValidationError):
        exc = as_api_error(exc)
    elif isinstance(exc, IntegrityError):
        exc = exceptions.ValidationError(
            {
                "detail": _(
                    "This change conflicts with existing data (a duplicate or a missing row)."
                )
            },
            code="conflict",
        )
    response = exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled API error", exc_info=exc)
        return Response(
            {"detail": _("Internal server error."), "code": "server_error"},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError):
        response.status_code = validation_status(exc)
        if not isinstance(response.data, dict):  # always an object of errors by field
            response.data = {"non_field_errors": response.data}
    elif isinstance(exc, Http404 | exceptions.NotFound):
        response.data = _not_found(exc)
    elif isinstance(exc, exceptions.Throttled):
        # DRF already set Retry-After; the body says the same in words.
        wait = response.get("Retry-After")
        response.data = {
            "detail": _("Too many requests; retry after %(seconds)s seconds.") % {"seconds": wait}
            if wait
            else _("Too many requests; retry later."),
            "code": "throttled",
        }
    elif isinstance(exc, PermissionDenied | exceptions.PermissionDenied):
        response.data = {
            "detail": str(exc.detail if hasattr(exc, "detail") else exc),
            "code": "permission_denied",
        }
    return _named(exc, response)


def _named(exc: Exception, response: Response) -> Response:
    """401, 405, 406, 415 …: `code` names the error, as on every other error body."""
    if (
        isinstance(exc, exceptions.APIException)
        and isinstance(response.data, dict)
        and set(response.data) == {"detail"}
    ):
        response.data["code"] = getattr(exc.detail, "code", None) or exc.default_code
    return response
