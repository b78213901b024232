"""Calendar invitations by e-mail: seminar invitations and meetings that lie ahead carry an
invite.ics (RFC 5545 / iTIP), updates keep the UID and raise SEQUENCE, deletes send CANCEL.
Each attachment is read back from the sent MIME message with the icalendar parser."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from cs_platform.ical import ical_uid
from cs_platform.models import TrashEntry
from cs_platform.trash.services import object_trash, trash_restore
from journeys.models import Meeting
from journeys.services import meeting_log, meeting_update
from tests.conftest import api_client_for
from tests.factories import AccountFactory, ContactFactory
from touchmodel.models import OutboundEmail, Seminar
from touchmodel.services import seminar_invite, seminar_save
from touchmodel.services.email import email_send

from .factories import SeminarFactory, SeminarRegistrationFactory

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")


def _tokyo(days: int, hour: int) -> dt.datetime:
    day = timezone.now().astimezone(TOKYO).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TOKYO)


def _sent(email: OutboundEmail):
    """Send the queued row and return the MIME message that left."""
    mail.outbox.clear()
    assert email_send(email_id=email.pk) == "sent"
    assert len(mail.outbox) == 1
    return mail.outbox[0].message()


def _invite(message):
    """(Content-Type method parameter, parsed VCALENDAR) of the message's invite.ics."""
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    part = parts[0]
    assert part.get_filename() == "invite.ics"
    return part.get_param("method"), Calendar.from_ical(part.get_payload(decode=True))


