"""Calendar invitations by e-mail (RFC 5545 / iTIP RFC 5546): seminar invitations and
meetings that lie ahead carry invite.ics; a change of time or place sends the update (same
UID, SEQUENCE + 1) and a delete the cancellation, to each recipient in their language.

The messages go through the outbox (`email.py`): each has its own message key (with the
SEQUENCE in it), so a re-run queues nothing twice and a message is never sent twice.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Contact
from cs_platform.ical import CANCEL, REQUEST, CalendarEvent, Person, ical_document
from cs_platform.models import Tenant, User
from cs_platform.scoping import require_current_tenant
from journeys.extensions import MEETING_CANCELLED, MEETING_RESTORED
from journeys.selectors import meeting_calendar_event, meeting_calendar_row, meeting_people

from ..models import RegistrationStatus, Seminar, SeminarRegistration
from ..selectors.calendar import SEMINAR_CALENDAR_FIELDS, seminar_calendar_event
from .email import (
    EmailBatch,
    email_enqueue,
    email_language,
    email_sender,
    opted_out_among,
    site_url,
)

# What a recipient's calendar shows of a seminar: a change of these sends the update.
SEMINAR_SCHEDULE_FIELDS = ("starts_at", "duration_minutes", "venue", "is_online")


def seminar_public_url(*, seminar: Seminar) -> str:
    tenant = require_current_tenant()
    return site_url() + reverse(
        "touchmodel_public:seminar_detail", kwargs={"site": tenant.slug, "pk": seminar.pk}
    )


def _sender_person(tenant: Tenant) -> Person:
    name, address = parseaddr(email_sender())
    return Person(email=address, name=name or tenant.name)


def _user_person(user: User) -> Person:
    return Person(email=user.email, name=user.full_name)


def local_time(when: dt.datetime, tenant: Tenant) -> str:
    """How an e-mail names a time: the tenant's wall clock and its zone."""
    return f"{timezone.localtime(when, tenant.tzinfo):%Y-%m-%d %H:%M} ({tenant.timezone})"


# --- seminars ---------------------------------------------------------------------------------


def _seminar_row(seminar: Seminar) -> dict[str, Any]:
    return {name: getattr(seminar, name) for name in SEMINAR_CALENDAR_FIELDS}


def seminar_ics(
    *,
    seminar: Seminar,
    email: str,
    name: str,
    language: str,
    url: str = "",
    method: str = REQUEST,
) -> bytes:
    """One recipient's invite.ics of a seminar: they are its only ATTENDEE (the other
    participants are not told to each other)."""
    tenant = require_current_tenant()
    event = seminar_calendar_event(
        row=_seminar_row(seminar),
        tenant=tenant,
        language=language,
        url=url,
        organizer=_sender_person(tenant),
        attendees=(Person(email=email, name=name),),
        cancelled=method == CANCEL,
    )
    return ical_document(events=[event], time_zone=tenant.timezone, method=method)


def _seminar_recipients(seminar: Seminar) -> list[SeminarRegistration]:
    rows = list(
        SeminarRegistration.objects.filter(
            seminar=seminar,
            status__in=[RegistrationStatus.INVITED, RegistrationStatus.REGISTERED],
        )
        .select_related("contact", "contact__account")
        .order_by("pk")
    )
    opted_out = opted_out_among(emails=[r.email for r in rows])
    return [r for r in rows if r.email.lower() not in opted_out]


def _send_batch(batch: EmailBatch) -> int:
    queued = batch.flush()
    tenant_id = require_current_tenant().pk
    items = [(tenant_id, pk) for pk in queued.values()]
    if items:
        transaction.on_commit(lambda: email_enqueue(items=items))
    return len(items)


def _seminar_notify(seminar: Seminar, *, method: str, restored: bool = False) -> int:
    tenant = require_current_tenant()
    cancelled = method == CANCEL
    template = "event_cancelled" if cancelled else "event_updated"
    url = "" if cancelled else seminar_public_url(seminar=seminar)
    batch = EmailBatch()
    for registration in _seminar_recipients(seminar):
        contact = registration.contact
        language = email_language(contact=contact, tenant=tenant)
        title = (seminar.title_en if language == "en" else seminar.title_ja) or seminar.title
        place = seminar.venue or ("" if not seminar.is_online else _online(language))
        batch.add(
            message_key=(
                f"seminar-{'cancel' if cancelled else 'update'}:{seminar.pk}"
                f":{seminar.ical_sequence}:{registration.pk}"
            ),
            to_email=registration.email,
            template=template,
            context={
                "title": title,
                "name": registration.name,
                "starts_at": local_time(seminar.starts_at, tenant),
                "duration_minutes": seminar.duration_minutes,
                "place": place,
                "url": url,
                "restored": restored,
            },
            contact=contact,
            account=contact.account if contact else None,
            program=seminar.program,
            language=language,
            known_opted_in=True,
            ics=seminar_ics(
                seminar=seminar,
                email=registration.email,
                name=registration.name,
                language=language,
                url=url,
                method=method,
            ),
            ics_method=method,
        )
    return _send_batch(batch)


def _online(language: str) -> str:
    with translation.override(language):
        return _("Online")


