"""The two-factor gate: a signed-in session that has not passed its second factor reaches only
the pages that let it do so (cs_platform.signin.two_factor)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from cs_platform.decorators import SIGNED_IN_USER_UNUSED

from .two_factor import session_two_factor_enabled, two_factor_required

# Pages an unverified session may still use: the gate's own, signing out, the language.
OPEN_URL_NAMES = {
    "two_factor_verify",
    "two_factor_setup",
    "logout",
    "set_language",
    "login",
}


class TwoFactorMiddleware:
    """After django_otp's OTPMiddleware and the TenantMiddleware (it reads the membership)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if getattr(view_func, SIGNED_IN_USER_UNUSED, False):
            return None  # an anonymous visitor gets the same page: nothing to guard
        user = request.user
        if not user.is_authenticated or getattr(user, "is_verified", lambda: True)():
            return None
        match = request.resolver_match
        if match is not None and match.url_name in OPEN_URL_NAMES:
            return None
        if session_two_factor_enabled(request):
            return self._refuse(request, "two_factor_verify")
        if two_factor_required(membership=getattr(request, "membership", None)):
            return self._refuse(request, "two_factor_setup")
        return None

    @staticmethod
    def _refuse(request: HttpRequest, url_name: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "detail": "Enter the code of your authenticator app at "
                    f"{reverse(url_name)} first.",
                    "code": "two_factor_required",
                },
                status=403,
            )
        return redirect(f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}")
