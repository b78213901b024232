"""Sign-in lockout pages: the lockout answer and a tenant admin's unlock page."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cs_platform.decorators import role_required
from cs_platform.urlutils import tenant_reverse

from .selectors import signin_locks_for_tenant
from .services import signin_unlock


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: dict | None = None
) -> HttpResponse:
    """The answer to a sign-in while locked out (AXES_LOCKOUT_CALLABLE): 429, in the UI's language,
    saying how long to wait and that an admin can unlock."""
    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else None
    response = render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


@role_required("signin_lock.view", write="signin_lock.unlock")
def signin_locks(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    if request.method == "POST":
        try:
            signin_unlock(tenant=tenant, email=request.POST.get("email", ""))
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("The sign-in lock was lifted."))
        return redirect(tenant_reverse(request, "signin_locks"))
    return render(
        request,
        "cs_platform/signin_locks.html",
        {"locks": signin_locks_for_tenant(tenant=tenant), "limit": settings.AXES_FAILURE_LIMIT},
    )
