"""Reads of health scores: current, history, trend, explanation, bulk windows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from accounts.models import Account
from cs_platform.datacache import page_cached
from cs_platform.leanread import lean_model, lean_rows
from cs_platform.requestmemo import request_memoized
from cs_platform.scoping import require_current_tenant

from ..engine.measures_catalog import MEASURES
from ..engine.scoring import effective_weights
from ..engine.specs import spec_of
from ..models import HealthScore, HealthScoreNow, LatestScore, Scorecard, ScorecardVersion

TREND_DAYS = (7, 30, 90)


@dataclass(frozen=True)
class EngagementWindow:
    """The days the engagement measure counts for an account: `days` whole days of the
    tenant's calendar ending today, from `since`."""

    days: int
    since: dt.datetime


def engagement_default_days() -> int:
    """The engagement measure's window when no scorecard version says another."""
    return MEASURES["engagement"].default_days or 30


def engagement_window(*, account: Account, today: dt.date | None = None) -> EngagementWindow:
    """The window of the engagement measure in the scorecard version that scored the account
    last (its default when the account has no score or the version no such component): the
    pages that show reading or seminars "lately" use it, so they agree with the score.
    NOTE: `junkan_engagement_days` (healthscore 0038) works out the same days in SQL."""
    days = engagement_default_days()
    score = health_current(account=account)
    if score is not None:
        for component in score.version.definition.get("components") or []:
            if component.get("measure") == "engagement":
                days = spec_of(component).days or days
                break
    today = today or timezone.localdate()
    start = today - dt.timedelta(days=days - 1)
    since = dt.datetime(start.year, start.month, start.day, tzinfo=timezone.get_current_timezone())
    return EngagementWindow(days=days, since=since)


def health_latest_day() -> dt.date | None:
    """The most recent day the tenant has scores for (read once per page view, and kept for
    page views under the data version, which the scores raise)."""
    return request_memoized(
        "healthscore.health_latest_day",
        lambda: page_cached(
            "healthscore.health_latest_day",
            lambda: HealthScore.objects.aggregate(d=Max("day"))["d"],
        ),
    )


def health_now_newest() -> dt.datetime | None:
    """When the tenant's newest intra-day score was computed (None: it has none). Intra-day
    scores do not raise the data version (they are written at event time), so caches of what
    they change are keyed by this too."""
    rows = lean_rows(  # every portfolio view asks: SQL, not the ORM (cs_platform.leanread)
        f"SELECT max(computed_at) AS t FROM {HealthScoreNow._meta.db_table}"
        " WHERE tenant_id = %(tenant)s"
    )
    return rows[0]["t"]


def health_current(*, account: Account) -> HealthScore | None:
    """The account's latest score (read once per page view: `cs_platform.requestmemo`)."""
    return health_current_of(account_id=account.pk)


def health_current_of(*, account_id: int) -> HealthScore | None:
    """`health_current` by the account's id (the same value, read once per page view, with
    the intra-day score: `_latest_and_now`)."""
    return _latest_and_now(account_id)[0]


def health_score_on(*, account: Account, day: dt.date) -> HealthScore | None:
    """The score of `day`, or the latest one before it."""
    return _score_of(account.pk, day)


# The score with its version and the version's scorecard (its id and name; the rest deferred),
# written as SQL (cs_platform.leanread): an explanation reads two of these. Account 360 reads
# its scores in junkan_account_health (healthscore 0030, 0034) instead.
_SCORE_SQL = """
SELECT s.id, s.tenant_id, s.account_id, s.day, s.version_id, s.score, s.band, s.components,
       s.computed_at, v.id AS version__id, v.tenant_id AS version__tenant_id,
       v.scorecard_id AS version__scorecard_id, v.number AS version__number,
       v.definition AS version__definition, v.published_at AS version__published_at,
       v.published_by_id AS version__published_by_id, c.id AS scorecard__id,
       c.tenant_id AS scorecard__tenant_id, c.name AS scorecard__name
FROM healthscore_healthscore s
JOIN healthscore_scorecardversion v ON v.id = s.version_id
JOIN healthscore_scorecard c ON c.id = v.scorecard_id
WHERE s.tenant_id = %(tenant)s AND s.account_id = %(account)s {day}
ORDER BY s.day DESC LIMIT 1
"""


