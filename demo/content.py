"""Demo data for Learn & Support: real articles in ja and en, and 90 days of readers.

Idempotent: articles are created only when their slug is missing, and views and feedback only
when the tenant has none, so a second run leaves the same demo.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Contact
from content import services
from content.models import Article, ArticleFeedback, ArticleView
from cs_platform.models import Membership, Role, Tenant, User
from demo.content_articles import HANAMARU, generic_articles

Log = Callable[[str], None]
DAYS = 90
ANONYMOUS_VIEWS = 400


def _product_name(tenant: Tenant) -> str:
    return re.sub(r"(株式会社|\s*(Inc\.|Corp\.?|Ltd\.?))", "", tenant.name).strip() or tenant.name


def _author(tenant: Tenant) -> User | None:
    membership = (
        Membership.objects.filter(tenant=tenant, role__in=[Role.CS_MANAGER, Role.CSM, Role.ADMIN])
        .select_related("user")
        .order_by("role", "pk")
        .first()
    )
    return membership.user if membership else None


def _articles(tenant: Tenant, *, log: Log) -> list[Article]:
    entries = HANAMARU if tenant.slug == "hanamaru" else generic_articles(_product_name(tenant))
    sections = {s.key: s for s in services.sections_seed_defaults()}
    existing = {a.slug: a for a in Article.objects.all()}
    author = _author(tenant)
    created = 0
    for entry in entries:
        if entry["slug"] in existing:
            continue
        article = services.article_create(
            section=sections[entry["section"]],
            author=author,
            slug=entry["slug"],
            translations={"ja": entry["ja"], "en": entry["en"]},
            phases=entry["phases"],
            tiers=entry["tiers"],
            maturity=entry["maturity"],
        )
        services.article_publish(article=article)
        existing[article.slug] = article
        created += 1
    for entry in entries:
        article, nxt = existing[entry["slug"]], existing.get(entry["next"] or "")
        if nxt is not None and article.next_article_id is None:
            services.article_update(article=article, next_article=nxt)
    if "draft-invoices" not in existing:
        services.article_create(
            section=sections["get-started"],
            author=author,
            slug="draft-invoices",
            translations={
                "ja": {"title": "請求書を受け取るには（下書き）", "body_markdown": "準備中です。"},
            },
        )
    log(f"  content: {created} articles created, {len(existing)} in total")
    return [existing[e["slug"]] for e in entries]


def _at(rng: random.Random, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=rng.uniform(0, DAYS), minutes=rng.randint(0, 600))


def _known_rows(
    articles: list[Article], contacts: list[Contact], rng: random.Random
) -> list[dict[str, Any]]:
    """About half the contacts read; readers mostly follow a track from where they start."""
    now = timezone.now()
    rows: list[dict[str, Any]] = []
    for contact in contacts:
        if rng.random() > 0.45:
            continue
        start = rng.randrange(len(articles))
        read = articles[start : start + rng.randint(1, 4)]
        if rng.random() < 0.3:
            read.append(rng.choice(articles))
        language = "ja" if rng.random() < 0.85 else "en"
        first = _at(rng, now)
        for step, article in enumerate(read):
            when = min(first + dt.timedelta(days=step * rng.uniform(0.5, 6)), now)
            for _ in range(1 if rng.random() < 0.8 else 2):
                row = {"article": article, "language": language, "contact": contact}
                rows.append({**row, "viewed_at": when})
    return rows


def _anonymous_rows(articles: list[Article], rng: random.Random) -> list[dict[str, Any]]:
    now = timezone.now()
    weights = [6, 5, 4, 3, 2, 2, 2][: len(articles)] + [1] * max(0, len(articles) - 7)
    return [
        {
            "article": rng.choices(articles, weights=weights)[0],
            "language": "ja" if rng.random() < 0.75 else "en",
            "session_hash": f"demo-{n % 260}",
            "viewed_at": _at(rng, now),
        }
        for n in range(ANONYMOUS_VIEWS)
    ]


def _feedback(articles: list[Article], contacts: list[Contact], rng: random.Random) -> None:
    comments = [
        ("ja", False, "画像のサイズの指定方法がわかりませんでした"),
        ("ja", True, "手順が具体的でわかりやすかったです"),
        ("ja", True, "面接官の権限を途中で変更することはできますか？"),
        ("en", False, "The screenshots do not match what I see."),
        ("en", True, "Can we publish the same posting in two locations?"),
    ]
    for i, (language, helpful, comment) in enumerate(comments):
        services.article_feedback_submit(
            article=articles[i % len(articles)],
            language=language,
            helpful=helpful,
            comment=comment,
            contact=rng.choice(contacts) if contacts else None,
        )
    # Anonymous readers' answers wait for review (Learn & Support › Readers' feedback to review).
    for i, (language, comment) in enumerate(
        [
            ("ja", "検索で目的の記事が見つかりませんでした"),
            ("ja", ""),
            ("en", "Please add an example for the API."),
        ]
    ):
        services.article_feedback_submit(
            article=articles[(i + 1) % len(articles)],
            language=language,
            helpful=False,
            comment=comment,
            session_hash=f"demo-anonymous-{i}",
        )
    votes = [
        ArticleFeedback(
            article=rng.choice(articles),
            language="ja",
            helpful=rng.random() < 0.8,
            session_hash=f"demo-{n}",
        )
        for n in range(60)
    ]
    ArticleFeedback.objects.bulk_create(votes)


@transaction.atomic
def content_seed_demo(*, tenant: Tenant, log: Log) -> None:
    log(f"Learn & Support for {tenant.slug} …")
    articles = _articles(tenant, log=log)
    contacts = list(Contact.objects.only("id", "account_id").order_by("pk"))
    # Each kind of demo data is written once: known readers when there are contacts and none
    # of their views yet, anonymous views and feedback when there are none.
    rows: list[dict[str, Any]] = []
    if contacts and not ArticleView.objects.filter(contact__isnull=False).exists():
        rows += _known_rows(articles, contacts, random.Random(f"content-known-{tenant.slug}"))
    if not ArticleView.objects.filter(contact__isnull=True).exists():
        rows += _anonymous_rows(articles, random.Random(f"content-anon-{tenant.slug}"))
    services.article_view_record_bulk(rows=rows)
    known = sum(1 for r in rows if r.get("contact"))
    log(f"  content: {len(rows)} views written ({known} by known readers, on the timeline)")
    if contacts and not ArticleFeedback.objects.exists():
        _feedback(articles, contacts, random.Random(f"content-feedback-{tenant.slug}"))
