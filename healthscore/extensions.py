"""What healthscore adds to the accounts app's list, API filter and segment rules."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from accounts.extensions import (
    AccountListExtension,
    SegmentRule,
    register_list_extension,
    register_segment_rule,
)
from accounts.models import Account

from .models import Band, HealthScore


def _latest(field: str) -> Subquery:
    return Subquery(
        HealthScore.objects.filter(account=OuterRef("pk")).order_by("-day").values(field)[:1]
    )


def annotate_health(queryset: QuerySet[Account]) -> QuerySet[Account]:
    """`health_band` and `health_score`: each account's latest score."""
    return queryset.annotate(health_band=_latest("band"), health_score=_latest("score"))


def _band_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Band.choices]


def filter_band(queryset: QuerySet[Account], value: Any) -> QuerySet[Account]:
    bands = value if isinstance(value, list) else [value]
    if "health_band" not in queryset.query.annotations:
        queryset = queryset.annotate(health_band=_latest("band"))
    return queryset.filter(health_band__in=[b for b in bands if b in Band.values])


def register() -> None:
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
    register_segment_rule(
        SegmentRule(
            key="health_band",
            label=_("Health band"),
            apply=filter_band,
            help_text=_("Accounts whose latest health score is in one of these bands."),
            choices=_band_choices,
        )
    )
