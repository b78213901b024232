"""Account 360's health panels read what they show in one call of `junkan_account_health`
(healthscore 0030), planned once per connection: the same scores, explanation, chart, alerts
and survey answers as the selectors they replace, and no other tenant's rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cs_platform.requestmemo import request_memo_scope
from cs_platform.scoping import tenant_scope
from healthscore import selectors
from healthscore.models import HealthScoreNow
from healthscore.selectors.account_page import account_health_ahead, account_health_read
from healthscore.selectors.pages import account_health_chart
from tests.factories import AccountFactory, ContactFactory
from tests.healthscore.factories import (
    HealthAlertFactory,
    HealthScoreFactory,
    ScorecardVersionFactory,
    SurveyResponseFactory,
)
from tests.loaded import loaded_fields

pytestmark = pytest.mark.django_db


def _account_with_health():
    today = timezone.localdate()
    account = AccountFactory()
    first = ScorecardVersionFactory()
    second = ScorecardVersionFactory(scorecard=first.scorecard, number=first.number + 1)
    for days in (0, 1, 2, 29, 31, 45, 120):
        version = second if days < 2 else first
        score = 42.0 if days == 0 else 50.5 + days  # 42.0: a float that JSON writes as 42
        HealthScoreFactory(
            account=account, version=version, day=today - dt.timedelta(days=days), score=score
        )
    HealthScoreNow.objects.create(
        account=account,
        day=today + dt.timedelta(days=1),
        version=second,
        score=71.0,
        band="green",
        computed_at=timezone.now(),
    )
    HealthAlertFactory(account=account, opened_on=today - dt.timedelta(days=3), score=30.0)
    HealthAlertFactory(account=account, kind="drop", opened_on=today, previous_score=55.0)
    HealthAlertFactory(account=account, resolved_on=today)
    contact = ContactFactory(account=account, last_met_at=timezone.now())
    SurveyResponseFactory(account=account, contact=contact, comment="良い")
    SurveyResponseFactory(account=account, responded_on=today - dt.timedelta(days=2))
    return account


def test_the_health_panels_read_what_the_selectors_read_in_one_call(scoped):
    account = _account_with_health()
    with request_memo_scope(), CaptureQueriesContext(connection) as captured:
        health = account_health_read(account_id=account.pk, days=30, surveys=5)
        current, now = (
            selectors.health_current(account=account),
            selectors.health_now(account=account),
        )
    [statement] = [q["sql"] for q in captured.captured_queries]
    assert "junkan_account_health(" in statement
    assert loaded_fields(current) == loaded_fields(selectors.health_current(account=account))
    assert loaded_fields(current.version) == loaded_fields(
        selectors.health_current(account=account).version
    )
    assert current.version.scorecard.name == current.version.scorecard.name
    assert type(current.score) is float and current.score == 42.0
    assert loaded_fields(now) == loaded_fields(selectors.health_now(account=account))
    assert health.explanation == selectors.health_explanation(account=account)
    assert health.explanation["compared_with"] == timezone.localdate() - dt.timedelta(days=31)
    assert health.chart == account_health_chart(account=account, days=30)
    assert health.chart["markers"]  # the version changed within the 30 days
    assert all(type(score) is float for score in health.chart["scores"])
    assert [loaded_fields(a) for a in health.alerts] == [
        loaded_fields(a) for a in selectors.health_alerts_open(account_id=account.pk, limit=10)
    ]
    expected = selectors.survey_responses_of(account_id=account.pk, limit=5)
    assert [loaded_fields(r) for r in health.surveys] == [loaded_fields(r) for r in expected]
    assert loaded_fields(health.surveys[0].contact) == loaded_fields(expected[0].contact)
    assert health.surveys[1].contact is None


def test_an_account_never_scored_reads_no_score_and_no_chart(scoped):
    account = AccountFactory()
    health = account_health_read(account_id=account.pk, days=90, surveys=5)
    assert health.current is None and health.explanation is None
    assert health.chart == {"labels": [], "scores": [], "markers": []}
    assert health.alerts == [] and health.surveys == []


def test_the_health_function_sees_only_the_tenant_in_scope(tenant, other_tenant):
    with tenant_scope(other_tenant):
        theirs = _account_with_health()
    with tenant_scope(tenant), connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM junkan_account_health(%s, %s, 90, 30, 10, 5)",
            [other_tenant.pk, theirs.pk],
        )
        assert cursor.fetchall() == [(None,) * 6]


def test_the_chart_reads_its_days_from_the_index_alone():
    """The chart's days of an account lie one heap page apart (each day's scores are written
    together): its columns ride in the unique index (healthscore 0033) for an index-only
    range of a few pages."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a"
            " ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
            " WHERE i.indexrelid = 'healthscore_one_per_day'::regclass"
        )
        columns = {name for (name,) in cursor.fetchall()}
    chart = {"tenant_id", "account_id", "day", "score", "band", "version_id"}
    assert chart <= columns


