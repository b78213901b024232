"""Tech-touch e-mails with content picks: rule firings per second and the recommender's cost.

Uses the configured database (DATABASE_URL). Creates a bench tenant with `--accounts` tech-touch
accounts (two contacts each, Japanese and English, accounts spread over the four phases and the
five maturity stages), `--articles` published articles in both languages targeted at phases,
tiers and maturity levels, and five past reads per contact. Then it times:

- `article_picks` for one chunk of readers (as one chunk of 200 firings asks): seconds and
  SQL statements, for a chunk of 40 and of 400 readers (the count must not grow);
- one rule firing for every account (`rule_fire`, production code, chunks of 200): firings
  and e-mails per second, each e-mail carrying the recipient's picks as signed links; then
  the same without content's recommender (one unsigned home-page link, as before), so the
  cost of the picks shows as a percentage whatever the load on the machine.

E-mails are queued, not sent (publishing the send tasks is switched off). The bench tenant is
removed afterwards.

    python bench/bench_tech_touch.py [--accounts 2000] [--articles 300]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cs_platform.settings.dev")
os.environ["DEBUG"] = "false"

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.extensions import (  # noqa: E402
    register_content_recommender,
    unregister_content_recommender,
)
from accounts.models import Account, Contact  # noqa: E402
from content.models import Article, ArticleTranslation, ArticleView, Section  # noqa: E402
from content.plugins import recommend_articles  # noqa: E402
from content.selectors import PickRequest, article_picks  # noqa: E402
from cs_platform.models import Tenant  # noqa: E402
from cs_platform.scoping import tenant_scope  # noqa: E402
from cs_platform.services import tenant_create, tenant_delete  # noqa: E402
from journeys.models import AccountPhase, Phase  # noqa: E402
from touchmodel.models import AccountTier, OutboundEmail, Rule  # noqa: E402
from touchmodel.services import rules  # noqa: E402

SLUG = "bench-tech-touch"


def _generate(n_accounts: int, n_articles: int, rng: random.Random) -> None:
    phases = list(Phase.objects.order_by("order"))
    sections = list(Section.objects.order_by("position"))
    accounts = Account.objects.bulk_create(
        Account(name=f"Bench {i}", external_id=f"bench-{i}", maturity_stage=i % 5)
        for i in range(n_accounts)
    )
    AccountPhase.objects.bulk_create(
        AccountPhase(account=a, phase=phases[i % len(phases)]) for i, a in enumerate(accounts)
    )
    AccountTier.objects.bulk_create(
        AccountTier(account=a, tier="tech", source="default") for a in accounts
    )
    contacts = Contact.objects.bulk_create(
        Contact(
            account=a,
            name=f"Reader {a.pk}-{k}",
            email=f"reader-{a.pk}-{k}@bench.example",
            relationship_level="field",
            language="en" if k else "ja",
        )
        for a in accounts
        for k in range(2)
    )
    now = timezone.now()
    articles = Article.objects.bulk_create(
        Article(
            section=sections[i % len(sections)],
            slug=f"bench-article-{i}",
            status="published",
            published_at=now,
            position=i,
            phases=rng.sample([p.key for p in phases], rng.choice([0, 1, 2])),
            tiers=rng.choice([[], ["tech"], ["low", "tech"], ["high"]]),
            maturity=rng.choice(["how_to", "way_of_thinking"]),
        )
        for i in range(n_articles)
    )
    ArticleTranslation.objects.bulk_create(
        ArticleTranslation(article=a, language=lang, title=f"{a.slug} ({lang})")
        for a in articles
        for lang in ("ja", "en")
    )
    ArticleView.objects.bulk_create(
        ArticleView(
            article=rng.choice(articles),
            language="ja",
            contact=c,
            account_id=c.account_id,
            viewed_at=now,
        )
        for c in contacts
        for _ in range(5)
    )


def _picks(readers: list[PickRequest]) -> tuple[float, int]:
    with CaptureQueriesContext(connection) as queries:
        started = time.monotonic()
        article_picks(readers=readers)
        elapsed = time.monotonic() - started
    return elapsed, len(queries.captured_queries)


def _fire(label: str, rules: Any) -> float:
    """Fire one new rule for every account; returns the seconds."""
    rule = Rule.objects.create(
        name_ja="ベンチ", name_en="Bench", trigger="no_activity", params={"days": 0}
    )
    started = time.monotonic()
    fired = rules.rule_fire(rule=rule)
    elapsed = time.monotonic() - started
    emails = OutboundEmail.objects.filter(firing__rule=rule)
    linked = emails.filter(body_text__contains="/go/").count()
    print(
        f"RESULT rule_fire {label}: {len(fired):,} tech-touch firings, {emails.count():,}"
        f" e-mails ({linked:,} with signed links) in {elapsed:.1f}s:"
        f" {len(fired) / elapsed:,.0f} firings/s, {emails.count() / elapsed:,.0f} e-mails/s"
    )
    return elapsed


def bench(n_accounts: int, n_articles: int) -> None:
    for stale in Tenant.objects.filter(slug=SLUG):
        tenant_delete(tenant=stale)
    tenant = tenant_create(name="Bench tech touch", slug=SLUG)
    rng = random.Random(12)
    try:
        with tenant_scope(tenant), timezone.override(tenant.tzinfo):
            started = time.monotonic()
            with transaction.atomic():
                _generate(n_accounts, n_articles, rng)
            print(
                f"  {n_accounts:,} accounts, {2 * n_accounts:,} contacts, {n_articles} articles"
                f" generated in {time.monotonic() - started:.1f}s"
            )
            readers = [
                PickRequest(
                    contact_id=c.pk,
                    account_id=c.account_id,
                    language=c.language,
                    tier="tech",
                    maturity_stage=c.account.maturity_stage,
                )
                for c in Contact.objects.select_related("account").order_by("pk")[:400]
            ]
            # Warm up as a long-running worker is: URLconf loaded, first queries planned.
            reverse("content_public:home", kwargs={"tenant_slug": SLUG})
            _picks(readers[:1])
            for size in (40, 400):
                seconds, statements = _picks(readers[:size])
                print(
                    f"RESULT article_picks for {size} readers: {seconds * 1000:.0f} ms,"
                    f" {statements} SQL statements"
                )
            # NOTE: measure producing the e-mails, not the broker: no send tasks are published.
            rules.email_enqueue = lambda *, items: None
            # Alternate the two, twice, and keep the best of each: other load on the machine
            # then moves both alike.
            timings: dict[bool, list[float]] = {True: [], False: []}
            for picks in (False, True, False, True):
                if picks:
                    timings[True].append(_fire("with picks", rules))
                    continue
                unregister_content_recommender(recommend_articles)
                try:
                    timings[False].append(_fire("without recommender (home-page link)", rules))
                finally:
                    register_content_recommender(recommend_articles)
            with_picks, without = min(timings[True]), min(timings[False])
            print(f"RESULT picks and signed links add {100 * (with_picks / without - 1):.0f}%")
    finally:
        tenant_delete(tenant=tenant)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--articles", type=int, default=300)
    args = parser.parse_args()
    print("Tech-touch bench:")
    bench(args.accounts, args.articles)


if __name__ == "__main__":
    main()
