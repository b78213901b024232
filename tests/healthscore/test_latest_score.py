"""Each account's latest nightly score (LatestScore) is kept exact by the triggers on the
scores after every kind of write, and the account list filters and sorts by band from it
(healthscore migration 0022, issue #16)."""

import datetime as dt

import pytest
from django.db import models
from django.utils import timezone

from accounts.models import Account
from accounts.selectors import account_filter
from cs_platform.scoping import tenant_scope
from healthscore.models import HealthScore, LatestScore
from tests.factories import AccountFactory, ContractFactory
from tests.healthscore.factories import HealthScoreFactory, ScorecardVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoped(tenant):
    with tenant_scope(tenant):
        yield tenant


def _latest(account) -> tuple[dt.date, float, str] | None:
    row = LatestScore.objects.filter(account=account).values_list("day", "score", "band")
    return row.first()


def _expected(account) -> tuple[dt.date, float, str] | None:
    return (
        HealthScore.objects.filter(account=account)
        .order_by("-day")
        .values_list("day", "score", "band")
        .first()
    )


def test_scores_inserted_updated_and_deleted_keep_the_latest(scoped):
    today = timezone.localdate()
    account = AccountFactory()
    version = ScorecardVersionFactory()
    assert _latest(account) is None
    old = HealthScoreFactory(account=account, version=version, day=today - dt.timedelta(2))
    assert _latest(account) == (old.day, 75.0, "green")
    new = HealthScoreFactory(account=account, version=version, day=today, score=40, band="amber")
    assert _latest(account) == (today, 40.0, "amber")
    # A late score for an older day leaves the latest as it is.
    HealthScoreFactory(account=account, version=version, day=today - dt.timedelta(1), band="red")
    assert _latest(account) == (today, 40.0, "amber")
    # The day's recompute replaces its score (an UPDATE).
    HealthScore.objects.filter(pk=new.pk).update(score=30, band="red")
    assert _latest(account) == (today, 30.0, "red")
    # The latest score deleted: the one before it is the latest again.
    HealthScore.objects.filter(pk=new.pk).delete()
    assert _latest(account) == _expected(account) == (today - dt.timedelta(1), 75.0, "red")
    # A score moved to a later day moves the latest with it.
    HealthScore.objects.filter(pk=old.pk).update(day=today + dt.timedelta(1))
    assert _latest(account) == _expected(account)
    HealthScore.objects.filter(account=account).delete()
    assert _latest(account) is None


def test_an_upsert_over_many_accounts_keeps_each(scoped):
    today = timezone.localdate()
    version = ScorecardVersionFactory()
    accounts = [AccountFactory() for _ in range(5)]
    HealthScore.objects.bulk_create(
        [
            HealthScore(
                account=a,
                version=version,
                day=today - dt.timedelta(d),
                score=10 * i + d,
                band=("green", "amber", "red")[(i + d) % 3],
            )
            for i, a in enumerate(accounts)
            for d in range(3)
        ]
    )
    # The recompute's upsert: today's scores again, some changed (INSERT … ON CONFLICT).
    HealthScore.objects.bulk_create(
        [
            HealthScore(account=a, version=version, day=today, score=99, band="green")
            for a in accounts[:3]
        ],
        update_conflicts=True,
        unique_fields=["tenant", "account", "day"],
        update_fields=["score", "band"],
    )
    for account in accounts:
        assert _latest(account) == _expected(account)


