"""Alerts: a drop of N points within the window, or a move into red; once per episode.

An episode opens when the condition becomes true and stays open (one open `HealthAlert` per
account and kind, enforced by a partial unique index) until the condition is false on a later
recompute: red ends when the band is no longer red; a drop ends when the score is no longer N
points under the window's peak. Only opening an episode writes to the timeline and creates a
task for the owner CSM, so a nightly re-run or a second night in red stays silent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from django.db import connection, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.selectors import account_webhook_refs
from cs_platform.scoping import require_current_tenant
from cs_platform.writes import model_update
from journeys.services import TaskSpec, activity_record_bulk, task_create_bulk
from webhooks.services import (
    HEALTH_ALERT_OPENED,
    HEALTH_BAND_CHANGED,
    webhook_events_raise,
    webhook_subscribed,
)

from ..models import AlertKind, HealthAlert, HealthScore, HealthSettings


def health_settings_get() -> HealthSettings:
    settings, _created = HealthSettings.objects.get_or_create(tenant=require_current_tenant())
    return settings


@transaction.atomic
def health_settings_update(*, data: dict[str, Any]) -> HealthSettings:
    """Change the tenant's alert settings (the fields given)."""
    return model_update(instance=health_settings_get(), data=data)


# The scores of `day` and each account's peak over the window before it, in one pass over the
# window's scores, grouped by account.
# NOTE: the plan must not depend on the statistics. Right after a recompute has written a new
# day, the planner's histogram ends the day before: it expects ~1 row for `day = %(day)s`. A
# join of the day's scores to an aggregate of the window then ran as a nested loop that re-ran
# the aggregate for each of 100,000 accounts (minutes, issue #16). A single grouped scan has
# nothing to mis-order: index or sequential scan, then one aggregate.
FRAME_SQL = (
    "SELECT account_id, max(score) FILTER (WHERE day = %(day)s) AS score,"
    " max(band) FILTER (WHERE day = %(day)s) AS band,"
    " max(score) FILTER (WHERE day < %(day)s) AS peak"
    " FROM healthscore_healthscore"
    " WHERE tenant_id = %(tenant)s AND day >= %(first)s AND day <= %(day)s"
    " GROUP BY account_id HAVING count(*) FILTER (WHERE day = %(day)s) > 0"
)


def frame_params(*, day: dt.date, window: int) -> dict[str, Any]:
    return {"tenant": require_current_tenant().pk, "day": day, "first": day - dt.timedelta(window)}


def _frame(*, day: dt.date, window: int) -> pd.DataFrame:
    with connection.cursor() as cursor:
        cursor.execute(FRAME_SQL, frame_params(day=day, window=window))
        rows = cursor.fetchall()
    frame = pd.DataFrame(rows, columns=["account_id", "score", "band", "peak"])
    return frame.set_index("account_id")


def _notify(alerts: list[HealthAlert], *, due_days: int) -> None:
    """One timeline entry and one task for the owner CSM per alert, set-based."""
    if not alerts:
        return
    tenant = require_current_tenant()
    # NOTE: stored texts (the task title, the entry's fallback title) are written in the
    # tenant's language, not the worker's; the timeline words its entry for each reader.
    with translation.override(tenant.default_language):
        _notify_in_language(alerts, due_days=due_days, tz=tenant.tzinfo)


def alert_title(*, kind: str, score: float, previous: float | None) -> str:
    if kind == AlertKind.RED:
        return _("Health moved into red (%(score).0f)") % {"score": score}
    return _("Health dropped %(drop).0f points to %(score).0f") % {
        "drop": (previous or score) - score,
        "score": score,
    }


def alert_task_description() -> str:
    """A health-alert task's description in the active language."""
    return _("Check in with the customer and review the health explanation.")


def _notify_in_language(alerts: list[HealthAlert], *, due_days: int, tz: Any) -> None:
    activities: list[dict] = []
    tasks: list[TaskSpec] = []
    for alert in alerts:
        title = alert_title(kind=alert.kind, score=alert.score, previous=alert.previous_score)
        activities.append(
            {
                "account_id": alert.account_id,
                "kind": "health_alert",
                "title": title,
                "occurred_at": dt.datetime.combine(alert.opened_on, dt.time(2), tzinfo=tz),
                "data": {
                    "kind": alert.kind,
                    "score": alert.score,
                    "previous": alert.previous_score,
                    "episode": alert.episode_key,
                },
                "source_key": f"health-alert:{alert.episode_key}",
            }
        )
        tasks.append(
            {
                "account_id": alert.account_id,
                "title": title,
                "due_date": alert.opened_on + dt.timedelta(days=due_days),
                "description": alert_task_description(),
                "source_key": f"health-alert-task:{alert.episode_key}",
                "origin": "health_alert",
                "kind": "health_alert",
                "data": {
                    "kind": alert.kind,
                    "score": alert.score,
                    "previous": alert.previous_score,
                },
            }
        )
    activity_record_bulk(rows=activities)
    task_create_bulk(specs=tasks)
    _raise_webhooks(alerts)


