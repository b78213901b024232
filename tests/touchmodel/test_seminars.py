"""Seminars, user groups and champions."""

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from accounts.extensions import account_panels
from tests.factories import ContactFactory
from tests.journeys.factories import PhaseFactory
from touchmodel.models import OutboundEmail, SeminarRegistration
from touchmodel.services import (
    SeminarClosed,
    SeminarFull,
    champion_award,
    champion_nominate,
    seminar_attendance_record,
    seminar_next_fitting,
    seminar_register,
    user_group_add_member,
)
from touchmodel.services.seminars import survey_token

from .factories import SeminarFactory, SeminarRegistrationFactory, UserGroupFactory

pytestmark = pytest.mark.django_db


def test_registration_stops_at_capacity(scoped):
    seminar = SeminarFactory(capacity=1)
    seminar_register(seminar=seminar, email="a@x.example", name="A")
    with pytest.raises(SeminarFull):
        seminar_register(seminar=seminar, email="b@x.example", name="B")


def test_registering_twice_keeps_one_registration(scoped):
    seminar = SeminarFactory()
    seminar_register(seminar=seminar, email="a@x.example", name="A")
    seminar_register(seminar=seminar, email="A@x.example", name="A")
    assert SeminarRegistration.objects.count() == 1


def test_an_invitation_turns_into_a_registration(scoped):
    invited = SeminarRegistrationFactory(status="invited")
    seminar_register(seminar=invited.seminar, email=invited.email, name=invited.name)
    invited.refresh_from_db()
    assert invited.status == "registered"


