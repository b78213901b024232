"""Cached page data is keyed by the tenant's data version, which database triggers raise on
every write to a watched table (whoever writes: ORM, set-based SQL, another tenant's not),
without making writers of a tenant wait for each other; compaction keeps the number."""

from __future__ import annotations

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import now

from accounts.models import Account
from cs_platform import datacache
from cs_platform.datacache import (
    account_cache_key,
    account_cache_key_prefix,
    cached_for_data_version,
    data_version,
    data_versions_compact,
    touch_version,
    work_version,
)
from cs_platform.models import DataVersionBump, TouchVersionBump, WorkVersion
from cs_platform.requestmemo import request_memo_scope
from cs_platform.scoping import tenant_scope
from journeys.services import activity_record
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_writes_to_a_watched_table_raise_the_version_once_per_statement(scoped, other_tenant):
    first = data_version()
    account = AccountFactory()
    assert data_version() == first + 1
    Account.objects.filter(pk=account.pk).update(name="株式会社みどり")
    with connection.cursor() as cursor:  # set-based SQL too: no signal involved
        cursor.execute(
            "UPDATE accounts_account SET industry = 'IT' WHERE tenant_id = %s", [scoped.pk]
        )
    assert data_version() == first + 3
    with tenant_scope(other_tenant):
        before = data_version()
        AccountFactory()
        assert data_version() == before + 1
    assert data_version() == first + 3  # another tenant's write is not ours
    Account.objects.filter(pk=account.pk).delete()
    assert data_version() > first + 3


def test_cached_data_is_computed_again_after_a_change(scoped):
    calls = []

    def compute() -> int:
        calls.append(1)
        return Account.objects.count()

    assert cached_for_data_version("test.count", compute) == 0
    assert cached_for_data_version("test.count", compute) == 0
    assert len(calls) == 1
    AccountFactory()
    assert cached_for_data_version("test.count", compute) == 1
    assert len(calls) == 2


def test_a_write_invalidates_its_tenants_cached_pages_and_not_another_tenants(scoped, other_tenant):
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return Account.objects.count()

    with tenant_scope(other_tenant):
        assert cached_for_data_version("test.count", compute) == 0
    assert cached_for_data_version("test.count", compute) == 0
    AccountFactory()
    assert cached_for_data_version("test.count", compute) == 1
    with tenant_scope(other_tenant):
        assert cached_for_data_version("test.count", compute) == 0
    assert len(calls) == 3  # the other tenant's page came from the cache


def test_compaction_folds_the_bumps_and_the_version_stays(scoped, other_tenant, monkeypatch):
    monkeypatch.setattr(datacache, "COMPACT_AT", 2)
    with tenant_scope(other_tenant):
        data_version()
        AccountFactory()
        other = data_version()
    first = data_version()
    for _ in range(3):
        AccountFactory()
    assert DataVersionBump.objects.count() == 3
    assert data_version() == first + 3  # read, then compacted
    assert DataVersionBump.objects.count() == 0
    assert data_version() == first + 3
    AccountFactory()
    assert data_version() == first + 4
    assert data_versions_compact() == 2  # both tenants' counters moved, each by its own bumps
    assert data_version() == first + 4 and DataVersionBump.objects.count() == 0
    with tenant_scope(other_tenant):
        assert data_version() == other


def test_the_touch_channel_counts_and_compacts_apart_from_the_data_version(scoped, monkeypatch):
    """Its own counter and bumps, the same mechanism: a content view raises the touch version
    only, a cached value keyed by touches is computed again, and compaction keeps both."""
    monkeypatch.setattr(datacache, "COMPACT_AT", 2)
    account = AccountFactory()
    data, touches = data_version(), touch_version()
    calls: list[int] = []
    assert cached_for_data_version("test.t", lambda: calls.append(1), touches=True) is None
    for _ in range(3):
        activity_record(account=account, kind="content_view", title="Read", occurred_at=now())
    assert (data_version(), touch_version()) == (data, touches + 3)  # read, then compacted
    assert TouchVersionBump.objects.count() == 0
    cached_for_data_version("test.t", lambda: calls.append(1), touches=True)
    cached_for_data_version("test.t", lambda: calls.append(1), touches=True)
    assert len(calls) == 2
    activity_record(account=account, kind="content_view", title="Read", occurred_at=now())
    assert data_versions_compact() == 1 and TouchVersionBump.objects.count() == 0
    assert (data_version(), touch_version()) == (data, touches + 4)


