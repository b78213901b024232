"""The customer-facing Learn & Support site, at /learn/<tenant-slug>/.

TenantMiddleware has already put the tenant of the slug in scope (404 for an unknown slug), so
every query below sees only that tenant's rows; drafts and archived articles are never served.

Custom domains: on a verified custom domain (help.customer.example) the same views serve `/…`:
`content.middleware.SiteDomainMiddleware` rewrites the path to `/learn/<slug>/…` before
TenantMiddleware runs, so nothing here changes, except that every link and redirect is built
with `content.links.public_url` (templates: `{% learn_url %}`), which drops the `/learn/<slug>`
prefix on a custom domain. See docs/custom-domains.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.extensions import public_links
from accounts.models import Contact
from accounts.selectors import contact_with_account
from cs_platform.datacache import cached_for_data_version, page_cached, work_version
from cs_platform.decorators import signed_in_user_unused
from cs_platform.ratelimit import Limit, client_address, rate_limit_hit
from cs_platform.requestmemo import request_memoized
from cs_platform.selectors import membership_get

from . import selectors, services
from .forms import MagicLinkRequestForm, ReaderSearchForm
from .language import reader_language, remember_language
from .links import public_url
from .models import Article, ArticleTranslation, Section
from .services import ReaderLinkError
from .services.visitors import counted_visitor, visitor_cookie_set, visitor_hash
from .tasks import magic_link_request


def _url(request: HttpRequest, name: str, **kwargs: Any) -> str:
    return public_url(request, name, **kwargs)


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Activates the reader's language for the page and remembers a choice from ?lang=."""

    @signed_in_user_unused
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language, chosen = reader_language(request)
        request.reader_language = language  # type: ignore[attr-defined]
        with translation.override(language):
            request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
            response = view(request, *args, **kwargs)
        visitor_cookie_set(request, response)
        if chosen:
            remember_language(request, response, language)
        response["Content-Language"] = language
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    return wrapper


def _reader_contact(request: HttpRequest) -> Contact | None:
    identity = services.reader_from_session(session=request.session)
    if identity is None:
        return None
    # Kept per contact under the data version (its account's row) and the work version (the
    # contacts' rows raise it): a contact removed or moved is read again on the next view.
    return request_memoized(
        ("content.reader_contact", identity.contact_id),
        lambda: page_cached(
            "content.reader_contact",
            lambda: contact_with_account(contact_id=identity.contact_id),
            key=f"{identity.contact_id}:{work_version()}",
        ),
    )


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200):
    language = request.reader_language  # type: ignore[attr-defined]
    sections = cached_for_data_version("content.sections", lambda: list(selectors.section_list()))
    base = {
        "lang": language,
        "other_lang": "en" if language == "ja" else "ja",
        "tenant": request.tenant,  # type: ignore[attr-defined]
        "nav_sections": [(s, s.name_in(language)) for s in sections],
        "nav_links": public_links(request.tenant),  # type: ignore[attr-defined]
        "reader": _reader_contact(request),
        "home_url": _url(request, "home"),
        "search_url": _url(request, "search"),
        "signin_url": _url(request, "signin"),
        "signout_url": _url(request, "signout"),
    }
    for code in ("ja", "en"):
        params = request.GET.copy()
        params["lang"] = code
        base[f"lang_{code}_url"] = f"?{params.urlencode()}"
    return render(request, template, {**base, **context}, status=status)


@dataclass(frozen=True)
class Card:
    """What an article's card shows (`_cards.html`): small to cache and to read back, where the
    article and translation rows carry whole bodies (the home's cached picks were 85 KB)."""

    article_id: int
    slug: str
    title: str
    summary: str
    story_company: str
    story_person: str
    # The translation's language when it is not the reader's (a fallback), else "".
    fallback_language: str


def _card(article: Article, tr: ArticleTranslation, language: str) -> Card:
    return Card(
        article_id=article.pk,
        slug=article.slug,
        title=tr.title,
        summary=tr.summary,
        story_company=tr.story_company,
        story_person=tr.story_person,
        fallback_language=str(tr.get_language_display()) if tr.language != language else "",
    )


def _cards(articles: list[Article], language: str) -> list[Card]:
    cards = []
    for article in articles:
        tr = selectors.translation_pick(article=article, language=language)
        if tr is not None:
            cards.append(_card(article, tr, language))
    return cards


@public_page
def home(request: HttpRequest) -> HttpResponse:
    language = request.reader_language  # type: ignore[attr-defined]
    # The same for every reader of the tenant: cached until a section, article or
    # translation changes (content migration 0005); the picks below are the reader's own.
    blocks = cached_for_data_version(
        "content.home_blocks.cards", lambda: _home_blocks(language), key=language
    )
    return _render(
        request,
        "content/public/home.html",
        {
            "blocks_html": _home_blocks_html(request, blocks),
            "recommended": _picks(request, language),
        },
    )


