"""Milestones against the score: each open milestone's target compared with the account's
current (latest) score.

A milestone not done is
- "missed" when marked missed, or past due and below its target;
- "at risk" when below its target and due within the tenant's `milestone_risk_days`;
- "on track" when its target is reached, or there is still time;
- "no score" while the account has no score yet.
The current score is the intra-day ("now") one while it is newer than the nightly one. A fixed
number of queries whatever the number of milestones; the states are computed in pandas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import account_list
from cs_platform.datacache import page_cached
from cs_platform.requestmemo import request_memoized
from cs_platform.scoping import require_current_tenant
from cs_platform.sql import sql_frame
from journeys.models import Milestone, MilestoneStatus
from journeys.selectors import milestone_judged_rows, milestone_open_rows

from ..models import HealthScore, HealthSettings
from .scores import (
    health_current_of,
    health_current_scores,
    health_latest_day,
    health_now_of,
)

ON_TRACK, AT_RISK, MISSED, NO_SCORE = "on_track", "at_risk", "missed", "no_score"
STATE_LABELS = {
    ON_TRACK: _("On track"),
    AT_RISK: _("At risk"),
    MISSED: _("Missed"),
    NO_SCORE: _("No score yet"),
}
STATE_TONES = {ON_TRACK: "green", AT_RISK: "amber", MISSED: "red", NO_SCORE: ""}
COLUMNS = ["milestone_id", "account_id", "title", "target", "due_date", "status"]
DEFAULT_RISK_DAYS = 14


def milestone_risk_days() -> int:
    """The tenant's at-risk window in days (read once per page view, and kept for page views
    under the data version, which the health settings raise)."""
    return request_memoized(
        "healthscore.milestone_risk_days",
        lambda: page_cached("healthscore.milestone_risk_days", _risk_days),
    )


def _risk_days() -> int:
    days = HealthSettings.objects.values_list("milestone_risk_days", flat=True).first()
    return days or DEFAULT_RISK_DAYS


def milestone_state(
    *,
    status: str,
    score: float | None,
    target: int,
    due_date: dt.date | None,
    today: dt.date,
    risk_days: int,
) -> str:
    """One open milestone's state: what `milestone_score_states` computes for many at once
    (the page of one account judges its few milestones without pandas)."""
    if status == MilestoneStatus.MISSED:
        return MISSED
    if score is None:
        return NO_SCORE
    if score >= target or due_date is None:
        return ON_TRACK
    days_left = (due_date - today).days
    if days_left < 0:
        return MISSED
    return AT_RISK if days_left <= risk_days else ON_TRACK


def milestone_score_states(
    *,
    account_ids: Iterable[int] | None = None,
    scores: Mapping[int, float] | None = None,
    today: dt.date | None = None,
    risk_days: int | None = None,
) -> pd.DataFrame:
    """One row per open milestone (of `account_ids`, default all): milestone_id, account_id,
    title, target, due_date, status, score, state, days_left.

    `scores` overrides the latest stored scores (an intra-day recompute may pass its own)."""
    ids = None if account_ids is None else sorted({int(a) for a in account_ids})
    today = today or timezone.localdate()
    frame = pd.DataFrame.from_records(milestone_open_rows(account_ids=ids), columns=COLUMNS)
    if frame.empty:
        return frame.assign(score=[], state=[], days_left=[])
    risk_days = risk_days if risk_days is not None else milestone_risk_days()
    if scores is None:
        # The account's current score: its intra-day ("now") score while newer than the
        # latest nightly one.
        scores = health_current_scores(account_ids=ids)
    frame["score"] = frame["account_id"].map(scores).astype(float)
    due = pd.to_datetime(frame["due_date"])
    frame["days_left"] = (due - pd.Timestamp(today)).dt.days
    below = frame["score"] < frame["target"]
    past_due = frame["days_left"] < 0
    due_soon = frame["days_left"].between(0, risk_days)
    frame["state"] = np.select(
        [
            frame["status"] == "missed",
            frame["score"].isna(),
            below & past_due,
            below & due_soon,
        ],
        [MISSED, NO_SCORE, MISSED, AT_RISK],
        default=ON_TRACK,
    )
    return frame


def _verdict(state: str, score: float | None, target: int) -> dict[str, Any]:
    detail = (
        ""
        if score is None
        else str(
            _("score %(score)s / target %(target)s")
            % {"score": round(float(score)), "target": int(target)}
        )
    )
    return {
        "state": state,
        "label": str(STATE_LABELS[state]),
        "tone": STATE_TONES[state],
        "detail": detail,
        "score": None if score is None else float(score),
    }


def _current_score(account_id: int) -> float | None:
    """The score milestones are judged against: the intra-day one while newer than the
    nightly, else the account's score of the tenant's latest scored day (as
    `milestone_score_states`). Page reads shared with the health header."""
    now = health_now_of(account_id=account_id)
    if now is not None:
        return float(now.score)
    latest = health_current_of(account_id=account_id)
    if latest is None or latest.day != health_latest_day():
        return None
    return float(latest.score)


def milestone_checks_for(milestones: Iterable[Milestone]) -> dict[int, dict]:
    """The verdict of each open milestone of `milestones` (already read by the page) for
    pages: two small queries (the latest scored day, the at-risk window) besides the
    account's current scores, which the page's health header reads anyway."""
    open_milestones = [m for m in milestones if m.status != MilestoneStatus.DONE]
    if not open_milestones:
        return {}
    today = timezone.localdate()
    risk_days = milestone_risk_days()
    scores = {a: _current_score(a) for a in {m.account_id for m in open_milestones}}
    verdicts = {}
    for m in open_milestones:
        score = scores[m.account_id]
        state = milestone_state(
            status=m.status,
            score=score,
            target=m.target_score,
            due_date=m.due_date,
            today=today,
            risk_days=risk_days,
        )
        verdicts[m.pk] = _verdict(state, score, m.target_score)
    return verdicts


def milestones_at_risk(*, limit: int = 50) -> dict[str, Any]:
    """The portfolio's milestones at risk and missed (below target), soonest due first, with
    their account's name and owner; counts of every state; the at-risk window in days."""
    risk_days = milestone_risk_days()
    frame = milestone_score_states(risk_days=risk_days)
    counts = (
        {str(k): int(v) for k, v in frame["state"].value_counts().items()}
        if not frame.empty
        else {}
    )
    flagged = frame[frame["state"].isin([AT_RISK, MISSED])] if not frame.empty else frame
    flagged = flagged.assign(order=(flagged["state"] != AT_RISK).astype(int)).sort_values(
        ["order", "due_date", "milestone_id"]
    )
    shown = flagged.head(limit)
    names = {
        pk: (name, owner_name or owner_email or "")
        for pk, name, owner_name, owner_email in account_list(
            ids=[int(a) for a in shown["account_id"]]
        ).values_list("pk", "name", "owner__full_name", "owner__email")
    }
    rows = []
    for row in shown.itertuples():
        name, owner = names.get(int(row.account_id), ("", ""))
        rows.append(
            {
                "milestone_id": int(row.milestone_id),
                "account_id": int(row.account_id),
                "account_name": name,
                "owner": owner,
                "title": row.title,
                "target": int(row.target),
                "score": None if pd.isna(row.score) else round(float(row.score)),
                "due_date": row.due_date,
                "days_left": None if pd.isna(row.days_left) else int(row.days_left),
                "state": row.state,
                "label": str(STATE_LABELS[row.state]),
                "tone": STATE_TONES[row.state],
            }
        )
    return {"rows": rows, "counts": counts, "total": len(flagged), "risk_days": risk_days}


