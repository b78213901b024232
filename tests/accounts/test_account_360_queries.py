"""Account 360 reads in a fixed number of queries, whatever the account holds (issue #16)."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cs_platform.scoping import tenant_scope
from tests.content.factories import ArticleTranslationFactory, ArticleViewFactory
from tests.factories import AccountFactory, ContactFactory, ContractFactory
from tests.healthscore.factories import (
    HealthAlertFactory,
    HealthScoreFactory,
    ScorecardVersionFactory,
    SurveyResponseFactory,
)
from tests.journeys.factories import (
    AccountPhaseFactory,
    ActionStepFactory,
    ActivityFactory,
    FeedbackItemFactory,
    JourneyMapFactory,
    MeetingContactFactory,
    MeetingFactory,
    MilestoneFactory,
    PhaseFactory,
    PhaseTransitionFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

# What the page reads, the middleware's own (session, user, tenant, membership) included.
QUERY_BUDGET = 6  # 53, 41, 30, 28, 27, 25, 17 (journeys), 11 (health, account), 9 (touch, content),
# 8 (touch and content in one statement), 7 (journeys with them), 6 (health with them: the
# reading window in SQL)
REPEAT_BUDGET = 2  # 22, 16, 13, 3; every panel and the account kept: the member, the versions


def _fill(account, journey_map, version, phases, n: int) -> None:
    """`n` more of every kind of row Account 360 shows."""
    today = timezone.localdate()
    for i in range(n):
        contact = ContactFactory(account=account, relationship_level="manager")
        start = today - dt.timedelta(days=300 + i)
        ContractFactory(account=account, start_date=start, renewal_date=start + dt.timedelta(365))
        MeetingContactFactory(meeting=MeetingFactory(account=account), contact=contact)
        ActivityFactory(account=account)
        TaskFactory(account=account)
        milestone = MilestoneFactory(journey_map=journey_map, order=i)
        ActionStepFactory(milestone=milestone)
        PhaseTransitionFactory(account=account, from_phase=phases[0], to_phase=phases[1])
        FeedbackItemFactory(account=account)
        SurveyResponseFactory(account=account, score=i % 11)
        HealthAlertFactory(account=account, resolved_on=today)
        HealthScoreFactory(account=account, version=version, day=today - dt.timedelta(days=n + i))
        read = ArticleTranslationFactory(language="en").article
        ArticleViewFactory(article=read, contact=contact, viewed_at=timezone.now())


def _url(tenant, account) -> str:
    return reverse("accounts:detail", kwargs={"tenant_slug": tenant.slug, "pk": account.pk})


def _queries(client: Client, tenant, account, *, first: bool = True) -> list[str]:
    """The queries of a view; `first`: of the account's first view (no panel of it kept yet;
    what the tenant's pages share is, from a view of another account)."""
    url = _url(tenant, account)
    client.get(url)  # the first request of a session may store its tenant
    if first:
        cache.clear()
        with tenant_scope(tenant):
            other = AccountFactory()
        client.get(_url(tenant, other))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_account_360_reads_in_the_same_few_queries_with_3_or_12_of_everything(tenant, manager_user):
    client = Client()
    client.force_login(manager_user)
    with tenant_scope(tenant):
        phases = [PhaseFactory(order=1), PhaseFactory(order=2)]
        version = ScorecardVersionFactory()
        account = AccountFactory(owner=manager_user)
        AccountPhaseFactory(account=account, phase=phases[1])
        journey_map = JourneyMapFactory(account=account)
        _fill(account, journey_map, version, phases, 3)
    few = _queries(client, tenant, account)
    with tenant_scope(tenant):
        _fill(account, journey_map, version, phases, 9)
    many = _queries(client, tenant, account)
    assert len(many) == len(few), "\n".join(many)
    assert len(many) <= QUERY_BUDGET, f"{len(many)} queries:\n" + "\n".join(many)
    # A repeat view serves every panel kept (the page's contacts and contracts too) without
    # their reads.
    again = _queries(client, tenant, account, first=False)
    assert len(again) <= REPEAT_BUDGET, f"{len(again)} queries:\n" + "\n".join(again)


def test_a_page_view_does_not_write_the_session(tenant, manager_user):
    client = Client()
    client.force_login(manager_user)
    with tenant_scope(tenant):
        account = AccountFactory()
    queries = _queries(client, tenant, account)
    assert not [q for q in queries if "django_session" in q and "UPDATE" in q.upper()]
