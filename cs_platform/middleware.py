"""Web entry point of tenant scoping: one request, one tenant, one place."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable

from csp import middleware as csp_middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import trans_real

from .models import Membership, Tenant
from .requestmemo import request_memo_scope
from .scoping import tenant_scope
from .selectors import memberships_of, tenant_get_by_slug

SESSION_TENANT_KEY = "junkan_tenant_id"
# The workspace used last, kept across sign-outs (the session is not): signing in lands there.
# NOTE: only a hint; the membership is checked on every request like the session's choice.
LAST_TENANT_COOKIE = "junkan_last_tenant"
LAST_TENANT_COOKIE_AGE = 365 * 24 * 60 * 60

_STAFF_PATH = re.compile(r"^/t/(?P<slug>[-\w]+)/")
_PUBLIC_PATH = re.compile(r"^/learn/(?P<slug>[-\w]+)/")


class TenantMiddleware:
    """Puts the request's tenant in scope for the whole request and resets it afterwards.

    - `/t/<slug>/…`: staff pages; the signed-in user must be a member (else 404, so the
      existence of other tenants does not leak); the choice is remembered in the session.
    - `/learn/<slug>/…`: the public Learn & Support site; no membership needed.
    - `/api/…`: left to the DRF authentication classes (session or API key).
    - anything else: the session's chosen tenant, else the user's first membership.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.tenant = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        with tenant_scope(None):
            if not request.path.startswith("/api/"):
                self._resolve(request)
            tenant: Tenant | None = request.tenant  # type: ignore[attr-defined]
            if tenant is None:
                # API requests get their tenant (scope and time zone) from DRF authentication
                # later; this undoes the time zone when the request ends, as tenant_scope does.
                with timezone.override(None):
                    return self.get_response(request)
            memo = (
                request_memo_scope()
                if request.method in ("GET", "HEAD")
                else contextlib.nullcontext()
            )
            with tenant_scope(tenant), timezone.override(tenant.tzinfo), memo:
                response = self.get_response(request)
            if request.COOKIES.get(LAST_TENANT_COOKIE) != str(tenant.pk) and getattr(
                request, "membership", None
            ):
                response.set_cookie(
                    LAST_TENANT_COOKIE,
                    str(tenant.pk),
                    max_age=LAST_TENANT_COOKIE_AGE,
                    httponly=True,
                    samesite="Lax",
                    secure=request.is_secure(),
                )
            return response

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> None:
        # The slug was consumed above; views never see it (or filter by it by hand).
        view_kwargs.pop("tenant_slug", None)

    def _resolve(self, request: HttpRequest) -> None:
        if match := _PUBLIC_PATH.match(request.path):
            tenant = tenant_get_by_slug(slug=match["slug"])
            if tenant is None:
                raise Http404("No such site.")
            request.tenant = tenant  # type: ignore[attr-defined]
            return
        user = request.user
        if not user.is_authenticated:
            return
        membership: Membership | None
        # One read gives the workspace of the URL, the membership and the workspace switcher.
        memberships = memberships_of(user=user)  # type: ignore[arg-type]
        request.memberships = memberships  # type: ignore[attr-defined]
        if match := _STAFF_PATH.match(request.path):
            slug = match["slug"]
            membership = next((m for m in memberships if m.tenant.slug == slug), None)
            if membership is None:
                raise Http404("No such workspace.")
            # NOTE: only when it changes: an assignment marks the session modified, and every
            # page view would then write its session row.
            if request.session.get(SESSION_TENANT_KEY) != membership.tenant_id:
                request.session[SESSION_TENANT_KEY] = membership.tenant_id
        else:
            membership = self._from_session(request, memberships)
        if membership is not None:
            request.tenant = membership.tenant  # type: ignore[attr-defined]
            request.membership = membership  # type: ignore[attr-defined]

    @staticmethod
    def _from_session(request: HttpRequest, memberships: list[Membership]) -> Membership | None:
        chosen = request.session.get(SESSION_TENANT_KEY)
        if chosen is None:  # a fresh sign-in: the workspace used last in this browser
            last = request.COOKIES.get(LAST_TENANT_COOKIE, "")
            chosen = int(last) if last.isdigit() else None
        membership = next((m for m in memberships if m.tenant_id == chosen), None)
        return membership or next(iter(memberships), None)


class ValidationErrorMiddleware:
    """A value a page's form let through but a model rule refuses (cs_platform.validators) is
    the visitor's mistake: a 400 page that says what was refused, never a 500. The API has its
    own handler (cs_platform.api.exceptions)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ValidationError) or request.path.startswith("/api/"):
            return None
        return render(request, "400.html", {"messages_refused": exception.messages}, status=400)


API_DEFAULT_LANGUAGE = "en"
API_PREFIXES = ("/api/", "/segment/v1/")


def api_language(accept_language: str) -> str:
    """The API's language: the first of Accept-Language's languages Junkan speaks (by
    quality, `ja-JP` counts as `ja`), else English. Never the UI's cookie or session: the same
    request gets the same words from every endpoint, whoever sends it (docs/api-contract.md)."""
    supported = {code for code, _name in settings.LANGUAGES}
    for code, _quality in trans_real.parse_accept_lang_header(accept_language or ""):
        short = code.split("-")[0].lower()
        if short in supported:
            return short
    return API_DEFAULT_LANGUAGE


class ApiLanguageMiddleware:
    """Every `/api/…` and `/segment/v1/…` (Segment-compatible tracking) response, errors
    included, in the language `api_language` picks; after LocaleMiddleware, which would
    follow the UI's language cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIXES):
            return self.get_response(request)
        language = api_language(request.headers.get("Accept-Language", ""))
        with translation.override(language):
            request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
            response = self.get_response(request)
        response.headers["Content-Language"] = language
        patch_vary_headers(response, ("Accept-Language",))
        return response


# A view's own policy (django-csp's decorators) is set on its response under these names.
_CSP_OVERRIDES = tuple(
    f"_csp_{part}{suffix}" for part in ("config", "update", "replace") for suffix in ("", "_ro")
)


@functools.cache
def _csp_headers() -> tuple[tuple[str, str, str, tuple[str, ...]], ...]:
    """(header, value, exemption attribute, excluded path prefixes) of each policy the
    settings give, built once: the same for every response without a view's own policy."""
    headers = []
    for header, setting, report_only, exempt in (
        (HEADER, "CONTENT_SECURITY_POLICY", False, "_csp_exempt"),
        (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True, "_csp_exempt_ro"),
    ):
        if value := build_policy(report_only=report_only):
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES")
            headers.append((header, value, exempt, tuple(prefixes or ())))
    return tuple(headers)


@receiver(setting_changed)
def _csp_settings_changed(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _csp_headers.cache_clear()


class CSPMiddleware(csp_middleware.CSPMiddleware):
    """django-csp's middleware, with the headers of the settings' policies built once per
    process (issue #16: building them took about 0.3 ms of every response). A response whose
    view set its own policy, or whose page used a nonce, takes django-csp's own path."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in _CSP_OVERRIDES
        ):
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in (404, 500):
            return response  # as django-csp: Django's debug pages run inline scripts
        for header, value, exempt, prefixes in _csp_headers():
            if (
                header not in response
                and not getattr(response, exempt, False)
                and not request.path_info.startswith(prefixes)
            ):
                response[header] = value
        # As django-csp: a nonce asked for after the header is written is an error.
        request.csp_nonce = csp_middleware.CheckableLazyObject(  # type: ignore[attr-defined]
            self._csp_nonce_post_response
        )
        return response