def _raise_webhooks(alerts: list[HealthAlert]) -> None:
    """health.alert_opened for each alert (nothing is built when nobody subscribed)."""
    if not webhook_subscribed(event_type=HEALTH_ALERT_OPENED):
        return
    refs = account_webhook_refs(ids={a.account_id for a in alerts})
    webhook_events_raise(
        event_type=HEALTH_ALERT_OPENED,
        items=[
            {
                "account": refs[a.account_id],
                "alert_id": a.pk,
                "kind": a.kind,
                "score": a.score,
                "previous_score": a.previous_score,
                "day": a.opened_on,
            }
            for a in alerts
        ],
        dedup_keys=[f"alert:{a.episode_key}" for a in alerts],
    )


def _raise_band_changes(day: dt.date) -> None:
    """health.band_changed for accounts whose band on `day` differs from their previous
    score's (once per account and day, however often the day is evaluated)."""
    if not webhook_subscribed(event_type=HEALTH_BAND_CHANGED):
        return
    previous = HealthScore.objects.filter(account_id=OuterRef("account_id"), day__lt=day)
    rows = list(
        HealthScore.objects.filter(day=day)
        .annotate(previous_band=Subquery(previous.order_by("-day").values("band")[:1]))
        .filter(previous_band__isnull=False)
        .exclude(previous_band=F("band"))
        .values("account_id", "score", "band", "previous_band")
    )
    if not rows:
        return
    refs = account_webhook_refs(ids={r["account_id"] for r in rows})
    webhook_events_raise(
        event_type=HEALTH_BAND_CHANGED,
        items=[
            {
                "account": refs[r["account_id"]],
                "previous_band": r["previous_band"],
                "band": r["band"],
                "score": r["score"],
                "day": day,
            }
            for r in rows
        ],
        dedup_keys=[f"band:{r['account_id']}:{day.isoformat()}" for r in rows],
    )


@transaction.atomic
def alerts_evaluate(*, day: dt.date) -> list[HealthAlert]:
    """Open and close alert episodes from the scores of `day`; returns the alerts opened."""
    _raise_band_changes(day)
    settings = health_settings_get()
    frame = _frame(day=day, window=settings.drop_window_days)
    if frame.empty:
        return []
    dropping = (frame["peak"] - frame["score"]) >= settings.drop_points
    red = frame["band"] == "red"
    conditions = {AlertKind.DROP: dropping}
    if settings.alert_on_red:
        conditions[AlertKind.RED] = red
    open_alerts = HealthAlert.objects.filter(resolved_on__isnull=True, opened_on__lte=day)
    for kind, condition in [(AlertKind.DROP, dropping), (AlertKind.RED, red)]:
        ended = [int(a) for a in frame.index[~condition]]
        open_alerts.filter(kind=kind, account_id__in=ended).update(resolved_on=day)
    opened: list[HealthAlert] = []
    for kind, condition in conditions.items():
        candidates = frame[condition]
        already = set(
            open_alerts.filter(
                kind=kind, account_id__in=[int(a) for a in candidates.index]
            ).values_list("account_id", flat=True)
        )
        new = candidates[~candidates.index.isin(list(already))]
        opened += [
            HealthAlert(
                account_id=int(account_id),
                kind=kind,
                episode_key=f"{kind}:{account_id}:{day.isoformat()}",
                opened_on=day,
                score=float(row.score),
                previous_score=None if pd.isna(row.peak) else float(row.peak),
            )
            for account_id, row in new.iterrows()
        ]
    HealthAlert.objects.bulk_create(opened, ignore_conflicts=True)
    fresh = list(
        HealthAlert.objects.filter(
            episode_key__in=[a.episode_key for a in opened], notified_at__isnull=True
        )
    )
    _notify(fresh, due_days=settings.task_due_days)
    HealthAlert.objects.filter(pk__in=[a.pk for a in fresh]).update(notified_at=timezone.now())
    return fresh
