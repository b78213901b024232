"""High-touch meeting log: the meeting, its next steps as tasks, and the timeline."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact
from accounts.services import contact_mark_met
from cs_platform.models import User

from ..extensions import (
    MEETING_CANCELLED,
    MEETING_RESTORED,
    MEETING_SCHEDULED,
    meeting_changed,
    meeting_program_choices,
)
from ..models import ActivityKind, Meeting, MeetingContact, MeetingStaff, MeetingType, Sentiment
from .activities import activity_record
from .csm_tasks import task_create


def meeting_program_check(program_id: int | None) -> None:
    """Refuse a programme id that no app offers for meetings."""
    if program_id is None:
        return
    if isinstance(program_id, bool) or program_id not in dict(meeting_program_choices()):
        raise ValidationError(
            {"program": _("Unknown programme %(id)s for a meeting.") % {"id": program_id}}
        )


@transaction.atomic
def meeting_log(
    *,
    account: Account,
    occurred_at: dt.datetime | None = None,
    meeting_type: str = MeetingType.ONLINE,
    contacts: list[Contact] | None = None,
    staff: list[User] | None = None,
    agenda: str = "",
    notes: str = "",
    next_steps: list[str] | None = None,
    sentiment: str = Sentiment.NEUTRAL,
    logged_by: User | None = None,
    next_step_due: dt.date | None = None,
    program_id: int | None = None,
    duration_minutes: int = 60,
    location: str = "",
    send_invitations: bool = True,
) -> Meeting:
    """Log a meeting: attendees, one task per next step, a meeting activity, last-met dates.
    `program_id`: the touch programme it belongs to (one of `meeting_program_choices()`).
    A meeting that lies ahead sends its customer attendees a calendar invitation (through the
    meeting listeners) unless `send_invitations` is False."""
    meeting_program_check(program_id)
    if meeting_type not in MeetingType.values:
        raise ValidationError({"meeting_type": _("Unknown meeting type.")})
    if sentiment not in Sentiment.values:
        raise ValidationError({"sentiment": _("Unknown sentiment.")})
    contacts = list(contacts or [])
    if any(c.account_id != account.pk for c in contacts):
        raise ValidationError({"contacts": _("Every attendee must be a contact of the account.")})
    staff = list(staff or [])
    if not staff and logged_by is not None:
        staff = [logged_by]
    steps = [s.strip() for s in next_steps or [] if s.strip()]
    meeting_schedule_check(duration_minutes=duration_minutes, location=location)
    when = occurred_at or timezone.now()
    invites = bool(send_invitations and contacts and when > timezone.now())
    meeting = Meeting.objects.create(
        account=account,
        occurred_at=when,
        meeting_type=meeting_type,
        agenda=agenda,
        notes=notes,
        next_steps=steps,
        sentiment=sentiment,
        logged_by=logged_by,
        program_id=program_id,
        duration_minutes=duration_minutes,
        location=location,
        invites_customers=invites,
    )
    MeetingContact.objects.bulk_create(
        [MeetingContact(tenant_id=account.tenant_id, meeting=meeting, contact=c) for c in contacts],
        ignore_conflicts=True,
    )
    MeetingStaff.objects.bulk_create(
        [MeetingStaff(tenant_id=account.tenant_id, meeting=meeting, user=u) for u in staff],
        ignore_conflicts=True,
    )
    for i, step in enumerate(steps):
        task_create(
            account=account,
            title=step,
            assignee=logged_by or account.owner,
            due_date=next_step_due or (timezone.localdate() + dt.timedelta(days=7)),
            origin=f"meeting:{meeting.pk}",
            meeting=meeting,
            source_key=f"meeting:{meeting.pk}:step:{i}",
        )
    activity_record(
        account=account,
        kind=ActivityKind.MEETING,
        title=agenda.splitlines()[0][:200]
        if agenda.strip()
        else str(MeetingType(meeting_type).label),
        body=notes,
        occurred_at=when,
        actor=logged_by,
        data={
            "meeting": meeting.pk,
            "type": meeting_type,
            "sentiment": sentiment,
            "contacts": [c.pk for c in contacts],
            "next_steps": steps,
            "program": program_id,
        },
        source_key=f"meeting:{meeting.pk}",
    )
    for contact in contacts:
        contact_mark_met(contact=contact, met_at=when)
    if invites:
        meeting_changed(meeting_id=meeting.pk, change=MEETING_SCHEDULED)
    return meeting


def meeting_schedule_check(*, duration_minutes: int, location: str) -> None:
    if isinstance(duration_minutes, bool) or not 1 <= duration_minutes <= 24 * 60:
        raise ValidationError({"duration_minutes": _("A meeting lasts from 1 minute to 24 hours.")})
    if len(location) > 300:
        raise ValidationError({"location": _("At most 300 characters.")})


def meeting_restore_notify(meeting: Meeting) -> None:
    """After a meeting comes back from the trash (the trash calls it): its customers were sent
    the cancellation, so if it still lies ahead they get the invitation again (same UID,
    SEQUENCE + 1)."""
    stored = Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    if stored is None or not stored.invites_customers or stored.occurred_at <= timezone.now():
        return
    Meeting.objects.filter(pk=stored.pk).update(ical_sequence=F("ical_sequence") + 1)
    meeting_changed(meeting_id=stored.pk, change=MEETING_RESTORED)


def meeting_cancel_notify(meeting: Meeting) -> None:
    """Before a meeting is deleted (the trash calls it): customers who were invited to it and
    for whom it still lies ahead get the cancellation (SEQUENCE + 1)."""
    stored = Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    if stored is None or not stored.invites_customers or stored.occurred_at <= timezone.now():
        return
    Meeting.objects.filter(pk=stored.pk).update(ical_sequence=F("ical_sequence") + 1)
    meeting_changed(meeting_id=stored.pk, change=MEETING_CANCELLED)
