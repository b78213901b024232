"""Seminars: registration (by CSMs, contacts on the public page, playbook invitations),
attendance on the timeline, follow-up surveys."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Contact
from accounts.selectors import account_webhook_refs, contact_get_by_email
from cs_platform.celery import task_named
from cs_platform.ical import REQUEST
from cs_platform.models import User
from cs_platform.scoping import require_current_tenant
from healthscore.services.surveys import survey_response_record
from webhooks.services import SEMINAR_REGISTERED, webhook_events_raise, webhook_subscribed

from .. import integrations
from ..models import (
    Attendance,
    RegistrationSource,
    RegistrationStatus,
    RuleFiring,
    Seminar,
    SeminarKind,
    SeminarRegistration,
)
from .email import EmailBatch, email_dispatch_on_commit, email_queue, site_url
from .invitations import seminar_invitation_ics, seminar_public_url

SURVEY_SALT = "touchmodel.survey"


class SeminarFull(Exception):
    pass


class SeminarClosed(Exception):
    pass


def survey_token(*, registration: SeminarRegistration) -> str:
    return signing.dumps({"t": registration.tenant_id, "r": registration.pk}, salt=SURVEY_SALT)


def survey_token_read(token: str) -> tuple[int, int] | None:
    try:
        data = signing.loads(token, salt=SURVEY_SALT, max_age=60 * 60 * 24 * 60)
    except signing.BadSignature:
        return None
    return int(data["t"]), int(data["r"])


def seminar_seats_taken(*, seminar: Seminar) -> int:
    return SeminarRegistration.objects.filter(
        seminar=seminar, status=RegistrationStatus.REGISTERED
    ).count()


@transaction.atomic
def seminar_register(
    *,
    seminar: Seminar,
    email: str,
    name: str,
    company: str = "",
    contact: Contact | None = None,
    source: str = RegistrationSource.CSM,
) -> SeminarRegistration:
    """Register a person (a known contact is matched by e-mail); capacity is enforced under a
    row lock on the seminar, so two last-seat registrations cannot both succeed."""
    Seminar.objects.select_for_update().filter(pk=seminar.pk).first()
    if seminar.starts_at < timezone.now():
        raise SeminarClosed
    email = email.strip().lower()
    if contact is None:
        contact = contact_get_by_email(email=email)
    existing = SeminarRegistration.objects.filter(seminar=seminar, email=email).first()
    if existing is not None and existing.status == RegistrationStatus.REGISTERED:
        return existing
    if seminar_seats_taken(seminar=seminar) >= seminar.capacity:
        raise SeminarFull
    registration = existing or SeminarRegistration(seminar=seminar, email=email, source=source)
    registration.name = name or registration.name or (contact.name if contact else email)
    registration.company = company or registration.company
    registration.contact = contact or registration.contact
    registration.account_id = contact.account_id if contact else registration.account_id
    registration.status = RegistrationStatus.REGISTERED
    registration.registered_at = timezone.now()
    registration.save()
    _raise_registered(registration, seminar)
    return registration


def _raise_registered(registration: SeminarRegistration, seminar: Seminar) -> None:
    """seminar.registered for the webhook endpoints that want it."""
    if not webhook_subscribed(event_type=SEMINAR_REGISTERED):
        return
    account_id = registration.account_id
    refs = account_webhook_refs(ids=[account_id] if account_id else [])
    webhook_events_raise(
        event_type=SEMINAR_REGISTERED,
        items=[
            {
                "account": refs.get(account_id) if account_id else None,
                "seminar_id": seminar.pk,
                "seminar": seminar.title_ja or seminar.title_en,
                "starts_at": seminar.starts_at,
                "contact_email": registration.email,
            }
        ],
    )


def seminar_cancel(*, registration: SeminarRegistration) -> SeminarRegistration:
    registration.status = RegistrationStatus.CANCELLED
    registration.save(update_fields=["status"])
    return registration


def seminar_next_fitting(*, phase_id: int | None, now: dt.datetime | None = None) -> Seminar | None:
    """The next published seminar for the phase (or for every phase) with a seat left."""
    now = now or timezone.now()
    candidates = (
        Seminar.objects.filter(starts_at__gt=now, is_published=True)
        .exclude(kind=SeminarKind.USER_GROUP)
        .filter(Q(target_phase_id__isnull=True) | Q(target_phase_id=phase_id))
        .annotate(
            taken=Count("registrations", filter=Q(registrations__status="registered")),
        )
        .order_by("starts_at", "pk")
    )
    fitting = [s for s in candidates[:50] if s.taken < s.capacity]
    exact = [s for s in fitting if s.target_phase_id == phase_id and phase_id is not None]
    return (exact or fitting or [None])[0]


def seminar_invite(
    *,
    seminar: Seminar,
    contacts: list[Contact],
    firing: RuleFiring | None,
    message: str,
    batch: EmailBatch | None = None,
) -> list[int | str]:
    """Invite contacts: an 'invited' registration (unless they already have one) and an
    e-mail each. Returns the ids of the queued e-mails; the caller enqueues them on commit.
    With `batch`, the e-mails are only added to it and their message keys returned."""
    SeminarRegistration.objects.bulk_create(
        [
            SeminarRegistration(
                seminar=seminar,
                email=contact.email.lower(),
                contact=contact,
                account_id=contact.account_id,
                name=contact.name,
                status=RegistrationStatus.INVITED,
                source=RegistrationSource.RULE,
                firing=firing,
            )
            for contact in contacts
        ],
        ignore_conflicts=True,
    )
    starts_at = timezone.localtime(seminar.starts_at).strftime("%Y-%m-%d %H:%M")
    seminar_url = seminar_public_url(seminar=seminar)
    email_ids: list[int | str] = []
    for contact in contacts:
        email = dict(
            message_key=f"seminar-invite:{seminar.pk}:{contact.pk}",
            to_email=contact.email,
            template="seminar_invitation",
            context={
                "seminar": seminar,
                "seminar_url": seminar_url,
                "starts_at": starts_at,
                "message": message,
            },
            contact=contact,
            account=contact.account,
            firing=firing,
            program=seminar.program,
            known_opted_in=True,
            ics=seminar_invitation_ics(seminar=seminar, contact=contact, url=seminar_url),
            ics_method=REQUEST,
        )
        if batch is not None:
            email_ids.append(batch.add(**email))
            continue
        queued = email_queue(**email)
        if queued.created and queued.email.status == "queued":
            email_ids.append(queued.email.pk)
    return email_ids


def _attendance_text(*, attended: bool, name: str, seminar: str) -> str:
    text = _("%(name)s attended %(seminar)s") if attended else _("%(name)s missed %(seminar)s")
    return text % {"name": name, "seminar": seminar}


def attendance_title(activity: Any) -> str | None:
    """A seminar attendance on the timeline in the reader's language, the seminar's title in
    it too (an entry written before the data kept the name shows its stored text)."""
    data = activity.data or {}
    if "name" not in data:
        return None
    seminar = Seminar.objects.filter(pk=data["seminar_id"]).first()
    if seminar is None:
        return None
    return _attendance_text(
        attended=bool(data["attended"]), name=data["name"], seminar=seminar.title
    )


@dataclass(frozen=True)
class AttendanceResult:
    updated: int
    activities: int


@transaction.atomic
def seminar_attendance_record(
    *,
    seminar: Seminar,
    attended_ids: list[int],
    missed_ids: list[int],
    actor: User | None = None,
    send_survey: bool = True,
) -> AttendanceResult:
    """Record who came; attendance joins the account timeline (feeding engagement) and
    attendees get the follow-up survey. Re-recording the same registration is harmless."""
    overlap = set(attended_ids) & set(missed_ids)
    if overlap:
        raise ValueError(f"Registrations both attended and missed: {sorted(overlap)}")
    now = timezone.now()
    registrations = SeminarRegistration.objects.filter(seminar=seminar).exclude(
        status=RegistrationStatus.CANCELLED
    )
    updated = 0
    for ids, value in ((attended_ids, Attendance.ATTENDED), (missed_ids, Attendance.MISSED)):
        if ids:
            updated += registrations.filter(pk__in=ids).update(
                attendance=value, attendance_recorded_at=now
            )
    rows = list(
        registrations.filter(pk__in=[*attended_ids, *missed_ids], account__isnull=False).values(
            "pk", "account_id", "contact_id", "attendance", "name"
        )
    )
    title = seminar.title
    activities = integrations.record_activities(
        rows=[
            {
                "account_id": r["account_id"],
                "contact_id": r["contact_id"],
                "kind": "seminar_attendance",
                "title": _attendance_text(
                    attended=r["attendance"] == Attendance.ATTENDED, name=r["name"], seminar=title
                ),
                "occurred_at": seminar.starts_at,
                "actor_id": actor.pk if actor else None,
                "data": {
                    "seminar_id": seminar.pk,
                    "registration_id": r["pk"],
                    "attended": r["attendance"] == Attendance.ATTENDED,
                    "name": r["name"],  # worded for each reader (attendance_title)
                },
                "source_key": f"touchmodel:attendance:{r['pk']}:{r['attendance']}",
            }
            for r in rows
        ]
    )
    if send_survey:
        _queue_surveys(seminar=seminar, registration_ids=attended_ids)
    account_ids = sorted({r["account_id"] for r in rows})
    if account_ids:
        _evaluate_on_commit(account_ids)
    return AttendanceResult(updated=updated, activities=activities)


def _queue_surveys(*, seminar: Seminar, registration_ids: list[int]) -> None:

    tenant = require_current_tenant()
    for registration in SeminarRegistration.objects.filter(
        pk__in=registration_ids, attendance=Attendance.ATTENDED
    ).select_related("contact"):
        survey_url = site_url() + reverse(
            "touchmodel_public:survey",
            kwargs={"site": tenant.slug, "token": survey_token(registration=registration)},
        )
        queued = email_queue(
            message_key=f"seminar-survey:{registration.pk}",
            to_email=registration.email,
            template="seminar_survey",
            context={"seminar": seminar, "survey_url": survey_url},
            contact=registration.contact,
            account=registration.contact.account if registration.contact else None,
            program=seminar.program,
        )
        email_dispatch_on_commit(email=queued.email)


def _evaluate_on_commit(account_ids: list[int]) -> None:
    tenant_id = require_current_tenant().pk

    def _enqueue() -> None:
        # If the broker is down the nightly run picks the attendance up.
        with contextlib.suppress(Exception):
            task_named("touchmodel.evaluate_rules").delay(
                tenant_id=tenant_id,
                triggers=["seminar_attended", "seminar_missed"],
                account_ids=account_ids,
            )

    transaction.on_commit(_enqueue)


# The seminar survey asks 1–5; the survey measure reads 0–10 (NPS scale): 1–5 spread evenly
# over 0–10, rounded half up (1 → 0, 2 → 3, 3 → 5, 4 → 8, 5 → 10).
SEMINAR_RATING_TO_SURVEY_SCORE = {1: 0, 2: 3, 3: 5, 4: 8, 5: 10}


@transaction.atomic
def seminar_survey_submit(
    *, registration: SeminarRegistration, rating: int, comment: str = ""
) -> SeminarRegistration:
    """Store the follow-up survey's answer; from a known account it also feeds the health
    score's survey measure (one answer per registration: answering again replaces it)."""
    if not 1 <= rating <= 5:
        raise ValueError("Rating must be between 1 and 5.")
    registration.survey_rating = rating
    registration.survey_comment = comment
    registration.survey_answered_at = timezone.now()
    registration.save(update_fields=["survey_rating", "survey_comment", "survey_answered_at"])
    if registration.account_id is not None:
        contact = registration.contact
        if contact is not None and contact.account_id != registration.account_id:
            contact = None  # moved to another account since registering
        survey_response_record(
            account=registration.account,
            score=SEMINAR_RATING_TO_SURVEY_SCORE[rating],
            responded_on=timezone.localdate(registration.survey_answered_at),
            contact=contact
            if contact is not None and contact.account_id == registration.account_id
            else None,
            comment=comment,
            source_key=f"seminar-survey:{registration.pk}",
        )
    return registration
