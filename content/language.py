"""The reader's language on the public site: ?lang= (the switcher), then the session, then
the language cookie, then Accept-Language (first visit), then the tenant's default."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import trans_real

from .models import LANGUAGE_CODES

SESSION_LANGUAGE_KEY = "content_language"


def _from_accept_language(header: str) -> str | None:
    for code, _quality in trans_real.parse_accept_lang_header(header):
        short = code.split("-")[0].lower()
        if short in LANGUAGE_CODES:
            return short
    return None


def reader_language(request: HttpRequest) -> tuple[str, bool]:
    """(language, chosen now): chosen now means ?lang= picked it and it should be remembered."""
    asked = request.GET.get("lang", "")
    if asked in LANGUAGE_CODES:
        return asked, True
    for stored in (
        request.session.get(SESSION_LANGUAGE_KEY),
        request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME),
    ):
        if stored in LANGUAGE_CODES:
            return stored, False
    header = request.headers.get("Accept-Language", "")
    found = _from_accept_language(header) if header else None
    tenant = getattr(request, "tenant", None)
    return found or (tenant.default_language if tenant else "ja"), False


def remember_language(request: HttpRequest, response: HttpResponse, language: str) -> None:
    """In the cookie; also in the session when the reader already has one (a signed-in
    reader), never by creating one for an anonymous reader."""
    if request.session.session_key:
        request.session[SESSION_LANGUAGE_KEY] = language
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or 60 * 60 * 24 * 365,
        samesite="Lax",
    )
