"""Schemes and weights, vectorised: measure values → points → score and band."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .specs import spec_of


def points_for(values: pd.Series, scheme: dict[str, Any]) -> pd.Series:
    """Map a column of values to 0–100 points with a `ranges` or `rag` scheme."""
    raw = values.to_numpy(dtype=float)
    if scheme["type"] == "ranges":
        steps = sorted(scheme["ranges"], key=lambda s: s["min"])
        mins = np.array([s["min"] for s in steps], dtype=float)
        pts = np.array([s["points"] for s in steps], dtype=float)
        idx = np.searchsorted(mins, np.nan_to_num(raw, nan=-np.inf), side="right") - 1
        result = np.where(idx >= 0, pts[np.clip(idx, 0, None)], 0.0)
    else:
        colours = {"green": 100.0, "amber": 50.0, "red": 0.0, **(scheme.get("points") or {})}
        green, amber = float(scheme["green"]), float(scheme["amber"])
        if scheme.get("higher_is_better", True):
            is_green, is_amber = raw >= green, raw >= amber
        else:
            is_green, is_amber = raw <= green, raw <= amber
        result = np.where(
            is_green, colours["green"], np.where(is_amber, colours["amber"], colours["red"])
        )
    result = np.where(np.isnan(raw), float(scheme.get("missing", 0.0)), result)
    return pd.Series(result, index=values.index, dtype=float)


def effective_weights(definition: dict[str, Any]) -> dict[str, float]:
    """Each component's share of the total (0–100): group weight × sub-weight for groups."""
    groups = {g["key"]: float(g["weight"]) for g in definition.get("groups") or []}
    weights = {}
    for comp in definition["components"]:
        weight = float(comp["weight"])
        group = comp.get("group")
        weights[comp["key"]] = weight * groups[group] / 100 if group else weight
    return weights


def band_for(scores: pd.Series, definition: dict[str, Any]) -> pd.Series:
    bands = definition.get("bands") or {"green": 70, "amber": 40}
    values = scores.to_numpy(dtype=float)
    return pd.Series(
        np.where(
            values >= float(bands["green"]),
            "green",
            np.where(values >= float(bands["amber"]), "amber", "red"),
        ),
        index=scores.index,
    )


def score_frame(measures: pd.DataFrame, definition: dict[str, Any]) -> pd.DataFrame:
    """Columns: `score`, `band`, and per component key `<key>__value`, `<key>__points`."""
    weights = effective_weights(definition)
    out = pd.DataFrame(index=measures.index)
    total = pd.Series(0.0, index=measures.index)
    for comp in definition["components"]:
        key = comp["key"]
        values = measures[spec_of(comp)].astype(float)
        points = points_for(values, comp["scheme"])
        out[f"{key}__value"] = values
        out[f"{key}__points"] = points
        total = total + points * weights[key] / 100
    out["score"] = total.round(2)
    out["band"] = band_for(out["score"], definition)
    return out
