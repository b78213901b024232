"""Portfolio aggregates: kept exact by triggers however scores are written; the portfolio
and the dashboard read them with a number of queries that does not grow with the accounts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, Contract
from healthscore.models import HealthScore, PortfolioDay
from healthscore.services.portfolio import portfolio_days_rebuild
from healthscore.services.recompute import healthscore_recompute
from tests.factories import AccountFactory, ContractFactory

from .factories import HealthScoreFactory, ScorecardVersionFactory

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
    return {
        (p.day, p.version_id): (p.accounts, p.total, p.green, p.amber, p.red)
        for p in PortfolioDay.objects.filter(accounts__gt=0)
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
    PortfolioDay.objects.update(accounts=999)  # as after a load without triggers
    assert portfolio_days_rebuild() == 1
    assert aggregates() == live_counts() == {(DAY, version.pk): (3, 153.0, 0, 3, 0)}


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

    _queries(client, "healthscore:portfolio")  # warm: the session, the data version row
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