def _score_of(account_id: int, day: dt.date | None) -> HealthScore | None:
    """The account's latest score, on or before `day` when given."""
    rows = lean_rows(
        _SCORE_SQL.format(day="AND s.day <= %(day)s" if day is not None else ""),
        {"account": account_id, "day": day},
    )
    if not rows:
        return None
    return _score_from(rows[0])


def _score_from(row: dict[str, Any]) -> HealthScore:
    """A score row of `_SCORE_SQL` as the score with its version and scorecard."""
    score = lean_model(HealthScore, row)
    version = lean_model(ScorecardVersion, row, "version__")
    version.scorecard = lean_model(Scorecard, row, "scorecard__")
    score.version = version
    return score


# The account's latest score as `_SCORE_SQL` reads it and its intra-day row, in one statement:
# every Account 360 view shows both in its header (issue #16).
_NOW_COLUMNS = (
    "id",
    "tenant_id",
    "account_id",
    "day",
    "version_id",
    "score",
    "band",
    "components",
    "computed_at",
)
_LATEST_AND_NOW_SQL = f"""
SELECT latest.*, {", ".join(f"n.{c} AS now__{c}" for c in _NOW_COLUMNS)}
FROM (SELECT 1) one
LEFT JOIN LATERAL ({_SCORE_SQL.format(day="")}) latest ON true
LEFT JOIN healthscore_healthscorenow n
  ON n.tenant_id = %(tenant)s AND n.account_id = %(account)s
"""


def _latest_and_now(account_id: int) -> tuple[HealthScore | None, HealthScoreNow | None]:
    """The account's latest nightly score and its intra-day row (whatever its day), read once
    per page view (by the page's announced health read, when there is one)."""
    ahead = request_memoized(("healthscore.latest_and_now_ahead", account_id), lambda: None)
    if ahead is not None:
        ahead()  # it keeps what it found (`latest_and_now_read`)

    def read() -> tuple[HealthScore | None, HealthScoreNow | None]:
        row = lean_rows(_LATEST_AND_NOW_SQL, {"account": account_id})[0]
        score = _score_from(row) if row["id"] is not None else None
        now = lean_model(HealthScoreNow, row, "now__") if row["now__id"] is not None else None
        return score, now

    return request_memoized(("healthscore.latest_and_now", account_id), read)


def latest_and_now_ahead(account_id: int, read: Callable[[], object]) -> None:
    """A read this page view will make that finds `_latest_and_now` (and keeps it with
    `latest_and_now_read`): asked for instead of a statement of its own."""
    request_memoized(("healthscore.latest_and_now_ahead", account_id), lambda: read)


def latest_and_now_read(
    account_id: int, score: HealthScore | None, now: HealthScoreNow | None
) -> None:
    """What another read of this page view found for `_latest_and_now` (the account's
    latest nightly score and its intra-day row): kept for the page view's later calls."""
    request_memoized(("healthscore.latest_and_now", account_id), lambda: (score, now))


def health_trend(*, account: Account, current: HealthScore | None = None) -> dict[str, Any]:
    """Score change over 7 / 30 / 90 days: {"7": {"score": 61.0, "change": -4.5}, …}."""
    current = current or health_current(account=account)
    if current is None:
        return {str(d): None for d in TREND_DAYS}
    days = [current.day - dt.timedelta(days=d) for d in TREND_DAYS]
    past = dict(
        HealthScore.objects.filter(account=account, day__in=days).values_list("day", "score")
    )
    result: dict[str, Any] = {}
    for d, day in zip(TREND_DAYS, days, strict=True):
        then = past.get(day)
        result[str(d)] = (
            None if then is None else {"score": then, "change": round(current.score - then, 2)}
        )
    return result


def health_history(
    *, account: Account, days: int = 90, until: dt.date | None = None
) -> list[dict[str, Any]]:
    """Daily scores, oldest first; `version_changed` marks the days a new scorecard version
    took effect, so a chart can tell a weight change from a customer change."""
    until = until or timezone.localdate()
    rows = lean_rows(
        "SELECT s.day, s.score, s.band, s.version_id, v.number AS version__number,"
        " v.scorecard_id AS version__scorecard_id FROM healthscore_healthscore s"
        " JOIN healthscore_scorecardversion v ON v.id = s.version_id"
        " WHERE s.tenant_id = %(tenant)s AND s.account_id = %(account)s"
        " AND s.day > %(since)s AND s.day <= %(until)s ORDER BY s.day",
        {"account": account.pk, "since": until - dt.timedelta(days=days), "until": until},
    )
    return history_from(rows)


