"""What content plugs into the apps below it: Account 360, segments, the public reader, and
(through accounts' extension points, never importing touchmodel) the article recommender and
the article/section choices of touchmodel's tech-touch e-mails and rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.extensions import (
    AccountPanel,
    ContentReader,
    Recommendation,
    RecommendedArticle,
    SegmentRule,
    account_panel_key,
    register_account_panel,
    register_content_choices,
    register_content_recommender,
    register_public_reader,
    register_segment_rule,
)
from accounts.models import Account
from journeys import selectors as journey_selectors
from journeys.extensions import register_feedback_category_names

from . import selectors, services
from .models import ArticleStatus, ArticleView
from .public_views import _reader_contact
from .selectors.account_page import account_reading_in_window, account_reading_in_window_ahead
from .services.plan import success_plan_url


def _title(article: Any, language: str) -> str:
    tr = selectors.translation_pick(article=article, language=language)
    return tr.title if tr else article.slug


def account_reading_context(request: HttpRequest, account: Account) -> dict[str, Any]:
    language = (get_language() or "ja")[:2]
    # NOTE: the window the health score's engagement measure counts, so "nothing read" here
    # and an engagement of 0 there mean the same days.
    window = account_reading_in_window(account_id=account.pk)
    return {
        "reading": [
            {"title": _title(r.article, language), "row": r, "article": r.article}
            for r in window.reading
        ],
        "window_days": window.days,
    }


def _reading_ahead(request: HttpRequest, account: Account) -> None:
    # Its window is worked out in the same call, from the latest score's version.
    account_reading_in_window_ahead(account_id=account.pk)


def success_plan_panel_context(request: HttpRequest, account: Account) -> dict[str, Any]:
    """Account 360: what the account's contacts see of their success plan, where, a preview."""
    # The site's domain (the plan's address) in one call with the reading panel's rows.
    account_reading_in_window(account_id=account.pk)
    return {
        "account": account,
        "counts": journey_selectors.success_plan_share_counts(account=account),
        "customer_url": success_plan_url(),
    }


def _article_choices() -> list[tuple[str, str]]:
    language = (get_language() or "ja")[:2]
    return [
        (a.slug, _title(a, language))
        for a in selectors.article_list(status=ArticleStatus.PUBLISHED)
    ]


def _section_choices() -> list[tuple[str, str]]:
    language = (get_language() or "ja")[:2]
    return [(s.key, s.name_in(language)) for s in selectors.section_list()]


def _section_category_names(categories: set[str]) -> dict[str, str]:
    """An article's feedback is filed under its section's name (in the workspace language):
    shown in the reader's language (one query for the page)."""
    language = (get_language() or "ja")[:2]
    names: dict[str, str] = {}
    for section in selectors.section_list_named(names=categories):
        for name in (section.name_ja, section.name_en):
            if name in categories:
                names[name] = section.name_in(language)
    return names


def apply_read_article(queryset: QuerySet[Account], value: Any) -> QuerySet[Account]:
    readers = ArticleView.objects.filter(article__slug=str(value), account__isnull=False)
    return queryset.filter(pk__in=readers.values("account_id"))


def recommend_articles(readers: Sequence[ContentReader]) -> dict[int, Recommendation]:
    """touchmodel's content recommender: each reader's picks (`selectors.article_picks`) as
    links signed for that reader, plus a signed link to the site's home page."""
    picks = selectors.article_picks(
        readers=[
            selectors.PickRequest(
                contact_id=r.contact.pk,
                account_id=r.contact.account_id,
                language=r.language,
                tier=r.tier,
                maturity_stage=r.contact.account.maturity_stage,
            )
            for r in readers
        ]
    )
    links = services.reader_links()
    found: dict[int, Recommendation] = {}
    for r in readers:
        token = links.token(contact=r.contact, ref=r.ref)
        found[r.contact.pk] = Recommendation(
            articles=[
                RecommendedArticle(
                    key=p.article.slug,
                    title=p.translation.title,
                    url=links.url(token=token, article_slug=p.article.slug),
                )
                for p in picks.get(r.contact.pk, [])
            ],
            home_url=links.url(token=token),
        )
    return found


def _public_reader(request: HttpRequest) -> Any:
    """The contact signed in on Learn & Support in this browser session, if any."""

    return _reader_contact(request)


def register() -> None:

    register_public_reader(_public_reader)

    register_account_panel(
        AccountPanel(
            key="content_reading",
            template="content/staff/account_panel.html",
            get_context=account_reading_context,
            read_ahead=_reading_ahead,
            slot="side",
            order=70,
            # Articles and their views move the account's version (content 0006, 0008); the
            # window ends today, and its length is the engagement measure's in the version
            # that scored the account last (`engagement_window`): a rescore may change it.
            cache_key=account_panel_key,
            scores=True,
        )
    )
    register_account_panel(
        AccountPanel(
            key="content_success_plan",
            template="content/staff/plan_panel.html",
            get_context=success_plan_panel_context,
            read_ahead=_reading_ahead,
            slot="side",
            order=65,
            # The map, its milestones and steps move the account's version, the site's
            # domains every account's (content 0006).
            cache_key=account_panel_key,
        )
    )
    register_content_recommender(recommend_articles)
    register_content_choices(articles=_article_choices, sections=_section_choices)
    register_feedback_category_names(_section_category_names)
    register_segment_rule(
        SegmentRule(
            key="content_read_article",
            label=_("Read a Learn & Support article"),
            apply=apply_read_article,
            help_text=_("Accounts whose contacts read the article with this slug."),
            choices=_article_choices,
        )
    )
