"""What the audit log costs: one event, a batch, a tracked settings save, and the purge.

Runs against the dev database in a throw-away tenant; prints per-operation times.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cs_platform.settings.dev")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from cs_platform.audit.services import (  # noqa: E402
    audit_event,
    audit_purge_expired,
    audit_record,
    audit_record_many,
)
from cs_platform.models import AuditEvent, Tenant  # noqa: E402
from cs_platform.scoping import tenant_scope  # noqa: E402
from cs_platform.services import tenant_delete  # noqa: E402
from touchmodel.services.tiers import touch_settings_get  # noqa: E402

SINGLE = 2_000
BATCH = 10_000
PURGE = 100_000


def timed(label: str, count: int, run: Callable[[], object]) -> None:
    start = time.perf_counter()
    run()
    elapsed = time.perf_counter() - start
    print(f"{label:<48} {count:>7,} in {elapsed:6.2f} s = {elapsed / count * 1e6:8.1f} µs each")


def main() -> None:
    for stale in Tenant.objects.filter(slug="bench-audit"):
        tenant_delete(tenant=stale)
    tenant = Tenant.objects.create(slug="bench-audit", name="監査ベンチ株式会社")

    def round_trips() -> None:
        with connection.cursor() as cursor:
            for _n in range(SINGLE):
                cursor.execute("SELECT 1")

    # The yardstick: on a loaded machine every figure below moves with this one.
    timed("SELECT 1 (a database round trip, for scale)", SINGLE, round_trips)
    try:
        with tenant_scope(tenant):
            changes = {"role": ["csm", "cs_manager"]}

            def singles() -> None:
                for n in range(SINGLE):
                    with transaction.atomic():
                        audit_record(action="bench.single", target_id=n, changes=changes)

            timed("audit_record (one INSERT, own transaction)", SINGLE, singles)

            def inserts() -> None:
                with transaction.atomic():
                    for n in range(SINGLE):
                        audit_record(action="bench.single", target_id=n, changes=changes)

            timed("audit_record inside a request's transaction", SINGLE, inserts)
            events = [audit_event(action="bench.batch", target_id=n) for n in range(BATCH)]
            timed(
                "audit_record_many (one multi-row INSERT)",
                BATCH,
                lambda: audit_record_many(events),
            )

            settings = touch_settings_get()
            base = settings.email_from

            def saves() -> None:
                for n in range(SINGLE):
                    settings.email_from = f"cs{n}@bench.example"
                    settings.save()

            with CaptureQueriesContext(connection) as queries:
                settings.email_from = "one@bench.example"
                settings.save()
            statements = [q["sql"].split()[0] for q in queries.captured_queries]
            print(f"tracked settings save: {statements} (no read: the loaded values are kept)")
            timed("tracked settings save (UPDATE + audit INSERT)", SINGLE, saves)
            settings.email_from = base
            settings.save()

        old = timezone.now() - timedelta(days=800)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {AuditEvent._meta.db_table} (tenant_id, at, action, actor_label, "
                "target_type, target_label, changes, user_agent, source) "
                "SELECT %s, %s, 'bench.old', '', '', '', '{}'::jsonb, '', '' "
                "FROM generate_series(1, %s)",
                [tenant.pk, old, PURGE],
            )
        timed("retention purge (batches of 5,000)", PURGE, audit_purge_expired)
    finally:
        tenant_delete(tenant=tenant)


if __name__ == "__main__":
    main()
