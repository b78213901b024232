"""Reads of articles for the public site and for authoring."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Greatest

from ..models import (
    Article,
    ArticleImage,
    ArticleRevision,
    ArticleStatus,
    ArticleTranslation,
    Section,
)

SEARCH_LIMIT = 30
MIN_TRIGRAM_QUERY = 3


def section_list() -> QuerySet[Section]:
    return Section.objects.order_by("position", "id")


def section_list_named(*, names: set[str]) -> QuerySet[Section]:
    """The sections whose Japanese or English name is one of `names`."""
    return section_list().filter(Q(name_ja__in=names) | Q(name_en__in=names))


def section_list_with_counts() -> QuerySet[Section]:
    return section_list().annotate(
        published_count=Count("articles", filter=Q(articles__status=ArticleStatus.PUBLISHED)),
        article_count=Count("articles"),
    )


def _with_translations(queryset: QuerySet[Article]) -> QuerySet[Article]:
    return queryset.select_related("section").prefetch_related(
        Prefetch("translations", queryset=ArticleTranslation.objects.order_by("language"))
    )


def article_list(*, section: Section | None = None, status: str | None = None) -> QuerySet:
    queryset = _with_translations(Article.objects.all())
    if section is not None:
        queryset = queryset.filter(section=section)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("section__position", "position", "id")


def article_list_published(*, section: Section | None = None) -> QuerySet[Article]:
    return article_list(section=section, status=ArticleStatus.PUBLISHED)


def article_get_published(*, slug: str) -> Article | None:
    """The published article with this slug in the tenant in scope (drafts: None)."""
    return (
        _with_translations(Article.objects.filter(status=ArticleStatus.PUBLISHED))
        .select_related("next_article")
        .filter(slug=slug)
        .first()
    )


def translation_pick(*, article: Article, language: str) -> ArticleTranslation | None:
    """The translation in `language`, else the other one (prefetched translations only)."""
    translations = list(article.translations.all())
    return next((t for t in translations if t.language == language), None) or next(
        iter(translations), None
    )


def revision_list(*, article: Article) -> QuerySet[ArticleRevision]:
    return (
        ArticleRevision.objects.filter(translation__article=article)
        .select_related("translation", "author")
        .order_by("-created_at", "-number")
    )


def image_list(*, article: Article) -> QuerySet[ArticleImage]:
    return ArticleImage.objects.filter(article=article).order_by("-created_at")


def image_get(*, image_id: int) -> ArticleImage | None:
    return ArticleImage.objects.filter(pk=image_id).select_related("article").first()


def image_get_public(*, image_id: int) -> ArticleImage | None:
    """An image only if its article is published (tenant in scope)."""
    return (
        ArticleImage.objects.filter(pk=image_id, article__status=ArticleStatus.PUBLISHED)
        .select_related("article")
        .first()
    )


@dataclass(frozen=True)
class SearchHit:
    article: Article
    translation: ArticleTranslation
    title_match: bool
    score: float


def article_search(*, query: str, language: str, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
    """Search published articles in both languages; Japanese-safe and ranked.

    Every whitespace-separated term must appear in the title, summary or body (`icontains`,
    which the trigram GIN indexes accelerate, and which finds two-character words such as 採用
    that trigram similarity cannot). Ranking: title matches first, then trigram word
    similarity of the whole query (for queries of 3+ characters), then the reader's language.
    """
    terms = [t for t in query.split() if t][:8]
    if not terms:
        return []
    queryset = ArticleTranslation.objects.filter(article__status=ArticleStatus.PUBLISHED)
    for term in terms:
        queryset = queryset.filter(
            Q(title__icontains=term) | Q(summary__icontains=term) | Q(body_markdown__icontains=term)
        )
    title_q = Q()
    for term in terms:
        title_q &= Q(title__icontains=term)
    whole = " ".join(terms)
    similarity = (
        Greatest(
            TrigramWordSimilarity(whole, "title"),
            TrigramWordSimilarity(whole, "summary"),
        )
        if len(whole) >= MIN_TRIGRAM_QUERY
        else Value(0.0)
    )
    queryset = (
        queryset.annotate(
            title_match=Case(When(title_q, then=1), default=0, output_field=IntegerField()),
            score=similarity,
            own_language=Case(
                When(language=language, then=1), default=0, output_field=IntegerField()
            ),
        )
        .select_related("article", "article__section")
        .order_by("-title_match", "-score", "-own_language", "-article__published_at", "pk")
    )
    hits: list[SearchHit] = []
    seen: set[int] = set()
    for row in queryset[: limit * 2]:
        if row.article_id in seen:
            continue
        seen.add(row.article_id)
        hits.append(SearchHit(row.article, row, bool(row.title_match), float(row.score or 0)))
        if len(hits) >= limit:
            break
    return hits


def article_list_for_phase(*, phase_key: str, limit: int = 4) -> list[Article]:
    """Published articles targeted at a journey phase (what a reader in it should read now)."""
    return list(
        article_list_published()
        .filter(phases__contains=[phase_key])
        .order_by("section__position", "position", "id")[:limit]
    )
