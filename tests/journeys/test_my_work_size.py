"""My work stays small for an owner of many accounts: each list shows its first rows and
links to the rest (issue #16)."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cs_platform.scoping import tenant_scope
from journeys.views import MY_WORK_SHOWN
from tests.factories import AccountFactory, ContractFactory
from tests.journeys.factories import ActionStepFactory, MilestoneFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _fill(tenant, user, n: int) -> None:
    today = timezone.localdate()
    with tenant_scope(tenant):
        for i in range(n):
            account = AccountFactory(owner=user, name=f"担当先{i:03d}")
            TaskFactory(account=account, assignee=user, title=f"タスク{i:03d}")
            ActionStepFactory(
                milestone=MilestoneFactory(journey_map__account=account),
                owner_user=user,
                description=f"ステップ{i:03d}",
            )
            ContractFactory(
                account=account,
                start_date=today - dt.timedelta(days=300),
                renewal_date=today + dt.timedelta(days=1 + i % 80),
            )


def _get(client, tenant, query=""):
    url = reverse("journeys:my_work", kwargs={"tenant_slug": tenant.slug}) + query
    response = client.get(url)
    assert response.status_code == 200
    return response


def test_each_list_shows_its_first_rows_and_links_to_the_rest(tenant, csm_user):
    _fill(tenant, csm_user, MY_WORK_SHOWN + 10)
    client = Client()
    client.force_login(csm_user)
    response = _get(client, tenant)
    body = response.text
    assert len(response.context["tasks"]) == MY_WORK_SHOWN
    assert len(response.context["steps"]) == MY_WORK_SHOWN
    assert len(response.context["renewals"]) == MY_WORK_SHOWN
    assert len(response.context["accounts"]) == MY_WORK_SHOWN
    for testid in ("more-tasks", "more-steps", "more-renewals", "more-accounts"):
        assert f'data-testid="{testid}"' in body
    assert f"?owner={csm_user.pk}" in body  # all my accounts: the account list, by owner
    assert response.context["task_count"] == MY_WORK_SHOWN + 10  # the heading counts them all

    everything = _get(client, tenant, "?all=tasks")
    assert len(everything.context["tasks"]) == MY_WORK_SHOWN + 10
    assert 'data-testid="more-tasks"' not in everything.text
    assert len(everything.context["steps"]) == MY_WORK_SHOWN  # the others stay short


def test_the_page_does_not_grow_with_the_number_of_tasks(tenant, csm_user):
    client = Client()
    client.force_login(csm_user)
    _fill(tenant, csm_user, MY_WORK_SHOWN + 1)
    some = len(_get(client, tenant).content)
    _fill(tenant, csm_user, 30)
    many = len(_get(client, tenant).content)
    assert abs(many - some) < 500, (some, many)  # a digit more in a count, no more rows


def test_a_short_list_has_no_more_link(tenant, csm_user):
    _fill(tenant, csm_user, 2)
    client = Client()
    client.force_login(csm_user)
    body = _get(client, tenant).text
    assert 'data-testid="more-' not in body


MY_WORK_QUERY_BUDGET = 10  # 14 before issue #16's work (the middleware's and the page's reads)


def test_my_work_reads_in_the_same_few_queries_with_16_or_26_of_everything(tenant, csm_user):
    """More rows than the page shows in both cases (so both count the rest). Each view is
    the first after a write, so its lists are read (a repeat view keeps them:
    test_my_work_cache)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(csm_user)
    _get(client, tenant)  # the first request of a session may store its tenant
    counts = []
    for n in (MY_WORK_SHOWN + 1, 10):
        _fill(tenant, csm_user, n)
        with CaptureQueriesContext(connection) as captured:
            _get(client, tenant)
        counts.append(len(captured))
        assert "journeys_actionstep" in " ".join(q["sql"] for q in captured.captured_queries)
    queries = "\n".join(q["sql"] for q in captured.captured_queries)
    assert counts[0] == counts[1], queries
    assert counts[1] <= MY_WORK_QUERY_BUDGET, f"{counts[1]} queries:\n{queries}"
