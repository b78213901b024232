"""What a scorecard draft would do if published now: same pipeline, nothing written."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cs_platform.scoping import require_current_tenant

from ..engine.measures import measure_frame, spec_of
from ..engine.scoring import effective_weights, score_frame
from ..models import Scorecard
from ..selectors import health_latest_day
from .recompute import accounts_frame, recompute_plan, scorecard_assign, scorecards_in_force
from .scorecards import scorecard_definition_validate

DRAFT = -1


def scorecard_preview(
    *, scorecard: Scorecard, definition: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Score distribution of the accounts this scorecard would apply to, and what changes
    against the published version.

    NOTE: the published version is scored here too, on the same accounts, data and day as the
    draft: comparing the draft with the stored scores would mix the weight change with
    whatever data arrived since the last recompute. `components` says why accounts move: each
    component's average contribution (points × weight) under both definitions."""
    tenant = require_current_tenant()
    definition = scorecard_definition_validate(
        definition=definition if definition is not None else scorecard.draft
    )
    current = scorecard.current_version.definition if scorecard.current_version else None
    day = health_latest_day()
    as_of = day or pd.Timestamp.now(tz=tenant.tzinfo).date()
    cards = scorecards_in_force(including=scorecard)
    specs = {spec_of(c) for c in definition["components"]}
    if current is not None:
        specs |= {spec_of(c) for c in current["components"]}
    parts, before_parts = [], []
    cache: dict[str, Any] = {}
    for first_id, last_id in recompute_plan():
        accounts = accounts_frame(first_id, last_id)
        assigned = scorecard_assign(
            accounts=accounts, scorecards=cards, version_of={scorecard.pk: DRAFT}
        )
        mine = accounts[assigned == DRAFT]
        if mine.empty:
            continue
        measures = measure_frame(
            tenant_id=tenant.pk,
            tz=tenant.tzinfo,
            accounts=mine,
            as_of=as_of,
            specs=specs,
            cache=cache,
        )
        parts.append(score_frame(measures, definition))
        if current is not None:
            before_parts.append(score_frame(measures, current))
    scores = pd.concat(parts) if parts else pd.DataFrame(columns=["score", "band"])
    before = pd.concat(before_parts) if before_parts else None
    if before is not None:
        changed = before["band"] != scores["band"]
        transitions = (
            pd.DataFrame({"from": before["band"][changed], "to": scores["band"][changed]})
            .value_counts()
            .to_dict()
        )
    else:
        changed, transitions = pd.Series(False, index=scores.index), {}
    histogram, _edges = np.histogram(scores["score"].astype(float), bins=10, range=(0, 100))
    return {
        "as_of": as_of,
        "accounts": len(scores),
        "average": _mean(scores["score"]),
        "average_published": _mean(before["score"]) if before is not None else None,
        "compared_with": "published" if before is not None else None,
        "distribution": {
            band: int((scores["band"] == band).sum()) for band in ("green", "amber", "red")
        },
        "histogram": [
            {"from": i * 10, "to": i * 10 + 10, "accounts": int(n)} for i, n in enumerate(histogram)
        ],
        "band_changes": int(changed.sum()),
        "transitions": [
            {"from": f, "to": t, "accounts": int(n)} for (f, t), n in sorted(transitions.items())
        ],
        "components": _contributions(scores, definition, before, current),
    }


def _mean(values: pd.Series) -> float | None:
    return round(float(values.mean()), 2) if len(values) else None


def _contributions(
    draft_scores: pd.DataFrame,
    draft: dict[str, Any],
    published_scores: pd.DataFrame | None,
    published: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """Per component: the average points it adds to the score (points × share of the whole)
    under the published version and the draft; the differences add up to the average's move."""

    def average(frame: pd.DataFrame | None, definition: dict[str, Any] | None) -> dict:
        if frame is None or definition is None or not len(frame):
            return {}
        weights = effective_weights(definition)
        return {
            key: round(float((frame[f"{key}__points"] * weight / 100).mean()), 2)
            for key, weight in weights.items()
        }

    after, before = average(draft_scores, draft), average(published_scores, published)
    labels = {c["key"]: c.get("label") or c["key"] for c in (published or {}).get("components", [])}
    labels.update({c["key"]: c.get("label") or c["key"] for c in draft["components"]})
    keys = [*after, *[k for k in before if k not in after]]
    rows = [
        {
            "key": key,
            "label": labels.get(key, key),
            "published": before.get(key),
            "draft": after.get(key),
            "change": round((after.get(key) or 0.0) - (before.get(key) or 0.0), 2)
            if before
            else None,
        }
        for key in keys
    ]
    return sorted(rows, key=lambda r: -abs(r["change"] or 0.0))
