"""What healthscore adds to the accounts app's list, API filter and segment rules, what it
plugs into journeys (activities mark accounts for event-time scoring), and the extension point
it offers: listeners told which accounts were just rescored at event time.

    from healthscore.extensions import register_scores_now_listener

    def on_rescored(account_ids: list[int]) -> None: ...   # the tenant is in scope

    register_scores_now_listener(on_rescored)   # in AppConfig.ready()

touchmodel registers one to evaluate its rules for those accounts at once, instead of at night.
A listener that raises makes the event-time run leave its claim for a retry (rules are claimed
once per episode, so evaluating them again is harmless).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from accounts.extensions import (
    AccountListExtension,
    SegmentRule,
    register_list_extension,
    register_segment_rule,
)
from accounts.models import Account

from .models import Band, HealthScore, HealthScoreNow


def _latest(field: str) -> Subquery:
    return Subquery(
        HealthScore.objects.filter(account=OuterRef("pk")).order_by("-day").values(field)[:1]
    )


def _now(field: str) -> Subquery:
    """The intra-day score's `field`, while it is for a later day than the latest nightly."""
    newer_daily = HealthScore.objects.filter(account=OuterRef("account"), day__gte=OuterRef("day"))
    return Subquery(
        HealthScoreNow.objects.filter(account=OuterRef("pk"))
        .exclude(Exists(newer_daily))
        .values(field)[:1]
    )


def annotate_health(queryset: QuerySet[Account]) -> QuerySet[Account]:
    """`health_band` and `health_score`: each account's latest score; `health_now_score`,
    `health_now_band` and `health_now_at`: its intra-day score, if newer."""
    return queryset.annotate(
        health_band=_latest("band"),
        health_score=_latest("score"),
        health_now_score=_now("score"),
        health_now_band=_now("band"),
        health_now_at=_now("computed_at"),
    )


def _band_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Band.choices]


def filter_band(queryset: QuerySet[Account], value: Any) -> QuerySet[Account]:
    bands = value if isinstance(value, list) else [value]
    if "health_band" not in queryset.query.annotations:
        queryset = queryset.annotate(health_band=_latest("band"))
    return queryset.filter(health_band__in=[b for b in bands if b in Band.values])


# The account list's "score change" filter: the latest score against the last one at least
# SCORE_CHANGE_DAYS before it. Applied only when chosen (two correlated subqueries).
SCORE_CHANGE_DAYS = 30
SCORE_CHANGES = {
    "drop10": (None, -10),
    "drop5": (None, -5),
    "rise5": (5, None),
    "rise10": (10, None),
}


def _score_change_choices() -> list[tuple[str, str]]:
    return [
        ("drop10", str(_("Fell 10+ points in 30 days"))),
        ("drop5", str(_("Fell 5+ points in 30 days"))),
        ("rise5", str(_("Rose 5+ points in 30 days"))),
        ("rise10", str(_("Rose 10+ points in 30 days"))),
    ]


def filter_score_change(queryset: QuerySet[Account], value: Any) -> QuerySet[Account]:
    if value not in SCORE_CHANGES:
        return queryset.none()
    latest = HealthScore.objects.filter(account=OuterRef("pk")).order_by("-day")
    earlier = HealthScore.objects.filter(
        account=OuterRef("pk"),
        day__lte=OuterRef("score_change_latest_day") - dt.timedelta(days=SCORE_CHANGE_DAYS),
    ).order_by("-day")
    queryset = queryset.annotate(
        score_change_latest_day=Subquery(latest.values("day")[:1]),
        score_change_latest=Subquery(latest.values("score")[:1]),
    ).annotate(score_change_earlier=Subquery(earlier.values("score")[:1]))
    change = F("score_change_latest") - F("score_change_earlier")
    rise, fall = SCORE_CHANGES[value]
    if rise is not None:
        return queryset.alias(score_change=change).filter(score_change__gte=rise)
    return queryset.alias(score_change=change).filter(score_change__lte=fall)


ScoresNowListener = Callable[[list[int]], None]

_now_listeners: list[ScoresNowListener] = []


def register_scores_now_listener(fn: ScoresNowListener) -> None:
    if fn not in _now_listeners:
        _now_listeners.append(fn)


def unregister_scores_now_listener(fn: ScoresNowListener) -> None:
    if fn in _now_listeners:
        _now_listeners.remove(fn)


def scores_now_changed(*, account_ids: list[int]) -> None:
    for fn in list(_now_listeners):
        fn(list(account_ids))


# Timeline entries that cannot move a score or fire a rule: written by the scoring and the
# playbooks themselves, so marking on them would only loop.
_NOT_MARKING = {"health_alert", "tier_change", "task"}


def _on_activities(account_ids: set[int], kinds: set[str]) -> None:
    """journeys' timeline was written (phase change, milestone, meeting, article read …)."""
    if kinds - _NOT_MARKING:
        from .services.now import accounts_mark_dirty

        accounts_mark_dirty(account_ids=account_ids)


def _on_survey_response(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A survey answer (the survey measure) was saved or deleted."""
    from .services.now import accounts_mark_dirty

    accounts_mark_dirty(account_ids=[instance.account_id], tenant_id=instance.tenant_id)


def register() -> None:
    from django.db.models.signals import post_delete, post_save

    from journeys.extensions import register_activity_listener

    from .models import SurveyResponse
    from .segments import register as register_behaviour_rules

    register_activity_listener(_on_activities)
    post_save.connect(_on_survey_response, sender=SurveyResponse, dispatch_uid="health_survey_now")
    post_delete.connect(
        _on_survey_response, sender=SurveyResponse, dispatch_uid="health_survey_now_del"
    )
    register_behaviour_rules()
    register_list_extension(
        AccountListExtension(
            key="health_band",
            label=_("Health"),
            choices=_band_choices,
            apply=filter_band,
            annotate=annotate_health,
            template="healthscore/_band_cell.html",
            order=30,
        )
    )
    register_list_extension(
        AccountListExtension(
            key="score_change",
            label=_("Score change"),
            choices=_score_change_choices,
            apply=filter_score_change,
            order=35,
        )
    )
    register_segment_rule(
        SegmentRule(
            key="health_band",
            label=_("Health band"),
            apply=filter_band,
            help_text=_("Accounts whose latest health score is in one of these bands."),
            choices=_band_choices,
        )
    )
