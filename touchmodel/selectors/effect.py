"""The effect chain (seed 001): activity → input → outcome → impact, per program or rule.

Touched accounts are compared with comparable untouched accounts (same tiers, never
touched by the program), whose "touch date" is the touched group's median first touch.
All maths is set-based: one query per source, pandas for the windows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.utils import timezone

from cs_platform.sql import rows_frame

from .. import integrations
from ..models import (
    AccountTier,
    Attendance,
    EmailStatus,
    FiringStatus,
    OutboundEmail,
    ProgramKind,
    Rule,
    RuleFiring,
    SeminarRegistration,
    TouchProgram,
)

WINDOW_DAYS = 30
# NOTE: reads of Learn & Support count for every content-track programme; a year of them is
# enough for the effect chain's windows and keeps the query bounded.
READS_LOOKBACK_DAYS = 365
TOUCH_COLUMNS = ["account_id", "touched_at", "kind"]


def programs_touches(
    *, programs: list[TouchProgram], now: dt.datetime | None = None
) -> pd.DataFrame:
    """Every touch of these programmes (program_id, account_id, touched_at, kind), one query
    per source whatever the number of programmes: playbook firings, seminar attendance,
    e-mails sent outside playbooks, 1:1 meetings logged against the programme, and, for
    content-track programmes, the articles the accounts' known readers read."""
    ids = [p.pk for p in programs]
    columns = ["program_id", *TOUCH_COLUMNS]
    firings = rows_frame(
        RuleFiring.objects.filter(rule__program_id__in=ids, status=FiringStatus.DONE)
        .values_list("rule__program_id", "account_id", "fired_at", "action")
        .order_by(),
        columns,
    )
    attended = rows_frame(
        SeminarRegistration.objects.filter(
            seminar__program_id__in=ids, attendance=Attendance.ATTENDED, account__isnull=False
        )
        .values_list("seminar__program_id", "account_id", "seminar__starts_at")
        .order_by(),
        columns[:3],
    ).assign(kind="seminar_attended")
    emails = rows_frame(
        OutboundEmail.objects.filter(
            program_id__in=ids,
            status=EmailStatus.SENT,
            account__isnull=False,
            firing__isnull=True,
        )
        .values_list("program_id", "account_id", "sent_at")
        .order_by(),
        columns[:3],
    ).assign(kind="email")
    meetings = integrations.meetings_for_programs(program_ids=ids).assign(kind="meeting")
    parts = [firings, attended, emails, meetings, _reads_by_program(ids)]
    content_ids = [p.pk for p in programs if p.kind == ProgramKind.CONTENT_TRACK]
    if content_ids:
        reads = integrations.activities_since(
            kinds=["content_view"],
            since=(now or timezone.now()) - dt.timedelta(days=READS_LOOKBACK_DAYS),
        )
        parts += [
            reads[["account_id", "occurred_at"]]
            .rename(columns={"occurred_at": "touched_at"})
            .assign(program_id=program_id, kind="article_read")
            for program_id in content_ids
        ]
    parts = [f[columns] for f in parts if not f.empty]
    if not parts:
        return pd.DataFrame(columns=columns)
    # A read an e-mail of a content programme brought is also one of its organic reads.
    return pd.concat(parts, ignore_index=True).drop_duplicates(ignore_index=True)


def program_touches(*, program: TouchProgram) -> pd.DataFrame:
    return programs_touches(programs=[program])[TOUCH_COLUMNS]


def _reads_by_program(program_ids: list[int]) -> pd.DataFrame:
    """program_id, account_id, touched_at, kind of the reads that e-mails of these programmes'
    rule firings brought (content records the link's firing on the timeline entry)."""
    columns = ["program_id", *TOUCH_COLUMNS]
    reads = integrations.reads_from_firings()
    if reads.empty:
        return pd.DataFrame(columns=columns)
    programs = dict(
        RuleFiring.objects.filter(
            pk__in=reads["firing_id"].unique().tolist(), rule__program_id__in=program_ids
        )
        .values_list("pk", "rule__program_id")
        .order_by()
    )
    reads = reads[reads["firing_id"].isin(list(programs))]
    return reads.assign(program_id=reads["firing_id"].map(programs), kind="article_read")[columns]


