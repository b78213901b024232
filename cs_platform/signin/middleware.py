"""The two-factor gate: a signed-in session that has not passed its second factor reaches only
the pages that let it do so (cs_platform.signin.two_factor)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware as DjangoOTPMiddleware

from cs_platform.decorators import SIGNED_IN_USER_UNUSED
from cs_platform.selectors import DEVICE_MODELS

from .two_factor import session_two_factor_enabled, two_factor_required

# Pages an unverified session may still use: the gate's own, signing out, the language.
OPEN_URL_NAMES = {
    "two_factor_verify",
    "two_factor_setup",
    "logout",
    "set_language",
    "login",
}


# The persistent ids of the devices the signed-in user's read carries begin so.
_READ_KINDS = tuple(f"{model.model_label()}/" for model in DEVICE_MODELS)


class OTPMiddleware(DjangoOTPMiddleware):
    """django-otp's, with the session's device taken from the signed-in user's read
    (`user_get_signed_in`: `user.otp_devices_read`, the user's devices) instead of a query
    of its own on every request of a verified session (#16: ~0.7 ms of CPU and a round trip).
    Nothing is kept across requests: a removed device is not in the next request's read."""

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        # NOTE: django-otp's own but for where the device comes from: `_finalize_device`
        # still refuses another user's or an unconfirmed device and drops it from the session.
        self._init_user_fields(user)
        if user.is_authenticated:
            persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
            device = self._session_device(user, persistent_id) if persistent_id else None
            user.otp_device = self._finalize_device(request, user, device)
        return user

    def _session_device(self, user: Any, persistent_id: str) -> Any:
        devices = getattr(user, "otp_devices_read", None)
        normalized = self._normalize_persistent_id(persistent_id)
        if devices is None or not normalized.startswith(_READ_KINDS):
            return self._device_from_persistent_id(persistent_id)  # read as django-otp does
        return devices.get(normalized)  # None: no such device of this user


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
