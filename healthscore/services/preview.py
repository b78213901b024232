"""What a scorecard draft would do if published now: same pipeline, nothing written."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cs_platform.scoping import require_current_tenant

from ..measures import measure_frame, spec_of
from ..models import Scorecard
from ..scoring import score_frame
from ..selectors import health_latest_by_account, health_latest_day
from .recompute import accounts_frame, recompute_plan, scorecard_assign, scorecards_in_force
from .scorecards import scorecard_definition_validate

DRAFT = -1


def scorecard_preview(
    *, scorecard: Scorecard, definition: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Score distribution of the accounts this scorecard would apply to, and band changes
    against their latest stored scores."""
    tenant = require_current_tenant()
    definition = scorecard_definition_validate(
        definition=definition if definition is not None else scorecard.draft
    )
    day = health_latest_day()
    as_of = day or pd.Timestamp.now(tz=tenant.tzinfo).date()
    cards = scorecards_in_force(including=scorecard)
    specs = {spec_of(c) for c in definition["components"]}
    parts = []
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
        parts.append(score_frame(measures, definition)[["score", "band"]])
    scores = pd.concat(parts) if parts else pd.DataFrame(columns=["score", "band"])
    latest = health_latest_by_account(account_ids=[int(i) for i in scores.index])
    before = pd.Series({a: v["band"] for a, v in latest.items()}, dtype=object).reindex(
        scores.index
    )
    changed = before.notna() & (before != scores["band"])
    transitions = (
        pd.DataFrame({"from": before[changed], "to": scores["band"][changed]})
        .value_counts()
        .to_dict()
    )
    histogram, _edges = np.histogram(scores["score"].astype(float), bins=10, range=(0, 100))
    return {
        "as_of": as_of,
        "accounts": len(scores),
        "average": round(float(scores["score"].mean()), 2) if len(scores) else None,
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
    }
