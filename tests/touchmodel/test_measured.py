"""Every touch in the effect chain: 1:1 meetings logged against a programme, article reads for
content programmes; the planner's measured reach and value beside the estimates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cs_platform.scoping import tenant_scope
from journeys.models import Meeting
from journeys.services import activity_record, meeting_log
from tests.factories import AccountFactory
from tests.healthscore.factories import HealthScoreFactory
from touchmodel.selectors import program_effect, program_measured, programs_touches

from .factories import AccountTierFactory, RuleFactory, RuleFiringFactory, TouchProgramFactory

pytestmark = pytest.mark.django_db


def _at(days_ago: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days_ago)


@pytest.fixture
def one_to_one(scoped):
    return TouchProgramFactory(kind="one_to_one", tier="high", name_en="Onboarding 1:1")


def test_a_meeting_logged_against_a_programme_is_a_touch_of_it(one_to_one):
    account = AccountFactory()
    meeting_log(account=account, agenda="kick-off", program_id=one_to_one.pk, occurred_at=_at(3))
    meeting_log(account=account, agenda="not part of it", occurred_at=_at(2))
    effect = program_effect(program=one_to_one)
    assert effect["activity"] == {"touches": 1, "accounts": 1, "by_kind": {"meeting": 1}}


@pytest.mark.parametrize("kind", ["seminar_series", "inactive", "unknown"])
def test_a_meeting_cannot_be_logged_against_a_programme_not_offered(one_to_one, kind):
    if kind == "unknown":
        program_id = one_to_one.pk + 1000
    else:
        other = TouchProgramFactory(
            kind="seminar_series" if kind == "seminar_series" else "one_to_one",
            is_active=kind != "inactive",
        )
        program_id = other.pk
    with pytest.raises(ValidationError) as caught:
        meeting_log(account=AccountFactory(), agenda="x", program_id=program_id)
    assert "program" in caught.value.message_dict
    assert not Meeting.objects.exists()


def test_another_tenants_programme_is_not_offered(one_to_one, other_tenant):
    with tenant_scope(other_tenant):
        theirs = TouchProgramFactory(kind="one_to_one")
    with pytest.raises(ValidationError):
        meeting_log(account=AccountFactory(), agenda="x", program_id=theirs.pk)


def test_the_meeting_form_offers_the_1to1_programmes_and_logs_against_one(
    one_to_one, csm_user, tenant
):
    TouchProgramFactory(kind="seminar_series", name_en="Webinars")
    account = AccountFactory()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(csm_user)
    # the form Account 360 fetches when its "Log a meeting" opens
    detail = client.get(reverse("journeys:meeting_add", args=["acme", account.pk])).content.decode()
    assert 'name="program"' in detail
    assert "Onboarding 1:1" in detail
    assert "Webinars" not in detail.split('name="program"')[1].split("</select>")[0]
    response = client.post(
        reverse("journeys:meeting_add", args=["acme", account.pk]),
        {
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "meeting_type": "online",
            "agenda": "Weekly check-in",
            "sentiment": "neutral",
            "program": str(one_to_one.pk),
        },
    )
    assert response.status_code == 302
    with tenant_scope(tenant):
        assert Meeting.objects.get().program_id == one_to_one.pk


def test_the_meetings_api_takes_a_programme_and_refuses_an_unknown_one_with_400(csm_api, tenant):
    with tenant_scope(tenant):
        account = AccountFactory()
        program = TouchProgramFactory(kind="one_to_one")
    url = reverse("meeting-list")
    ok = csm_api.post(
        url, {"account": account.pk, "agenda": "QBR", "program": program.pk}, format="json"
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["program"] == program.pk
    bad = csm_api.post(
        url, {"account": account.pk, "agenda": "QBR", "program": program.pk + 99}, format="json"
    )
    assert bad.status_code == 400
    assert "program" in bad.json()


def test_article_reads_count_for_content_programmes_only(scoped):
    content = TouchProgramFactory(kind="content_track", tier="tech")
    seminars = TouchProgramFactory(kind="seminar_series")
    account = AccountFactory()
    activity_record(account=account, kind="content_view", title="Get Started", occurred_at=_at(5))
    effect = program_effect(program=content)
    assert effect["activity"]["by_kind"] == {"article_read": 1}
    assert program_effect(program=seminars)["activity"]["touches"] == 0


def test_a_read_an_e_mail_brought_counts_for_the_firings_programme_once(scoped):
    content = TouchProgramFactory(kind="content_track", tier="tech")
    seminars = TouchProgramFactory(kind="seminar_series")
    account = AccountFactory()
    firing = RuleFiringFactory(rule=RuleFactory(program=content), account=account)
    other = RuleFiringFactory(rule=RuleFactory(program=seminars), account=account)
    for ref in (f"firing:{firing.pk}", f"firing:{other.pk}"):
        activity_record(
            account=account,
            kind="content_view",
            title="Get Started",
            occurred_at=_at(3 if ref.endswith(str(firing.pk)) else 2),
            data={"ref": ref},
        )
    assert program_effect(program=content)["activity"]["by_kind"] == {
        "task": 1,
        "article_read": 2,  # its own e-mail's read (once) and the other, organic for it
    }
    assert program_effect(program=seminars)["activity"]["by_kind"] == {
        "task": 1,
        "article_read": 1,  # only the read its own firing's e-mail brought
    }


def test_touches_of_all_programmes_cost_a_fixed_number_of_queries(
    one_to_one, django_assert_num_queries
):
    programs = [one_to_one, *[TouchProgramFactory(kind="content_track") for _ in range(5)]]
    for program in programs[:3]:
        RuleFiringFactory(rule=RuleFactory(program=program), account=AccountFactory())
    # firings, seminars, e-mails, meetings, reads e-mails brought, every read
    with django_assert_num_queries(6):
        touches = programs_touches(programs=programs)
    assert set(touches["program_id"]) >= {p.pk for p in programs[:3]}


def test_measured_reach_is_accounts_touched_in_90_days_per_month_and_flags_the_estimate(
    one_to_one,
):
    for i in range(6):
        meeting_log(
            account=AccountFactory(), agenda="m", program_id=one_to_one.pk, occurred_at=_at(i + 1)
        )
    meeting_log(
        account=AccountFactory(), agenda="old", program_id=one_to_one.pk, occurred_at=_at(120)
    )
    one_to_one.reach_per_month = 40
    measured = program_measured(programs=[one_to_one])[one_to_one.pk]
    assert measured.reach_per_month == 2.0
    assert measured.reach_far_off and measured.far_off
    one_to_one.reach_per_month = 3
    assert not program_measured(programs=[one_to_one])[one_to_one.pk].reach_far_off


def test_measured_value_steps_with_the_health_gained_over_comparable_accounts(one_to_one):
    touch_day = timezone.localdate() - dt.timedelta(days=40)
    for gain in (10, 10, 10):
        account = AccountFactory()
        AccountTierFactory(account=account, tier="high")
        meeting_log(
            account=account,
            agenda="m",
            program_id=one_to_one.pk,
            occurred_at=timezone.make_aware(dt.datetime.combine(touch_day, dt.time(10))),
        )
        HealthScoreFactory(account=account, day=touch_day - dt.timedelta(days=1), score=50)
        HealthScoreFactory(account=account, day=touch_day + dt.timedelta(days=20), score=50 + gain)
    measured = program_measured(programs=[one_to_one])[one_to_one.pk]
    assert measured.uplift == 10.0
    assert measured.value == 5  # 3 + 10 / 5
    assert measured.accounts_measured == 3
    assert measured.value_far_off  # the estimate is 3
    one_to_one.value_per_customer = 4
    assert not program_measured(programs=[one_to_one])[one_to_one.pk].value_far_off


def test_measured_value_waits_for_three_matured_accounts(one_to_one):
    account = AccountFactory()
    meeting_log(account=account, agenda="m", program_id=one_to_one.pk, occurred_at=_at(40))
    HealthScoreFactory(account=account, day=timezone.localdate() - dt.timedelta(days=41))
    measured = program_measured(programs=[one_to_one])[one_to_one.pk]
    assert measured.value is None and not measured.value_far_off


def test_the_planner_shows_estimates_beside_measured_figures_and_flags(one_to_one, viewer_user):
    for i in range(6):
        meeting_log(
            account=AccountFactory(), agenda="m", program_id=one_to_one.pk, occurred_at=_at(i + 1)
        )
    quiet = TouchProgramFactory(reach_per_month=5)
    client = Client()
    client.force_login(viewer_user)
    body = client.get(reverse("touchmodel:planner", args=["acme"])).content.decode()
    assert body.count('data-testid="program-row"') == 2
    assert body.count('data-testid="estimate-far-off"') == 1
    assert f'data-program="{one_to_one.pk}" data-far-off="true"' in body
    assert f'data-program="{quiet.pk}" data-far-off' not in body
