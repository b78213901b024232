"""Account 360's closed forms come when they are opened (issue #16): each `<details>` holds a
link to its form's address, which htmx fetches on the first open; the form posts as before.

Building and rendering them on every view cost a fifth of the page (the meeting form, the note
form, a step form with every owner per milestone, the feedback and survey forms)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cs_platform.scoping import tenant_scope
from healthscore.models import SurveyResponse
from journeys.models import ActionStep, FeedbackItem, Meeting, Milestone
from tests.factories import AccountFactory, ContactFactory
from tests.journeys.factories import JourneyMapFactory, MilestoneFactory

pytestmark = pytest.mark.django_db

# (url name, the pk it takes: "account" or "milestone", the form's testid)
FORMS = [
    ("journeys:meeting_add", "account", "meeting-form"),
    ("journeys:touch_add", "account", "touch-form"),
    ("journeys:feedback_add", "account", "feedback-form"),
    ("journeys:milestone_add", "account", "milestone-form"),
    ("journeys:step_add", "milestone", "step-form"),
    ("healthscore:survey_add", "account", "survey-form"),
]


@pytest.fixture
def objects(tenant, csm_user):
    with tenant_scope(tenant):
        account = AccountFactory(owner=csm_user, name="遅延商事")
        ContactFactory(account=account, name="田中 一郎")
        milestone = MilestoneFactory(
            journey_map=JourneyMapFactory(account=account), title="全社展開"
        )
    return {"account": account, "milestone": milestone}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_url(account) -> str:
    return reverse("accounts:detail", kwargs={"tenant_slug": "acme", "pk": account.pk})


def form_url(name: str, pk: int) -> str:
    return reverse(name, kwargs={"tenant_slug": "acme", "pk": pk})


def test_account_360_links_each_closed_form_and_does_not_render_it(csm_user, objects):
    page_path = page_url(objects["account"]) + "?health_range=90"
    body = client_for(csm_user).get(page_path).content.decode()
    for name, kind, testid in FORMS:
        fetch = f"{form_url(name, objects[kind].pk)}?next=%2Ft%2Facme%2Faccounts%2F"
        assert f'hx-get="{fetch}' in body, name
        assert 'hx-trigger="toggle once"' in body
        assert f'data-testid="{testid}"' not in body, testid
    # The page it goes back to keeps its query.
    assert "%3Fhealth_range%3D90" in body


@pytest.mark.parametrize(("name", "kind", "testid"), FORMS)
def test_each_form_loads_alone_for_htmx_and_as_a_page_without_it(
    csm_user, objects, name, kind, testid
):
    client = client_for(csm_user)
    back = page_url(objects["account"]) + "?health_range=90"
    address = form_url(name, objects[kind].pk)
    fragment = client.get(address, {"next": back}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert "<html" not in html
    assert f'data-testid="{testid}"' in html
    assert f'<input type="hidden" name="next" value="{back}">' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert re.search(r'<form method="post" action="[^"]+"', html)

    page = client.get(address)  # no JavaScript: the link opens the form as a page
    assert page.status_code == 200
    body = page.content.decode()
    assert "<html" in body and f'data-testid="{testid}"' in body
    assert "遅延商事" in body  # the way back names the account


def test_a_viewer_may_not_fetch_the_forms(viewer_user, objects):
    client = client_for(viewer_user)
    for name, kind, _testid in FORMS:
        response = client.get(form_url(name, objects[kind].pk), HTTP_HX_REQUEST="true")
        assert response.status_code == 403, name


def test_the_fetched_forms_post_what_they_show(tenant, csm_user, objects):
    """Each fetched form, filled as a person would, writes through its view and goes back."""
    client = client_for(csm_user)
    account, milestone = objects["account"], objects["milestone"]
    back = page_url(account)
    today = timezone.localdate().isoformat()

    def fields(name: str, pk: int) -> dict[str, str]:
        html = client.get(form_url(name, pk), {"next": back}, HTTP_HX_REQUEST="true")
        return {"next": re.search(r'name="next" value="([^"]*)"', html.content.decode())[1]}

    posts = [
        (
            "journeys:meeting_add",
            account.pk,
            {
                "occurred_at": "2026-11-20T10:00",
                "meeting_type": "online",
                "agenda": "キックオフ",
                "sentiment": "neutral",
            },
        ),
        ("journeys:feedback_add", account.pk, {"kind": "request", "quote": "CSV が欲しい"}),
        ("journeys:milestone_add", account.pk, {"title": "定着", "target_score": "70"}),
        ("journeys:step_add", milestone.pk, {"description": "研修"}),
        ("healthscore:survey_add", account.pk, {"score": "9", "responded_on": today}),
    ]
    for name, pk, data in posts:
        response = client.post(form_url(name, pk), {**fields(name, pk), **data})
        assert response.status_code == 302, name
        assert response["Location"].startswith(back), name
    with tenant_scope(tenant):
        assert Meeting.objects.filter(account=account, agenda="キックオフ").exists()
        assert FeedbackItem.objects.filter(account=account, quote="CSV が欲しい").exists()
        assert Milestone.objects.filter(journey_map__account=account, title="定着").exists()
        assert ActionStep.objects.filter(milestone=milestone, description="研修").exists()
        assert SurveyResponse.objects.filter(account=account, score=9).exists()


def test_a_map_without_milestones_shows_its_open_milestone_form_at_once(tenant, csm_user, objects):
    with tenant_scope(tenant):
        Milestone.objects.filter(pk=objects["milestone"].pk).delete()
    body = client_for(csm_user).get(page_url(objects["account"])).content.decode()
    assert 'data-testid="milestone-form"' in body
    assert f'name="next" value="{page_url(objects["account"])}"' in body
