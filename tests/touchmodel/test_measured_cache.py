"""The planner's measured reach and value are cached under the data and touch versions (issue
#16): a second view reads no touch, and every kind of write that changes them shows at once,
as does a touch leaving the 90 days. Touches raise the touch version only (content views,
sent e-mails, rules, firings, registrations): the other cached pages survive them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cs_platform.datacache import cached_for_data_version, data_version, touch_version
from journeys.models import Activity, Meeting
from journeys.services import activity_record, meeting_log
from tests.factories import AccountFactory, ContactFactory
from tests.healthscore.factories import HealthScoreFactory
from touchmodel.models import OutboundEmail, Rule, RuleFiring, Seminar, SeminarRegistration
from touchmodel.selectors import program_measured

from .factories import (
    AccountTierFactory,
    OutboundEmailFactory,
    RuleFactory,
    RuleFiringFactory,
    SeminarFactory,
    SeminarRegistrationFactory,
    TouchProgramFactory,
)

pytestmark = pytest.mark.django_db

TOUCH_TABLES = (
    '"touchmodel_rulefiring"',
    '"touchmodel_seminarregistration"',
    '"touchmodel_outboundemail"',
    '"journeys_meeting"',
    '"journeys_activity"',
)


def _at(days_ago: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days_ago)


def _reached(program, now: dt.datetime | None = None) -> int:
    """Accounts touched in the last 90 days (the reach per month is a third of them)."""
    return round(program_measured(programs=[program], now=now)[program.pk].reach_per_month * 3)


@pytest.fixture
def one_to_one(scoped):
    return TouchProgramFactory(kind="one_to_one", tier="high")


def test_a_second_view_reads_no_touch(one_to_one):
    meeting_log(account=AccountFactory(), agenda="m", program_id=one_to_one.pk, occurred_at=_at(2))
    first = program_measured(programs=[one_to_one])
    with CaptureQueriesContext(connection) as captured:
        again = program_measured(programs=[one_to_one])
    assert again == first
    read = [q["sql"] for q in captured.captured_queries]
    assert not [sql for sql in read if any(table in sql for table in TOUCH_TABLES)], read


def test_meetings_logged_and_deleted_show_at_once(one_to_one):
    assert _reached(one_to_one) == 0
    meeting_log(account=AccountFactory(), agenda="m", program_id=one_to_one.pk, occurred_at=_at(2))
    assert _reached(one_to_one) == 1
    Meeting.objects.all().delete()
    assert _reached(one_to_one) == 0


def test_a_firing_done_and_its_rule_moved_to_another_programme_show_at_once(one_to_one):
    other = TouchProgramFactory(kind="email_campaign")
    firing = RuleFiringFactory(
        rule=RuleFactory(program=one_to_one), status="pending", fired_at=_at(1)
    )
    assert _reached(one_to_one) == 0
    RuleFiring.objects.filter(pk=firing.pk).update(status="done")
    assert _reached(one_to_one) == 1
    Rule.objects.filter(pk=firing.rule_id).update(program=other)
    assert _reached(one_to_one) == 0 and _reached(other) == 1


def test_attendance_and_the_seminars_programme_and_date_show_at_once(scoped):
    series = TouchProgramFactory(kind="seminar_series")
    seminar = SeminarFactory(program=series, starts_at=_at(3))
    registration = SeminarRegistrationFactory(seminar=seminar)
    assert _reached(series) == 0
    SeminarRegistration.objects.filter(pk=registration.pk).update(attendance="attended")
    assert _reached(series) == 1
    Seminar.objects.filter(pk=seminar.pk).update(starts_at=_at(200))
    assert _reached(series) == 0
    Seminar.objects.filter(pk=seminar.pk).update(starts_at=_at(3), program=None)
    assert _reached(series) == 0


def test_an_e_mail_sent_and_bounced_shows_at_once_and_a_queued_one_raises_nothing(scoped):
    campaign = TouchProgramFactory(kind="email_campaign")
    email = OutboundEmailFactory(program=campaign, account=AccountFactory(), status="queued")
    version = touch_version()
    OutboundEmail.objects.filter(pk=email.pk).update(status="sending")
    assert touch_version() == version  # neither row is a touch
    assert _reached(campaign) == 0
    data = data_version()
    OutboundEmail.objects.filter(pk=email.pk).update(status="sent", sent_at=_at(1))
    assert _reached(campaign) == 1
    assert data_version() == data  # a touch: the other cached pages stay
    OutboundEmail.objects.filter(pk=email.pk).update(status="bounced")
    assert _reached(campaign) == 0


def test_reads_show_at_once_for_content_programmes_and_other_entries_raise_nothing(scoped):
    content = TouchProgramFactory(kind="content_track", tier="tech")
    account = AccountFactory()
    assert _reached(content) == 0
    version = touch_version()
    activity_record(account=account, kind="note", title="A call note", occurred_at=_at(1))
    assert touch_version() == version  # not a read: the planner's figures stay cached
    data = data_version()
    activity_record(account=account, kind="content_view", title="Get Started", occurred_at=_at(1))
    assert _reached(content) == 1
    assert data_version() == data  # a read: the other cached pages stay
    Activity.objects.filter(kind="content_view").delete()
    assert _reached(content) == 0


def test_a_read_an_e_mail_brought_shows_at_once_for_the_firings_programme(one_to_one):
    contact = ContactFactory()
    firing = RuleFiringFactory(
        rule=RuleFactory(program=one_to_one), account=AccountFactory(), fired_at=_at(1)
    )
    assert _reached(one_to_one) == 1
    activity_record(
        account=contact.account,
        kind="content_view",
        title="Get Started",
        occurred_at=_at(1),
        data={"ref": f"firing:{firing.pk}"},
    )
    assert _reached(one_to_one) == 2


def test_a_touch_leaving_the_90_days_leaves_the_reach_when_it_does(one_to_one):
    meeting_log(account=AccountFactory(), agenda="m", program_id=one_to_one.pk, occurred_at=_at(80))
    meeting_log(account=AccountFactory(), agenda="m", program_id=one_to_one.pk, occurred_at=_at(5))
    now = timezone.now()
    assert _reached(one_to_one, now) == 2
    # the older touch leaves the window 10 days on, within the same cached day's key or not
    assert _reached(one_to_one, now + dt.timedelta(days=10) - dt.timedelta(seconds=1)) == 2
    assert _reached(one_to_one, now + dt.timedelta(days=10, seconds=1)) == 1
    assert _reached(one_to_one, now) == 2  # and back: a value is used only inside its window


def test_a_touch_leaving_the_window_within_the_day_leaves_it_at_that_moment(one_to_one):
    now = timezone.now()
    meeting_log(
        account=AccountFactory(),
        agenda="m",
        program_id=one_to_one.pk,
        occurred_at=now - dt.timedelta(days=90) + dt.timedelta(seconds=30),
    )
    assert _reached(one_to_one, now) == 1
    assert _reached(one_to_one, now + dt.timedelta(seconds=31)) == 0


def test_a_new_score_changes_the_measured_value_at_once(one_to_one):
    touch_day = timezone.localdate() - dt.timedelta(days=40)
    accounts = []
    for _ in range(3):
        account = AccountFactory()
        accounts.append(account)
        AccountTierFactory(account=account, tier="high")
        meeting_log(
            account=account,
            agenda="m",
            program_id=one_to_one.pk,
            occurred_at=timezone.make_aware(dt.datetime.combine(touch_day, dt.time(10))),
        )
        HealthScoreFactory(account=account, day=touch_day - dt.timedelta(days=1), score=50)
    assert program_measured(programs=[one_to_one])[one_to_one.pk].uplift == 0.0
    for account in accounts:
        HealthScoreFactory(account=account, day=touch_day + dt.timedelta(days=20), score=65)
    measured = program_measured(programs=[one_to_one])[one_to_one.pk]
    assert measured.uplift == 15.0 and measured.value == 5


def test_the_accounts_control_groups_are_drawn_from_are_read_once_for_all_programmes(scoped):
    touch_day = timezone.now() - dt.timedelta(days=40)
    programs = [TouchProgramFactory(kind="one_to_one", tier="high") for _ in range(3)]
    for program in programs:
        account = AccountFactory()
        AccountTierFactory(account=account, tier="high")
        meeting_log(account=account, agenda="m", program_id=program.pk, occurred_at=touch_day)
    with CaptureQueriesContext(connection) as captured:
        program_measured(programs=programs)
    tiers = [q for q in captured.captured_queries if 'FROM "touchmodel_accounttier"' in q["sql"]]
    assert len(tiers) == 1


def test_touches_raise_the_touch_version_and_leave_the_other_pages_cached(scoped):
    """Each kind of touch write raises the touch version; those only the planner reads leave
    the data version (and so the portfolio's, the funnel's, Learn & Support's caches) alone,
    while meetings and seminars, which other pages show, still raise both."""
    calls: list[int] = []

    def page() -> int:
        calls.append(1)
        return len(calls)

    program = TouchProgramFactory(kind="one_to_one")
    account = AccountFactory()
    email = OutboundEmailFactory(program=program, account=account, status="queued")
    seminar, contact = SeminarFactory(program=program), ContactFactory(account=account)
    cached_for_data_version("test.page", page)
    only_touches = [
        lambda: activity_record(
            account=account, kind="content_view", title="Get Started", occurred_at=_at(1)
        ),
        lambda: OutboundEmail.objects.filter(pk=email.pk).update(status="sent", sent_at=_at(1)),
        lambda: RuleFactory(program=program),
        lambda: RuleFiringFactory(rule=Rule.objects.first(), account=account, fired_at=_at(1)),
        lambda: SeminarRegistrationFactory(seminar=seminar, contact=contact),
        lambda: SeminarRegistration.objects.update(attendance="attended"),
    ]
    for write in only_touches:
        data, touches = data_version(), touch_version()
        write()
        assert touch_version() > touches
        assert data_version() == data
    assert cached_for_data_version("test.page", page) == 1  # computed once: still cached
    for write in (
        lambda: meeting_log(account=account, agenda="m", program_id=program.pk, occurred_at=_at(1)),
        lambda: Seminar.objects.update(capacity=40),
    ):
        data, touches = data_version(), touch_version()
        write()
        assert touch_version() > touches and data_version() > data
