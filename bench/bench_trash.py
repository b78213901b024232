"""Trash an article with its readers' views and restore it: time and payload size.

An article's delete takes its translations, revisions, feedback and every view; the trash keeps
them as PostgreSQL's JSON of each row (one statement per table) and a restore re-inserts them
with jsonb_populate_recordset. Runs against the dev database in a throw-away tenant.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cs_platform.settings.dev")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from content.models import Article, ArticleTranslation, ArticleView, Section  # noqa: E402
from cs_platform.models import Tenant, TrashEntry  # noqa: E402
from cs_platform.scoping import tenant_scope  # noqa: E402
from cs_platform.services import tenant_delete  # noqa: E402
from cs_platform.trash.services import trash_delete, trash_restore  # noqa: E402

SIZES = [1_000, 10_000, 100_000]


def article_with_views(section: Section, views: int) -> Article:
    article = Article.objects.create(section=section, slug=f"bench-{views}", status="published")
    for language in ("ja", "en"):
        ArticleTranslation.objects.create(
            article=article, language=language, title=f"記事 {views}", body_markdown="本文" * 200
        )
    now = timezone.now()
    ArticleView.objects.bulk_create(
        (
            ArticleView(article=article, language="ja", session_hash=f"{i:064x}", viewed_at=now)
            for i in range(views)
        ),
        batch_size=5000,
    )
    return article


def main() -> None:
    for stale in Tenant.objects.filter(slug="bench-trash"):
        tenant_delete(tenant=stale)
    tenant = Tenant.objects.create(slug="bench-trash", name="ベンチマーク株式会社")
    try:
        with tenant_scope(tenant):
            section = Section.objects.create(key="bench", name_ja="ベンチ", name_en="Bench")
            for views in SIZES:
                article = article_with_views(section, views)
                pk = article.pk
                started = time.perf_counter()
                entry = trash_delete(obj=article)
                deleted = time.perf_counter() - started
                assert entry is not None
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_column_size(rows) FROM cs_platform_trashentry WHERE id = %s",
                        [entry.pk],
                    )
                    (size,) = cursor.fetchone()
                started = time.perf_counter()
                trash_restore(entry_id=entry.pk)
                restored = time.perf_counter() - started
                assert ArticleView.objects.filter(article_id=pk).count() == views
                assert not TrashEntry.objects.filter(pk=entry.pk).exists()
                print(
                    f"article with {views:>7,} views: delete into the trash {deleted:6.2f}s, "
                    f"restore {restored:6.2f}s, stored {size / 1024 / 1024:6.1f} MiB "
                    f"({size / views:.0f} B/view, compressed)"
                )
    finally:
        tenant_delete(tenant=tenant)


if __name__ == "__main__":
    main()