def _reads(**firings: Any) -> pd.DataFrame:
    """Article reads brought by e-mails of the firings matching `firings` (a RuleFiring
    filter): a known reader who came through a link of one of those e-mails (content records
    the link's firing on the timeline entry)."""
    reads = integrations.reads_from_firings()
    if reads.empty:
        return pd.DataFrame(columns=TOUCH_COLUMNS)
    ids = set(
        RuleFiring.objects.filter(pk__in=reads["firing_id"].unique().tolist(), **firings)
        .values_list("pk", flat=True)
        .order_by()
    )
    reads = reads[reads["firing_id"].isin(ids)]
    return reads.assign(kind="article_read")[TOUCH_COLUMNS]


def rule_touches(*, rule: Rule) -> pd.DataFrame:
    firings = rows_frame(
        RuleFiring.objects.filter(rule=rule, status=FiringStatus.DONE)
        .values_list("account_id", "fired_at", "action")
        .order_by(),
        TOUCH_COLUMNS,
    )
    parts = [f for f in (firings, _reads(rule=rule)) if not f.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=TOUCH_COLUMNS)


def _usage_change(starts: pd.Series) -> dict[str, Any]:
    windows = integrations.usage_windows(
        starts={int(a): d for a, d in starts.items()}, days=WINDOW_DAYS
    )
    n = len(starts)
    total_before = float(windows["before"].sum()) if n else 0.0
    total_after = float(windows["after"].sum()) if n else 0.0
    change = None if total_before == 0 else round(100 * (total_after / total_before - 1), 1)
    return {
        "accounts": n,
        "usage_before": round(total_before / max(n, 1), 1),
        "usage_after": round(total_after / max(n, 1), 1),
        "change_pct": change,
        "accounts_up": int((windows["after"] > windows["before"]).sum()) if n else 0,
    }


def _health_change(starts: pd.Series, today: dt.date) -> dict[str, Any]:
    later = dt.timedelta(days=WINDOW_DAYS)
    scores = integrations.health_at(
        points={int(a): (d, min(d + later, today)) for a, d in starts.items()}
    ).dropna()
    if scores.empty:
        return {"accounts": 0, "score_before": None, "score_after": None, "improved": 0}
    return {
        "accounts": len(scores),
        "score_before": round(float(scores["before"].mean()), 1),
        "score_after": round(float(scores["after"].mean()), 1),
        "improved": int((scores["after"] > scores["before"]).sum()),
    }


def _milestones(done: pd.DataFrame, starts: pd.Series) -> int:
    if done.empty or starts.empty:
        return 0
    merged = done.merge(starts.rename("t0").reset_index(), on="account_id")
    return int((merged["completed_on"] >= merged["t0"]).sum())


def _impact(starts: pd.Series, today: dt.date) -> dict[str, Any]:
    if starts.empty:
        return {"renewals_due": 0, "renewed": 0, "renewal_rate": None, "expanded_arr": 0}
    contracts = integrations.contract_outcomes(account_ids=[int(a) for a in starts.index])
    contracts = contracts.assign(t0=contracts["account_id"].map(starts))
    due = contracts[
        (contracts["renewal_date"] >= contracts["t0"]) & (contracts["renewal_date"] <= today)
    ]
    renewed = due[due["status"].isin(["renewed", "expanded"])]
    successors = contracts[contracts["previous_id"].isin(due["contract_id"])]
    growth = (successors["arr"] - successors["previous_arr"]).clip(lower=0)
    rate = None if due.empty else round(100 * len(renewed) / len(due), 1)
    return {
        "renewals_due": len(due),
        "renewed": len(renewed),
        "renewal_rate": rate,
        "expanded_arr": int(growth.sum()) if not growth.empty else 0,
    }


@dataclass(frozen=True)
class Population:
    """What every control group is drawn from: each account's tier and the active accounts
    (read once for many programmes: `effect_health_outcome(people=…)` takes a function that
    reads it, called only when a control group is drawn)."""

    tiers: dict[int, str]
    active: set[int]


