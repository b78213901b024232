"""Readers' feedback waiting for review (or reviewed): the moderation page's reads."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from ..models import ArticleFeedback, Moderation


def feedback_review_list(*, status: str, limit: int = 200) -> QuerySet[ArticleFeedback]:
    """Held feedback in one review state, newest first, with its article's translations."""
    return (
        ArticleFeedback.objects.filter(moderation=status)
        .select_related("article", "moderated_by")
        .prefetch_related("article__translations")
        .order_by("-created_at", "-pk")[:limit]
    )


def feedback_review_counts() -> dict[str, int]:
    """How many held feedback rows are in each review state (every state, zeros included)."""
    counts = dict.fromkeys(Moderation.values, 0)
    rows = (
        ArticleFeedback.objects.exclude(moderation="")
        .values("moderation")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts.update({row["moderation"]: row["n"] for row in rows})
    return counts


def feedback_review_get(*, feedback_id: int) -> ArticleFeedback | None:
    return ArticleFeedback.objects.filter(pk=feedback_id).exclude(moderation="").first()
