"""Monthly partitions: created ahead, created on demand, dropped after the retention."""

from __future__ import annotations

import datetime as dt

import pytest

from healthscore.models import EventKey
from healthscore.services.partitions import (
    partition_list,
    partitions_create_ahead,
    partitions_drop_expired,
    partitions_ensure,
    retention_horizon,
)

from .factories import EventKeyFactory

pytestmark = pytest.mark.django_db


def test_beat_creates_this_month_and_the_next_two():
    created = partitions_create_ahead(now=dt.datetime(2031, 11, 15, tzinfo=dt.UTC))
    assert created == [dt.date(2031, 11, 1), dt.date(2031, 12, 1), dt.date(2032, 1, 1)]
    assert {dt.date(2031, 11, 1), dt.date(2032, 1, 1)} <= set(partition_list())


def test_creating_an_existing_partition_is_harmless():
    partitions_ensure(months=[dt.date(2031, 5, 1)])
    assert partitions_ensure(months=[dt.date(2031, 5, 1)]) == []


def test_retention_horizon_keeps_the_configured_number_of_months(settings):
    settings.HEALTH_EVENT_RETENTION_MONTHS = 25
    horizon = retention_horizon(now=dt.datetime(2027, 3, 10, tzinfo=dt.UTC))
    assert horizon == dt.datetime(2025, 3, 1, tzinfo=dt.UTC)


def test_partitions_older_than_the_retention_are_dropped(settings):
    settings.HEALTH_EVENT_RETENTION_MONTHS = 25
    partitions_ensure(months=[dt.date(2025, 1, 1), dt.date(2025, 3, 1)])
    dropped = partitions_drop_expired(now=dt.datetime(2027, 3, 10, tzinfo=dt.UTC))
    assert dt.date(2025, 1, 1) in dropped
    assert dt.date(2025, 1, 1) not in partition_list()
    assert dt.date(2025, 3, 1) in partition_list()


def test_idempotency_keys_older_than_the_retention_are_deleted(scoped, settings):
    settings.HEALTH_EVENT_RETENTION_MONTHS = 25
    EventKeyFactory(idempotency_key="old", created_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    EventKeyFactory(idempotency_key="new", created_at=dt.datetime(2027, 3, 1, tzinfo=dt.UTC))
    partitions_drop_expired(now=dt.datetime(2027, 3, 10, tzinfo=dt.UTC))
    assert list(EventKey.objects.values_list("idempotency_key", flat=True)) == ["new"]