def _home_blocks_html(request: HttpRequest, blocks: list[dict[str, Any]]) -> SafeString:
    """The sections' blocks, rendered once per what they show (#16: about half of the home
    page's CPU): the blocks (kept per data version and language), the links' workspace, host
    and URL prefix, and, by the cache key, the language and data version."""
    links = (request.tenant.slug, getattr(request, "site_prefix", ""), get_script_prefix())  # type: ignore[attr-defined]
    html = page_cached(
        "content.home_blocks.html",
        lambda: render_to_string(
            "content/public/_home_blocks.html", {"blocks": blocks, "request": request}
        ),
        key=hashlib.sha256(repr(links).encode()).hexdigest()[:32],  # a clean cache key
    )
    return mark_safe(html)  # rendered (escaped) by the template


def _home_blocks(language: str) -> list[dict[str, Any]]:
    articles = list(selectors.article_list_published())
    blocks = []
    for section in selectors.section_list():
        in_section = [a for a in articles if a.section_id == section.pk]
        blocks.append(
            {
                "key": section.key,
                "name": section.name_in(language),
                "description": section.description_in(language),
                "cards": _cards(in_section[:4], language),
                "more": len(in_section) > 4,
            }
        )
    return blocks


def _picks(request: HttpRequest, language: str) -> list[Card]:
    """For a known reader: unread articles for their account's phase, tier and maturity."""
    contact = _reader_contact(request)
    if contact is None:
        return []
    # What fits the account (its phase, tier and maturity against the catalogue) is the same for
    # all its readers until the data changes; only what this reader has read is asked each time.
    ranked = cached_for_data_version(
        "content.picks_ranked_cards",
        lambda: [
            _card(p.article, p.translation, language)
            for p in selectors.picks_ranked_for_account(account=contact.account, language=language)
        ],
        key=str(contact.account_id),
    )
    return selectors.picks_unread(contact=contact, ranked=ranked)


@public_page
def section_detail(request: HttpRequest, section_key: str) -> HttpResponse:
    language = request.reader_language  # type: ignore[attr-defined]
    section = Section.objects.filter(key=section_key).first()
    if section is None:
        raise Http404
    cards = _cards(list(selectors.article_list_published(section=section)), language)
    return _render(
        request,
        "content/public/section.html",
        {
            "section": section,
            "name": section.name_in(language),
            "description": section.description_in(language),
            "cards": cards,
        },
    )


@public_page
def article_detail(request: HttpRequest, article_slug: str) -> HttpResponse:
    language = request.reader_language  # type: ignore[attr-defined]
    article = cached_for_data_version(
        "content.article",
        lambda: selectors.article_get_published(slug=article_slug),
        key=article_slug,
    )
    if article is None:
        raise Http404
    tr = selectors.translation_pick(article=article, language=language)
    if tr is None:
        raise Http404
    contact = _reader_contact(request)
    identity = services.reader_from_session(session=request.session)
    visitor = counted_visitor(request, article_id=article.pk)
    if visitor is not None:
        services.article_view_record(
            article=article,
            language=tr.language,
            contact=contact,
            session_hash=visitor,
            ref=identity.ref if identity is not None and contact is not None else "",
        )
    return _render(
        request,
        "content/public/article.html",
        {
            "tr": tr,
            "main_html": _article_main_html(request, article, tr, language),
            "feedback_url": _url(request, "feedback", article_slug=article.slug),
            "thanks": request.GET.get("feedback") == "thanks",
        },
    )


def _article_main_html(
    request: HttpRequest, article: Article, tr: ArticleTranslation, language: str
) -> SafeString:
    """The article's own part of its page (the path to it, title, story, body, next step),
    rendered once per what it shows (#16: half of the page's CPU was its template): the
    article and its next one (kept per data version), the reader's language (by the cache
    key), the links' workspace, host and URL prefix. The feedback form stays live."""

    def render() -> str:
        next_article = article.next_article
        next_tr = None
        if next_article is not None and next_article.is_published:
            next_tr = next_article.translations.filter(language=language).first() or (
                next_article.translations.first()
            )
        return render_to_string(
            "content/public/_article_main.html",
            {
                "article": article,
                "tr": tr,
                "fallback": tr.language != language,
                "section_name": article.section.name_in(language),
                "next_article": next_article if next_tr else None,
                "next_tr": next_tr,
                "home_url": _url(request, "home"),
                "request": request,
            },
        )

    links = (article.slug, request.tenant.slug, getattr(request, "site_prefix", ""))  # type: ignore[attr-defined]
    html = page_cached(
        "content.article.html",
        render,
        key=hashlib.sha256(repr((*links, get_script_prefix())).encode()).hexdigest()[:32],
    )
    return mark_safe(html)  # rendered (escaped) by the template


