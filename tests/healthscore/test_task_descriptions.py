"""Generated task descriptions read in the reader's language like their titles (issue #17): a
health alert's and a milestone at risk's, on Account 360, My Work and the API; a description
someone rewrote stays as written in every language, the title still generated."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from cs_platform.scoping import tenant_scope
from healthscore.services.milestones import milestone_risk_evaluate
from journeys.extensions import task_descriptions
from journeys.models import Task
from tests.factories import AccountFactory
from tests.journeys.factories import MilestoneFactory

from .factories import HealthScoreFactory, ScorecardVersionFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 20)
ALERT_JA = "顧客に連絡を取り、ヘルススコアの内訳を確認してください。"
ALERT_EN = "Check in with the customer and review the health explanation."


def test_an_alert_tasks_description_reads_in_each_language(red_task, tenant):
    assert red_task.description == ALERT_JA  # stored in the tenant's language
    with tenant_scope(tenant):
        for language, expected in (("en", ALERT_EN), ("ja", ALERT_JA)):
            with translation.override(language):
                assert task_descriptions([red_task]) == {red_task.pk: expected}
                assert red_task.shown_description == expected


@pytest.mark.parametrize(
    ("language", "expected", "other"), [("en", ALERT_EN, ALERT_JA), ("ja", ALERT_JA, ALERT_EN)]
)
def test_pages_and_the_api_show_the_description_in_the_readers_language(
    red_task, csm_user, csm_api, language, expected, other
):
    client = Client()
    client.force_login(csm_user)
    for path in ("/t/acme/journeys/my-work/", f"/t/acme/accounts/{red_task.account_id}/"):
        body = client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert expected in body and other not in body, path
    one = csm_api.get(f"/api/v1/tasks/{red_task.pk}/", HTTP_ACCEPT_LANGUAGE=language).json()
    assert one["description"] == expected


def test_a_rewritten_description_stays_in_every_language(red_task, tenant, csm_api):
    unchanged = csm_api.patch(
        f"/api/v1/tasks/{red_task.pk}/",
        {"description": ALERT_EN},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert unchanged.status_code == 200  # the text as read: still generated
    assert "description_edited" not in Task.objects.get().data
    response = csm_api.patch(
        f"/api/v1/tasks/{red_task.pk}/", {"description": "社長に電話"}, format="json"
    )
    assert response.status_code == 200, response.content
    task = Task.objects.get()
    assert (task.description, task.kind, task.data["description_edited"]) == (
        "社長に電話",
        "health_alert",
        True,
    )
    with tenant_scope(tenant), translation.override("en"):
        assert task.shown_description == "社長に電話"
        assert task.shown_title == "Health moved into red (30)"


def test_a_milestone_at_risk_description_reads_in_each_language(defaults):
    account = AccountFactory()
    HealthScoreFactory(
        account=account, version=ScorecardVersionFactory(), day=DAY, score=41.6, band="amber"
    )
    due = timezone.localdate() + dt.timedelta(days=3)
    MilestoneFactory(account=account, title="キックオフ", target_score=70, due_date=due)
    with translation.override("ja"):
        milestone_risk_evaluate(account_ids=[account.pk])
    task = Task.objects.get(kind="milestone_at_risk")
    assert {k: task.data[k] for k in ("score", "target", "due")} == {
        "score": 41.6,
        "target": 70,
        "due": due.isoformat(),
    }
    with translation.override("en"):
        assert task.shown_description == (
            "The health score is 42, below the milestone's target of 70, and it is due on "
            f"{date_format(due)}. Review the action plan with the customer."
        )
    with translation.override("ja"):
        japanese = task_descriptions([task])[task.pk]
        assert japanese == task.description and date_format(due) in japanese
    Task.objects.filter(pk=task.pk).update(data={"milestone": 1, "title": "キックオフ"})
    with translation.override("en"):  # made before the data kept the figures: stored text
        assert task_descriptions(Task.objects.all()) == {task.pk: task.description}
