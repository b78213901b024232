"""Writes of authoring: sections, articles, translations with revisions, publishing."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from cs_platform.models import ChangeAction, User
from cs_platform.scoping import require_current_tenant
from cs_platform.trash.services import Actor, change_record, trash_delete

from ..models import (
    LANGUAGE_CODES,
    REVISED_FIELDS,
    Article,
    ArticleRevision,
    ArticleStatus,
    ArticleTranslation,
    Maturity,
    Section,
    SectionKind,
    Tier,
)
from .rendering import markdown_render

# (key, ja, en, description ja, description en, kind): the three sections of seed 000.
DEFAULT_SECTIONS: list[tuple[str, str, str, str, str, str]] = [
    (
        "get-started",
        "はじめての方へ",
        "Get Started",
        "最初の設定から公開まで、迷わず進めるためのガイドです。",
        "Guides that take you from first set-up to your first result.",
        SectionKind.GUIDE,
    ),
    (
        "best-practices",
        "活用のコツ",
        "Best Practices",
        "成果を出しているお客様のやり方から生まれたヒント集です。",
        "Tips drawn from what our most successful customers do.",
        SectionKind.GUIDE,
    ),
    (
        "customer-stories",
        "お客様の声",
        "Customer Stories",
        "他社で活躍する担当者の取り組みを紹介します。",
        "Meet the people who run the product at other companies.",
        SectionKind.STORY,
    ),
]


def sections_seed_defaults() -> list[Section]:
    """Create the three default sections of the tenant in scope (idempotent)."""
    tenant = require_current_tenant()
    Section.objects.bulk_create(
        [
            Section(
                tenant=tenant,
                key=key,
                name_ja=ja,
                name_en=en,
                description_ja=dja,
                description_en=den,
                kind=kind,
                position=(i + 1) * 10,
            )
            for i, (key, ja, en, dja, den, kind) in enumerate(DEFAULT_SECTIONS)
        ],
        ignore_conflicts=True,
    )
    return list(Section.objects.all())


def section_create(
    *,
    key: str,
    name_ja: str,
    name_en: str,
    description_ja: str = "",
    description_en: str = "",
    kind: str = SectionKind.GUIDE,
) -> Section:
    position = (Section.objects.aggregate(m=Max("position"))["m"] or 0) + 10
    section = Section(
        key=slugify(key) or key,
        name_ja=name_ja,
        name_en=name_en,
        description_ja=description_ja,
        description_en=description_en,
        kind=kind,
        position=position,
    )
    section.tenant = require_current_tenant()
    section.full_clean(exclude=["tenant"])
    if Section.objects.filter(key=section.key).exists():
        raise ValidationError({"key": _("A section with this key already exists.")})
    section.save()
    return section


def section_update(*, section: Section, **fields: Any) -> Section:
    allowed = {"name_ja", "name_en", "description_ja", "description_en", "kind"}
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(f"Cannot update {name!r}.")
        setattr(section, name, value)
    section.full_clean(exclude=["tenant"])
    section.save()
    return section


@transaction.atomic
def section_move(*, section: Section, direction: int) -> None:
    """Swap a section with its neighbour (direction -1: up, +1: down); positions renumbered."""
    ordered = list(Section.objects.select_for_update().order_by("position", "id"))
    index = next(i for i, s in enumerate(ordered) if s.pk == section.pk)
    target = index + (1 if direction > 0 else -1)
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    for i, item in enumerate(ordered):
        item.position = (i + 1) * 10
    Section.objects.bulk_update(ordered, ["position"])


def _check_targeting(phases: list[str], tiers: list[str], maturity: str) -> None:
    if any(t not in Tier.values for t in tiers):
        raise ValidationError({"tiers": _("Unknown tier.")})
    if maturity not in Maturity.values:
        raise ValidationError({"maturity": _("Unknown maturity level.")})
    if any(not p or len(p) > 60 for p in phases):
        raise ValidationError({"phases": _("Unknown phase.")})


def _unique_slug(base: str, *, exclude_pk: int | None = None) -> str:
    slug = slugify(base)[:100] or "article"
    candidate, n = slug, 2
    while Article.objects.filter(slug=candidate).exclude(pk=exclude_pk).exists():
        candidate, n = f"{slug}-{n}", n + 1
    return candidate


@transaction.atomic
def article_create(
    *,
    section: Section,
    author: User | None,
    slug: str = "",
    translations: dict[str, dict[str, Any]] | None = None,
    phases: list[str] | None = None,
    tiers: list[str] | None = None,
    maturity: str = Maturity.HOW_TO,
    next_article: Article | None = None,
    source_feedback_id: int | None = None,
) -> Article:
    """A new draft article, with its translations ({"ja": {"title": …, "body_markdown": …}})."""
    translations = translations or {}
    if not any(t.get("title") for t in translations.values()):
        raise ValidationError({"title": _("Give the article a title in at least one language.")})
    phases, tiers = list(phases or []), list(tiers or [])
    _check_targeting(phases, tiers, maturity)
    slug = slugify(slug)
    if slug and Article.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("An article with this slug already exists.")})
    if not slug:
        slug = _unique_slug(translations.get("en", {}).get("title") or "article")
    article = Article.objects.create(
        section=section,
        slug=slug,
        phases=phases,
        tiers=tiers,
        maturity=maturity,
        next_article=next_article,
        author=author,
        source_feedback_id=source_feedback_id,
        position=(Article.objects.filter(section=section).aggregate(m=Max("position"))["m"] or 0)
        + 10,
    )
    for language, fields in translations.items():
        if fields.get("title"):
            translation_save(article=article, language=language, author=author, **fields)
    return article


def article_update(*, article: Article, **fields: Any) -> Article:
    """Change settings (section, slug, targeting, next article); translations are separate."""
    allowed = {"section", "slug", "phases", "tiers", "maturity", "next_article", "position"}
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(f"Cannot update {name!r}.")
        setattr(article, name, value)
    _check_targeting(article.phases, article.tiers, article.maturity)
    article.slug = slugify(article.slug)
    if not article.slug:
        raise ValidationError({"slug": _("This field is required.")})
    if Article.objects.filter(slug=article.slug).exclude(pk=article.pk).exists():
        raise ValidationError({"slug": _("An article with this slug already exists.")})
    if article.next_article_id == article.pk:
        raise ValidationError({"next_article": _("An article cannot lead to itself.")})
    article.save()
    return article


@transaction.atomic
@transaction.atomic
def article_save(
    *,
    article: Article,
    settings: dict[str, Any],
    translations: dict[str, dict[str, Any]],
    author: User | None,
) -> Article:
    """The editor's save, in one transaction: the settings (a blank slug keeps the current
    one), then each language given (`{code: fields}`) whose fields differ from the stored
    ones (unchanged text makes no new revision)."""
    article_update(
        article=article,
        section=settings["section"],
        slug=settings["slug"] or article.slug,
        phases=settings["phases"],
        tiers=settings["tiers"],
        maturity=settings["maturity"],
        next_article=settings["next_article"],
    )
    existing = {t.language: t for t in article.translations.all()}
    for code, fields in translations.items():
        current = existing.get(code)
        if current and all(
            getattr(current, name) == (value or "").strip() for name, value in fields.items()
        ):
            continue  # unchanged: no new revision
        translation_save(article=article, language=code, author=author, **fields)
    return article


def translation_save(
    *, article: Article, language: str, author: User | None, **fields: Any
) -> ArticleTranslation:
    """Create or update one language of an article; every save keeps a revision."""
    if language not in LANGUAGE_CODES:
        raise ValidationError({"language": _("Unknown language.")})
    unknown = set(fields) - set(REVISED_FIELDS)
    if unknown:
        raise ValueError(f"Unknown translation fields: {sorted(unknown)}")
    if not (fields.get("title") or "").strip():
        raise ValidationError({"title": _("This field is required.")})
    translation = (
        ArticleTranslation.objects.select_for_update()
        .filter(article=article, language=language)
        .first()
    ) or ArticleTranslation(article=article, language=language)
    for name in REVISED_FIELDS:
        if name in fields:
            setattr(translation, name, (fields[name] or "").strip())
    translation.body_html = markdown_render(text=translation.body_markdown)
    translation.full_clean(exclude=["tenant", "article"])
    translation.save()
    number = (translation.revisions.aggregate(m=Max("number"))["m"] or 0) + 1
    ArticleRevision.objects.create(
        translation=translation,
        number=number,
        title=translation.title,
        body_markdown=translation.body_markdown,
        fields={name: getattr(translation, name) for name in REVISED_FIELDS},
        author=author,
    )
    Article.objects.filter(pk=article.pk).update(updated_at=timezone.now())
    return translation


def _status_changed(article: Article, before: str, action: str, actor: Actor) -> None:
    """The change log shows who published, unpublished or archived which article, and when."""
    if article.status != before:
        change_record(action=action, obj=article, actor=actor)


@transaction.atomic
def article_publish(*, article: Article, actor: Actor = None) -> Article:
    if not article.translations.exists():
        raise ValidationError(_("Write the article in at least one language before publishing."))
    before = article.status
    article.status = ArticleStatus.PUBLISHED
    article.published_at = article.published_at or timezone.now()
    article.save(update_fields=["status", "published_at", "updated_at"])
    _status_changed(article, before, ChangeAction.PUBLISHED, actor)
    return article


@transaction.atomic
def article_archive(*, article: Article, actor: Actor = None) -> Article:
    before = article.status
    article.status = ArticleStatus.ARCHIVED
    article.save(update_fields=["status", "updated_at"])
    _status_changed(article, before, ChangeAction.ARCHIVED, actor)
    return article


@transaction.atomic
def article_unpublish(*, article: Article, actor: Actor = None) -> Article:
    """Back to draft (the reader site stops serving it at once)."""
    before = article.status
    article.status = ArticleStatus.DRAFT
    article.save(update_fields=["status", "updated_at"])
    _status_changed(article, before, ChangeAction.UNPUBLISHED, actor)
    return article


def article_delete(*, article: Article, actor: Actor = None) -> None:
    """Into the trash with its translations, revisions, images, views and feedback; articles
    that led to it lose the link until it is restored."""
    trash_delete(obj=article, actor=actor)


def article_draft_from_question(
    *, feedback_id: int, quote: str, language: str, author: User | None
) -> Article:
    """One click from a voice-of-the-customer question to a draft article answering it."""
    existing = Article.objects.filter(source_feedback_id=feedback_id).first()
    if existing is not None:
        return existing
    section = (
        Section.objects.filter(kind=SectionKind.GUIDE).order_by("position", "id").first()
        or sections_seed_defaults()[0]
    )
    title = quote.strip().splitlines()[0][:200] if quote.strip() else str(_("Untitled"))
    body = f"> {quote.strip()}\n\n" + str(_("Write the answer here."))
    return article_create(
        section=section,
        author=author,
        slug=_unique_slug(f"question-{feedback_id}"),
        translations={language: {"title": title, "body_markdown": body}},
        source_feedback_id=feedback_id,
    )
