"""Learn & Support: sections, articles in ja and en, images, readers' views and feedback."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from cs_platform.dns_verify import DnsVerifiedDomain, verification_token_new
from cs_platform.scoping import TenantScopedModel


class Language(models.TextChoices):
    JA = "ja", "日本語"
    EN = "en", "English"


LANGUAGE_CODES: tuple[str, ...] = tuple(Language.values)


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Tier(models.TextChoices):
    HIGH = "high", _("High touch")
    LOW = "low", _("Low touch")
    TECH = "tech", _("Tech touch")


class Maturity(models.TextChoices):
    HOW_TO = "how_to", _("How-to (beginners)")
    WAY_OF_THINKING = "way_of_thinking", _("Way of thinking (mature users)")


class SectionKind(models.TextChoices):
    GUIDE = "guide", _("Guides")
    STORY = "story", _("Customer stories")


class Section(TenantScopedModel):
    """A part of the public site (Get Started, Best Practices, Customer Stories, …)."""

    key = models.SlugField(_("key"), max_length=60)
    name_ja = models.CharField(_("name (Japanese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_ja = models.TextField(_("description (Japanese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=SectionKind.choices, default=SectionKind.GUIDE
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="content_section_unique_key"),
        ]

    def __str__(self) -> str:
        return self.name_ja or self.name_en

    def name_in(self, language: str) -> str:
        return (self.name_en if language == Language.EN else self.name_ja) or self.name_ja

    def description_in(self, language: str) -> str:
        return self.description_en if language == Language.EN else self.description_ja


class Article(TenantScopedModel):
    section = models.ForeignKey(
        Section, on_delete=models.PROTECT, related_name="articles", verbose_name=_("section")
    )
    slug = models.SlugField(_("slug"), max_length=120)
    status = models.CharField(
        _("status"), max_length=16, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    # Journeys phase keys (契約/導入/活用/継続 …); empty means every phase.
    phases = ArrayField(
        models.CharField(max_length=60), verbose_name=_("phases"), default=list, blank=True
    )
    tiers = ArrayField(
        models.CharField(max_length=8, choices=Tier.choices),
        verbose_name=_("tiers"),
        default=list,
        blank=True,
    )
    maturity = models.CharField(
        _("maturity level"), max_length=20, choices=Maturity.choices, default=Maturity.HOW_TO
    )
    next_article = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="previous_articles",
        verbose_name=_("next article"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    # NOTE: an id of journeys.FeedbackItem, kept as a plain integer so an article survives the
    # question being deleted and content's migrations do not depend on journeys' tables.
    source_feedback_id = models.BigIntegerField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["section__position", "position", "id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "slug"], name="content_article_unique_slug"),
            models.CheckConstraint(
                condition=~models.Q(next_article=models.F("id")),
                name="content_article_next_not_self",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "section"], name="content_article_status_idx"),
        ]

    def __str__(self) -> str:
        return self.slug

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED


class ArticleTranslation(TenantScopedModel):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=400, blank=True)
    body_markdown = models.TextField(_("body (Markdown)"), blank=True)
    body_html = models.TextField(editable=False, blank=True)
    # Customer Story: the person at a customer company who runs the product.
    story_person = models.CharField(_("person's name"), max_length=120, blank=True)
    story_role = models.CharField(_("role"), max_length=120, blank=True)
    story_company = models.CharField(_("company"), max_length=200, blank=True)
    story_what = models.TextField(_("what they did"), blank=True)
    story_quote = models.TextField(_("quote"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["article", "language"]
        verbose_name = _("article translation")
        verbose_name_plural = _("article translations")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "article", "language"], name="content_translation_unique_lang"
            ),
        ]
        indexes = [
            # Japanese search: Django's icontains compiles to UPPER(col) LIKE UPPER(%s), so the
            # trigram GIN indexes are on UPPER(col) for the planner to use them.
            GinIndex(OpClass(Upper("title"), name="gin_trgm_ops"), name="content_tr_title_trgm"),
            GinIndex(
                OpClass(Upper("summary"), name="gin_trgm_ops"), name="content_tr_summary_trgm"
            ),
            GinIndex(
                OpClass(Upper("body_markdown"), name="gin_trgm_ops"), name="content_tr_body_trgm"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    @property
    def is_story(self) -> bool:
        return bool(self.story_person or self.story_quote)


REVISED_FIELDS = (
    "title",
    "summary",
    "body_markdown",
    "story_person",
    "story_role",
    "story_company",
    "story_what",
    "story_quote",
)


class ArticleRevision(TenantScopedModel):
    """A snapshot of a translation, kept at every save."""

    translation = models.ForeignKey(
        ArticleTranslation, on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("revision"))
    title = models.CharField(_("title"), max_length=200)
    body_markdown = models.TextField(_("body (Markdown)"), blank=True)
    fields = models.JSONField(default=dict, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("article revision")
        verbose_name_plural = _("article revisions")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "translation", "number"], name="content_revision_unique_number"
            ),
        ]


def article_image_path(instance: ArticleImage, filename: str) -> str:
    """content/<tenant id>/<random>.<ext>: the original file name never reaches the disk."""
    ext = instance.FORMATS.get(instance.content_type, ".bin")
    return f"content/{instance.tenant_id}/{secrets.token_hex(16)}{ext}"


class ArticleImage(TenantScopedModel):
    FORMATS: dict[str, str] = {
        "image/png": ".png",
        "image/jpeg": ".jpg",
        "image/gif": ".gif",
        "image/webp": ".webp",
    }

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(upload_to=article_image_path, max_length=200)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("article image")
        verbose_name_plural = _("article images")


class ArticleView(TenantScopedModel):
    """One page view. Known readers carry contact and account; anonymous ones only a hash."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="views")
    language = models.CharField(max_length=2, choices=Language.choices)
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    session_hash = models.CharField(max_length=64, blank=True)
    viewed_at = models.DateTimeField(db_index=False)

    class Meta:
        ordering = ["-viewed_at"]
        verbose_name = _("article view")
        verbose_name_plural = _("article views")
        indexes = [
            models.Index(
                fields=["tenant", "article", "viewed_at"], name="content_view_article_idx"
            ),
            models.Index(
                fields=["tenant", "account", "viewed_at"], name="content_view_account_idx"
            ),
        ]


