"""The measures a scorecard component can use, and the schemes that turn values into points."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MeasureInfo:
    key: str
    label: str
    unit: str
    default_days: int | None


MEASURES: dict[str, MeasureInfo] = {
    m.key: m
    for m in [
        MeasureInfo("active_user_ratio", _("Active users / licensed seats (%)"), "%", 30),
        MeasureInfo("active_days", _("Active days"), "days", 30),
        MeasureInfo("feature_breadth", _("Key features used (%)"), "%", 30),
        MeasureInfo("usage_trend", _("Usage trend vs previous period (%)"), "%", 30),
        MeasureInfo("event_count", _("Count of an event"), "events", 7),
        MeasureInfo("relationship_coverage", _("Relationship coverage (%)"), "%", 90),
        MeasureInfo("engagement", _("Content views and seminar attendance"), "activities", 30),
        MeasureInfo("survey_score", _("Survey score (0–10)"), "points", 180),
        MeasureInfo("journey_progress", _("Journey milestones on time (%)"), "%", None),
        MeasureInfo("days_to_renewal", _("Days to renewal"), "days", None),
    ]
}

SCHEME_TYPES = ("ranges", "rag")
