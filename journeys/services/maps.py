"""Journey maps (Sansan): milestones with a target score and an action plan of steps."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact
from cs_platform.models import User
from cs_platform.writes import model_update

from ..models import (
    ActionStep,
    ActivityKind,
    JourneyMap,
    JourneyTemplate,
    Milestone,
    MilestoneStatus,
    TemplateMilestone,
)
from . import webhook_events
from .activities import activity_record, activity_record_bulk


def _check_score(target_score: int) -> None:
    if not 0 <= target_score <= 100:
        raise ValidationError({"target_score": _("The target score is between 0 and 100.")})


def journey_template_create(
    *, name: str, description: str = "", milestones: list[dict] | None = None
) -> JourneyTemplate:
    """A template with milestones given as dicts (title, description, target_score,
    due_after_days)."""
    with transaction.atomic():
        template = JourneyTemplate.objects.create(name=name, description=description)
        items = []
        for i, m in enumerate(milestones or []):
            _check_score(m.get("target_score", 60))
            items.append(
                TemplateMilestone(
                    tenant_id=template.tenant_id,
                    template=template,
                    title=m["title"],
                    description=m.get("description", ""),
                    target_score=m.get("target_score", 60),
                    due_after_days=m.get("due_after_days", 30 * (i + 1)),
                    order=i,
                )
            )
        TemplateMilestone.objects.bulk_create(items)
    return template


@transaction.atomic
def journey_map_create(
    *,
    account: Account,
    template: JourneyTemplate | None = None,
    title: str = "",
    created_by: User | None = None,
    start: dt.date | None = None,
) -> JourneyMap:
    """The account's journey map, blank or from a template's milestones. One per account."""
    if JourneyMap.objects.filter(account=account).exists():
        raise ValidationError({"account": _("This account already has a journey map.")})
    journey_map = JourneyMap.objects.create(
        account=account,
        template=template,
        title=title or (template.name if template else ""),
        created_by=created_by,
    )
    if template is not None:
        start = start or timezone.localdate()
        created = Milestone.objects.bulk_create(
            [
                Milestone(
                    tenant_id=account.tenant_id,
                    journey_map=journey_map,
                    account=account,
                    title=item.title,
                    customer_goal="",
                    target_score=item.target_score,
                    due_date=start + dt.timedelta(days=item.due_after_days),
                    order=item.order,
                )
                for item in template.items.all()
            ]
        )
        activity_record_bulk(
            rows=[
                {
                    "account_id": account.pk,
                    "kind": ActivityKind.MILESTONE_CHANGE,
                    "title": _("Milestone added: %(title)s") % {"title": m.title},
                    "actor_id": created_by.pk if created_by else None,
                    "data": {
                        "milestone": m.pk,
                        "event": "created",
                        "title": m.title,
                        "to": m.status,
                    },
                    "source_key": f"milestone_created:{m.pk}",
                }
                for m in created
            ]
        )
    return journey_map


def journey_map_get_or_create(*, account: Account, created_by: User | None = None) -> JourneyMap:
    journey_map = JourneyMap.objects.filter(account=account).first()
    if journey_map is None:
        journey_map = journey_map_create(account=account, created_by=created_by)
    return journey_map


@transaction.atomic
def milestone_create(
    *,
    account: Account,
    title: str,
    customer_goal: str = "",
    target_score: int = 60,
    due_date: dt.date | None = None,
    status: str = MilestoneStatus.PLANNED,
    order: int | None = None,
    actor: User | None = None,
) -> Milestone:
    """Add a milestone to the account's journey map (created blank if it has none)."""
    _check_score(target_score)
    if status not in MilestoneStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    journey_map = journey_map_get_or_create(account=account, created_by=actor)
    if order is None:
        order = (journey_map.milestones.aggregate(m=Max("order"))["m"] or 0) + 1
    milestone = Milestone.objects.create(
        journey_map=journey_map,
        account=account,
        title=title,
        customer_goal=customer_goal,
        target_score=target_score,
        due_date=due_date,
        status=status,
        completed_on=timezone.localdate() if status == MilestoneStatus.DONE else None,
        order=order,
    )
    activity_record(
        account=account,
        kind=ActivityKind.MILESTONE_CHANGE,
        title=_("Milestone added: %(title)s") % {"title": title},
        actor=actor,
        data={"milestone": milestone.pk, "event": "created", "title": title, "to": status},
        source_key=f"milestone_created:{milestone.pk}",
    )
    return milestone


@transaction.atomic
def milestone_set_status(*, milestone: Milestone, status: str, actor: User | None) -> Milestone:
    """Change a milestone's status and write a milestone_change activity."""
    if status not in MilestoneStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    previous = milestone.status
    if previous == status:
        return milestone
    milestone.status = status
    milestone.completed_on = timezone.localdate() if status == MilestoneStatus.DONE else None
    milestone.save(update_fields=["status", "completed_on"])
    activity_record(
        account=milestone.account,
        kind=ActivityKind.MILESTONE_CHANGE,
        title=f"{milestone.title}: {MilestoneStatus(previous).label} → "
        f"{MilestoneStatus(status).label}",
        actor=actor,
        data={"milestone": milestone.pk, "from": previous, "to": status, "title": milestone.title},
    )
    webhook_events.milestone_changed(milestone=milestone, previous_status=previous)
    return milestone


def action_step_create(
    *,
    milestone: Milestone,
    description: str,
    owner_user: User | None = None,
    owner_contact: Contact | None = None,
    due_date: dt.date | None = None,
) -> ActionStep:
    if owner_user is not None and owner_contact is not None:
        raise ValidationError({"owner_contact": _("A step has one owner: staff or customer.")})
    if owner_contact is not None and owner_contact.account_id != milestone.account_id:
        raise ValidationError({"owner_contact": _("The contact belongs to another account.")})
    order = (milestone.steps.aggregate(m=Max("order"))["m"] or 0) + 1
    return ActionStep.objects.create(
        milestone=milestone,
        description=description,
        owner_user=owner_user,
        owner_contact=owner_contact,
        due_date=due_date,
        order=order,
    )


def action_step_set_done(*, step: ActionStep, done: bool) -> ActionStep:
    step.done = done
    step.done_at = timezone.now() if done else None
    step.save(update_fields=["done", "done_at"])
    return step


def journey_map_update(*, journey_map: JourneyMap, data: dict[str, Any]) -> JourneyMap:
    """Retitle a journey map (or point it at another account or template)."""
    return model_update(instance=journey_map, data=data)
