"""Sign-in lockout pages: the lockout answer and a tenant admin's unlock page."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token

from cs_platform.decorators import role_required
from cs_platform.models import Membership, Role
from cs_platform.urlutils import tenant_reverse

from . import two_factor
from .forms import TwoFactorCodeForm
from .selectors import signin_locks_for_tenant
from .services import signin_unlock, tenant_two_factor_require


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
        {
            "locks": signin_locks_for_tenant(tenant=tenant),
            "limit": settings.AXES_FAILURE_LIMIT,
            "require_two_factor": tenant.require_admin_two_factor,
        },
    )


# --- two-factor sign-in ------------------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app, or one recovery code."""
    user = request.user
    if user.is_verified() or not two_factor.two_factor_enabled(user=user):  # type: ignore[attr-defined,arg-type]
        return redirect(_next_url(request))
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error(
            "code",
            _("That code is not valid. Check the time on your phone, or use a recovery code."),
        )
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": _next_url(request)},
    )


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in on (scan, confirm with a code), see the recovery codes once,
    make new ones, or turn it off."""
    user: Any = request.user
    enabled = two_factor.two_factor_enabled(user=user)
    required = two_factor.two_factor_required(membership=_admin_membership(user))
    codes: list[str] | None = None
    form = TwoFactorCodeForm(request.POST or None)
    action = request.POST.get("action")
    if request.method == "POST" and action == "confirm" and form.is_valid():
        confirmed = two_factor.two_factor_confirm(user=user, token=form.cleaned_data["code"])
        if confirmed is None:
            form.add_error(
                "code",
                _(
                    "That code is not valid. Scan the QR code again and enter the code it "
                    "shows now."
                ),
            )
        else:
            device, codes = confirmed
            otp_login(request, device)
            request.session[two_factor.SESSION_ENROLLED_KEY] = enabled = True
    elif request.method == "POST" and enabled and user.is_verified() and action == "codes":
        codes = two_factor.recovery_codes_regenerate(user=user)
    elif request.method == "POST" and enabled and user.is_verified() and action == "disable":
        if required:
            messages.error(request, _("A workspace you administer requires two-factor sign-in."))
        else:
            two_factor.two_factor_disable(user=user)
            request.session[two_factor.SESSION_ENROLLED_KEY] = False
            messages.success(request, _("Two-factor sign-in is off."))
        return redirect("two_factor_setup")
    device = (
        None
        if enabled
        else (
            two_factor.two_factor_pending_device(user=user)
            or two_factor.two_factor_begin(user=user)
        )
    )
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "enabled": enabled,
            "required": required,
            "codes": codes,
            "codes_left": two_factor.recovery_codes_left(user=user) if enabled else 0,
            "form": TwoFactorCodeForm() if codes else form,
            "qr_svg": two_factor.two_factor_qr_svg(device=device) if device else "",
            "secret": two_factor.two_factor_secret(device=device) if device else "",
            "next": _next_url(request),
        },
    )


def _admin_membership(user: Any) -> Membership | None:
    """One membership whose tenant requires two-factor of this admin, if any."""
    return (
        Membership.objects.select_related("tenant")
        .filter(user=user, role=Role.ADMIN, tenant__require_admin_two_factor=True)
        .first()
    )


@require_POST
@role_required("tenant_security.change")
def tenant_security(request: HttpRequest) -> HttpResponse:
    """A tenant admin turns "admins must use two-factor sign-in" on or off."""
    tenant = request.tenant  # type: ignore[attr-defined]
    tenant_two_factor_require(tenant=tenant, required=request.POST.get("require") == "on")
    messages.success(request, _("The security setting was saved."))
    return redirect(tenant_reverse(request, "signin_locks"))
