"""The customer's success plan: the part of an account's journey map its CSM shared."""

from __future__ import annotations

from django.db.models import Prefetch

from cs_platform.leanread import lean_rows

from ..models import ActionStep, ActionStepComment, JourneyMap, Milestone


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


def success_plan_share_counts(*, account_id: int) -> dict[str, int | bool]:
    """What the account's contacts see, in numbers: `map` (shared or not), `milestones` and
    `steps` shared (counted only under a shared map and milestone), for the CSM's panel.
    Counted in one statement (cs_platform.leanread): Account 360 keeps its journey map panel,
    so a repeat view does not read the map for these numbers."""
    rows = lean_rows(
        "SELECT jm.shared_with_customer AS map,"
        " (SELECT count(*) FROM journeys_milestone m WHERE m.tenant_id = %(tenant)s"
        "  AND m.journey_map_id = jm.id AND m.shared_with_customer) AS milestones,"
        " (SELECT count(*) FROM journeys_actionstep s JOIN journeys_milestone m"
        "  ON m.id = s.milestone_id WHERE s.tenant_id = %(tenant)s AND m.journey_map_id = jm.id"
        "  AND m.shared_with_customer AND s.shared_with_customer) AS steps"
        " FROM journeys_journeymap jm WHERE jm.tenant_id = %(tenant)s"
        " AND jm.account_id = %(account)s",
        {"account": account_id},
    )
    if not rows:
        return {"exists": False, "map": False, "milestones": 0, "steps": 0}
    return {"exists": True, **rows[0]}