def test_a_value_keyed_by_both_versions_reads_them_in_one_statement(scoped):
    """The planner keys its measured figures by both: one query for the two, memoized for
    the page view like each version alone."""
    cached_for_data_version("test.both", lambda: 1, touches=True)  # rows created, value kept
    with request_memo_scope(), CaptureQueriesContext(connection) as captured:
        assert cached_for_data_version("test.both", lambda: 2, touches=True) == 1
        versions = (data_version(), touch_version())
    assert len(captured.captured_queries) == 1
    assert versions == (data_version(), touch_version())


def test_a_page_view_reads_every_channel_once_and_makes_only_the_rows_it_wants(scoped):
    """The first version a page view reads takes the others in the same statement; a channel
    whose row does not exist yet is made only when the page asks for that channel."""
    data_version(), touch_version()  # these rows exist; the work channel's does not
    with request_memo_scope(), CaptureQueriesContext(connection) as captured:
        data = data_version()
        assert touch_version() == touch_version()
        assert len(captured.captured_queries) == 1  # memoized with the data version
        assert not WorkVersion.objects.exists()
        work = work_version()  # made now: read, insert, read
        assert WorkVersion.objects.exists()
        assert (data_version(), work_version()) == (data, work)
        made = len(captured.captured_queries)
    with request_memo_scope(), CaptureQueriesContext(connection) as captured:
        assert (work_version(), data_version(), touch_version())[:2] == (work, data)
    assert len(captured.captured_queries) == 1 < made


@pytest.mark.django_db(transaction=True)
def test_a_writer_does_not_wait_for_another_writer_of_the_same_tenant(tenant, app_connection):
    """Two transactions each write an account of the tenant; the first stays open. With one
    counter row per tenant the second waited for the first's commit (here: lock_timeout)."""
    with tenant_scope(tenant):
        first, second = AccountFactory(), AccountFactory()
        before = data_version()
    holder, writer = (
        app_connection(tenant, lock_timeout="3s"),
        app_connection(tenant, lock_timeout="3s"),
    )
    try:
        with holder.cursor() as cursor:
            cursor.execute("UPDATE accounts_account SET name = 'A' WHERE id = %s", [first.pk])
        with writer.cursor() as cursor:
            cursor.execute("UPDATE accounts_account SET name = 'B' WHERE id = %s", [second.pk])
        writer.commit()
        with tenant_scope(tenant):
            assert data_version() == before + 1  # the committed write only
        holder.commit()
        with tenant_scope(tenant):
            assert data_version() == before + 2
    finally:
        holder.close()
        writer.close()


class _CountingCache:
    """The cache, counting the round trips of reads."""

    def __init__(self, real) -> None:
        self.real, self.reads = real, []

    def get(self, key, default=None):
        self.reads.append("get")
        return self.real.get(key, default)

    def get_many(self, keys):
        self.reads.append(f"get_many:{len(keys)}")
        return self.real.get_many(keys)

    def set(self, key, value, timeout=None):
        self.real.set(key, value, timeout)


def test_a_page_view_reads_what_its_latest_view_read_in_one_round_trip(scoped, monkeypatch):
    counting = _CountingCache(datacache.cache)
    monkeypatch.setattr(datacache, "cache", counting)
    monkeypatch.setattr(datacache, "_reads_by_page", {})
    # A process that keeps nothing itself (each view as another worker would serve it).
    nothing_kept = datacache._ProcessCopies(max_bytes=0, max_value_bytes=0)
    monkeypatch.setattr(datacache, "PROCESS_COPIES", nothing_kept)
    computed: list[str] = []

    def page() -> tuple[int, int, str]:
        datacache.data_cache_read_ahead("test.page", ("test.own", "q=1"))
        counted = cached_for_data_version("test.count", lambda: Account.objects.count())
        touches = cached_for_data_version("test.touches", lambda: 7, touches=True)
        own = cached_for_data_version(
            "test.own", lambda: computed.append("own") or "ids", key="q=1"
        )
        return counted, touches, own

    with request_memo_scope():
        assert page() == (0, 7, "ids")  # the page's own key was asked ahead; the rest alone
    assert counting.reads == ["get_many:1", "get", "get"]
    counting.reads.clear()
    with request_memo_scope():
        assert page() == (0, 7, "ids")
    assert counting.reads == ["get_many:3"]
    assert computed == ["own"]
    AccountFactory()  # a write: the next view reads ahead under the new version
    counting.reads.clear()
    with request_memo_scope():
        assert page() == (1, 7, "ids")
    assert counting.reads == ["get_many:3"]  # the misses computed, not asked again
    assert computed == ["own", "own"]