def history_from(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`health_history`'s days from its rows (day, score, band, version_id, version__number,
    version__scorecard_id), oldest first."""
    history = []
    previous = None
    for row in rows:
        history.append(
            {
                "day": row["day"],
                "score": row["score"],
                "band": row["band"],
                "version": row["version__number"],
                "scorecard": row["version__scorecard_id"],
                "version_changed": previous is not None and previous != row["version_id"],
            }
        )
        previous = row["version_id"]
    return history


def _components(score: HealthScore) -> list[dict[str, Any]]:
    definition = score.version.definition
    groups = {g["key"]: g for g in definition.get("groups") or []}
    weights = effective_weights(definition)
    out = []
    for comp in definition["components"]:
        stored = score.components.get(comp["key"]) or {}
        points = stored.get("points")
        weight = stored.get("weight", weights[comp["key"]])
        measure = MEASURES.get(comp["measure"])
        out.append(
            {
                "key": comp["key"],
                "label": comp.get("label") or (str(measure.label) if measure else comp["key"]),
                "measure": comp["measure"],
                "unit": measure.unit if measure else "",
                "group": comp.get("group"),
                "group_label": (groups.get(comp.get("group")) or {}).get("label"),
                "value": stored.get("value"),
                "points": points,
                "weight": weight,
                "contribution": _contribution(points, weight),
            }
        )
    return out


def _contribution(points: float | None, weight: float) -> float | None:
    return None if points is None else round(points * weight / 100, 2)


def _values_then(score: HealthScore) -> dict[str, tuple[Any, float | None]]:
    """What `explanation_of` compares of the earlier score: each component's (value,
    contribution) by key, as `_components` has them (without their labels and units)."""
    definition = score.version.definition
    weights = effective_weights(definition)
    then = {}
    for comp in definition["components"]:
        key = comp["key"]
        stored = score.components.get(key) or {}
        then[key] = (
            stored.get("value"),
            _contribution(stored.get("points"), stored.get("weight", weights[key])),
        )
    return then


def health_explanation(*, account: Account, day: dt.date | None = None) -> dict[str, Any] | None:
    """The score, each component's value, points and contribution, and what moved most
    since 30 days ago (by contribution; components are matched by their stable key)."""
    score = health_score_on(account=account, day=day) if day else health_current(account=account)
    if score is None:
        return None
    before = health_score_on(account=account, day=score.day - dt.timedelta(days=EXPLAINED_SINCE))
    return explanation_of(score, before)


# The explanation compares a score with the one of this many days before (or the latest
# before that); `junkan_account_health` (healthscore 0030) reads it so.
EXPLAINED_SINCE = 30


def explanation_of(score: HealthScore, before: HealthScore | None) -> dict[str, Any]:
    """`health_explanation` of `score`, compared with `before` (its score on or before
    `EXPLAINED_SINCE` days earlier, None if none)."""
    components = _components(score)
    movers = []
    if before is not None and before.day < score.day:
        then = _values_then(before)
        for comp in components:
            value_then, contribution_then = then.get(comp["key"], (None, None))
            if comp["contribution"] is None or contribution_then is None:
                continue
            movers.append(
                {
                    "key": comp["key"],
                    "label": comp["label"],
                    "value_then": value_then,
                    "value_now": comp["value"],
                    "contribution_change": round(comp["contribution"] - contribution_then, 2),
                }
            )
        movers.sort(key=lambda m: abs(m["contribution_change"]), reverse=True)
    return {
        "day": score.day,
        "score": score.score,
        "band": score.band,
        "scorecard": {"id": score.version.scorecard_id, "name": score.version.scorecard.name},
        "version": score.version.number,
        "components": components,
        "compared_with": before.day if before is not None and before.day < score.day else None,
        "score_then": before.score if before is not None and before.day < score.day else None,
        "moved_most": movers,
    }


def health_latest_by_account(*, account_ids: list[int] | None = None) -> dict[int, dict]:
    """{account_id: {"score", "band", "day"}} from each account's latest score (one query)."""
    day = health_latest_day()
    if day is None:
        return {}
    queryset = HealthScore.objects.filter(day=day)
    if account_ids is not None:
        queryset = queryset.filter(account_id__in=account_ids)
    return {
        row["account_id"]: {"score": row["score"], "band": row["band"], "day": day}
        for row in queryset.values("account_id", "score", "band")
    }


