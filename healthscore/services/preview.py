"""What a scorecard draft would do if published now: same pipeline, nothing written.

The editor's live preview calls this on every pause in typing, so it must answer in well under
a second at 100,000 accounts. Reading the accounts and their measures is nearly all the cost
(SQL over the rollups and the timeline: ~7 s for 10,000 accounts on a loaded 2-core machine);
scoring a frame of measures under a definition is vectorised and cheap. So:

- The accounts the scorecard applies to and their measures are cached per tenant, data version
  (`cs_platform.datacache`: accounts, contracts, phases, scorecards and scores), day and
  scorecard, one entry per measure, for `INPUTS_SECONDS`: the next edit only scores, and a
  draft that adds a component reads only its measure. Usage rollups and timeline entries do not
  move the data version (ingestion would empty the cache every second), hence the time limit:
  the preview states the time its data was read.
- The whole result is cached under the draft's content as well: the same draft again (the
  `change` that follows an `input`, an undo) costs two cache reads.
- The live preview (`sample=True`) reads at most `sample_size()` accounts, evenly spread by id
  over those the scorecard applies to, and says so; the figures are scaled to all of them. The
  preview page, after saving, is exact.
- A request overtaken by a newer one from the same editor stops between chunks
  (`PreviewSuperseded`, see `preview_turn`); the browser dropped it already (htmx `hx-sync`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from cs_platform.datacache import data_version
from cs_platform.scoping import require_current_tenant

from ..engine.measures import measure_frame, spec_of
from ..engine.scoring import effective_weights, score_frame
from ..engine.specs import Spec
from ..models import Scorecard
from ..selectors import health_latest_day
from .recompute import (
    accounts_frame,
    chunk_size,
    recompute_plan,
    scorecard_assign,
    scorecards_in_force,
)
from .scorecards import scorecard_definition_validate

DRAFT = -1
INPUTS_SECONDS = 5 * 60
TURN_SECONDS = 60 * 60


class PreviewSuperseded(Exception):
    """A newer preview request from the same editor arrived: this one's answer is not wanted."""


def sample_size() -> int:
    return int(getattr(settings, "HEALTH_PREVIEW_SAMPLE", 5000))


def preview_turn(*, user_id: int, scorecard_id: int) -> Callable[[], bool]:
    """Take a turn for one live-preview request of this user's editor of this scorecard; the
    answer tells whether the turn is still the latest (a newer request took the next one).

    NOTE: with Redis away every request is the latest (the cache fails open)."""
    tenant = require_current_tenant()
    key = f"healthscore.preview.turn:{tenant.pk}:{user_id}:{scorecard_id}"
    try:
        cache.add(key, 0, TURN_SECONDS)
        mine = cache.incr(key)
    except ValueError:
        return lambda: True
    return lambda: cache.get(key, mine) == mine


