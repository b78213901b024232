"""Each staff user's private iCal feed: tasks' due dates, meetings, seminars; revocable."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from calendars.services import calendar_feed_issue, calendar_feed_revoke
from cs_platform.scoping import tenant_scope
from journeys.models import MeetingStaff
from tests.factories import AccountFactory
from tests.journeys.factories import MeetingFactory, TaskFactory
from tests.touchmodel.factories import RuleFactory, SeminarFactory

pytestmark = pytest.mark.django_db


def events(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return {
        str(e["uid"]).split("@")[0]: e for e in Calendar.from_ical(response.content).walk("VEVENT")
    }


@pytest.fixture
def feed_url(tenant, csm_user):
    with tenant_scope(tenant):
        token = calendar_feed_issue(user=csm_user).token
    return f"/calendar/{token}.ics"


def test_the_feed_holds_my_tasks_meetings_and_seminars(tenant, csm_user, feed_url, admin_user):
    now = timezone.now()
    due = timezone.localdate() + dt.timedelta(days=1)
    with tenant_scope(tenant):
        account = AccountFactory(name="アクメ商事")
        mine = TaskFactory(account=account, assignee=csm_user, title="Call",
                           due_date=due)  # fmt: skip
        TaskFactory(account=account, assignee=admin_user, due_date=due)
        meeting = MeetingFactory(account=account, occurred_at=now + dt.timedelta(days=2))
        MeetingStaff.objects.create(meeting=meeting, user=csm_user)
        MeetingFactory(account=account, occurred_at=now + dt.timedelta(days=2))  # not mine
        seminar = SeminarFactory(starts_at=now + dt.timedelta(days=5), duration_minutes=90)
    found = events(Client().get(feed_url))
    assert set(found) == {f"task-{mine.pk}", f"meeting-{meeting.pk}", f"seminar-{seminar.pk}"}
    task = found[f"task-{mine.pk}"]
    assert task.decoded("dtstart") == due
    assert "アクメ商事" in str(task["summary"])
    start = found[f"seminar-{seminar.pk}"].decoded("dtstart")
    assert str(start.tzinfo) == "Asia/Tokyo"  # the tenant's time zone
    # RFC 5545 3.2.19: every TZID used has its VTIMEZONE in the document (Outlook needs it).
    calendar = Calendar.from_ical(Client().get(feed_url).content)
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    end = found[f"seminar-{seminar.pk}"].decoded("dtend")
    assert end - start == dt.timedelta(minutes=90)


def test_a_revoked_feed_is_404(tenant, csm_user, feed_url):
    with tenant_scope(tenant):
        calendar_feed_revoke(user=csm_user)
    assert Client().get(feed_url).status_code == 404


def test_a_new_url_replaces_the_old_one(tenant, csm_user, feed_url):
    with tenant_scope(tenant):
        calendar_feed_issue(user=csm_user)
    assert Client().get(feed_url).status_code == 404


def test_an_unknown_token_is_404(db):
    assert Client().get("/calendar/" + "x" * 43 + ".ics").status_code == 404


@pytest.mark.parametrize(
    "language,button", [("ja", "フィード URL を作成"), ("en", "Create a feed URL")]
)
def test_the_page_issues_a_url_that_works(tenant, csm_user, language, button):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(csm_user)
    page = client.get("/t/acme/calendars/")
    assert page.status_code == 200 and button in page.content.decode()
    issued = client.post("/t/acme/calendars/", {"action": "issue"}).content.decode()
    url = issued.split('data-testid="feed-url">')[1].split("<")[0]
    assert Client().get(url.split("testserver")[1]).status_code == 200
    client.post("/t/acme/calendars/", {"action": "revoke"})
    assert Client().get(url.split("testserver")[1]).status_code == 404


RED_JA = "ヘルススコアがレッドになりました（30）"
RED_EN = "Health moved into red (30)"


@pytest.mark.parametrize(
    ("user_language", "tenant_language", "title", "rule_title", "description"),
    [
        ("en", "ja", RED_EN, "Check before renewal", "Let's follow up."),
        ("ja", "en", RED_JA, "更新前の確認", "フォローしましょう。"),
        ("", "en", RED_EN, "Check before renewal", "Let's follow up."),  # the workspace's
    ],
)
def test_generated_tasks_read_in_the_feed_owners_language(
    tenant, csm_user, feed_url, user_language, tenant_language, title, rule_title, description
):
    """The owner's language setting (else the workspace's), whatever the calendar app asks."""
    csm_user.language = user_language
    csm_user.save(update_fields=["language"])
    tenant.default_language = tenant_language
    tenant.save(update_fields=["default_language"])
    due = timezone.localdate() + dt.timedelta(days=1)
    with tenant_scope(tenant):
        account = AccountFactory(name="アクメ商事")
        alert = TaskFactory(
            account=account, assignee=csm_user, due_date=due, title=RED_JA,
            kind="health_alert", data={"kind": "red", "score": 30.0, "previous": None},
        )  # fmt: skip
        rule = RuleFactory(name_ja="更新前の確認", name_en="Check before renewal")
        by_rule = TaskFactory(
            account=account, assignee=csm_user, due_date=due, title="更新前の確認",
            description="フォローしましょう。", kind="rule",
            data={"rule": rule.pk, "detail": ""},
        )  # fmt: skip
    found = events(Client().get(feed_url, HTTP_ACCEPT_LANGUAGE="ja"))
    assert str(found[f"task-{alert.pk}"]["summary"]) == f"☑ {title} — アクメ商事"
    rule_task = found[f"task-{by_rule.pk}"]
    assert str(rule_task["summary"]) == f"☑ {rule_title} — アクメ商事"
    assert str(rule_task["description"]) == description
