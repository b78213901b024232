"""Monthly partitions of the raw event table: created ahead, dropped after the retention."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cs_platform.scoping import cross_tenant

logger = logging.getLogger(__name__)

PARENT = "healthscore_usageevent"
_PARTITION_NAME = re.compile(rf"^{PARENT}_p(\d{{4}})(\d{{2}})$")
# Advisory-lock id serialising DDL on the event table across processes.
_DDL_LOCK = 7_041_771

_known: set[dt.date] = set()
_known_lock = threading.Lock()


def retention_months() -> int:
    return int(getattr(settings, "HEALTH_EVENT_RETENTION_MONTHS", 25))


def month_start(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC).date()
    return value.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def retention_horizon(*, now: dt.datetime | None = None) -> dt.datetime:
    """The oldest instant still kept: the start of the oldest retained (UTC) month."""
    first = add_months(month_start(now or timezone.now()), -(retention_months() - 1))
    return dt.datetime(first.year, first.month, 1, tzinfo=dt.UTC)


def partition_name(month: dt.date) -> str:
    return f"{PARENT}_p{month:%Y%m}"


def partition_list() -> list[dt.date]:
    """The months that have a partition, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [PARENT],
        )
        names = [row[0] for row in cursor.fetchall()]
    months = []
    for name in names:
        if match := _PARTITION_NAME.match(name):
            months.append(dt.date(int(match[1]), int(match[2]), 1))
    return sorted(months)


def partitions_ensure(*, months: set[dt.date] | list[dt.date]) -> list[dt.date]:
    """Create the partitions of `months` that are missing; returns the ones created.

    Known months are cached per process, so the ingest path only touches the catalogue for a
    month it has not seen yet.
    """
    wanted = {month_start(m) for m in months}
    with _known_lock:
        missing = wanted - _known
    if not missing:
        return []
    created = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_DDL_LOCK])
        existing = set(partition_list())
        for month in sorted(missing - existing):
            # NOTE: the application's role owns no table; this SECURITY DEFINER function
            # (migration 0015) adds the partition as the owner, with its row-level security.
            cursor.execute("SELECT junkan_usage_event_partition_create(%s)", [month])
            created.append(month)
    if created:
        logger.info("Created event partitions %s", [f"{m:%Y-%m}" for m in created])
    with _known_lock:
        _known.update(wanted)
    return created


def partitions_create_ahead(*, now: dt.datetime | None = None, ahead: int = 2) -> list[dt.date]:
    """This month and the next `ahead` months (the beat task)."""
    first = month_start(now or timezone.now())
    return partitions_ensure(months=[add_months(first, i) for i in range(ahead + 1)])


def partitions_drop_expired(*, now: dt.datetime | None = None) -> list[dt.date]:
    """Drop whole partitions older than the retention, and the idempotency keys as old."""
    horizon = retention_horizon(now=now)
    horizon_month = horizon.date()
    dropped = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_DDL_LOCK])
        for month in partition_list():
            if month < horizon_month:
                cursor.execute("SELECT junkan_usage_event_partition_drop(%s)", [month])
                dropped.append(month)
        # NOTE: a key older than the retention can be stored again; its event would be
        # rejected as too old anyway.
        with cross_tenant("sweep"):
            cursor.execute("DELETE FROM healthscore_eventkey WHERE created_at < %s", [horizon])
    with _known_lock:
        _known.difference_update(dropped)
    if dropped:
        logger.info("Dropped event partitions %s", [f"{m:%Y-%m}" for m in dropped])
    return dropped


def partitions_forget_cache() -> None:
    """Tests drop partitions behind the cache's back."""
    with _known_lock:
        _known.clear()
