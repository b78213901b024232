"""Schemes, weights and bands (pure pandas, no database)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from healthscore.engine.measures import Spec
from healthscore.engine.scoring import band_for, effective_weights, points_for, score_frame

RANGES = {
    "type": "ranges",
    "ranges": [{"min": 0, "points": 0}, {"min": 10, "points": 50}, {"min": 20, "points": 100}],
}


def series(*values):
    return pd.Series(values, dtype=float)


def test_ranges_scheme_gives_the_points_of_the_highest_minimum_reached():
    assert list(points_for(series(0, 9.9, 10, 25), RANGES)) == [0, 0, 50, 100]


def test_ranges_scheme_gives_zero_below_the_first_minimum():
    assert list(points_for(series(-5), RANGES)) == [0]


def test_missing_value_gets_the_missing_points():
    scheme = {**RANGES, "missing": 40}
    assert list(points_for(series(math.nan), scheme)) == [40]


def test_rag_scheme_higher_is_better():
    scheme = {"type": "rag", "green": 10, "amber": 5, "higher_is_better": True}
    assert list(points_for(series(12, 7, 1), scheme)) == [100, 50, 0]


def test_rag_scheme_lower_is_better():
    scheme = {"type": "rag", "green": 2, "amber": 5, "higher_is_better": False}
    assert list(points_for(series(1, 4, 9), scheme)) == [100, 50, 0]


def test_rag_scheme_points_can_be_configured():
    scheme = {"type": "rag", "green": 10, "amber": 5, "points": {"amber": 70}}
    assert list(points_for(series(7), scheme)) == [70]


DEFINITION = {
    "bands": {"green": 70, "amber": 40},
    "groups": [{"key": "usage", "weight": 60}],
    "components": [
        {
            "key": "a",
            "measure": "active_days",
            "params": {"days": 30},
            "group": "usage",
            "weight": 50,
            "scheme": RANGES,
        },
        {
            "key": "b",
            "measure": "event_count",
            "params": {"event": "x", "days": 7},
            "group": "usage",
            "weight": 50,
            "scheme": RANGES,
        },
        {
            "key": "c",
            "measure": "days_to_renewal",
            "params": {},
            "group": None,
            "weight": 40,
            "scheme": RANGES,
        },
    ],
}


def test_group_weight_multiplies_sub_weights():
    assert effective_weights(DEFINITION) == {"a": 30.0, "b": 30.0, "c": 40.0}


def test_score_is_the_weighted_sum_of_points():
    measures = pd.DataFrame(
        {
            Spec("active_days", 30): [25.0],
            Spec("event_count", 7, "x"): [12.0],
            Spec("days_to_renewal", None): [0.0],
        }
    )
    out = score_frame(measures, DEFINITION)
    assert out.loc[0, "score"] == pytest.approx(100 * 0.3 + 50 * 0.3 + 0)
    assert out.loc[0, "a__points"] == 100
    assert out.loc[0, "b__value"] == 12


@pytest.mark.parametrize(
    ("score", "band"), [(70, "green"), (69.9, "amber"), (40, "amber"), (39, "red")]
)
def test_band_thresholds(score, band):
    assert band_for(series(score), DEFINITION).iloc[0] == band


def test_bands_are_configurable_per_scorecard():
    definition = {**DEFINITION, "bands": {"green": 90, "amber": 80}}
    assert band_for(series(85), definition).iloc[0] == "amber"
