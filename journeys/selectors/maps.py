"""Journey map reads, and milestone progress for the health score."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, Count, DateField, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Least

from accounts.models import Account
from cs_platform.datacache import page_cached, work_version

from ..models import JourneyMap, JourneyTemplate, Milestone, MilestoneStatus
from .account_panels import account_panel_reads


def journey_template_choices() -> list[tuple[int, str]]:
    """(id, name) of the tenant's journey templates by name, as `ApplyTemplateForm` offers
    them: Account 360 offers them on every account without a map, so they are kept for page
    views under the work version, which the templates raise (journeys 0015)."""
    return page_cached(
        "journeys.template_choices",
        lambda: list(JourneyTemplate.objects.order_by("name").values_list("pk", "name")),
        key=str(work_version()),
    )


def journey_map_for_account(*, account: Account) -> JourneyMap | None:
    """The account's journey map, its milestones and their steps (owners loaded), as the
    journey map panel and the success-plan panel show them: read with the account's other
    panel rows (`account_panel_reads`), once per page view."""
    return account_panel_reads(account=account).journey_map


def journey_template_list() -> QuerySet[JourneyTemplate]:
    return JourneyTemplate.objects.prefetch_related("items").order_by("name")


def _done_by(as_of: dt.date) -> Q:
    """Done on or before `as_of` (a done milestone with no completion day: done all along)."""
    return Q(status=MilestoneStatus.DONE) & (
        Q(completed_on__isnull=True) | Q(completed_on__lte=as_of)
    )


def _due_within(as_of: dt.date, days: int | None) -> Q:
    """Milestones due in the `days` days ending on `as_of` (inclusive); None: every one."""
    if days is None:
        return Q()
    return Q(due_date__gt=as_of - dt.timedelta(days=days), due_date__lte=as_of)


def milestone_progress_by_account(
    *, as_of: dt.date, days: int | None = None
) -> dict[int, dict[str, Any]]:
    """Per account, as things stood on `as_of`: milestones `total`, `done` (completed by
    then), `overdue` (not completed by then and past due, or marked missed with no due date),
    `on_time` (completed by then, no later than due) and `on_time_ratio` = on_time / (done +
    overdue), None when nothing is done or due yet. One GROUP BY.

    `days`: only the milestones due in the `days` days ending on `as_of` (a milestone with
    no due date is in no window): how the account keeps its recent promises, which a share
    over all its history dilutes.

    NOTE: as of a past day, a milestone completed later was still open then, and one marked
    missed counts from its due date (the day it was marked is not kept): so a past day's
    figure uses no later knowledge, and today's is the same as always except that a milestone
    marked missed before its due date counts from that date (`milestone_fact_rows` gives the
    same facts for many days at once).
    """
    done = _done_by(as_of)
    overdue = ~done & (
        Q(due_date__lt=as_of) | (Q(status=MilestoneStatus.MISSED) & Q(due_date__isnull=True))
    )
    on_time = done & (
        Q(due_date__isnull=True) | Q(completed_on__isnull=True) | Q(completed_on__lte=F("due_date"))
    )
    rows = (
        Milestone.objects.filter(_due_within(as_of, days))
        .values("account_id")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=done),
            overdue=Count("id", filter=overdue),
            on_time=Count("id", filter=on_time),
        )
        .order_by()
    )
    result: dict[int, dict[str, Any]] = {}
    for row in rows:
        judged = row["done"] + row["overdue"]
        result[row["account_id"]] = {
            "total": row["total"],
            "done": row["done"],
            "overdue": row["overdue"],
            "on_time": row["on_time"],
            "on_time_ratio": row["on_time"] / judged if judged else None,
        }
    return result


def milestone_fact_rows(
    *, account_ids: list[int] | None = None
) -> list[tuple[int, dt.date | None, bool, bool, dt.date | None]]:
    """(account_id, due_date, done, missed, completed_on) of every milestone: the facts
    `milestone_progress_by_account` judges, for judging many past days at once."""
    queryset = Milestone.objects.all()
    if account_ids is not None:
        queryset = queryset.filter(account_id__in=account_ids)
    rows = queryset.values_list("account_id", "due_date", "status", "completed_on").order_by()
    return [
        (account_id, due, status == MilestoneStatus.DONE, status == MilestoneStatus.MISSED, done_on)
        for account_id, due, status, done_on in rows
    ]


def milestone_overdue_rows(*, as_of: dt.date) -> list[tuple[int, int, dt.date]]:
    """(milestone_id, account_id, due_date) of milestones due before `as_of` and not done."""
    rows = (
        Milestone.objects.filter(
            due_date__lt=as_of,
            status__in=[MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS],
        )
        .values_list("pk", "account_id", "due_date")
        .order_by()
    )
    return list(rows)


def milestone_completed_rows_since(*, since: dt.date) -> list[tuple[int, dt.date]]:
    """(account_id, completed_on) of milestones done on or after `since`."""
    rows = (
        Milestone.objects.filter(status=MilestoneStatus.DONE, completed_on__gte=since)
        .values_list("account_id", "completed_on")
        .order_by()
    )
    return list(rows)


def milestone_open_rows(
    *, account_ids: list[int] | None = None
) -> list[tuple[int, int, str, int, dt.date | None, str]]:
    """(milestone_id, account_id, title, target_score, due_date, status) of every milestone
    not done yet (planned, in progress or marked missed), in one query."""
    queryset = Milestone.objects.exclude(status=MilestoneStatus.DONE)
    if account_ids is not None:
        queryset = queryset.filter(account_id__in=account_ids)
    return list(
        queryset.values_list(
            "pk", "account_id", "title", "target_score", "due_date", "status"
        ).order_by("due_date", "pk")
    )


def milestone_judged_rows(
    *, as_of: dt.date, days: int | None = None
) -> list[tuple[int, int, int, dt.date]]:
    """(milestone_id, account_id, target_score, day) of the milestones judged by `as_of`: done
    ones (completed by then) on the day they were completed (or due), the others once past
    due (on their due date); marked-missed ones without a due date on `as_of`. Days never pass
    `as_of`; a milestone completed after `as_of` was still open then. `days`: only those due
    in the `days` days ending on `as_of` (as `milestone_progress_by_account`)."""
    done = _done_by(as_of)
    judged = (
        done | Q(due_date__lt=as_of) | (Q(status=MilestoneStatus.MISSED) & Q(due_date__isnull=True))
    )
    today = Value(as_of, output_field=DateField())
    day = Case(
        When(done, then=Coalesce("completed_on", "due_date", today)),
        default=Coalesce("due_date", today),
        output_field=DateField(),
    )
    rows = (
        Milestone.objects.filter(judged, _due_within(as_of, days))
        .annotate(judged_on=Least(day, today))
        .values_list("pk", "account_id", "target_score", "judged_on")
        .order_by()
    )
    return list(rows)