def test_reading_ahead_outside_a_page_view_reads_nothing(scoped, monkeypatch):
    counting = _CountingCache(datacache.cache)
    monkeypatch.setattr(datacache, "cache", counting)
    datacache.data_cache_read_ahead("test.page", ("test.own", ""))
    assert counting.reads == []


def _page_view(name: str, compute, **kwargs):
    """`cached_for_data_version` as a page view calls it (its own request memo)."""
    with request_memo_scope():
        return cached_for_data_version(name, compute, **kwargs)


def test_a_page_view_reads_what_its_process_kept_without_a_redis_round_trip(scoped, monkeypatch):
    assert _page_view("test.kept", lambda: ["computed"]) == ["computed"]
    redis_reads: list[str] = []
    monkeypatch.setattr(datacache.cache, "get", lambda key, *a, **k: redis_reads.append(key))
    assert _page_view("test.kept", lambda: ["again"]) == ["computed"]
    assert redis_reads == []


def test_a_write_is_seen_on_the_next_page_view_whatever_the_process_kept(scoped):
    assert _page_view("test.count", Account.objects.count) == 0
    AccountFactory()
    assert _page_view("test.count", Account.objects.count) == 1


def test_a_page_view_that_changes_its_value_does_not_change_the_kept_one(scoped):
    _page_view("test.mutable", lambda: {"rows": [1]})["rows"].append(2)
    assert _page_view("test.mutable", lambda: {"rows": []}) == {"rows": [1]}


def test_a_kept_value_that_is_no_longer_fresh_is_computed_again(scoped):
    assert _page_view("test.fresh", lambda: 1) == 1
    assert _page_view("test.fresh", lambda: 2, fresh=lambda value: value == 2) == 2
    assert _page_view("test.fresh", lambda: 3, fresh=lambda value: value == 2) == 2


def test_only_page_views_keep_values_in_the_process(scoped):
    cached_for_data_version("test.task", lambda: 1)  # a task, a write, the API
    key = datacache.data_cache_key("test.task")
    assert datacache.PROCESS_COPIES.get(key) is datacache._MISSING
    _page_view("test.task", lambda: 2)
    assert datacache.PROCESS_COPIES.get(key) == 1  # read from Redis, then kept


def test_clearing_the_cache_clears_what_the_process_kept(scoped):
    _page_view("test.cleared", lambda: 1)
    datacache.cache.clear()
    assert _page_view("test.cleared", lambda: 2) == 2


def test_the_process_keeps_up_to_its_size_dropping_the_least_recently_read():
    copies = datacache._ProcessCopies(max_bytes=400, max_value_bytes=200)
    copies.keep("a", "x" * 150)
    copies.keep("b", "y" * 150)
    copies.get("a")
    copies.keep("c", "z" * 150)  # over 400 bytes: b goes, a was read since
    copies.keep("too big", "w" * 300)
    assert [copies.get(k) is datacache._MISSING for k in ("a", "b", "c", "too big")] == [
        False,
        True,
        False,
        True,
    ]


def test_reading_ahead_asks_only_for_what_the_process_does_not_keep(scoped, monkeypatch):
    monkeypatch.setattr(datacache, "_reads_by_page", {})
    with request_memo_scope():
        datacache.data_cache_read_ahead("test.page")
        cached_for_data_version("test.kept", lambda: 1)
        cached_for_data_version("test.dropped", lambda: 2)
    datacache.PROCESS_COPIES.clear()
    with request_memo_scope():
        cached_for_data_version("test.kept", lambda: 1)  # kept by this process again
    counting = _CountingCache(datacache.cache)
    monkeypatch.setattr(datacache, "cache", counting)
    with request_memo_scope():
        datacache.data_cache_read_ahead("test.page")
        assert cached_for_data_version("test.kept", lambda: 0) == 1
        assert cached_for_data_version("test.dropped", lambda: 0) == 2
    assert counting.reads == ["get_many:1"]


