"""Site-wide error handlers: JSON under /api/, the normal templates everywhere else.

DRF's exception handler covers errors raised inside API views; these cover what happens before
a view runs (an unknown /api/ path, a crash in middleware), so an API client never gets HTML.
"""

from __future__ import annotations

import sys
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults

from .degraded import is_outage, unavailable_response
from .models import Role


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(("/api/", "/segment/"))


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("Bad request."), "code": "bad_request"}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"detail": _("You do not have permission to do this."), "code": "permission_denied"},
            status=403,
        )
    return render(request, "403.html", _denied_context(request), status=403)


def _denied_context(request: HttpRequest) -> dict[str, Any]:
    """The role the refused action needs (cs_platform.permissions) and the reader's own."""

    needed = getattr(request, "permission_needed", None)
    membership = getattr(request, "membership", None)
    return {
        "needed_role": Role(needed[1]).label if needed else None,
        "your_role": membership.get_role_display() if membership is not None else None,
    }


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_outage(sys.exc_info()[1]):
        return unavailable_response(request)
    if _is_api(request):
        return JsonResponse(
            {"detail": _("Internal server error."), "code": "server_error"}, status=500
        )
    return defaults.server_error(request)