def _components(definition, points):
    """A score's stored components: each of the definition's with `points` (its weight left
    out of one, as older scores stored them, so the definition's weight is read)."""
    components = {
        c["key"]: {"value": points / 2, "points": points, "weight": 10.0}
        for c in definition["components"]
    }
    del components[definition["components"][0]["key"]]["weight"]
    return components


@pytest.mark.parametrize("same_version", [True, False], ids=["same version", "earlier version"])
def test_the_explanation_compares_with_the_earlier_score_as_the_selectors_do(scoped, same_version):
    today = timezone.localdate()
    account = AccountFactory()
    earlier = ScorecardVersionFactory()
    latest = earlier if same_version else ScorecardVersionFactory(scorecard=earlier.scorecard)
    if not same_version:  # another weight: the earlier contributions use its own
        latest.definition["components"][0]["weight"] += 5
        latest.save()
    HealthScoreFactory(
        account=account,
        version=earlier,
        day=today - dt.timedelta(days=35),
        components=_components(earlier.definition, 40.0),
    )
    HealthScoreFactory(
        account=account, version=latest, day=today, components=_components(latest.definition, 80.0)
    )
    health = account_health_read(account_id=account.pk, days=90, surveys=5)
    assert health.explanation["moved_most"]
    assert health.explanation == selectors.health_explanation(account=account)


def test_the_earlier_score_comes_without_the_latest_scores_definition(scoped):
    """The explanation reads the earlier score's day, score and components; its version's
    definition only when it is another version than the latest score's."""
    account = _account_with_health()  # the latest score's version is not the earlier one's
    same = AccountFactory()
    version = ScorecardVersionFactory()
    for days in (0, 31):
        HealthScoreFactory(
            account=same, version=version, day=timezone.localdate() - dt.timedelta(days=days)
        )
    with connection.cursor() as cursor:
        earlier = {}
        for one in (account, same):
            cursor.execute(
                "SELECT r_before FROM junkan_account_health(%s, %s, 90, 30, 10, 5)",
                [one.tenant_id, one.pk],
            )
            [earlier[one]] = cursor.fetchone()  # json: psycopg2 parses it
    assert set(earlier[same]) == {"day", "score", "components", "version_id", "version__definition"}
    assert earlier[same]["version__definition"] is None
    assert earlier[account]["version__definition"]["components"]


def test_the_health_function_writes_json_text_not_jsonb():
    """jsonb would make every number a numeric and every value a tree node first: the chart's
    90 days and the latest score's definition cost most of the call (healthscore 0037)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(DISTINCT t::regtype::text) FROM pg_proc p,"
            " unnest(p.proallargtypes[7:]) t WHERE p.proname = 'junkan_account_health'"
        )
        assert cursor.fetchone()[0] == ["json"]


def test_the_health_read_goes_with_the_reads_announced_with_it(scoped):
    """Sent with a page view's other first-view reads (`cs_platform.leancalls`)."""
    account, other = _account_with_health(), AccountFactory()
    with request_memo_scope(), CaptureQueriesContext(connection) as captured:
        account_health_ahead(account_id=account.pk, days=30, surveys=5)
        account_health_ahead(account_id=other.pk, days=30, surveys=5)
        assert account_health_read(account_id=other.pk, days=30, surveys=5).current is None
        health = account_health_read(account_id=account.pk, days=30, surveys=5)
    assert len(captured.captured_queries) == 1
    assert health.explanation == selectors.health_explanation(account=account)


def test_the_latest_score_asked_before_the_health_read_is_sent_comes_from_it(scoped):
    """The reading panel's window asks for the latest score when its call is made, maybe
    before the health read it was announced with is sent: that read is made then, alone,
    rather than a statement of the score's own, and its instances once."""
    account = _account_with_health()
    with request_memo_scope(), CaptureQueriesContext(connection) as captured:
        account_health_ahead(account_id=account.pk, days=30, surveys=5)
        current = selectors.health_current(account=account)
        health = account_health_read(account_id=account.pk, days=30, surveys=5)
    [statement] = [q["sql"] for q in captured.captured_queries]
    assert "junkan_account_health(" in statement
    assert health.current is current and current.score == 42.0