def test_kept_parts_are_read_from_the_process_on_a_page_view_and_from_redis_otherwise(
    scoped, monkeypatch
):
    key = datacache.data_cache_key("test.part", "1")
    with request_memo_scope():
        datacache.keep_many({key: "<p>kept</p>"})
    redis_reads: list[str] = []
    get_many = datacache.cache.get_many

    def recording(keys, *args, **kwargs):
        redis_reads.extend(keys)
        return get_many(keys, *args, **kwargs)

    monkeypatch.setattr(datacache.cache, "get_many", recording)
    other = datacache.data_cache_key("test.part", "2")
    with request_memo_scope():
        assert datacache.kept_many([key, other]) == {key: "<p>kept</p>"}
    assert redis_reads == [other]  # what the process does not hold
    assert datacache.kept_many([key]) == {key: "<p>kept</p>"}  # a task: Redis's
    assert redis_reads == [other, key]


def test_an_account_key_is_its_prefix_then_the_name_and_key(scoped):
    account = AccountFactory()
    with request_memo_scope():
        prefix = account_cache_key_prefix(account.pk)
        assert account_cache_key(account.pk, "n", "k") == f"{prefix}n:k"
    assert prefix.startswith(f"datacache:{scoped.pk}:a{account.pk}.")


class _WritingCache:
    """The cache, recording the keys of each write (one entry per round trip)."""

    def __init__(self, real) -> None:
        self.real, self.writes = real, []

    def get(self, key, default=None):
        return self.real.get(key, default)

    def get_many(self, keys):
        return self.real.get_many(keys)

    def set(self, key, value, timeout=None):
        self.writes.append([key])
        self.real.set(key, value, timeout)

    def set_many(self, values, timeout=None):
        self.writes.append(sorted(values))
        self.real.set_many(values, timeout)


def test_a_page_views_writes_in_one_block_are_made_together_at_its_end(scoped, monkeypatch):
    writing = _WritingCache(datacache.cache)
    monkeypatch.setattr(datacache, "cache", writing)
    read, part = datacache.data_cache_key("test.read"), datacache.data_cache_key("test.part")
    with request_memo_scope(), datacache.cache_writes_together():
        assert cached_for_data_version("test.read", lambda: 1) == 1
        datacache.keep_many({part: "<p>"})
        assert writing.writes == []
        assert writing.real.get(read) is None
        assert cached_for_data_version("test.read", lambda: 2) == 1  # this process kept it
    assert writing.writes == [sorted([read, part])]
    assert writing.real.get_many([read, part]) == {read: 1, part: "<p>"}


def test_a_page_views_held_writes_are_made_when_its_block_raises(scoped, monkeypatch):
    writing = _WritingCache(datacache.cache)
    monkeypatch.setattr(datacache, "cache", writing)
    with pytest.raises(LookupError), request_memo_scope(), datacache.cache_writes_together():
        cached_for_data_version("test.missing", lambda: None)  # e.g. a 404's kept None
        raise LookupError
    assert writing.writes == [[datacache.data_cache_key("test.missing")]]


def test_writes_outside_a_page_view_are_made_at_once(scoped, monkeypatch):
    writing = _WritingCache(datacache.cache)
    monkeypatch.setattr(datacache, "cache", writing)
    with datacache.cache_writes_together():
        cached_for_data_version("test.task", lambda: 1)
        assert writing.writes == [[datacache.data_cache_key("test.task")]]


def _response_closed() -> None:
    """`request_finished`, as a server sends it once a response is sent (without closing the
    test's database connection, as Django's test client does)."""
    request_finished.disconnect(close_old_connections)
    try:
        request_finished.send(sender=None)
    finally:
        request_finished.connect(close_old_connections)


def test_a_page_views_writes_held_for_after_its_response_are_made_when_it_is_closed(
    scoped, monkeypatch
):
    writing = _WritingCache(datacache.cache)
    monkeypatch.setattr(datacache, "cache", writing)
    read, part = datacache.data_cache_key("test.read"), datacache.data_cache_key("test.part")
    with request_memo_scope(), datacache.cache_writes_together(after_response=True):
        cached_for_data_version("test.read", lambda: 1)
        datacache.keep_many({part: "<p>"})
        # Served again in the view, not computed again; the process's copies come later.
        assert cached_for_data_version("test.read", lambda: 2) == 1
        assert datacache.kept_many([part]) == {part: "<p>"}
    assert writing.writes == []
    assert not datacache.PROCESS_COPIES.holds(read) and not datacache.PROCESS_COPIES.holds(part)
    _response_closed()
    assert writing.writes == [sorted([read, part])]
    assert datacache.PROCESS_COPIES.holds(read) and datacache.PROCESS_COPIES.holds(part)
    with request_memo_scope():
        assert cached_for_data_version("test.read", lambda: 2) == 1  # this process kept it
    _response_closed()  # written once
    assert writing.writes == [sorted([read, part])]