def scorecard_preview(
    *,
    scorecard: Scorecard,
    definition: dict[str, Any] | None = None,
    sample: bool = False,
    is_current: Callable[[], bool] = lambda: True,
) -> dict[str, Any]:
    """Score distribution of the accounts this scorecard would apply to, and what changes
    against the published version.

    NOTE: the published version is scored here too, on the same accounts, data and day as the
    draft: comparing the draft with the stored scores would mix the weight change with
    whatever data arrived since the last recompute. `components` says why accounts move: each
    component's average contribution (points × weight) under both definitions.

    With `sample`, at most `sample_size()` accounts are scored and the counts are scaled to all
    (`sample` in the answer says how many of how many). `is_current` is asked between chunks;
    when it says no, `PreviewSuperseded` is raised."""
    tenant = require_current_tenant()
    definition = scorecard_definition_validate(
        definition=definition if definition is not None else scorecard.draft
    )
    current = scorecard.current_version.definition if scorecard.current_version else None
    day = health_latest_day()
    as_of = day or timezone.now().astimezone(tenant.tzinfo).date()
    base = (
        f"healthscore.preview:{tenant.pk}:{data_version()}:{as_of}:{scorecard.pk}:"
        f"{sample_size() if sample else 'all'}"
    )
    result_key = f"{base}:{_digest([definition, scorecard.current_version_id])}"
    cached = cache.get(result_key)
    if cached is not None:
        return cached
    accounts, of, read_at = _preview_accounts(
        scorecard=scorecard, base=base, sample=sample, is_current=is_current
    )
    specs = {spec_of(c) for c in definition["components"]}
    if current is not None:
        specs |= {spec_of(c) for c in current["components"]}
    measures = _preview_measures(
        accounts=accounts, specs=specs, as_of=as_of, base=base, is_current=is_current
    )
    scores = score_frame(measures, definition)
    before = score_frame(measures, current) if current is not None else None
    result = _summary(
        scores=scores,
        before=before,
        definition=definition,
        current=current,
        scale=of / len(scores) if len(scores) else 1.0,
    )
    result.update(
        as_of=as_of,
        read_at=read_at,
        accounts=of,
        sample={"read": len(scores), "of": of} if len(scores) < of else None,
    )
    cache.set(result_key, result, INPUTS_SECONDS)
    return result


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _preview_accounts(
    *, scorecard: Scorecard, base: str, sample: bool, is_current: Callable[[], bool]
) -> tuple[pd.DataFrame, int, dt.datetime]:
    """The accounts the scorecard (its draft in its place) applies to, evenly sampled by id
    with `sample`: (frame, how many in all, when read), cached under `base`."""
    cached = cache.get(f"{base}:accounts")
    if cached is not None:
        return cached
    cards = scorecards_in_force(including=scorecard)
    parts = []
    for first_id, last_id in recompute_plan():
        if not is_current():
            raise PreviewSuperseded
        accounts = accounts_frame(first_id, last_id)
        assigned = scorecard_assign(
            accounts=accounts, scorecards=cards, version_of={scorecard.pk: DRAFT}
        )
        parts.append(accounts[assigned == DRAFT])
    mine = pd.concat(parts) if parts else accounts_frame(0, -1)
    of = len(mine)
    if sample and of > sample_size():
        mine = mine.iloc[np.unique(np.linspace(0, of - 1, sample_size()).round().astype(int))]
    value = (mine, of, timezone.now())
    cache.set(f"{base}:accounts", value, INPUTS_SECONDS)
    return value


def _preview_measures(
    *,
    accounts: pd.DataFrame,
    specs: set[Spec],
    as_of: dt.date,
    base: str,
    is_current: Callable[[], bool],
) -> pd.DataFrame:
    """One column per spec for `accounts`; the specs not cached under `base` are read by the
    recompute's SQL in chunks (set-based, all missing specs at once) and cached one by one."""
    tenant = require_current_tenant()
    keys = {spec: f"{base}:measure:{_digest(repr(spec))}" for spec in specs}
    found = cache.get_many(list(keys.values()))
    columns = {spec: found[key] for spec, key in keys.items() if key in found}
    missing = {spec for spec in specs if spec not in columns}
    if missing:
        parts, reads = [], {}
        size = chunk_size()
        for start in range(0, len(accounts), size):
            if not is_current():
                raise PreviewSuperseded
            parts.append(
                measure_frame(
                    tenant_id=tenant.pk,
                    tz=tenant.tzinfo,
                    accounts=accounts.iloc[start : start + size],
                    as_of=as_of,
                    specs=missing,
                    cache=reads,
                )
            )
        read = pd.concat(parts) if parts else pd.DataFrame(index=accounts.index)
        for spec in missing:
            columns[spec] = read[spec] if spec in read else pd.Series(np.nan, index=accounts.index)
        cache.set_many({keys[spec]: columns[spec] for spec in missing}, INPUTS_SECONDS)
    return pd.DataFrame({spec: columns[spec] for spec in specs}, index=accounts.index)


def _summary(
    *,
    scores: pd.DataFrame,
    before: pd.DataFrame | None,
    definition: dict[str, Any],
    current: dict[str, Any] | None,
    scale: float,
) -> dict[str, Any]:
    """Averages, bands, histogram and band moves; counts multiplied by `scale` (a sample)."""

    def count(n: Any) -> int:
        return round(int(n) * scale)

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
        "average": _mean(scores["score"]),
        "average_published": _mean(before["score"]) if before is not None else None,
        "compared_with": "published" if before is not None else None,
        "distribution": {
            band: count((scores["band"] == band).sum()) for band in ("green", "amber", "red")
        },
        "histogram": [
            {"from": i * 10, "to": i * 10 + 10, "accounts": count(n)}
            for i, n in enumerate(histogram)
        ],
        "band_changes": count(changed.sum()),
        "transitions": [
            {"from": f, "to": t, "accounts": count(n)} for (f, t), n in sorted(transitions.items())
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
