"""What a scorecard component measures (`Spec`), read from its definition: the engine's
vocabulary, shared by the measures, the scoring and the score explanations of the selectors
(which therefore do not import the measures, whose journey measure reads the selectors).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .measures_catalog import MEASURES

ATTAINMENT = "attainment"
JOURNEY_PROGRESS_BASES = ("on_time", ATTAINMENT)


@dataclass(frozen=True)
class Spec:
    """What to measure (one DataFrame column); components with equal specs share it."""

    measure: str
    days: int | None = None
    event: str | None = None
    basis: str | None = None  # journey_progress: None (on time) or "attainment"


def spec_of(component: dict[str, Any]) -> Spec:
    measure = component["measure"]
    params = component.get("params") or {}
    days = params.get("days", MEASURES[measure].default_days)
    event = params.get("event") if measure == "event_count" else None
    basis = (
        ATTAINMENT if measure == "journey_progress" and params.get("basis") == ATTAINMENT else None
    )
    return Spec(measure=measure, days=days, event=event, basis=basis)
