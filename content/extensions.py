"""What content adds to the pages of the apps below it (Account 360, segments)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Account

from . import selectors
from .models import ArticleStatus, ArticleView


def _title(article: Any, language: str) -> str:
    tr = selectors.translation_pick(article=article, language=language)
    return tr.title if tr else article.slug


def account_reading_context(request: HttpRequest, account: Account) -> dict[str, Any]:
    language = (get_language() or "ja")[:2]
    reading = selectors.reading_for_account(account_id=account.pk)
    return {
        "reading": [
            {"title": _title(r.article, language), "row": r, "article": r.article} for r in reading
        ]
    }


def _article_choices() -> list[tuple[str, str]]:
    language = (get_language() or "ja")[:2]
    return [
        (a.slug, _title(a, language))
        for a in selectors.article_list(status=ArticleStatus.PUBLISHED)
    ]


def apply_read_article(queryset: QuerySet[Account], value: Any) -> QuerySet[Account]:
    readers = ArticleView.objects.filter(article__slug=str(value), account__isnull=False)
    return queryset.filter(pk__in=readers.values("account_id"))


def register() -> None:
    from accounts.extensions import (
        AccountPanel,
        SegmentRule,
        register_account_panel,
        register_segment_rule,
    )

    register_account_panel(
        AccountPanel(
            key="content_reading",
            template="content/staff/account_panel.html",
            get_context=account_reading_context,
            slot="side",
            order=70,
        )
    )
    register_segment_rule(
        SegmentRule(
            key="content_read_article",
            label=_("Read a Learn & Support article"),
            apply=apply_read_article,
            help_text=_("Accounts whose contacts read the article with this slug."),
            choices=_article_choices,
        )
    )
