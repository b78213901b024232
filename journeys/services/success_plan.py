"""The customer's success plan: what the CSM shares, and what the customer may change.

The plan is the account's journey map as its contacts see it on Learn & Support (content): the
map once it is shared, of it the shared milestones and, of those, the shared steps. Nothing is
shared by default (`shared_with_customer` is False on all three).

A contact of the account may tick, untick and comment the steps a customer contact owns (any
contact of the same account: colleagues stand in for each other), among those they can see.
Every such write lands on the account's timeline (kind `success_plan`, worded from its data in
the reader's language by `journeys.activity_titles`) and in the audit log, named by the
contact (readers have no user account, so the audit actor is empty and the label says who).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Contact
from cs_platform.audit.services import audit_event, audit_record, audit_record_many

from ..models import ActionStep, ActionStepComment, ActivityKind, JourneyMap, Milestone
from .activities import activity_record
from .maps import action_step_set_done

COMMENT_MAX_LENGTH = 2000

# The events of a `success_plan` timeline entry (`data["event"]`).
STEP_DONE = "step_done"
STEP_REOPENED = "step_reopened"
STEP_COMMENTED = "step_commented"

Shareable = JourneyMap | Milestone | ActionStep


def _share_label(item: Shareable) -> str:
    if isinstance(item, JourneyMap):
        return item.title or gettext("Journey map")
    if isinstance(item, Milestone):
        return item.title
    return item.description


@transaction.atomic
def success_plan_share_set(*, item: Shareable, shared: bool) -> Shareable:
    """Share a journey map, milestone or step with the account's contacts (or stop sharing)."""
    before = item.shared_with_customer
    if before == shared:
        return item
    item.shared_with_customer = shared
    item.save(update_fields=["shared_with_customer"])
    audit_record(
        action="success_plan_share.updated",
        target=item,
        target_label=_share_label(item)[:300],
        changes={"shared_with_customer": [before, shared]},
    )
    return item


def step_visible_to_customer(step: ActionStep) -> bool:
    """Whether the step shows on its account's success plan (it, its milestone and map shared)."""
    milestone = step.milestone
    return (
        step.shared_with_customer
        and milestone.shared_with_customer
        and milestone.journey_map.shared_with_customer
    )


def step_writable_by(step: ActionStep, contact: Contact) -> bool:
    """A contact may tick and comment a shared step a customer contact of their account owns."""
    return (
        step.owner_contact_id is not None
        and step.milestone.account_id == contact.account_id
        and step_visible_to_customer(step)
    )


def _check_writable(step: ActionStep, contact: Contact) -> None:
    if not step_writable_by(step, contact):
        raise PermissionDenied(gettext("This step cannot be changed on the success plan."))


def _record(*, step: ActionStep, contact: Contact, event: str, body: str = "") -> None:
    data = {
        "event": event,
        "step": step.pk,
        "milestone": step.milestone_id,
        "step_title": step.description[:200],
        "contact_name": contact.name[:200],
    }
    activity_record(
        account=step.milestone.account,
        kind=ActivityKind.SUCCESS_PLAN,
        title=success_plan_title(data),
        contact=contact,
        body=body,
        data=data,
    )


def success_plan_title(data: dict) -> str:
    """The entry's title in the active language (also the stored fallback title)."""
    values = {"contact": data.get("contact_name", ""), "step": data.get("step_title", "")}
    event = data.get("event")
    if event == STEP_DONE:
        return gettext("%(contact)s ticked off “%(step)s” on the success plan") % values
    if event == STEP_REOPENED:
        return gettext("%(contact)s reopened “%(step)s” on the success plan") % values
    if event == STEP_COMMENTED:
        return gettext("%(contact)s commented on “%(step)s” on the success plan") % values
    return ""


def _audit(*, action: str, step: ActionStep, contact: Contact, changes: dict) -> None:
    event = audit_event(action=action, target=step, target_label=step.description, changes=changes)
    # Readers have no user account: the label names the contact (the actor stays empty).
    label = f"{contact.name} <{contact.email}>" if contact.email else contact.name
    event.actor_label = (gettext("%(contact)s (customer)") % {"contact": label})[:300]
    audit_record_many([event])


@transaction.atomic
def action_step_customer_set_done(*, step: ActionStep, contact: Contact, done: bool) -> ActionStep:
    """A contact ticks (or unticks) a customer-owned step of their shared success plan."""
    _check_writable(step, contact)
    if step.done == done:
        return step
    action_step_set_done(step=step, done=done)
    _record(step=step, contact=contact, event=STEP_DONE if done else STEP_REOPENED)
    _audit(
        action="success_plan_step.updated",
        step=step,
        contact=contact,
        changes={"done": [not done, done]},
    )
    return step


@transaction.atomic
def action_step_customer_comment(
    *, step: ActionStep, contact: Contact, body: str
) -> ActionStepComment:
    """A contact comments a customer-owned step of their shared success plan."""
    _check_writable(step, contact)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment first.")})
    if len(body) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"body": _("A comment is at most %(max)d characters.") % {"max": COMMENT_MAX_LENGTH}}
        )
    comment = ActionStepComment.objects.create(step=step, contact=contact, body=body)
    _record(step=step, contact=contact, event=STEP_COMMENTED, body=body)
    _audit(
        action="success_plan_comment.created",
        step=step,
        contact=contact,
        changes={"comment": [None, body]},
    )
    return comment
