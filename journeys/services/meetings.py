"""High-touch meeting log: the meeting, its next steps as tasks, and the timeline."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact
from accounts.services import contact_mark_met
from cs_platform.models import User

from ..extensions import meeting_program_choices
from ..models import ActivityKind, Meeting, MeetingContact, MeetingStaff, MeetingType, Sentiment
from .activities import activity_record
from .tasks import task_create


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
) -> Meeting:
    """Log a meeting: attendees, one task per next step, a meeting activity, last-met dates.
    `program_id`: the touch programme it belongs to (one of `meeting_program_choices()`)."""
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
    when = occurred_at or timezone.now()
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
    return meeting