@require_POST
@public_page
def feedback(request: HttpRequest, article_slug: str) -> HttpResponse:
    article = selectors.article_get_published(slug=article_slug)
    if article is None:
        raise Http404
    helpful = request.POST.get("helpful")
    if helpful not in ("yes", "no"):
        return redirect(_url(request, "article", article_slug=article.slug))
    retry_after = rate_limit_hit(
        Limit(
            scope="content-feedback-address",
            ident=client_address(request),
            limit=settings.CONTENT_FEEDBACK_PER_ADDRESS_PER_HOUR,
            window=60 * 60,
        ),
        Limit(
            scope="content-feedback-article",
            ident=f"{article.tenant_id}:{article.pk}",
            limit=settings.CONTENT_FEEDBACK_PER_ARTICLE_PER_HOUR,
            window=60 * 60,
        ),
    )
    if retry_after is not None:
        minutes = max(1, -(-retry_after // 60))
        response = _render(
            request,
            "content/public/too_many.html",
            {
                "minutes": minutes,
                "article_url": _url(request, "article", article_slug=article.slug),
            },
            status=429,
        )
        response["Retry-After"] = str(retry_after)
        return response
    services.article_feedback_submit(
        article=article,
        language=request.reader_language,  # type: ignore[attr-defined]
        helpful=helpful == "yes",
        comment=request.POST.get("comment", ""),
        contact=_reader_contact(request),
        session_hash=visitor_hash(request),
    )
    return redirect(_url(request, "article", article_slug=article.slug) + "?feedback=thanks")


@public_page
def search(request: HttpRequest) -> HttpResponse:
    form = ReaderSearchForm(request.GET)
    if not form.is_valid():
        context = {"query": "", "hits": [], "error": _("This search cannot be run.")}
        return _render(request, "content/public/search.html", context, status=400)
    query = form.cleaned_data["q"]
    language = request.reader_language  # type: ignore[attr-defined]
    hits = selectors.article_search(query=query, language=language) if query else []
    return _render(request, "content/public/search.html", {"query": query, "hits": hits})


@require_http_methods(["GET", "POST"])
@public_page
def signin(request: HttpRequest) -> HttpResponse:
    form = MagicLinkRequestForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return _render(
                request, "content/public/signin.html", {"form": form, "sent": False}, status=400
            )
        magic_link_request(
            tenant_id=request.tenant.pk,  # type: ignore[attr-defined]
            email=form.cleaned_data["email"],
            base_url=request.build_absolute_uri("/"),
            language=request.reader_language,  # type: ignore[attr-defined]
        )
    return _render(
        request, "content/public/signin.html", {"form": form, "sent": request.method == "POST"}
    )


def _link_error(request: HttpRequest, error: ReaderLinkError) -> HttpResponse:
    return _render(request, "content/public/link_error.html", {"error": error.message}, status=400)


@public_page
def magic_consume(request: HttpRequest, token: str) -> HttpResponse:
    try:
        contact = services.magic_link_consume(token=token)
    except ReaderLinkError as error:
        return _link_error(request, error)
    services.reader_sign_in(session=request.session, contact=contact)
    # A reader sent here from their success plan goes back to it (content.plan_views).
    after = "plan" if request.session.pop("content_after_sign_in", "") == "plan" else "home"
    return redirect(_url(request, after))


@public_page
def reader_link(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link of a tech-touch e-mail: sign the contact in, open the article."""
    try:
        contact, ref = services.reader_link_open(token=token)
    except ReaderLinkError as error:
        return _link_error(request, error)
    services.reader_sign_in(session=request.session, contact=contact, ref=ref)
    slug = request.GET.get("next", "")
    if slug and selectors.article_get_published(slug=slug) is not None:
        return redirect(_url(request, "article", article_slug=slug))
    return redirect(_url(request, "home"))


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    services.reader_sign_out(session=request.session)
    return redirect(_url(request, "home"))


def image(request: HttpRequest, image_id: int) -> FileResponse:
    """An uploaded image: public once its article is published; members see drafts' too."""
    found = selectors.image_get_public(image_id=image_id)
    if found is None and request.user.is_authenticated:
        member = membership_get(user=request.user, tenant=request.tenant)  # type: ignore[attr-defined,arg-type]
        found = selectors.image_get(image_id=image_id) if member else None
    if found is None:
        raise Http404
    try:
        handle = found.file.open("rb")
    except (FileNotFoundError, ValidationError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=86400" if found.article.is_published else "private"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
