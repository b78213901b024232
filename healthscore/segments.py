"""Segments on behaviour (Marketo: segment by what customers do, not by persona).

Rule keys registered with accounts' segments: each narrows the account queryset with one
aggregate subquery over the daily usage rollups or the daily scores, so a segment (and every
playbook rule or tier rule limited to it) is recomputed set-based whenever it is read.
Windows are "the D days ending today" in the tenant's local days, like the score's measures.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    Count,
    DateField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.extensions import RuleParam, SegmentRule, register_segment_rule
from accounts.models import Account

from .models import HealthScore, UsageDaily

MAX_DAYS = 365
DAYS = RuleParam("days", _("in the last (days)"), min_value=1, max_value=MAX_DAYS)


def _usage_in_window(days: int) -> QuerySet[UsageDaily]:
    today = timezone.localdate()
    return UsageDaily.objects.filter(day__gt=today - dt.timedelta(days=days), day__lte=today)


def apply_event_count(queryset: QuerySet[Account], value: dict[str, Any]) -> QuerySet[Account]:
    """Accounts with event `event` at least `at_least` times in the last `days` days."""
    counts = (
        _usage_in_window(value["days"])
        .filter(event=value["event"])
        .values("account_id")
        .annotate(n=Sum("count"))
        .filter(n__gte=value["at_least"])
        .values("account_id")
    )
    return queryset.filter(pk__in=counts)


def _active_days_clean(value: dict[str, Any]) -> None:
    if "at_least" not in value and "at_most" not in value:
        raise ValidationError(_("usage_active_days needs at_least or at_most (or both)."))
    if value.get("at_least", 0) > value.get("at_most", MAX_DAYS):
        raise ValidationError(_("usage_active_days: at_least must not exceed at_most."))


def apply_active_days(queryset: QuerySet[Account], value: dict[str, Any]) -> QuerySet[Account]:
    """Accounts active (any event) on at least / at most N of the last `days` days; an
    account with no usage at all has 0 active days."""
    per_account = (
        _usage_in_window(value["days"]).values("account_id").annotate(n=Count("day", distinct=True))
    )
    if "at_least" in value:
        queryset = queryset.filter(
            pk__in=per_account.filter(n__gte=value["at_least"]).values("account_id")
        )
    if "at_most" in value:
        queryset = queryset.exclude(
            pk__in=per_account.filter(n__gt=value["at_most"]).values("account_id")
        )
    return queryset


def apply_score_fell(queryset: QuerySet[Account], value: dict[str, Any]) -> QuerySet[Account]:
    """Accounts whose score of the tenant's latest scored day is at least `points` below their
    highest score of the `days` days before it.

    NOTE: the latest day is an uncorrelated subquery (computed once); each account's peak is
    a range scan of the (tenant, account, day) unique index."""
    latest_day = Subquery(HealthScore.objects.order_by("-day").values("day")[:1])
    since = ExpressionWrapper(
        latest_day - dt.timedelta(days=value["days"]), output_field=DateField()
    )
    peak = (
        HealthScore.objects.filter(account_id=OuterRef("account_id"), day__lt=latest_day)
        .filter(day__gte=since)
        .values("account_id")
        .annotate(peak=Max("score"))
        .values("peak")
    )
    fell = (
        HealthScore.objects.filter(day=latest_day)
        .annotate(peak=Subquery(peak))
        .filter(peak__gte=F("score") + value["points"])
        .values("account_id")
    )
    return queryset.filter(pk__in=fell)


RULES = [
    SegmentRule(
        key="usage_event_count",
        label=_("Event at least N times"),
        apply=apply_event_count,
        help_text=_("Accounts that sent this usage event at least N times in the last D days."),
        params=(
            RuleParam("event", _("event"), kind="str"),
            RuleParam("at_least", _("at least (times)"), min_value=1),
            DAYS,
        ),
    ),
    SegmentRule(
        key="usage_active_days",
        label=_("Active days"),
        apply=apply_active_days,
        help_text=_("Days with any usage event in the last D days: at least and/or at most."),
        params=(
            RuleParam("at_least", _("at least (days)"), min_value=0, required=False),
            RuleParam("at_most", _("at most (days)"), min_value=0, required=False),
            DAYS,
        ),
        clean=_active_days_clean,
    ),
    SegmentRule(
        key="health_score_fell",
        label=_("Health score fell"),
        apply=apply_score_fell,
        help_text=_("The latest score is at least N points below a score of the D days before."),
        params=(
            RuleParam("points", _("by at least (points)"), min_value=1, max_value=100),
            RuleParam("days", _("within (days)"), min_value=1, max_value=MAX_DAYS),
        ),
    ),
]


def register() -> None:
    for rule in RULES:
        register_segment_rule(rule)