def _now_rows() -> Any:
    """Intra-day scores for a later day than the account's latest nightly score (a nightly
    score of the same day or later is authoritative and supersedes them)."""
    newer_daily = HealthScore.objects.filter(account=OuterRef("account"), day__gte=OuterRef("day"))
    return HealthScoreNow.objects.exclude(Exists(newer_daily))


def health_scores_between(
    *,
    start: dt.date,
    end: dt.date | None = None,
    account_ids: list[int] | None = None,
    with_now: bool = False,
) -> list[tuple[int, dt.date, float]]:
    """(account_id, day, score) of every scored day with start <= day <= end (no end: to
    the latest). `with_now`: each account's intra-day score ("now") counts as the score of
    its day where the nightly has not scored that day yet (what rules evaluated at event time
    read, so the same episode gets the same key at event time and at night)."""
    queryset = HealthScore.objects.filter(day__gte=start)
    if end is not None:
        queryset = queryset.filter(day__lte=end)
    if account_ids is not None:
        queryset = queryset.filter(account_id__in=account_ids)
    rows = list(queryset.values_list("account_id", "day", "score").order_by())
    if with_now:
        now = _now_rows().filter(day__gte=start)
        if end is not None:
            now = now.filter(day__lte=end)
        if account_ids is not None:
            now = now.filter(account_id__in=account_ids)
        rows += list(now.values_list("account_id", "day", "score").order_by())
    return rows


def health_now(*, account: Account) -> HealthScoreNow | None:
    """The account's intra-day score, while it is newer than its latest nightly score (read
    once per page view)."""
    return health_now_of(account_id=account.pk)


def health_now_of(*, account_id: int) -> HealthScoreNow | None:
    """`health_now` by the account's id: its one intra-day row, unless its latest nightly
    score (read once per page view, as the header shows it) is of the same day or later."""

    nightly, now = _latest_and_now(account_id)
    if now is None:
        return None
    return now if nightly is None or nightly.day < now.day else None


def health_now_by_account(*, account_ids: list[int] | None = None) -> dict[int, dict[str, Any]]:
    """{account_id: {"score", "band", "day", "computed_at"}} of the intra-day scores that are
    newer than the accounts' latest nightly scores (one query)."""
    queryset = _now_rows()
    if account_ids is not None:
        queryset = queryset.filter(account_id__in=account_ids)
    return {
        row["account_id"]: row
        for row in queryset.values("account_id", "score", "band", "day", "computed_at")
    }


def health_current_scores(*, account_ids: list[int] | None = None) -> dict[int, float]:
    """{account_id: score}: each account's intra-day ("now") score while newer than its latest
    nightly one, else its score of the tenant's latest scored day (none if it was not scored
    that day). Tuples, from the one-row-per-account LatestScore: the portfolio reads every
    account's, and that day's rows lie scattered through the score history."""
    day = health_latest_day()
    scores: dict[int, float] = {}
    if day is not None:
        nightly = LatestScore.objects.filter(day=day)
        if account_ids is not None:
            nightly = nightly.filter(account_id__in=account_ids)
        scores.update(nightly.values_list("account_id", "score").order_by())
    now = _now_rows()
    if account_ids is not None:
        now = now.filter(account_id__in=account_ids)
    scores.update(now.values_list("account_id", "score").order_by())
    return scores


def health_scores_at(
    *, points: dict[int, tuple[dt.date, dt.date]]
) -> list[tuple[int, float | None, float | None]]:
    """(account_id, before, after): each account's latest score on or before each of its two
    days `points[account_id] = (day_before, day_after)` (None where it has none yet)."""
    if not points:
        return []
    ids = list(points)
    table = HealthScore._meta.db_table
    latest = (
        f"(SELECT h.score FROM {table} h WHERE h.tenant_id = %s AND h.account_id = s.account_id "
        "AND h.day <= s.{col} ORDER BY h.day DESC LIMIT 1)"
    )
    sql = (
        f"SELECT s.account_id, {latest.format(col='t0')} AS before, "
        f"{latest.format(col='t1')} AS after "
        "FROM unnest(%s::bigint[], %s::date[], %s::date[]) AS s(account_id, t0, t1)"
    )
    tenant_id = require_current_tenant().pk
    params: list[Any] = [
        tenant_id,
        tenant_id,
        ids,
        [points[a][0] for a in ids],
        [points[a][1] for a in ids],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
