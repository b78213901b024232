"""Factories for every content model (create inside tenant_scope(), or pass tenant=…)."""

from __future__ import annotations

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from content.models import (
    Article,
    ArticleFeedback,
    ArticleImage,
    ArticleRevision,
    ArticleStatus,
    ArticleTranslation,
    ArticleView,
    MagicLinkUse,
    Section,
    SiteDomain,
)
from content.services import markdown_render
from tests.factories import ContactFactory, TenantOwnedFactory

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


class SectionFactory(TenantOwnedFactory):
    class Meta:
        model = Section

    key = factory.Sequence(lambda n: f"section-{n}")
    name_ja = factory.Sequence(lambda n: f"セクション{n}")
    name_en = factory.Sequence(lambda n: f"Section {n}")
    position = factory.Sequence(lambda n: n * 10)


class ArticleFactory(TenantOwnedFactory):
    class Meta:
        model = Article

    section = factory.SubFactory(SectionFactory, tenant=factory.SelfAttribute("..tenant"))
    slug = factory.Sequence(lambda n: f"article-{n}")
    status = ArticleStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class ArticleTranslationFactory(TenantOwnedFactory):
    class Meta:
        model = ArticleTranslation

    article = factory.SubFactory(ArticleFactory, tenant=factory.SelfAttribute("..tenant"))
    language = "ja"
    title = factory.Sequence(lambda n: f"記事タイトル{n}")
    summary = "概要"
    body_markdown = "本文です。"
    body_html = factory.LazyAttribute(lambda o: markdown_render(text=o.body_markdown))


class ArticleRevisionFactory(TenantOwnedFactory):
    class Meta:
        model = ArticleRevision

    translation = factory.SubFactory(
        ArticleTranslationFactory, tenant=factory.SelfAttribute("..tenant")
    )
    number = factory.Sequence(lambda n: n + 1)
    title = factory.SelfAttribute("translation.title")
    body_markdown = factory.SelfAttribute("translation.body_markdown")


class ArticleImageFactory(TenantOwnedFactory):
    class Meta:
        model = ArticleImage

    article = factory.SubFactory(ArticleFactory, tenant=factory.SelfAttribute("..tenant"))
    content_type = "image/png"
    size = len(PNG_BYTES)
    original_name = "pixel.png"
    file = factory.LazyFunction(lambda: ContentFile(PNG_BYTES, name="pixel.png"))


class ArticleViewFactory(TenantOwnedFactory):
    class Meta:
        model = ArticleView

    article = factory.SubFactory(ArticleFactory, tenant=factory.SelfAttribute("..tenant"))
    language = "ja"
    contact = None
    account = factory.LazyAttribute(lambda o: o.contact.account if o.contact else None)
    session_hash = factory.Sequence(lambda n: f"session-{n}")
    viewed_at = factory.LazyFunction(timezone.now)


class ArticleFeedbackFactory(TenantOwnedFactory):
    class Meta:
        model = ArticleFeedback

    article = factory.SubFactory(ArticleFactory, tenant=factory.SelfAttribute("..tenant"))
    language = "ja"
    helpful = True


class MagicLinkUseFactory(TenantOwnedFactory):
    class Meta:
        model = MagicLinkUse

    nonce = factory.Sequence(lambda n: f"nonce-{n}")
    contact = factory.SubFactory(ContactFactory, tenant=factory.SelfAttribute("..tenant"))


class SiteDomainFactory(TenantOwnedFactory):
    class Meta:
        model = SiteDomain

    domain = factory.Sequence(lambda n: f"help{n}.customer.example")
