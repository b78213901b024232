"""Each account's latest nightly score (LatestScore) is kept exact by the triggers on the
scores after every kind of write, and the account list filters and sorts by band from it
(healthscore migration 0022, issue #16)."""

import datetime as dt

import pytest
from django.utils import timezone

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
