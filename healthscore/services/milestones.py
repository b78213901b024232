"""Milestones against the score: a task for the CSM when a milestone turns at risk.

Run after every recompute (the nightly job's end; an intra-day recompute may call it with the
accounts it rescored). Set-based and idempotent: the at-risk milestones come from one
comparison of the open milestones with the scores, and their tasks are inserted in one
statement keyed by milestone and due date, so a milestone raises one task however often it is
evaluated (a new due date is a new episode).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from journeys.services import TaskSpec, task_create_bulk

from ..selectors.milestones import AT_RISK, milestone_score_states
from .alerts import health_settings_get


def milestone_task_key(milestone_id: int, due_date: dt.date) -> str:
    return f"milestone-at-risk:{milestone_id}:{due_date.isoformat()}"


def milestone_risk_title(title: str) -> str:
    return _("Milestone at risk: %(title)s") % {"title": title}


def milestone_risk_description(*, score: float, target: int, due: dt.date) -> str:
    """The task's description in the active language."""
    return _(
        "The health score is %(score)s, below the milestone's target of %(target)s, "
        "and it is due on %(due)s. Review the action plan with the customer."
    ) % {"score": round(float(score)), "target": int(target), "due": date_format(due)}


def milestone_risk_evaluate(
    *,
    account_ids: Iterable[int] | None = None,
    scores: Mapping[int, float] | None = None,
    today: dt.date | None = None,
) -> dict[str, int]:
    """Tasks for the owners of the accounts (of `account_ids`, default all) whose milestones
    are at risk; returns the task id of each at-risk milestone's key (existing ones too)."""
    today = today or timezone.localdate()
    frame = milestone_score_states(account_ids=account_ids, scores=scores, today=today)
    if frame.empty:
        return {}
    at_risk = frame[frame["state"] == AT_RISK]
    due_in = dt.timedelta(days=health_settings_get().task_due_days)
    specs = [
        TaskSpec(
            account_id=int(row.account_id),
            title=milestone_risk_title(row.title),
            description=milestone_risk_description(
                score=row.score, target=row.target, due=row.due_date
            ),
            due_date=min(row.due_date, today + due_in),
            source_key=milestone_task_key(int(row.milestone_id), row.due_date),
            origin="milestone_at_risk",
            kind="milestone_at_risk",
            data={
                "milestone": int(row.milestone_id),
                "title": row.title,
                # The description's figures, worded for each reader (healthscore.plugins).
                "score": round(float(row.score), 1),
                "target": int(row.target),
                "due": row.due_date.isoformat(),
            },
        )
        for row in at_risk.itertuples()
    ]
    return task_create_bulk(specs=specs)
