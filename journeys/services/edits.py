"""Edits and deletes of what a CSM wrote: milestones, steps, tasks, meetings, touches.

Deletes go to the trash (cs_platform.trash): an admin can restore them for the retention
period. Pages and the API call these same functions.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact
from accounts.selectors import owner_is_member
from cs_platform.models import User
from cs_platform.trash.services import Actor, trash_delete

from ..extensions import MEETING_UPDATED, meeting_changed
from ..models import (
    ActionStep,
    Activity,
    ActivityKind,
    Meeting,
    MeetingType,
    Milestone,
    Sentiment,
    Task,
)
from .activities import activity_record
from .csm_tasks import task_entry_record
from .maps import _check_score
from .meetings import meeting_schedule_check

# What a CSM logs by hand on the timeline besides meetings (which have their own form).
TOUCH_KINDS = (ActivityKind.NOTE, ActivityKind.CALL, ActivityKind.EMAIL)

_UNSET: object = object()


@transaction.atomic
def milestone_update(
    *,
    milestone: Milestone,
    title: str,
    customer_goal: str = "",
    target_score: int,
    due_date: dt.date | None = None,
) -> Milestone:
    """Rewrite a milestone's words, target score and due date (its status has its own
    service, which writes the timeline)."""
    _check_score(target_score)
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("A milestone needs a title.")})
    milestone.title = title[:200]
    milestone.customer_goal = customer_goal
    milestone.target_score = target_score
    milestone.due_date = due_date
    milestone.save(update_fields=["title", "customer_goal", "target_score", "due_date"])
    return milestone


def milestone_delete(*, milestone: Milestone, actor: Actor = None) -> None:
    """Into the trash, with its action plan (restored together)."""
    trash_delete(obj=milestone, actor=actor)


def action_step_delete(*, step: ActionStep, actor: Actor = None) -> None:
    trash_delete(obj=step, actor=actor)


def _check_assignee(assignee: User | None) -> None:
    if assignee is not None and not owner_is_member(user=assignee):
        raise ValidationError({"assignee": _("The assignee is not a member of this workspace.")})


@transaction.atomic
def task_update(
    *,
    task: Task,
    title: str | None = None,
    assignee: User | object | None = _UNSET,
    due_date: dt.date | object | None = _UNSET,
    description: str | None = None,
    actor: User | None = None,
) -> Task:
    """Reassign a task, move its due date or reword it; only what is given changes. A new
    assignee is noted on the timeline."""
    fields = []
    reassigned = False
    if title is not None:
        title = title.strip()
        if not title:
            raise ValidationError({"title": _("A task needs a title.")})
        if title != task.shown_title:  # reworded: the new text is the title in every language
            task.title, task.kind, task.data = title[:300], "", {}
            fields += ["title", "kind", "data"]
    if description is not None and description != task.shown_description:
        # Rewritten: the new text is the description in every language.
        task.description = description
        fields.append("description")
        if task.kind:
            task.data = {**task.data, "description_edited": True}
            fields.append("data")
    if assignee is not _UNSET:
        _check_assignee(assignee)  # type: ignore[arg-type]
        reassigned = getattr(assignee, "pk", None) != task.assignee_id
        task.assignee = assignee  # type: ignore[assignment]
        fields.append("assignee")
    if due_date is not _UNSET:
        task.due_date = due_date  # type: ignore[assignment]
        fields.append("due_date")
    if fields:
        task.save(update_fields=list(dict.fromkeys(fields)))
    if reassigned:
        task_entry_record(
            task=task,
            event="reassigned",
            actor=actor,
            assignee=task.assignee_id,
            assignee_name=str(task.assignee) if task.assignee else "",
        )
    return task


def task_delete(*, task: Task, actor: Actor = None) -> None:
    trash_delete(obj=task, actor=actor)


def _meeting_activity(meeting: Meeting) -> Activity | None:
    return Activity.objects.filter(source_key=f"meeting:{meeting.pk}").first()


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    occurred_at: dt.datetime,
    meeting_type: str,
    agenda: str,
    notes: str = "",
    sentiment: str = Sentiment.NEUTRAL,
    duration_minutes: int | None = None,
    location: str | None = None,
) -> Meeting:
    """Correct a logged meeting; its timeline entry says the same afterwards. Attendees and
    next steps (already tasks) stay as logged. `duration_minutes`/`location`: None keeps them.
    When the customers were sent a calendar invitation and the meeting still lies ahead, a
    change of its time or place sends them the update (the same UID, SEQUENCE + 1)."""
    if meeting_type not in MeetingType.values:
        raise ValidationError({"meeting_type": _("Unknown meeting type.")})
    if sentiment not in Sentiment.values:
        raise ValidationError({"sentiment": _("Unknown sentiment.")})
    if timezone.is_naive(occurred_at):
        raise ValidationError({"occurred_at": _("The time needs a time zone.")})
    stored = Meeting.objects.select_for_update().get(pk=meeting.pk)
    before = (stored.occurred_at, stored.duration_minutes, stored.location)
    meeting.occurred_at = occurred_at
    meeting.meeting_type = meeting_type
    meeting.agenda = agenda
    meeting.notes = notes
    meeting.sentiment = sentiment
    if duration_minutes is not None:
        meeting.duration_minutes = duration_minutes
    if location is not None:
        meeting.location = location
    meeting_schedule_check(duration_minutes=meeting.duration_minutes, location=meeting.location)
    moved = before != (meeting.occurred_at, meeting.duration_minutes, meeting.location)
    notify = moved and stored.invites_customers and meeting.occurred_at > timezone.now()
    # NOTE: the sequence from the locked row, not the instance (read before the lock).
    meeting.ical_sequence = stored.ical_sequence + (1 if notify else 0)
    meeting.save(
        update_fields=[
            "occurred_at",
            "meeting_type",
            "agenda",
            "notes",
            "sentiment",
            "duration_minutes",
            "location",
            "ical_sequence",
        ]
    )
    if notify:
        meeting_changed(meeting_id=meeting.pk, change=MEETING_UPDATED)
    activity = _meeting_activity(meeting)
    if activity is not None:
        activity.title = (
            agenda.splitlines()[0][:200] if agenda.strip() else str(MeetingType(meeting_type).label)
        )
        activity.body = notes
        activity.occurred_at = occurred_at
        activity.data = {**activity.data, "type": meeting_type, "sentiment": sentiment}
        activity.save(update_fields=["title", "body", "occurred_at", "data"])
    return meeting


@transaction.atomic
def meeting_delete(*, meeting: Meeting, actor: Actor = None) -> None:
    """The meeting and its timeline entry go to the trash (two entries; the tasks of its next
    steps stay, unlinked, and are linked again if the meeting is restored)."""
    activity = _meeting_activity(meeting)
    trash_delete(obj=meeting, actor=actor)
    if activity is not None:
        trash_delete(obj=activity, actor=actor)


def touch_log(
    *,
    account: Account,
    kind: str,
    title: str,
    body: str = "",
    occurred_at: dt.datetime | None = None,
    contact: Contact | None = None,
    actor: User | None = None,
) -> Activity:
    """A note, call or e-mail written on the account's timeline by hand."""
    if kind not in TOUCH_KINDS:
        raise ValidationError({"kind": _("Log a note, a call or an e-mail here.")})
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Say in a few words what happened.")})
    if contact is not None and contact.account_id != account.pk:
        raise ValidationError({"contact": _("The contact belongs to another account.")})
    if occurred_at is not None and occurred_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"occurred_at": _("The timeline records what already happened.")})
    return activity_record(
        account=account,
        kind=kind,
        title=title,
        body=body,
        occurred_at=occurred_at,
        contact=contact,
        actor=actor,
    )