def _xmin(table: str, pk: int) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT xmin::text FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_updates_in_place_and_moved_rows_keep_the_latest_and_unchanged_rows_are_not_written(
    scoped,
):
    """An UPDATE that keeps a row's account and day (a recompute) writes it forward as an
    insert does; rows moved to another account or day re-read their accounts (healthscore
    0027). A recompute that changes nothing writes neither the latest row nor the account."""
    today = timezone.localdate()
    version = ScorecardVersionFactory()
    first, second = AccountFactory(), AccountFactory()
    rows = {
        (a.pk, d): HealthScoreFactory(
            account=a, version=version, day=today - dt.timedelta(d), score=50 + d, band="amber"
        )
        for a in (first, second)
        for d in range(3)
    }
    # An older day's score changed: the latest stays.
    HealthScore.objects.filter(pk=rows[first.pk, 1].pk).update(score=5, band="red")
    assert _latest(first) == _expected(first) == (today, 50.0, "amber")
    # The same scores written again: no latest row, no account row is written.
    latest = LatestScore.objects.get(account=first)
    before = (_xmin("healthscore_latestscore", latest.pk), _xmin("accounts_account", first.pk))
    HealthScore.objects.filter(account=first).update(score=models.F("score"))
    after = (_xmin("healthscore_latestscore", latest.pk), _xmin("accounts_account", first.pk))
    assert after == before
    # One statement: today's score of the first changes in place, and the second's today row
    # moves to the first account's future: both accounts are right.
    HealthScore.objects.filter(pk=rows[first.pk, 0].pk).update(score=20, band="red")
    assert _latest(first) == (today, 20.0, "red")
    HealthScore.objects.filter(pk__in=[rows[first.pk, 0].pk, rows[second.pk, 0].pk]).update(
        score=models.Case(
            models.When(pk=rows[first.pk, 0].pk, then=models.Value(90.0)),
            default=models.F("score"),
        ),
        band=models.Case(
            models.When(pk=rows[first.pk, 0].pk, then=models.Value("green")),
            default=models.F("band"),
        ),
        account=first,
        day=models.Case(
            models.When(pk=rows[second.pk, 0].pk, then=models.Value(today + dt.timedelta(1))),
            default=models.F("day"),
        ),
    )
    assert _latest(first) == _expected(first) == (today + dt.timedelta(1), 50.0, "amber")
    assert _latest(second) == _expected(second) == (today - dt.timedelta(1), 51.0, "amber")
    with tenant_scope(scoped):
        ranks = dict(
            Account.objects.filter(pk__in=[first.pk, second.pk]).values_list(
                "pk", "list_health_rank"
            )
        )
    assert ranks == {first.pk: 2, second.pk: 2}


@pytest.fixture
def banded(scoped):
    """Accounts with ties on ARR and band, an unscored one and one without a contract."""
    today = timezone.localdate()
    version = ScorecardVersionFactory()
    accounts = []
    for i in range(9):
        account = AccountFactory(name=f"帯{i % 3}")
        if i % 4:
            ContractFactory(account=account, arr=1_000 * (i % 2))
        if i != 8:
            HealthScoreFactory(
                account=account,
                version=version,
                day=today - dt.timedelta(i % 2),
                band=("amber", "red")[i % 2] if i % 3 else "green",
                score=i,
            )
        accounts.append(account)
    return accounts


def test_the_list_filters_by_band_in_the_sorted_order(banded):
    for sort in ("-arr", "arr", "name", "renewal_date", "health_band"):
        ids = list(
            account_filter(extensions={"health_band": "amber"}, ordering=sort).values_list(
                "pk", flat=True
            )
        )
        expected = [a.pk for a in _python_order(banded, sort) if _band(a) == "amber"]
        assert ids == expected, sort


def test_the_list_sorts_by_band_with_the_unscored_last(banded):
    rows = list(account_filter(ordering="health_band"))
    assert [r.pk for r in rows] == [a.pk for a in _python_order(banded, "health_band")]
    assert rows[-1].health_band is None


def _band(account) -> str | None:
    found = _expected(account)
    return found[2] if found else None


def _python_order(accounts, sort):
    refreshed = {a.pk: a for a in account_filter()}
    rows = [refreshed[a.pk] for a in accounts]
    tie = lambda r: (r.name, r.pk)  # noqa: E731
    if sort == "name":
        return sorted(rows, key=tie)
    if sort == "arr":
        return sorted(rows, key=lambda r: (r.current_arr, *tie(r)))
    if sort == "-arr":
        return sorted(rows, key=lambda r: (-r.current_arr, *tie(r)))
    if sort == "renewal_date":  # NULLs last
        return sorted(
            rows,
            key=lambda r: (
                r.next_renewal_date is None,
                r.next_renewal_date or dt.date.min,
                *tie(r),
            ),
        )
    if sort == "health_band":  # at risk first, the unscored last
        rank = {"red": 1, "amber": 2, "green": 3}
        return sorted(rows, key=lambda r: (_band(r) is None, rank.get(_band(r), 0), *tie(r)))
    raise AssertionError(sort)
