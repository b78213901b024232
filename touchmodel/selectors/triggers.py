"""Which accounts a rule's trigger holds for right now, and the episode each belongs to.

Each function returns a DataFrame with columns account_id, episode_key, detail. The episode
key names one occurrence of the situation (this phase entry, this quiet spell, this renewal):
a rule fires at most once per account per episode.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import pandas as pd

from .. import integrations
from ..models import Attendance, Rule, SeminarRegistration, Trigger

COLUMNS = ["account_id", "episode_key", "detail"]
Candidates = Callable[[Rule, dt.datetime], pd.DataFrame]


def _why(kind: str, **params: Any) -> list[dict[str, Any]]:
    """Why the rule holds for each row, as data (`why` plus parameters): stored on the firing
    and put into words in the reader's language by `touchmodel.why.why_text`, never here.
    A parameter is a column (one value per row) or one value for every row."""
    columns = {k: v.tolist() for k, v in params.items() if isinstance(v, pd.Series)}
    fixed = {
        k: v for k, v in params.items() if not isinstance(v, pd.Series) and v not in ("", None)
    }
    rows = len(next(iter(columns.values()))) if columns else 0
    return [
        {"why": kind, **fixed, **{k: _plain(v[i]) for k, v in columns.items()}} for i in range(rows)
    ]


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS)


def _int(rule: Rule, name: str, default: int) -> int:
    try:
        return int(rule.params.get(name, default))
    except (TypeError, ValueError):
        return default


def _days(value: dt.timedelta) -> int:
    return int(value.total_seconds() // 86400)


def phase_entered(rule: Rule, now: dt.datetime) -> pd.DataFrame:
    phase_id = rule.params.get("phase_id")
    if phase_id in (None, ""):
        return _empty()
    since = now - dt.timedelta(days=_int(rule, "days", 7))
    frame = integrations.phase_entries()
    frame = frame[(frame["phase_id"] == int(phase_id)) & (frame["entered_at"] >= since)]
    if frame.empty:
        return _empty()
    dates = pd.to_datetime(frame["entered_at"], utc=True).dt.strftime("%Y-%m-%d")
    frame = frame.assign(
        episode_key="phase:" + str(int(phase_id)) + ":" + dates,
        detail=_why("phase_entered", on=dates),
    )
    return frame[COLUMNS]


def phase_stuck(rule: Rule, now: dt.datetime) -> pd.DataFrame:
    days = _int(rule, "days", 30)
    frame = integrations.phase_entries()
    phase_id = rule.params.get("phase_id")
    if phase_id not in (None, ""):
        frame = frame[frame["phase_id"] == int(phase_id)]
    frame = frame[frame["entered_at"] <= now - dt.timedelta(days=days)]
    if frame.empty:
        return _empty()
    entered = pd.to_datetime(frame["entered_at"], utc=True)
    in_phase = (pd.Timestamp(now) - entered).dt.days
    frame = frame.assign(
        episode_key="stuck:"
        + frame["phase_id"].astype(str)
        + ":"
        + entered.dt.strftime("%Y-%m-%d"),
        detail=_why("phase_stuck", days=in_phase.astype(int)),
    )
    return frame[COLUMNS]


# Rules evaluated at event time (`rules_evaluate(account_ids=…)`) look at a few accounts: the
# heavy read, a year of daily scores, is narrowed to them. A ContextVar keeps one signature
# for every trigger function; it is set only around `trigger_candidates`.
_only_accounts: ContextVar[list[int] | None] = ContextVar("trigger_accounts", default=None)


def _history(now: dt.datetime, days: int) -> pd.DataFrame:
    frame = integrations.health_history(
        since=(now - dt.timedelta(days=days)).date(), account_ids=_only_accounts.get()
    )
    return frame.sort_values(["account_id", "day"]) if not frame.empty else frame


def health_below(rule: Rule, now: dt.datetime) -> pd.DataFrame:
    threshold = _int(rule, "threshold", 50)
    history = _history(now, 365)
    if history.empty:
        return _empty()
    history = history.assign(low=history["score"] < threshold)
    latest = history.groupby("account_id").tail(1)
    low_now = latest[latest["low"]]
    if low_now.empty:
        return _empty()
    # The episode starts on the first low day after the last day at or above the threshold.
    history = history[history["account_id"].isin(low_now["account_id"])]
    history = history.assign(run=(~history["low"]).groupby(history["account_id"]).cumsum())
    last_run = history.groupby("account_id")["run"].transform("max")
    current = history[(history["run"] == last_run) & history["low"]]
    start = current.groupby("account_id")["day"].min()
    frame = low_now.assign(start=low_now["account_id"].map(start))
    frame = frame.assign(
        episode_key="below:" + str(threshold) + ":" + frame["start"].astype(str),
        detail=_why("health_below", score=frame["score"].round(0).astype(int), threshold=threshold),
    )
    return frame[COLUMNS]


def health_dropped(rule: Rule, now: dt.datetime) -> pd.DataFrame:
    points = _int(rule, "points", 15)
    window = _int(rule, "days", 30)
    history = _history(now, window)
    if history.empty:
        return _empty()
    latest = history.groupby("account_id").tail(1).set_index("account_id")
    peak_idx = history.groupby("account_id")["score"].idxmax()
    peak = history.loc[peak_idx].set_index("account_id")
    frame = latest.join(peak.add_suffix("_peak"))
    frame = frame[(frame["score_peak"] - frame["score"] >= points)].reset_index()
    if frame.empty:
        return _empty()
    drop = (frame["score_peak"] - frame["score"]).round(0).astype(int)
    frame = frame.assign(
        episode_key="drop:" + str(points) + ":" + frame["day_peak"].astype(str),
        detail=_why("health_dropped", points=drop, since=frame["day_peak"].astype(str)),
    )
    return frame[COLUMNS]


def no_activity(rule: Rule, now: dt.datetime) -> pd.DataFrame:
    days = _int(rule, "days", 30)
    facts = integrations.account_facts()
    last = integrations.last_activity_at()
    facts = facts.assign(last=facts["account_id"].map(last))
    facts["last"] = facts["last"].fillna(facts["created_at"])
    facts = facts[facts["last"] <= now - dt.timedelta(days=days)]
    if facts.empty:
        return _empty()
    last_at = pd.to_datetime(facts["last"], utc=True)
    facts = facts.assign(
        episode_key="quiet:" + last_at.dt.strftime("%Y-%m-%d"),
        detail=_why("no_activity", last=last_at.dt.strftime("%Y-%m-%d")),
    )
    return facts[COLUMNS]


def renewal_due(rule: Rule, now: dt.datetime) -> pd.DataFrame:
    today = now.date()
    frame = integrations.contracts_renewing(
        start=today, end=today + dt.timedelta(days=_int(rule, "days", 90))
    )
    if frame.empty:
        return _empty()
    frame = frame.sort_values("renewal_date").drop_duplicates("account_id")
    dates = frame["renewal_date"].astype(str)
    frame = frame.assign(
        episode_key="renewal:" + frame["contract_id"].astype(str) + ":" + dates,
        detail=_why("renewal_due", on=dates),
    )
    return frame[COLUMNS]


def milestone_overdue(rule: Rule, now: dt.datetime) -> pd.DataFrame:
    frame = integrations.overdue_milestones(as_of=now.date())
    if frame.empty:
        return _empty()
    frame = frame.assign(
        episode_key="milestone:" + frame["milestone_id"].astype(str),
        detail=_why("milestone_overdue", due=frame["due_date"].astype(str)),
    )
    return frame[COLUMNS]


def content_read(rule: Rule, now: dt.datetime) -> pd.DataFrame:
    """A contact of the account read Learn & Support in the last `days` (default 1).

    With `article` (a slug) or `section` (a section key, e.g. get-started) the rule watches
    that reading only, and fires once per account for it ("read the Get Started guide" →
    next step) however often it is read and whichever run sees it first; without either,
    once per account per day of reading.
    """
    since = now - dt.timedelta(days=_int(rule, "days", 1))
    slug, section = str(rule.params.get("article") or ""), str(rule.params.get("section") or "")
    watched = {"slug": slug} if slug else {"section": section} if section else None
    frame = integrations.activities_since(kinds=["content_view"], since=since, data=watched)
    if frame.empty:
        return _empty()
    frame = frame.sort_values("occurred_at")
    day = pd.to_datetime(frame["occurred_at"], utc=True).dt.strftime("%Y-%m-%d")
    if watched is None:
        frame = frame.assign(episode_key="read:" + day, detail=_why("content_read", on=day))
    else:
        what = f"article:{slug}" if slug else f"section:{section}"
        frame = frame.assign(
            episode_key="read:" + what,
            detail=_why("content_read", on=day, article=slug, section=section),
        )
    return frame.drop_duplicates(["account_id", "episode_key"])[COLUMNS]


def _seminar(attendance: str) -> Candidates:
    def candidates(rule: Rule, now: dt.datetime) -> pd.DataFrame:
        since = now - dt.timedelta(days=_int(rule, "days", 7))
        rows = (
            SeminarRegistration.objects.filter(
                attendance=attendance,
                attendance_recorded_at__gte=since,
                account__isnull=False,
            )
            .values_list("account_id", "seminar_id")
            .order_by()
            .distinct()
        )
        frame = pd.DataFrame.from_records(list(rows), columns=["account_id", "seminar_id"])
        if frame.empty:
            return _empty()
        frame = frame.assign(
            episode_key="seminar:" + frame["seminar_id"].astype(str),
            detail=_why(f"seminar_{attendance}", seminar=frame["seminar_id"].astype(int)),
        )
        return frame[COLUMNS]

    return candidates


def executive_contact(rule: Rule, now: dt.datetime) -> pd.DataFrame:
    since = now - dt.timedelta(days=_int(rule, "days", 7))
    frame = integrations.executive_contacts_since(since=since)
    if frame.empty:
        return _empty()
    frame = frame.assign(
        episode_key="contact:" + frame["contact_id"].astype(str),
        detail=_why("executive_contact", contact=frame["contact_id"].astype(int)),
    )
    return frame[COLUMNS]


TRIGGERS: dict[str, Candidates] = {
    Trigger.PHASE_ENTERED: phase_entered,
    Trigger.PHASE_STUCK: phase_stuck,
    Trigger.HEALTH_BELOW: health_below,
    Trigger.HEALTH_DROPPED: health_dropped,
    Trigger.NO_ACTIVITY: no_activity,
    Trigger.RENEWAL_DUE: renewal_due,
    Trigger.MILESTONE_OVERDUE: milestone_overdue,
    Trigger.CONTENT_READ: content_read,
    Trigger.SEMINAR_ATTENDED: _seminar(Attendance.ATTENDED),
    Trigger.SEMINAR_MISSED: _seminar(Attendance.MISSED),
    Trigger.EXECUTIVE_CONTACT: executive_contact,
}


def trigger_candidates(
    *, rule: Rule, now: dt.datetime, account_ids: list[int] | None = None
) -> pd.DataFrame:
    """The rule's candidates now (only among `account_ids` when given)."""
    token = _only_accounts.set(None if account_ids is None else list(account_ids))
    try:
        frame = TRIGGERS[rule.trigger](rule, now)
    finally:
        _only_accounts.reset(token)
    if account_ids is not None:
        frame = frame[frame["account_id"].isin(account_ids)]
    return frame.drop_duplicates(["account_id", "episode_key"]).reset_index(drop=True)
