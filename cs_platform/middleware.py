"""Web entry point of tenant scoping: one request, one tenant, one place."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
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
