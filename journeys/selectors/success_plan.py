"""The customer's success plan: the part of an account's journey map its CSM shared."""

from __future__ import annotations

from django.db.models import Prefetch

from accounts.models import Account

from ..models import ActionStep, ActionStepComment, JourneyMap, Milestone
from .maps import journey_map_for_account


def success_plan_for_account(*, account_id: int) -> JourneyMap | None:
    """The account's journey map as its contacts see it; None unless the map is shared.

    `plan_milestones` holds the shared milestones (in the map's order), each with `plan_steps`
    (its shared steps, owner contact loaded, with `comments` oldest first). Four queries.
    """
    comments = ActionStepComment.objects.select_related("contact").order_by("created_at", "pk")
    steps = (
        ActionStep.objects.filter(shared_with_customer=True)
        .select_related("owner_contact")
        .prefetch_related(Prefetch("comments", queryset=comments))
        .order_by("order", "due_date", "pk")
    )
    milestones = (
        Milestone.objects.filter(shared_with_customer=True)
        .prefetch_related(Prefetch("steps", queryset=steps, to_attr="plan_steps"))
        .order_by("order", "due_date", "pk")
    )
    return (
        JourneyMap.objects.filter(account_id=account_id, shared_with_customer=True)
        .prefetch_related(Prefetch("milestones", queryset=milestones, to_attr="plan_milestones"))
        .first()
    )


def success_plan_step_get(*, step_id: int, account_id: int) -> ActionStep | None:
    """A step of the account's success plan, if the account's contacts can see it (the step,
    its milestone and its map shared); None for any other step, of any account."""
    return (
        ActionStep.objects.filter(
            pk=step_id,
            shared_with_customer=True,
            milestone__shared_with_customer=True,
            milestone__journey_map__shared_with_customer=True,
            milestone__account_id=account_id,
        )
        .select_related("milestone__journey_map", "milestone__account", "owner_contact")
        .first()
    )


def success_plan_share_counts(*, account: Account) -> dict[str, int | bool]:
    """What the account's contacts see, in numbers: `map` (shared or not), `milestones` and
    `steps` shared (counted only under a shared map and milestone), for the CSM's panel.
    Counted from the journey map Account 360 reads with the account's other panel rows
    (`journey_map_for_account`): no statement of its own when the map panel is built too."""
    journey_map = journey_map_for_account(account=account)
    if journey_map is None:
        return {"exists": False, "map": False, "milestones": 0, "steps": 0}
    shared = [m for m in journey_map.milestones.all() if m.shared_with_customer]
    return {
        "exists": True,
        "map": journey_map.shared_with_customer,
        "milestones": len(shared),
        "steps": sum(s.shared_with_customer for m in shared for s in m.steps.all()),
    }
