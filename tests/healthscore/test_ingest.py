"""The ingestion service: validation, storage, de-duplication and rollups."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from cs_platform.scoping import tenant_scope
from healthscore.models import ContactDaily, EventKey, UsageDaily, UsageEvent
from healthscore.services.ingest import BatchTooLarge, events_ingest, events_parse
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)


def event(**overrides):
    base = {
        "account_id": "acc-1",
        "contact_id": "u-1",
        "event": "posting_published",
        "timestamp": "2026-11-20T10:00:00+09:00",
    }
    base.update(overrides)
    return base


@pytest.fixture
def account(scoped):
    return AccountFactory(external_id="acc-1")


def ingest(tenant, events, now=NOW):
    return events_ingest(tenant=tenant, events=events, now=now)


def test_valid_event_is_stored(scoped, account):
    result = ingest(scoped, [event(properties={"k": "v"})])
    assert (result.accepted, result.duplicates, result.rejected) == (1, 0, [])
    stored = UsageEvent.objects.get()
    assert stored.account_id == account.pk
    assert stored.properties == {"k": "v"}


def test_unknown_account_is_rejected_with_its_index(scoped, account):
    result = ingest(scoped, [event(), event(account_id="nope")])
    assert result.accepted == 1
    assert result.rejected == [
        {"index": 1, "error": "Unknown account_id.", "code": "unknown_account"}
    ]


def test_account_of_another_tenant_is_unknown(scoped, account, other_tenant):
    result = ingest(other_tenant, [event()])
    assert result.rejected[0]["code"] == "unknown_account"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"timestamp": "yesterday"}, "bad_timestamp"),
        ({"timestamp": "2026-11-20T10:00:00"}, "bad_timestamp"),
        ({"timestamp": 1763600000}, "bad_timestamp"),
        ({"timestamp": None}, "missing_field"),
        ({"timestamp": "2026-11-20T01:06:00+00:00"}, "future_timestamp"),
        ({"timestamp": "2020-01-01T00:00:00+00:00"}, "too_old"),
        ({"properties": {"x": "a" * 9000}}, "properties_too_large"),
        ({"properties": ["not", "an", "object"]}, "bad_type"),
        ({"account_id": 12}, "bad_type"),
        ({"account_id": None}, "missing_field"),
        ({"event": ""}, "missing_field"),
        ({"event": "e" * 101}, "too_long"),
        ({"idempotency_key": 5}, "bad_type"),
        ({"contact_id": ["x"]}, "bad_type"),
    ],
)
def test_invalid_event_is_rejected_with_a_reason(scoped, account, overrides, code):
    result = ingest(scoped, [event(**overrides)])
    assert result.accepted == 0
    assert [(r["index"], r["code"]) for r in result.rejected] == [(0, code)]
    assert result.rejected[0]["error"]


def test_event_that_is_not_an_object_is_rejected(scoped, account):
    result = ingest(scoped, ["hello"])
    assert result.rejected[0]["code"] == "bad_type"


def test_small_clock_skew_is_accepted(scoped, account):
    result = ingest(scoped, [event(timestamp="2026-11-20T01:04:00+00:00")])
    assert result.accepted == 1


def test_accepted_events_are_stored_even_when_others_are_rejected(scoped, account):
    result = ingest(scoped, [event(timestamp="bad"), event(), event(account_id="x"), event()])
    assert result.accepted == 2
    assert [r["index"] for r in result.rejected] == [0, 2]
    assert UsageEvent.objects.count() == 2


def test_same_idempotency_key_in_two_batches_is_stored_once(scoped, account):
    first = ingest(scoped, [event(idempotency_key="k1")])
    second = ingest(scoped, [event(idempotency_key="k1")])
    assert (first.accepted, second.accepted, second.duplicates) == (1, 0, 1)
    assert UsageEvent.objects.count() == 1


def test_same_idempotency_key_twice_in_one_batch_is_stored_once(scoped, account):
    result = ingest(scoped, [event(idempotency_key="k"), event(idempotency_key="k")])
    assert (result.accepted, result.duplicates) == (1, 1)


def test_idempotency_key_with_another_timestamp_is_still_a_duplicate(scoped, account):
    ingest(scoped, [event(idempotency_key="k")])
    again = ingest(scoped, [event(idempotency_key="k", timestamp="2026-10-01T00:00:00Z")])
    assert again.duplicates == 1


def test_idempotency_keys_are_per_tenant(scoped, account, other_tenant):
    with tenant_scope(other_tenant):
        AccountFactory(external_id="acc-1")
    ingest(scoped, [event(idempotency_key="k")])
    assert ingest(other_tenant, [event(idempotency_key="k")]).accepted == 1


def test_events_without_key_are_all_stored(scoped, account):
    assert ingest(scoped, [event(), event()]).accepted == 2


def test_daily_rollup_counts_events_per_account_day_and_event(scoped, account):
    ingest(scoped, [event(), event(), event(event="login")])
    ingest(scoped, [event()])
    rows = {r.event: r.count for r in UsageDaily.objects.all()}
    assert rows == {"posting_published": 3, "login": 1}


def test_rollup_day_is_the_tenant_local_day(scoped, account):
    # 23:30 UTC on the 19th is the 20th in Tokyo.
    ingest(scoped, [event(timestamp="2026-11-19T23:30:00+00:00")])
    assert UsageDaily.objects.get().day == dt.date(2026, 11, 20)


def test_contact_rollup_records_each_active_user_once_per_day(scoped, account):
    ingest(scoped, [event(), event(), event(contact_id="u-2"), event(contact_id=None)])
    ingest(scoped, [event(), event(timestamp="2026-11-19T10:00:00+09:00")])
    rows = sorted(ContactDaily.objects.values_list("contact_key", "day"))
    assert rows == [
        ("u-1", dt.date(2026, 11, 19)),
        ("u-1", dt.date(2026, 11, 20)),
        ("u-2", dt.date(2026, 11, 20)),
    ]


def test_duplicates_are_not_counted_in_rollups(scoped, account):
    ingest(scoped, [event(idempotency_key="a"), event(idempotency_key="b")])
    ingest(scoped, [event(idempotency_key="a"), event(idempotency_key="b")])
    assert UsageDaily.objects.get().count == 2
    assert ContactDaily.objects.count() == 1


def test_more_than_ten_thousand_events_is_too_large(scoped):
    with pytest.raises(BatchTooLarge):
        ingest(scoped, [event()] * 10_001)


def test_ndjson_line_that_is_not_json_is_rejected_by_index(scoped, account):
    events = events_parse(body=b'{"a": 1}\nnot json\n', content_type="application/x-ndjson")
    result = ingest(scoped, events)
    assert [(r["index"], r["code"]) for r in result.rejected] == [
        (0, "missing_field"),
        (1, "invalid_json"),
    ]


def test_event_in_a_month_without_partition_creates_it(scoped, account):
    ingest(scoped, [event(timestamp="2025-03-03T00:00:00Z")])
    assert UsageEvent.objects.filter(occurred_at__year=2025).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_with_the_same_key_store_it_once(tenant):
    with tenant_scope(tenant):
        AccountFactory(external_id="acc-1")
    now = timezone.now()
    stamp = now.isoformat()
    barrier = threading.Barrier(4)
    results = []

    def send():
        try:
            with tenant_scope(tenant):
                barrier.wait()
                batch = [event(idempotency_key=f"k{i}", timestamp=stamp) for i in range(50)]
                results.append(events_ingest(tenant=tenant, events=batch))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.accepted for r in results) == 50
    assert sum(r.duplicates for r in results) == 150
    with tenant_scope(tenant):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM healthscore_usageevent WHERE tenant_id = %s", [tenant.pk]
            )
            assert cursor.fetchone()[0] == 50
        assert EventKey.objects.count() == 50
        assert sum(r.count for r in UsageDaily.objects.all()) == 50


@pytest.mark.parametrize("field", ["account_id", "contact_id", "event", "idempotency_key"])
def test_a_nul_character_rejects_only_its_event(scoped, account, field):
    result = ingest(scoped, [event(**{field: "a\x00b"}), event()])

    assert result.accepted == 1
    assert [(r["index"], r["code"]) for r in result.rejected] == [(0, "bad_type")]
    assert "NUL" in result.rejected[0]["error"]


def test_properties_that_are_not_json_values_are_rejected(scoped, account):
    result = ingest(scoped, [event(properties={"n": 2**70}), event(properties={"s": {1, 2}})])
    assert [r["code"] for r in result.rejected] == ["bad_type", "bad_type"]
    assert result.accepted == 0


def test_deleting_an_account_removes_its_rollups(scoped, account):
    other = AccountFactory(external_id="acc-2")
    ingest(scoped, [event(), event(account_id="acc-2")])
    account.delete()
    assert set(UsageDaily.objects.values_list("account_id", flat=True)) == {other.pk}
    assert set(ContactDaily.objects.values_list("account_id", flat=True)) == {other.pk}
