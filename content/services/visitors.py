"""Anonymous readers of the public site: a signed visitor cookie instead of a database
session, obvious bots left out, and a view counted at most once per visitor, article and
window (and not at all beyond a per-address rate), so a reload loop or a scraper does not
inflate the analytics or fill the sessions table."""

from __future__ import annotations

import hashlib
import re
import secrets

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

VISITOR_COOKIE = "junkan_visitor"
_SALT = "content.visitor"
_YEAR = 60 * 60 * 24 * 365

# Crawlers, link previewers, monitors and HTTP libraries; an empty User-Agent counts too.
_BOT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|preview|facebookexternalhit|embedly|headless|lighthouse|"
    r"pingdom|uptime|monitor|python-requests|python-urllib|curl/|wget/|httpclient|"
    r"go-http-client|okhttp|java/|libwww|scrapy|phantomjs|axios/|node-fetch",
    re.IGNORECASE,
)


def is_bot(request: HttpRequest) -> bool:
    agent = request.headers.get("User-Agent", "").strip()
    return not agent or bool(_BOT.search(agent))


def visitor_hash(request: HttpRequest) -> str:
    """A stable, non-reversible id of this browser, from its signed visitor cookie (made on
    the first call; `visitor_cookie_set` puts it on the response)."""
    token = getattr(request, "_visitor_token", None) or _cookie_token(request)
    if token is None:
        token = secrets.token_urlsafe(18)
        request._visitor_new = True  # type: ignore[attr-defined]
    request._visitor_token = token  # type: ignore[attr-defined]
    return hashlib.sha256(f"{settings.SECRET_KEY}:{token}".encode()).hexdigest()


def _cookie_token(request: HttpRequest) -> str | None:
    return request.get_signed_cookie(VISITOR_COOKIE, default=None, salt=_SALT)


def visitor_cookie_set(request: HttpRequest, response: HttpResponse) -> None:
    if getattr(request, "_visitor_new", False):
        response.set_signed_cookie(
            VISITOR_COOKIE,
            request._visitor_token,  # type: ignore[attr-defined]
            salt=_SALT,
            max_age=_YEAR,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure(),
        )


def counted_visitor(request: HttpRequest, *, article_id: int) -> str | None:
    """The visitor's hash when this view of the article counts: not a bot (a bot gets no
    cookie either), its address under CONTENT_VIEWS_PER_MINUTE, and the first of this visitor
    for the article in CONTENT_VIEW_WINDOW_SECONDS. With Redis away every human view counts (a
    view is never lost for want of the cache)."""
    if is_bot(request):
        return None
    visitor = visitor_hash(request)
    minute_key = f"content:views-per-minute:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(minute_key, 0, timeout=60)
    try:
        if cache.incr(minute_key) > settings.CONTENT_VIEWS_PER_MINUTE:
            return None
    except ValueError:  # expired between add and incr, or Redis away
        pass
    window_key = f"content:viewed:{article_id}:{visitor}"
    if cache.get(window_key) is not None:
        return None
    cache.set(window_key, 1, timeout=settings.CONTENT_VIEW_WINDOW_SECONDS)
    return visitor
