"""Portfolio aggregates: kept exact by triggers however scores are written, without making
writers of scores (the recompute chunks) wait for each other; compaction keeps the figures;
the portfolio and the dashboard read them with a number of queries that does not grow with
the accounts."""

from __future__ import annotations

import datetime as dt
import importlib
import threading

import psycopg2
import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, Contract
from cs_platform.rls import owner_connection
from cs_platform.scoping import tenant_scope
from healthscore.models import HealthScore, PortfolioDay, PortfolioDayDelta
from healthscore.selectors.pages import portfolio_day_totals, portfolio_days, portfolio_summary
from healthscore.services import portfolio
from healthscore.services.portfolio import (
    portfolio_days_compact,
    portfolio_days_compact_all,
    portfolio_days_rebuild,
)
from healthscore.services.recompute import healthscore_recompute, recompute_chunk
from tests.factories import AccountFactory, ContractFactory

from .factories import HealthScoreFactory, ScorecardVersionFactory

MIGRATION = importlib.import_module("healthscore.migrations.0021_portfolio_day_deltas")

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 20)


def live_counts() -> dict:
    """What the aggregates must say: a GROUP BY over the scores themselves."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT day, version_id, count(*), sum(score), count(*) FILTER (WHERE band = 'green'),"
            " count(*) FILTER (WHERE band = 'amber'), count(*) FILTER (WHERE band = 'red')"
            " FROM healthscore_healthscore GROUP BY 1, 2"
        )
        return {(r[0], r[1]): r[2:] for r in cursor.fetchall()}


def aggregates() -> dict:
    """What the pages read: each day's row plus its deltas."""
    return {
        (r["day"], r["version_id"]): (r["accounts"], r["total"], r["green"], r["amber"], r["red"])
        for r in portfolio_days(first=dt.date(2000, 1, 1), last=dt.date(2100, 1, 1))
    }


@pytest.fixture
def version(defaults):
    return ScorecardVersionFactory()


def test_inserts_upserts_and_deletes_of_scores_keep_the_aggregates_exact(version):
    accounts = [AccountFactory() for _ in range(4)]
    for i, account in enumerate(accounts):
        for days_ago in (0, 1):
            HealthScoreFactory(
                account=account,
                version=version,
                day=DAY - dt.timedelta(days=days_ago),
                score=20.0 + 25 * i,
                band=["red", "amber", "green", "green"][i],
            )
    assert aggregates() == live_counts()
    assert aggregates()[(DAY, version.pk)] == (4, 20 + 45 + 70 + 95, 2, 1, 1)
    # The recompute's upsert: one statement that inserts some rows and replaces others.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO healthscore_healthscore (tenant_id, account_id, day, version_id, score,"
            " band, components, computed_at)"
            " SELECT tenant_id, id, %s, %s, 10, 'red', '{}', now() FROM accounts_account"
            " WHERE tenant_id = %s"
            " ON CONFLICT (tenant_id, account_id, day) DO UPDATE SET score = EXCLUDED.score,"
            " band = EXCLUDED.band",
            [DAY, version.pk, version.tenant_id],
        )
    assert aggregates()[(DAY, version.pk)] == (4, 40, 0, 0, 4)
    Account.objects.filter(pk=accounts[0].pk).delete()  # its scores go with it
    assert aggregates() == live_counts()
    HealthScore.objects.filter(day=DAY - dt.timedelta(days=1)).delete()
    assert aggregates() == live_counts()
    assert (DAY - dt.timedelta(days=1), version.pk) not in aggregates()


def test_a_rebuild_recounts_the_tenant_from_its_scores(version):
    for i in range(3):
        HealthScoreFactory(version=version, day=DAY, score=50.0 + i, band="amber")
    portfolio_days_compact()
    PortfolioDay.objects.update(accounts=999)  # as after a load without triggers
    PortfolioDayDelta.objects.create(day=DAY, version=version, accounts=5)
    assert portfolio_days_rebuild() == 1
    assert aggregates() == live_counts() == {(DAY, version.pk): (3, 153.0, 0, 3, 0)}
    assert not PortfolioDayDelta.objects.exists()


