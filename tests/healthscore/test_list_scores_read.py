"""The account list's health column reads a page's scores by one call of `junkan_list_scores`
(healthscore 0029), whose plan PostgreSQL keeps per connection: each account's latest nightly
score and its intra-day one, and no other tenant's, as row-level security says."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cs_platform.scoping import tenant_scope
from healthscore.models import HealthScoreNow, LatestScore
from healthscore.selectors.pages import list_scores
from tests.factories import AccountFactory
from tests.healthscore.factories import HealthScoreFactory, ScorecardVersionFactory

pytestmark = pytest.mark.django_db


def test_a_page_reads_the_latest_and_intra_day_scores_in_one_call(scoped):
    today = timezone.localdate()
    version = ScorecardVersionFactory()
    scored, both, none = AccountFactory(), AccountFactory(), AccountFactory()
    for account in (scored, both):
        HealthScoreFactory(account=account, version=version, day=today, score=42.5, band="red")
    now = HealthScoreNow.objects.create(
        account=both,
        day=today + dt.timedelta(days=1),
        version=version,
        score=71.0,
        band="green",
        computed_at=timezone.now(),
    )
    with CaptureQueriesContext(connection) as captured:
        latest, newer = list_scores(account_ids=[scored.pk, both.pk, none.pk])
    [statement] = [q["sql"] for q in captured.captured_queries]
    assert "junkan_list_scores(" in statement and "healthscore_latestscore" not in statement
    expected = {
        row.account_id: (row.day, row.score, row.band, None)
        for row in LatestScore.objects.filter(account__in=[scored, both, none])
    }
    assert latest == expected and set(expected) == {scored.pk, both.pk}
    assert newer == {both.pk: (now.day, 71.0, "green", now.computed_at)}


def test_the_scores_function_sees_only_the_tenant_in_scope(tenant, other_tenant):
    with tenant_scope(other_tenant):
        theirs = AccountFactory()
        HealthScoreFactory(account=theirs, day=timezone.localdate(), band="red")
    with tenant_scope(tenant), connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM junkan_list_scores(%s, %s::bigint[])", [other_tenant.pk, [theirs.pk]]
        )
        assert cursor.fetchall() == []