def milestone_attainment_by_account(*, as_of: dt.date, days: int | None = None) -> dict[int, float]:
    """Per account, the share (%) of its judged milestones (done, marked missed or past due
    by `as_of`; `days`: of those due in the `days` days ending then) whose target score the
    account had reached on the day it was judged (its latest score on or before that day).
    Accounts with nothing judged yet are left out. One query for the milestones, one for all
    their scores (LATERAL lookups)."""
    rows = milestone_judged_rows(as_of=as_of, days=days)
    if not rows:
        return {}
    ids, accounts, targets, days = (list(column) for column in zip(*rows, strict=True))
    table = HealthScore._meta.db_table
    sql = (
        "SELECT m.account_id, m.target, s.score "
        "FROM unnest(%s::bigint[], %s::bigint[], %s::int[], %s::date[]) "
        "AS m(id, account_id, target, day) "
        f"LEFT JOIN LATERAL (SELECT h.score FROM {table} h WHERE h.tenant_id = %s "
        "AND h.account_id = m.account_id AND h.day <= m.day ORDER BY h.day DESC LIMIT 1) s "
        "ON true"
    )
    frame = sql_frame(
        sql,
        [ids, accounts, targets, days, require_current_tenant().pk],
        columns=["account_id", "target", "score"],
    )
    frame["attained"] = (frame["score"].astype(float) >= frame["target"]).astype(float)
    shares = frame.groupby("account_id")["attained"].mean() * 100
    return {int(a): round(float(v), 2) for a, v in shares.items()}