def test_each_write_statement_adds_deltas_and_compaction_folds_them(version, other_tenant):
    accounts = [AccountFactory() for _ in range(3)]
    for i, account in enumerate(accounts):
        HealthScoreFactory(account=account, version=version, day=DAY, score=30.0 * (i + 1))
    HealthScore.objects.filter(account=accounts[0]).update(score=35.0, band="red")
    # Three inserts, one update: the rows are untouched, the deltas carry everything.
    assert not PortfolioDay.objects.exists()
    assert PortfolioDayDelta.objects.count() == 4
    before = aggregates()
    assert before == live_counts()
    assert before[(DAY, version.pk)][:2] == (3, 35 + 60 + 90)
    with tenant_scope(other_tenant):
        HealthScoreFactory(tenant=other_tenant, day=DAY, score=50.0)
    assert portfolio_days_compact() == 1
    assert not PortfolioDayDelta.objects.exists() and PortfolioDay.objects.count() == 1
    assert aggregates() == before
    # Every score of the day deleted: the folded row goes, and the day reads as nobody.
    HealthScore.objects.filter(day=DAY).delete()
    assert aggregates() == {}
    assert portfolio_days_compact_all() == 2  # ours, and the other tenant's untouched delta
    assert not PortfolioDay.objects.exists()
    with tenant_scope(other_tenant):
        assert portfolio_day_totals(day=DAY)["accounts"] == 1
        assert not PortfolioDayDelta.objects.exists()


def test_a_read_past_the_threshold_compacts(version, monkeypatch):
    monkeypatch.setattr(portfolio, "COMPACT_AT", 2)
    for i in range(3):
        HealthScoreFactory(version=version, day=DAY, score=10.0 * i, band="red")
    assert PortfolioDayDelta.objects.count() == 3
    assert portfolio_day_totals(day=DAY) == {
        "accounts": 3,
        "total": 30.0,
        "bands": {"green": 0, "amber": 0, "red": 3},
    }
    assert not PortfolioDayDelta.objects.exists()
    assert aggregates() == live_counts()


def _queries(client: Client, name: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(name, kwargs={"tenant_slug": "acme"}))
    assert response.status_code == 200
    return len(captured)


def test_portfolio_and_dashboard_queries_do_not_grow_with_the_accounts(manager_user, version):
    client = Client()
    client.force_login(manager_user)
    today = timezone.localdate()

    def add(n: int) -> None:
        for _ in range(n):
            account = AccountFactory()
            ContractFactory(account=account, renewal_date=today + dt.timedelta(days=10))
            for days_ago in (0, 7, 30):
                HealthScoreFactory(
                    account=account,
                    version=version,
                    day=today - dt.timedelta(days=days_ago),
                    score=35.0,
                    band="red",
                )

    # Warm: the session, and the version rows each page reads (made on its first read).
    _queries(client, "healthscore:portfolio")
    _queries(client, "dashboard")
    add(2)
    # The first view after a change computes (a miss), the next one reads the cache.
    few = [_queries(client, name) for name in ("healthscore:portfolio",) * 2 + ("dashboard",)]
    add(20)
    many = [_queries(client, name) for name in ("healthscore:portfolio",) * 2 + ("dashboard",)]
    assert few[1] < few[0]
    assert many == few


def test_the_cached_portfolio_shows_a_changed_renewal_at_once(manager_user, defaults):
    """The portfolio is cached per data version; a contract changed by any statement shows
    on the next view."""
    today = timezone.localdate()
    account = AccountFactory(name="株式会社さくら物流")
    contract = ContractFactory(account=account, renewal_date=today + dt.timedelta(days=200))
    healthscore_recompute(day=today)
    client = Client()
    client.force_login(manager_user)
    page = reverse("healthscore:portfolio", kwargs={"tenant_slug": "acme"})

    def renewals() -> str:
        body = client.get(page).content.decode()
        return body.split('data-testid="portfolio-renewals"')[1].split("</section>")[0]

    assert "株式会社さくら物流" not in renewals()  # not renewing within 90 days
    Contract.objects.filter(pk=contract.pk).update(renewal_date=today + dt.timedelta(days=10))
    assert "株式会社さくら物流" in renewals()


def _score(conn, account, version) -> None:
    with conn.cursor() as cursor:
        cursor.execute(
            "INSERT INTO healthscore_healthscore (tenant_id, account_id, day, version_id, score,"
            " band, components, computed_at) VALUES (%s, %s, %s, %s, 40, 'amber', '{}', now())"
            " ON CONFLICT (tenant_id, account_id, day) DO UPDATE SET score = EXCLUDED.score",
            [account.tenant_id, account.pk, DAY, version.pk],
        )


def _apply(function_sql: str) -> None:
    with owner_connection(), connection.cursor() as cursor:
        cursor.execute(function_sql)