def _event(calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def _emails(template: str):
    return list(OutboundEmail.objects.filter(template=template).order_by("pk"))


@pytest.fixture
def seminar(scoped):
    return SeminarFactory(
        starts_at=_tokyo(3, 10),
        duration_minutes=90,
        venue="東京本社 10F",
        is_online=False,
        title_ja="活用セミナー",
        title_en="Adoption seminar",
    )


def test_a_seminar_invitation_carries_a_request_in_the_tenants_time_zone(scoped, seminar):
    contact = ContactFactory(email="Hanako@Customer.example", name="山田 花子")
    (email_id,) = seminar_invite(seminar=seminar, contacts=[contact], firing=None, message="")
    method, calendar = _invite(_sent(OutboundEmail.objects.get(pk=email_id)))
    assert method == "REQUEST"
    assert str(calendar["method"]) == "REQUEST"
    event = _event(calendar)
    assert str(event["uid"]) == ical_uid(kind="seminar", pk=seminar.pk, tenant=scoped)
    assert int(event["sequence"]) == 0
    start = event.decoded("dtstart")
    # 10:00 in Tokyo is 01:00 UTC; the TZID names the tenant's zone and its VTIMEZONE is there.
    assert (start.hour, start.astimezone(dt.UTC).hour) == (10, 1)
    assert event["dtstart"].params["TZID"] == "Asia/Tokyo"
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    assert event.decoded("dtend") - start == dt.timedelta(minutes=90)
    assert str(event["location"]) == "東京本社 10F"
    assert str(event["summary"]) == "活用セミナー"
    assert str(event["organizer"]).startswith("mailto:")
    assert [str(a) for a in event.attendees] == ["mailto:hanako@customer.example"]
    assert event["attendee"].params["CN"] == "山田 花子"


def test_an_english_contact_gets_the_english_title(scoped, seminar):
    contact = ContactFactory(language="en")
    (email_id,) = seminar_invite(seminar=seminar, contacts=[contact], firing=None, message="")
    _, calendar = _invite(_sent(OutboundEmail.objects.get(pk=email_id)))
    assert str(_event(calendar)["summary"]) == "Adoption seminar"


def test_inviting_twice_queues_one_invitation(scoped, seminar):
    contact = ContactFactory()
    seminar_invite(seminar=seminar, contacts=[contact], firing=None, message="")
    assert seminar_invite(seminar=seminar, contacts=[contact], firing=None, message="") == []
    assert len(_emails("seminar_invitation")) == 1


def test_moving_a_seminar_sends_each_person_an_update_with_the_next_sequence(scoped, seminar):
    invited = ContactFactory(language="en")
    seminar_invite(seminar=seminar, contacts=[invited], firing=None, message="")
    registered = SeminarRegistrationFactory(seminar=seminar)
    SeminarRegistrationFactory(seminar=seminar, status="cancelled")
    seminar.starts_at = _tokyo(4, 14)
    seminar_save(seminar=seminar)
    updates = _emails("event_updated")
    assert sorted(e.to_email for e in updates) == sorted([invited.email, registered.email])
    english = next(e for e in updates if e.to_email == invited.email)
    assert english.language == "en" and "Adoption seminar" in english.subject
    method, calendar = _invite(_sent(english))
    event = _event(calendar)
    assert (method, int(event["sequence"])) == ("REQUEST", 1)
    assert str(event["uid"]) == ical_uid(kind="seminar", pk=seminar.pk, tenant=scoped)
    assert event.decoded("dtstart").astimezone(dt.UTC).hour == 5  # 14:00 Tokyo
    seminar.venue = "大阪支社"
    seminar_save(seminar=seminar)
    latest = OutboundEmail.objects.filter(template="event_updated", to_email=invited.email).latest(
        "pk"
    )
    assert int(_event(_invite(_sent(latest))[1])["sequence"]) == 2


def test_a_change_the_calendar_does_not_show_sends_nothing(scoped, seminar):
    SeminarRegistrationFactory(seminar=seminar)
    seminar.description = "新しい説明"
    seminar.capacity = 50
    seminar_save(seminar=seminar)
    seminar.refresh_from_db()
    assert (seminar.ical_sequence, _emails("event_updated")) == (0, [])


def test_a_past_seminar_moved_sends_nothing(scoped):
    seminar = SeminarFactory(starts_at=timezone.now() - dt.timedelta(days=2))
    SeminarRegistrationFactory(seminar=seminar)
    seminar.starts_at -= dt.timedelta(hours=1)
    seminar_save(seminar=seminar)
    assert _emails("event_updated") == []


def test_deleting_a_seminar_sends_a_cancel_and_a_restore_the_invitation_again(scoped, seminar):
    registration = SeminarRegistrationFactory(seminar=seminar)
    pk = seminar.pk
    object_trash(obj=seminar)
    (cancel,) = _emails("event_cancelled")
    assert cancel.to_email == registration.email
    method, calendar = _invite(_sent(cancel))
    event = _event(calendar)
    assert (method, str(calendar["method"])) == ("CANCEL", "CANCEL")
    assert (str(event["status"]), int(event["sequence"])) == ("CANCELLED", 1)
    assert str(event["uid"]) == ical_uid(kind="seminar", pk=pk, tenant=scoped)
    trash_restore(entry_id=TrashEntry.objects.get(object_id=pk).pk)
    assert Seminar.objects.get(pk=pk).ical_sequence == 2
    (again,) = _emails("event_updated")
    assert again.to_email == registration.email
    back_on = {
        "ja": f"【{scoped.name}】予定どおり開催のご連絡：",
        "en": f"{scoped.name}: back on: ",
    }
    assert again.subject.startswith(back_on[again.language])  # not "new time or place"
    method, calendar = _invite(_sent(again))
    event = _event(calendar)
    assert (method, str(calendar["method"])) == ("REQUEST", "REQUEST")
    assert (str(event.get("status", "CONFIRMED")), int(event["sequence"])) == ("CONFIRMED", 2)
    assert str(event["uid"]) == ical_uid(kind="seminar", pk=pk, tenant=scoped)


def test_an_opted_out_registrant_gets_no_update(scoped, seminar):
    from touchmodel.services import email_opt_out

    registration = SeminarRegistrationFactory(seminar=seminar)
    email_opt_out(email=registration.email)
    seminar.starts_at += dt.timedelta(hours=1)
    seminar_save(seminar=seminar)
    assert _emails("event_updated") == []


def test_moving_a_seminar_on_the_page_and_through_the_api_sends_updates(
    client, scoped, tenant, manager_user, seminar
):
    SeminarRegistrationFactory(seminar=seminar)
    client.force_login(manager_user)
    form = {
        "title_ja": seminar.title_ja,
        "title_en": seminar.title_en,
        "kind": seminar.kind,
        "level": seminar.level,
        "capacity": 30,
        "starts_at": _tokyo(5, 9).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 90,
        "venue": seminar.venue,
    }
    response = client.post(f"/t/acme/touchmodel/seminars/{seminar.pk}/edit/", form)
    assert response.status_code == 302
    assert len(_emails("event_updated")) == 1
    api = api_client_for(manager_user, tenant)
    response = api.patch(f"/api/v1/seminars/{seminar.pk}/", {"venue": "オンライン"}, format="json")
    assert response.status_code == 200, response.content
    seminar.refresh_from_db()
    assert seminar.ical_sequence == 2
    assert len(_emails("event_updated")) == 2


# --- meetings ---------------------------------------------------------------------------------


@pytest.fixture
def attendees(scoped):
    account = AccountFactory(name="ベータ株式会社")
    return [
        ContactFactory(account=account, email="a@beta.example", name="佐藤"),
        ContactFactory(account=account, email="b@beta.example", name="Bob", language="en"),
    ]


def _log(attendees, csm_user, **kwargs):
    return meeting_log(
        account=attendees[0].account,
        contacts=attendees,
        logged_by=csm_user,
        agenda="四半期レビュー\n詳細",
        **{"occurred_at": _tokyo(2, 10), "location": "https://meet.example/abc", **kwargs},
    )


def test_a_future_meeting_invites_each_customer_attendee(scoped, attendees, csm_user):
    csm_user.full_name = "鈴木 CSM"
    csm_user.save()
    meeting = _log(attendees, csm_user, duration_minutes=45)
    invitations = _emails("meeting_invitation")
    assert [(e.to_email, e.language) for e in invitations] == [
        ("a@beta.example", "ja"),
        ("b@beta.example", "en"),
    ]
    assert "四半期レビュー" in invitations[0].subject
    assert "Organizer: 鈴木 CSM" in invitations[1].body_text
    method, calendar = _invite(_sent(invitations[0]))
    event = _event(calendar)
    assert method == "REQUEST"
    assert str(event["uid"]) == ical_uid(kind="meeting", pk=meeting.pk, tenant=scoped)
    assert event.decoded("dtstart").astimezone(dt.UTC).hour == 1
    assert event.decoded("dtend") - event.decoded("dtstart") == dt.timedelta(minutes=45)
    assert str(event["location"]) == "https://meet.example/abc"
    assert str(event["organizer"]) == "mailto:csm@acme.example"
    assert event["organizer"].params["CN"] == "鈴木 CSM"
    assert {str(a) for a in event.attendees} == {
        "mailto:a@beta.example",
        "mailto:b@beta.example",
    }


def test_a_meeting_e_mail_subject_names_the_tenant_once(scoped, attendees, csm_user):
    meeting = _log(attendees, csm_user)
    ja, en = _emails("meeting_invitation")
    assert ja.subject == f"【{scoped.name}】お打ち合わせのご案内：四半期レビュー"
    assert en.subject == f"{scoped.name}: meeting invitation: 四半期レビュー"
    # the calendar entry, seen among the reader's other appointments, says whose meeting it is
    assert str(_event(_invite(_sent(ja))[1])["summary"]) == f"四半期レビュー ({scoped.name})"
    object_trash(obj=meeting)
    cancel_ja, cancel_en = _emails("event_cancelled")
    assert cancel_ja.subject == f"【{scoped.name}】中止のお知らせ：四半期レビュー"
    assert cancel_en.subject == f"{scoped.name}: cancelled: 四半期レビュー"


def test_a_past_meeting_or_one_logged_without_invitations_sends_nothing(
    scoped, attendees, csm_user
):
    _log(attendees, csm_user, occurred_at=timezone.now() - dt.timedelta(hours=2))
    _log(attendees, csm_user, send_invitations=False)
    assert OutboundEmail.objects.count() == 0


def test_moving_a_meeting_sends_the_update_and_deleting_it_the_cancel(scoped, attendees, csm_user):
    meeting = _log(attendees, csm_user)
    same = {"meeting_type": meeting.meeting_type, "agenda": meeting.agenda}
    meeting_update(meeting=meeting, occurred_at=meeting.occurred_at, notes="メモだけ", **same)
    assert len(_emails("meeting_invitation")) == 2  # notes are not in the calendar
    meeting_update(meeting=meeting, occurred_at=_tokyo(2, 15), **same)
    updates = _emails("meeting_invitation")[2:]
    assert len(updates) == 2
    assert "日時・場所の変更" in updates[0].subject
    event = _event(_invite(_sent(updates[0]))[1])
    assert int(event["sequence"]) == 1
    assert str(event["uid"]) == ical_uid(kind="meeting", pk=meeting.pk, tenant=scoped)
    assert event.decoded("dtstart").astimezone(dt.UTC).hour == 6
    object_trash(obj=meeting)
    cancels = _emails("event_cancelled")
    assert len(cancels) == 2
    method, calendar = _invite(_sent(cancels[1]))
    event = _event(calendar)
    assert (method, str(event["status"]), int(event["sequence"])) == ("CANCEL", "CANCELLED", 2)
    assert "cancelled" in cancels[1].subject


def test_restoring_a_deleted_meeting_sends_the_invitation_again(scoped, attendees, csm_user):
    meeting = _log(attendees, csm_user)
    pk = meeting.pk  # the delete sets the instance's pk to None (Django's Collector)
    object_trash(obj=meeting)
    assert len(_emails("event_cancelled")) == 2
    trash_restore(entry_id=TrashEntry.objects.get(model="journeys.meeting", object_id=pk).pk)
    assert Meeting.objects.get(pk=pk).ical_sequence == 2
    again = _emails("meeting_invitation")[2:]
    assert [e.to_email for e in again] == ["a@beta.example", "b@beta.example"]
    # it says the meeting is back on, not that it moved
    assert again[0].subject == f"【{scoped.name}】予定どおり開催のご連絡：四半期レビュー"
    assert again[1].subject == f"{scoped.name}: meeting back on: 四半期レビュー"
    assert "takes place after all" in again[1].body_text
    method, calendar = _invite(_sent(again[0]))
    event = _event(calendar)
    assert (method, str(event.get("status", "CONFIRMED")), int(event["sequence"])) == (
        "REQUEST",
        "CONFIRMED",
        2,
    )
    assert str(event["uid"]) == ical_uid(kind="meeting", pk=pk, tenant=scoped)


def test_restoring_a_meeting_that_sent_no_invitation_sends_nothing(scoped, attendees, csm_user):
    meeting = _log(attendees, csm_user, send_invitations=False)
    pk = meeting.pk
    object_trash(obj=meeting)
    trash_restore(entry_id=TrashEntry.objects.get(model="journeys.meeting", object_id=pk).pk)
    assert OutboundEmail.objects.count() == 0
    assert Meeting.objects.get(pk=pk).ical_sequence == 0


def test_a_meeting_moved_through_the_api_sends_the_update(scoped, tenant, attendees, csm_user):
    meeting = _log(attendees, csm_user)
    api = api_client_for(csm_user, tenant)
    response = api.patch(
        f"/api/v1/meetings/{meeting.pk}/",
        {"location": "本社 3F", "duration_minutes": 30},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["location"] == "本社 3F"
    assert len(_emails("meeting_invitation")) == 4
    bad = api.patch(f"/api/v1/meetings/{meeting.pk}/", {"duration_minutes": 0}, format="json")
    assert bad.status_code == 400


def test_the_meeting_form_logs_place_and_duration_and_invites(client, scoped, attendees, csm_user):
    client.force_login(csm_user)
    account = attendees[0].account
    response = client.post(
        f"/t/acme/journeys/accounts/{account.pk}/meetings/",
        {
            "occurred_at": _tokyo(1, 11).strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": 30,
            "meeting_type": "onsite",
            "location": "ベータ本社",
            "contacts": [attendees[0].pk],
            "agenda": "訪問",
            "sentiment": "neutral",
            "send_invitations": "on",
        },
    )
    assert response.status_code == 302
    (invitation,) = _emails("meeting_invitation")
    assert invitation.to_email == "a@beta.example"
    event = _event(_invite(_sent(invitation))[1])
    assert str(event["location"]) == "ベータ本社"
    assert event.decoded("dtstart").astimezone(dt.UTC).hour == 2
