"""Readers' views and "Was this helpful?" feedback.

A known reader's view also goes on the account's timeline (kind content_view, source key
`content_view:<view id>`), which is what the engagement measure of the health score counts.
Anonymous views only count in the totals.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Contact
from cs_platform.audit.services import audit_record
from cs_platform.models import User
from cs_platform.scoping import require_current_tenant
from journeys.services import activity_record, activity_record_bulk, feedback_create

from ..models import Article, ArticleFeedback, ArticleView, Language, Moderation

CONTENT_VIEW = "content_view"
FEEDBACK_SOURCE = "learn_support"


def _activity_title(article: Article, language: str) -> str:
    translation = (
        next((t for t in article.translations.all() if t.language == language), None)
        or article.translations.first()
    )
    title = translation.title if translation else article.slug
    return f"📖 {title}"


def _activity_data(article: Article, language: str) -> dict[str, Any]:
    """What a read says on the timeline: rules watch the slug or the section key."""
    return {
        "article": article.pk,
        "slug": article.slug,
        "section": article.section.key,
        "language": language,
    }


@transaction.atomic
def article_view_record(
    *,
    article: Article,
    language: str,
    contact: Contact | None = None,
    session_hash: str = "",
    viewed_at: dt.datetime | None = None,
    ref: str = "",
) -> ArticleView:
    """Record a view; a known reader's also goes on the timeline, with the `ref` of the e-mail
    link that brought them (`readers.ReaderIdentity.ref`) when there is one."""
    if language not in Language.values:
        raise ValidationError({"language": _("Unknown language.")})
    view = ArticleView.objects.create(
        article=article,
        language=language,
        contact=contact,
        account_id=contact.account_id if contact else None,
        session_hash=session_hash,
        viewed_at=viewed_at or timezone.now(),
    )
    if contact is not None:
        activity_record(
            account=contact.account,
            kind=CONTENT_VIEW,
            title=_activity_title(article, language),
            occurred_at=view.viewed_at,
            contact=contact,
            data={**_activity_data(article, language), **({"ref": ref} if ref else {})},
            source_key=f"content_view:{view.pk}",
        )
    return view


@transaction.atomic
def article_view_record_bulk(*, rows: list[dict[str, Any]]) -> int:
    """Set-based variant for imports and demo data: rows of article, language, contact,
    session_hash, viewed_at. Known readers' views go on the timeline in one statement."""
    if not rows:
        return 0
    views = [
        ArticleView(
            article=row["article"],
            language=row["language"],
            contact=row.get("contact"),
            account_id=row["contact"].account_id if row.get("contact") else None,
            session_hash=row.get("session_hash", ""),
            viewed_at=row["viewed_at"],
        )
        for row in rows
    ]
    created = ArticleView.objects.bulk_create(views, batch_size=2000)
    titles: dict[tuple[int, str], tuple[str, dict[str, Any]]] = {}
    activities = []
    for view in created:
        if view.contact_id is None:
            continue
        key = (view.article_id, view.language)
        if key not in titles:
            titles[key] = (
                _activity_title(view.article, view.language),
                _activity_data(view.article, view.language),
            )
        title, data = titles[key]
        activities.append(
            {
                "account_id": view.account_id,
                "contact_id": view.contact_id,
                "kind": CONTENT_VIEW,
                "title": title,
                "occurred_at": view.viewed_at,
                "data": data,
                "source_key": f"content_view:{view.pk}",
            }
        )
    activity_record_bulk(rows=activities)
    return len(created)


def _feedback_kind(helpful: bool, comment: str) -> str:
    if comment.rstrip().endswith(("?", "？")):
        return "question"
    return "gain_point" if helpful else "pain_point"


@transaction.atomic
def article_feedback_submit(
    *,
    article: Article,
    language: str,
    helpful: bool,
    comment: str = "",
    contact: Contact | None = None,
    session_hash: str = "",
) -> ArticleFeedback:
    """Record "Was this helpful?"; a comment or a "no" also goes to the voice of the customer:
    at once from a known reader, after a CSM approves it from an anonymous one (held as
    pending: anyone can type anything into the public form)."""
    if language not in Language.values:
        raise ValidationError({"language": _("Unknown language.")})
    comment = comment.strip()[:2000]
    feedback = ArticleFeedback(
        article=article,
        language=language,
        helpful=helpful,
        comment=comment,
        contact=contact,
        account_id=contact.account_id if contact else None,
        session_hash=session_hash,
    )
    if comment or not helpful:
        if contact is None:
            feedback.moderation = Moderation.PENDING
        else:
            feedback.feedback_item_id = _voice_of_the_customer(feedback)
    feedback.save()
    return feedback


def _voice_of_the_customer(feedback: ArticleFeedback) -> int:
    """Put a comment or a "no" into the voice of the customer; returns the item's id."""
    article = feedback.article
    title = _activity_title(article, feedback.language).removeprefix("📖 ")
    quote = feedback.comment or str(_("“%(title)s” did not help.") % {"title": title})
    contact = feedback.contact
    item = feedback_create(
        account=contact.account if contact else None,
        contact=contact,
        kind=_feedback_kind(feedback.helpful, feedback.comment),
        quote=quote,
        # The section's name in the workspace's language: staff read it, never a slug.
        category=article.section.name_in(require_current_tenant().default_language),
        source=f"{FEEDBACK_SOURCE}:{article.slug}",
    )
    return item.pk


@transaction.atomic
def article_feedback_moderate(
    *, feedback: ArticleFeedback, approve: bool, actor: User
) -> ArticleFeedback:
    """Approve (it joins the voice of the customer) or reject held feedback, once: a second
    decision on the same feedback changes nothing. Each decision is in the audit log."""
    decision = Moderation.APPROVED if approve else Moderation.REJECTED
    now = timezone.now()
    decided = ArticleFeedback.objects.filter(pk=feedback.pk, moderation=Moderation.PENDING).update(
        moderation=decision, moderated_by=actor, moderated_at=now
    )
    if not decided:
        feedback.refresh_from_db()
        return feedback
    feedback.refresh_from_db()
    if approve:
        item_id = _voice_of_the_customer(feedback)
        ArticleFeedback.objects.filter(pk=feedback.pk).update(feedback_item_id=item_id)
        feedback.feedback_item_id = item_id
    audit_record(
        action=f"article_feedback.{decision}",
        target=feedback,
        target_label=(feedback.comment or str(_("“Not helpful”")))[:120],
        changes={
            "moderation": [Moderation.PENDING.value, decision.value],
            **({"feedback_item_id": [None, feedback.feedback_item_id]} if approve else {}),
        },
        actor=actor,
    )
    return feedback