def population() -> Population:
    return Population(
        tiers=dict(AccountTier.objects.values_list("account_id", "tier").order_by()),
        active=integrations.active_account_ids(),
    )


def _groups(
    touches: pd.DataFrame, today: dt.date, people: Callable[[], Population] = population
) -> tuple[pd.DataFrame, pd.Series, pd.Series, pd.Series]:
    """The touches with their local day; each touched account's first day (`starts`), those
    at least WINDOW_DAYS ago (`matured`), and the control group with its pseudo start."""
    touches = touches.dropna(subset=["touched_at"])
    if not touches.empty:
        touches = touches.assign(
            day=pd.to_datetime(touches["touched_at"], utc=True)
            .dt.tz_convert(timezone.get_current_timezone())
            .dt.date
        )
    starts = (
        touches.groupby("account_id")["day"].min() if not touches.empty else pd.Series(dtype=object)
    )
    matured = starts[starts <= today - dt.timedelta(days=WINDOW_DAYS)] if len(starts) else starts
    return touches, starts, matured, _control_group(starts, matured, people)


def effect_health_outcome(
    *,
    touches: pd.DataFrame,
    now: dt.datetime | None = None,
    people: Callable[[], Population] = population,
) -> dict[str, dict[str, Any]]:
    """The health part of the outcome stage (touched and control accounts' scores before and
    30 days after their start), which is all the planner's measured value needs: it reads the
    touches, tiers, active accounts and scores only."""
    today = timezone.localdate(now or timezone.now())
    _touches, _starts, matured, control = _groups(touches, today, people)
    return {"touched": _health_change(matured, today), "control": _health_change(control, today)}


def effect_chain(*, touches: pd.DataFrame, now: dt.datetime | None = None) -> dict[str, Any]:
    """The four stages for a set of touches (account_id, touched_at, kind)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    touches, starts, matured, control = _groups(touches, today)
    activity = {
        "touches": len(touches),
        "accounts": int(touches["account_id"].nunique()) if not touches.empty else 0,
        "by_kind": {str(k): int(v) for k, v in touches["kind"].value_counts().items()}
        if not touches.empty
        else {},
    }
    first_day = min([*matured.tolist(), *control.tolist(), today]) - dt.timedelta(days=WINDOW_DAYS)
    done = integrations.milestones_completed(since=first_day)
    return {
        "activity": activity,
        "input": {
            "window_days": WINDOW_DAYS,
            "touched": _usage_change(matured),
            "control": _usage_change(control),
        },
        "outcome": {
            "touched": {
                **_health_change(matured, today),
                "milestones_reached": _milestones(done, matured),
            },
            "control": {
                **_health_change(control, today),
                "milestones_reached": _milestones(done, control),
            },
        },
        "impact": {"touched": _impact(starts, today), "control": _impact(control, today)},
    }


def _control_group(
    starts: pd.Series, matured: pd.Series, people: Callable[[], Population] = population
) -> pd.Series:
    """Comparable untouched accounts: same tiers as the touched ones, never touched, with
    the touched group's median first-touch day as their pseudo touch date."""
    if matured.empty:
        return pd.Series(dtype=object)
    drawn = people()
    tiers = drawn.tiers
    touched_tiers = {tiers.get(int(a)) for a in starts.index}
    pool = [a for a in drawn.active if a not in starts.index and tiers.get(a) in touched_tiers]
    ordinals = sorted(d.toordinal() for d in matured)
    median = dt.date.fromordinal(ordinals[len(ordinals) // 2])
    return pd.Series(median, index=pd.Index(sorted(pool), name="account_id"), dtype=object)


def program_effect(*, program: TouchProgram, now: dt.datetime | None = None) -> dict[str, Any]:
    return {
        "program_id": program.pk,
        **effect_chain(touches=program_touches(program=program), now=now),
    }


def rule_effect(*, rule: Rule, now: dt.datetime | None = None) -> dict[str, Any]:
    return {"rule_id": rule.pk, **effect_chain(touches=rule_touches(rule=rule), now=now)}