class Moderation(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ArticleFeedback(TenantScopedModel):
    """ "Was this helpful?" — also copied into the voice of the customer.

    An anonymous "no" or comment is held for moderation (`moderation` pending) and reaches the
    voice of the customer only once a CSM approves it; a known reader's goes there at once, and
    a plain anonymous "yes" needs no review (`moderation` empty for both)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    language = models.CharField(max_length=2, choices=Language.choices)
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True)
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    session_hash = models.CharField(max_length=64, blank=True)
    feedback_item_id = models.BigIntegerField(null=True, blank=True)  # journeys.FeedbackItem
    moderation = models.CharField(
        _("review"), max_length=8, choices=Moderation.choices, blank=True, default=""
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        indexes = [
            models.Index(fields=["tenant", "article"], name="content_feedback_article_idx"),
            models.Index(
                fields=["tenant", "moderation", "created_at"],
                name="content_feedback_review_idx",
                condition=~models.Q(moderation=""),
            ),
        ]


class MagicLinkUse(TenantScopedModel):
    """A consumed sign-in link: the unique nonce makes each magic link single-use."""

    nonce = models.CharField(max_length=64)
    contact = models.ForeignKey("accounts.Contact", on_delete=models.CASCADE, related_name="+")
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "nonce"], name="content_magic_unique_nonce"),
        ]


# NOTE: migration 0003 names it as the token's default; new rows use the shared one.
site_domain_token = verification_token_new


def domain_normalise(domain: str) -> str:
    """The form domains are stored and looked up in: no port, lower case, no final dot."""
    return domain.split(":")[0].strip().lower().rstrip(".")


class SiteDomain(DnsVerifiedDomain):
    """A custom domain serving a tenant's Learn & Support site (e.g. help.example.co.jp).

    A tenant admin claims the domain, which gets a random `verification_token`; it is served
    only once `verified_at` is set, after the token was found in the DNS TXT record
    `_junkan-verify.<domain>` (`content.services.site_domain_verify`).

    NOTE: the matrix rule makes every unique constraint include the tenant, so (tenant, domain)
    is unique here and several tenants may hold a *pending* claim on the same domain; the
    domain → tenant lookup is a reference-style, cross-tenant read done in exactly one selector
    (`content.selectors.site_domain_tenant`, verified rows only), and verification serialises
    on a per-domain advisory lock so that at most one tenant ever verifies a domain.
    """

    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        ordering = ["domain"]
        verbose_name = _("site domain")
        verbose_name_plural = _("site domains")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "domain"], name="content_domain_unique"),
            models.UniqueConstraint(
                fields=["tenant"],
                condition=models.Q(is_primary=True),
                name="content_domain_one_primary",
            ),
            models.CheckConstraint(
                condition=models.Q(is_primary=False) | models.Q(verified_at__isnull=False),
                name="content_domain_primary_is_verified",
            ),
        ]
        indexes = [models.Index(fields=["domain"], name="content_domain_idx")]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.domain = domain_normalise(self.domain)
        super().save(*args, **kwargs)