@transaction.atomic
def seminar_save(*, seminar: Seminar) -> Seminar:
    """Create or change a seminar (page or API). When an upcoming seminar's time or place
    changes, everyone invited or registered gets the update: the same UID, SEQUENCE + 1."""
    if seminar.pk is None:
        seminar.save()
        return seminar
    before = (
        Seminar.objects.select_for_update()
        .filter(pk=seminar.pk)
        .values("ical_sequence", *SEMINAR_SCHEDULE_FIELDS)
        .first()
    )
    if before is None:
        seminar.save()
        return seminar
    moved = any(before[f] != getattr(seminar, f) for f in SEMINAR_SCHEDULE_FIELDS)
    notify = moved and seminar.starts_at > timezone.now() and bool(_seminar_recipients(seminar))
    # NOTE: from the locked row, not the instance, which may have been read before another
    # change was saved.
    seminar.ical_sequence = before["ical_sequence"] + (1 if notify else 0)
    seminar.save()
    if notify:
        _seminar_notify(seminar, method=REQUEST)
    return seminar


def seminar_cancel_notify(seminar: Seminar) -> None:
    """Before a seminar is deleted (the trash calls it): if it still lies ahead, everyone
    invited or registered gets the cancellation (SEQUENCE + 1)."""
    stored = Seminar.objects.select_for_update().filter(pk=seminar.pk).first()
    if stored is None or stored.starts_at <= timezone.now():
        return
    if not _seminar_recipients(stored):
        return  # nobody holds an invitation: the delete changes nothing else
    stored.ical_sequence += 1
    stored.save(update_fields=["ical_sequence"])
    _seminar_notify(stored, method=CANCEL)


def seminar_restore_notify(seminar: Seminar) -> None:
    """After a seminar comes back from the trash (the trash calls it): if it still lies ahead,
    everyone invited or registered, who was sent the cancellation, gets the invitation again
    (SEQUENCE + 1)."""
    stored = Seminar.objects.select_for_update().filter(pk=seminar.pk).first()
    if stored is None or stored.starts_at <= timezone.now():
        return
    if not _seminar_recipients(stored):
        return
    stored.ical_sequence += 1
    stored.save(update_fields=["ical_sequence"])
    _seminar_notify(stored, method=REQUEST, restored=True)


# --- meetings ---------------------------------------------------------------------------------


def _meeting_title(row: dict[str, Any], language: str) -> str:
    """What the meeting is about: the agenda's first line. The e-mail's subject names the
    tenant already; the calendar entry adds it (`_meeting_summary`)."""
    with translation.override(language):
        first = (row["agenda"] or "").strip().splitlines()[:1]
        return first[0][:120] if first else _("Meeting")


def _meeting_summary(title: str, tenant: Tenant) -> str:
    return f"{title} ({tenant.name})"


def meeting_invitations_send(meeting_id: int, change: str) -> int:
    """The meeting listener (journeys.extensions): each customer attendee with an address
    gets the invitation, its update or its cancellation, naming every attendee."""
    tenant = require_current_tenant()
    row = meeting_calendar_row(meeting_id=meeting_id)
    if row is None:
        return 0
    people = meeting_people(meeting_id=meeting_id)
    contacts = [c for c in people.contacts if c.email]
    if not contacts:
        return 0
    opted_out = opted_out_among(emails=[c.email for c in contacts])
    organizer = _user_person(people.organizer) if people.organizer else _sender_person(tenant)
    attendees = tuple(
        [Person(email=c.email.lower(), name=c.name) for c in contacts]
        + [_user_person(u) for u in people.staff if u.email and u != people.organizer]
    )
    cancelled = change == MEETING_CANCELLED
    method = CANCEL if cancelled else REQUEST
    batch = EmailBatch()
    for contact in contacts:
        if contact.email.lower() in opted_out:
            continue
        language = email_language(contact=contact, tenant=tenant)
        title = _meeting_title(row, language)
        event: CalendarEvent = meeting_calendar_event(
            row=row,
            tenant=tenant,
            summary=_meeting_summary(title, tenant),
            organizer=organizer,
            attendees=attendees,
            cancelled=cancelled,
        )
        batch.add(
            message_key=(
                f"meeting-{'cancel' if cancelled else 'invite'}:{meeting_id}"
                f":{row['ical_sequence']}:{contact.pk}"
            ),
            to_email=contact.email,
            template="event_cancelled" if cancelled else "meeting_invitation",
            context={
                "title": title,
                "name": contact.name,
                "starts_at": local_time(row["occurred_at"], tenant),
                "duration_minutes": row["duration_minutes"],
                "place": row["location"],
                "agenda": row["agenda"],
                "organizer": organizer.name or organizer.email,
                "is_restored": change == MEETING_RESTORED,
                "is_update": row["ical_sequence"] > 0,
            },
            contact=contact,
            account=contact.account,
            language=language,
            known_opted_in=True,
            ics=ical_document(events=[event], time_zone=tenant.timezone, method=method),
            ics_method=method,
        )
    return _send_batch(batch)


def seminar_invitation_ics(*, seminar: Seminar, contact: Contact, url: str) -> bytes:
    """The invite.ics of a playbook's seminar invitation to `contact`."""
    tenant = require_current_tenant()
    return seminar_ics(
        seminar=seminar,
        email=contact.email.lower(),
        name=contact.name,
        language=email_language(contact=contact, tenant=tenant),
        url=url,
    )