def test_a_past_seminar_takes_no_registrations(scoped):
    seminar = SeminarFactory(starts_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(SeminarClosed):
        seminar_register(seminar=seminar, email="a@x.example", name="A")


def test_the_next_fitting_seminar_prefers_the_accounts_phase(scoped):
    onboarding, adoption = PhaseFactory(order=1), PhaseFactory(order=2)
    SeminarFactory(starts_at=timezone.now() + dt.timedelta(days=1))
    SeminarFactory(target_phase_id=onboarding.pk, starts_at=timezone.now() + dt.timedelta(days=1))
    for_adoption = SeminarFactory(
        target_phase_id=adoption.pk, starts_at=timezone.now() + dt.timedelta(days=5)
    )
    assert seminar_next_fitting(phase_id=adoption.pk) == for_adoption


def test_attendees_get_the_follow_up_survey(scoped):
    came = SeminarRegistrationFactory()
    missed = SeminarRegistrationFactory(seminar=came.seminar)
    seminar_attendance_record(seminar=came.seminar, attended_ids=[came.pk], missed_ids=[missed.pk])
    assert list(OutboundEmail.objects.values_list("to_email", "template")) == [
        (came.email, "seminar_survey")
    ]


def test_the_survey_page_records_the_answer(client, scoped, tenant):
    registration = SeminarRegistrationFactory(attendance="attended")
    url = f"/seminars/{tenant.slug}/survey/{survey_token(registration=registration)}/"
    assert client.get(url).status_code == 200
    client.post(url, {"rating": "4", "comment": "とても良かった"})
    registration.refresh_from_db()
    assert (registration.survey_rating, registration.survey_comment) == (4, "とても良かった")


def test_a_survey_token_of_another_tenant_is_404(client, scoped, other_tenant):
    registration = SeminarRegistrationFactory()
    url = f"/seminars/{other_tenant.slug}/survey/{survey_token(registration=registration)}/"
    assert client.get(url).status_code == 404


def test_user_groups_gather_people_of_different_customers(scoped):
    group = UserGroupFactory()
    a, b = ContactFactory(), ContactFactory()
    user_group_add_member(group=group, contact=a)
    user_group_add_member(group=group, contact=b, is_leader=True)
    user_group_add_member(group=group, contact=b, is_leader=True)
    accounts = set(group.memberships.values_list("contact__account_id", flat=True))
    assert accounts == {a.account_id, b.account_id}


def test_an_awarded_champion_shows_on_the_accounts_relationship_map(scoped, admin_user):
    contact = ContactFactory(relationship_level="manager")
    nomination = champion_nominate(contact=contact, criterion="mastery", nominated_by=admin_user)
    champion_award(nomination=nomination, award_title="Product master 2026")
    panel = next(p for p in account_panels("side") if p.key == "touchmodel")
    request = RequestFactory().get("/")
    request.membership = None
    html = render_to_string(
        panel.template,
        {"ctx": panel.get_context(request, contact.account), "request": request},
    )
    assert "champion-badge" in html
    assert "Product master 2026" in html


def test_attendance_on_the_timeline_reads_in_the_readers_language(scoped):
    from django.utils import translation

    from journeys.extensions import activity_title
    from journeys.models import Activity

    came = SeminarRegistrationFactory(
        name="田中", seminar__title_ja="入門", seminar__title_en="Intro"
    )
    missed = SeminarRegistrationFactory(seminar=came.seminar, name="佐藤")
    with translation.override("ja"):
        seminar_attendance_record(
            seminar=came.seminar, attended_ids=[came.pk], missed_ids=[missed.pk]
        )
    entries = list(Activity.objects.filter(kind="seminar_attendance").order_by("title"))
    with translation.override("en"):
        assert sorted(activity_title(a) for a in entries) == [
            "佐藤 missed Intro",
            "田中 attended Intro",
        ]
    with translation.override("ja"):
        assert "田中さんが「入門」に参加" in [activity_title(a) for a in entries]


def test_the_migration_rebuilds_old_attendance_entries(scoped):
    import importlib

    from django.db import connection
    from django.utils import translation

    from journeys.extensions import activity_title
    from journeys.models import Activity

    came = SeminarRegistrationFactory(
        name="田中", seminar__title_ja="入門", seminar__title_en="Intro"
    )
    other = SeminarRegistrationFactory(seminar=came.seminar, name="佐藤")
    with translation.override("ja"):
        seminar_attendance_record(
            seminar=came.seminar, attended_ids=[came.pk, other.pk], missed_ids=[]
        )
    entries = Activity.objects.filter(kind="seminar_attendance")
    for entry in entries:  # as written before the data kept the name
        entry.data.pop("name")
        entry.save(update_fields=["data"])
    Activity.objects.filter(data__registration_id=other.pk).update(title="誰かが参加")  # reworded
    migration = importlib.import_module("touchmodel.migrations.0010_attendance_entry_name")
    with connection.cursor() as cursor:
        cursor.execute(migration.ATTENDANCE_ENTRIES_SQL.replace("%%", "%"))
    with translation.override("en"):
        shown = {a.data["registration_id"]: activity_title(a) for a in entries.all()}
    assert shown == {came.pk: "田中 attended Intro", other.pk: "誰かが参加"}


def test_old_attendance_entries_whose_title_no_longer_names_the_attendee_read_right(scoped):
    """Migration 0012: the name is read back from the stored title where that is certain."""
    import importlib

    from django.db import connection
    from django.utils import translation

    from journeys.extensions import activity_title
    from journeys.models import Activity

    seminar = SeminarFactory(title_ja="入門", title_en="Intro")
    renamed = SeminarRegistrationFactory(seminar=seminar, name="田中")
    english = SeminarRegistrationFactory(seminar=seminar, name="Ann Lee")
    moved = SeminarRegistrationFactory(seminar=seminar, name="鈴木")
    demo = SeminarRegistrationFactory(seminar=seminar, name="高橋")
    tricky = SeminarRegistrationFactory(seminar=seminar, name="Bo")
    mismatch = SeminarRegistrationFactory(seminar=seminar, name="伊藤")
    with translation.override("ja"):
        seminar_attendance_record(
            seminar=seminar,
            attended_ids=[renamed.pk, moved.pk, demo.pk, tricky.pk, mismatch.pk],
            missed_ids=[english.pk],
        )
    stored = {  # as written before the data kept the name, in each known wording
        renamed.pk: "田中さんが「入門」に参加",
        english.pk: "Ann Lee missed Intro",
        moved.pk: "鈴木さんが「旧入門」に参加",  # the seminar was renamed since, too
        demo.pk: "高橋：入門に参加",  # the demo's wording
        tricky.pk: "Bo attended Tea attended Talk",  # two readings: left as stored
        mismatch.pk: "伊藤さんが「入門」を欠席",  # says missed, the data says attended
    }
    for entry in Activity.objects.filter(kind="seminar_attendance"):
        entry.data.pop("name")
        entry.title = stored[entry.data["registration_id"]]
        entry.save(update_fields=["data", "title"])
    # The registrations no longer name the attendees as the entries do, so 0010 skips them.
    SeminarRegistration.objects.filter(pk__in=stored).update(name="(renamed)")
    migrations = "touchmodel.migrations."
    with connection.cursor() as cursor:
        cursor.execute(
            importlib.import_module(
                migrations + "0010_attendance_entry_name"
            ).ATTENDANCE_ENTRIES_SQL
        )
        cursor.execute(
            importlib.import_module(
                migrations + "0012_attendance_entry_name_from_title"
            ).ATTENDANCE_NAMES_FROM_TITLES_SQL
        )
    entries = list(Activity.objects.filter(kind="seminar_attendance"))
    shown = {}
    for language in ("en", "ja"):
        with translation.override(language):
            shown[language] = {a.data["registration_id"]: activity_title(a) for a in entries}
    assert shown["en"] == {
        renamed.pk: "田中 attended Intro",
        english.pk: "Ann Lee missed Intro",
        moved.pk: "鈴木 attended Intro",
        demo.pk: "高橋 attended Intro",
        tricky.pk: "Bo attended Tea attended Talk",
        mismatch.pk: "伊藤さんが「入門」を欠席",
    }
    assert shown["ja"][english.pk] == "Ann Leeさんが「入門」を欠席"
    assert shown["ja"][moved.pk] == "鈴木さんが「入門」に参加"
    # Only the name was added: the stored titles are as they were.
    assert {a.data["registration_id"]: a.title for a in entries} == stored


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_staff_seminar_page_links_the_public_seminar_url(tenant, csm_user, language):
    from django.test import Client

    client = Client()
    client.force_login(csm_user)
    body = client.get("/t/acme/touchmodel/seminars/", HTTP_ACCEPT_LANGUAGE=language)
    assert body.status_code == 200
    assert '<a href="/seminars/acme/">/seminars/acme/</a>' in body.content.decode()