@pytest.mark.django_db(transaction=True)
def test_writers_of_scores_of_one_day_do_not_wait_for_each_other(tenant, app_connection):
    """One end-to-end test (a transactional test costs a flush of every table).

    1. Two transactions each score an account for the same day and version; the first stays
       open. Adding to one aggregate row (migration 0019) made the second wait for the first's
       commit (here: lock_timeout); with deltas it commits at once, and the figures add up.
    2. The recompute's own chunk code: two ranges of accounts scored for the same day in two
       transactions that overlap; the second commits while the first is still open, and the
       portfolio and dashboard figures equal a count over the scores."""
    from healthscore.services.scorecards import healthscore_tenant_defaults

    with tenant_scope(tenant):
        version = ScorecardVersionFactory()
        first, second, third = AccountFactory(), AccountFactory(), AccountFactory()
    sessions = [app_connection(tenant, lock_timeout="500ms") for _ in range(4)]
    holder, writer, old_holder, old_writer = sessions
    try:
        _apply(MIGRATION.APPLY_BY_UPSERT)
        try:
            _score(old_holder, first, version)
            with pytest.raises(psycopg2.errors.LockNotAvailable):
                _score(old_writer, second, version)
            old_writer.rollback()
            old_holder.rollback()
        finally:
            _apply(MIGRATION.APPLY_BY_DELTA)
        _score(holder, first, version)
        _score(writer, second, version)
        writer.commit()
        with tenant_scope(tenant):
            assert aggregates() == live_counts() == {(DAY, version.pk): (1, 40.0, 0, 1, 0)}
        holder.commit()
        _score(writer, third, version)
        _score(writer, first, version)  # a rescore of the same score moves nothing
        writer.commit()
        with tenant_scope(tenant):
            assert aggregates() == live_counts() == {(DAY, version.pk): (3, 120.0, 0, 3, 0)}
            HealthScore.objects.all().delete()
            healthscore_tenant_defaults(tenant=tenant)
            ids = [AccountFactory().pk for _ in range(6)]
    finally:
        for conn in sessions:
            conn.close()

    scored, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first_chunk() -> None:
        try:
            with tenant_scope(tenant), transaction.atomic():
                recompute_chunk(day=DAY, first_id=ids[0], last_id=ids[2])
                scored.set()
                assert release.wait(10)
        except BaseException as error:  # reported by the test thread
            errors.append(error)
            scored.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_chunk)
    thread.start()
    try:
        assert scored.wait(30) and not errors
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        with tenant_scope(tenant):
            assert recompute_chunk(day=DAY, first_id=ids[3], last_id=ids[5]) == 3
            assert portfolio_day_totals(day=DAY)["accounts"] == 3  # the first is still open
    finally:
        release.set()
        thread.join()
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
    assert not errors
    with tenant_scope(tenant):
        live = live_counts()
        (key,) = live
        # The same scores summed in another order: the total may differ in its last bits.
        assert aggregates()[key] == pytest.approx(live[key])
        ((accounts, total, green, amber, red),) = live.values()
        assert accounts == 6
        summary = portfolio_summary()
        assert summary["accounts"] == 6
        assert summary["bands"] == {"green": green, "amber": amber, "red": red}
        assert summary["average"] == round(total / 6, 1)


def test_the_cached_dashboard_panel_and_portfolio_show_a_new_score_at_once(manager_user, version):
    """The dashboard's health panel and the portfolio's rendered fragments are cached under the
    data version: a score written by any statement shows on the next view."""
    today = timezone.localdate()
    HealthScoreFactory(version=version, day=today, score=80.0, band="green")
    client = Client()
    client.force_login(manager_user)

    def panel() -> str:
        body = client.get(reverse("dashboard", kwargs={"tenant_slug": "acme"})).content.decode()
        return body.split('data-testid="health-dashboard-panel"')[1].split("</section>")[0]

    def scored() -> str:
        page = reverse("healthscore:portfolio", kwargs={"tenant_slug": "acme"})
        return client.get(page).content.decode().split("<h1>")[1].split("</p>")[0]

    assert '<strong class="band-red">0</strong>' in panel() and "1 社" in scored()
    assert panel() == panel()  # from the cache
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO healthscore_healthscore (tenant_id, account_id, day, version_id, score,"
            " band, components, computed_at) VALUES (%s, %s, %s, %s, 20, 'red', '{}', now())",
            [version.tenant_id, AccountFactory().pk, today, version.pk],
        )
    assert '<strong class="band-red">1</strong>' in panel()
    assert "<strong>50</strong>" in panel()  # the average of 80 and 20
    assert "2 社" in scored()
