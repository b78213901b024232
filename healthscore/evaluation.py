"""Does the score predict churn? The maths of the backtest, vectorised (numpy, scikit-learn).

Everything here works on arrays of samples (one account on one day) and knows nothing of the
database: `services/backtest.py` gathers the samples and their outcomes.

Conventions: a score is "higher is healthier", an outcome `y` is 1 for the bad event (churn).
An AUC is the probability that a random account that churned had a lower score than a random
one that did not (0.5: no better than chance; 1.0: perfect ranking).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

BANDS = ("red", "amber", "green")
BOOTSTRAP_REPLICATES = 200
# Breakdowns (per phase, per segment, held-out) need a rougher interval only.
GROUP_REPLICATES = 60
# L1 penalty per sample (on standardised features): a component whose correlation with the
# outcome is within sampling noise gets exactly zero weight instead of a small random one.
L1_PENALTY = 0.005
MAX_FIT_SAMPLES = 400_000


class _Ranked:
    """Scores turned into rank codes once, so each AUC is one bincount (O(n), no sort)."""

    def __init__(self, scores: np.ndarray) -> None:
        # Risk = minus the score: a lower score should mean more churn. Scores are stored with
        # two decimals, so hundredths are exact ranks without sorting; anything finer is
        # ranked by np.unique.
        risk = -np.asarray(scores, dtype=float)
        cents = np.rint(risk * 100)
        # (A stored 55.37 is 5536.999… hundredths in binary: equal within a millionth.)
        exact = len(risk) and np.abs(cents - risk * 100).max() < 1e-6
        if exact and np.ptp(cents) < 10_000_000:
            self.codes = (cents - cents.min()).astype(np.int64)
            self.size = int(self.codes.max()) + 1
        else:
            _values, self.codes = np.unique(risk, return_inverse=True)
            self.size = len(_values)

    def pairs(self, y: np.ndarray) -> np.ndarray:
        return self.codes * 2 + np.asarray(y).astype(np.int64)

    def auc(
        self,
        y: np.ndarray,
        weights: np.ndarray | None = None,
        pairs: np.ndarray | None = None,
    ) -> float | None:
        # One bincount over (rank, outcome) pairs gives positives and negatives per rank.
        pairs = self.pairs(y) if pairs is None else pairs
        counts = np.bincount(pairs, weights=weights, minlength=2 * self.size).reshape(-1, 2)
        neg, pos = counts[:, 0], counts[:, 1]
        total_pos, total_neg = pos.sum(), neg.sum()
        if total_pos <= 0 or total_neg <= 0:
            return None
        below = np.cumsum(neg) - neg  # negatives with a strictly lower risk
        return float((pos * (below + neg / 2)).sum() / (total_pos * total_neg))


def roc_auc(scores: Sequence[float] | np.ndarray, y: Sequence[int] | np.ndarray) -> float | None:
    """AUC of `scores` (higher is healthier) against `y` (1 = churned); None without both."""
    return _Ranked(np.asarray(scores, dtype=float)).auc(np.asarray(y, dtype=float))


def _compact(codes: np.ndarray) -> tuple[np.ndarray, int]:
    """Rank codes renumbered 0…k-1 over the codes present (same order), and k."""
    present = np.bincount(codes) > 0
    remap = np.cumsum(present) - 1
    return remap[codes], int(present.sum())


# Poisson(1) by table look-up of 16-bit uniforms (a quantile table of the distribution):
# several times faster than `rng.poisson` for the millions of weights a bootstrap draws, and
# within 1/65,536 of the exact probabilities.
_POISSON_CDF = np.cumsum([np.exp(-1.0) / np.prod(np.arange(1, k + 1)) for k in range(24)])
_POISSON_TABLE = np.searchsorted(
    _POISSON_CDF, (np.arange(65536) + 0.5) / 65536, side="right"
).astype(np.float32)


def _poisson_block(rng: np.random.Generator, clusters: int, replicates: int) -> np.ndarray:
    """A (clusters × replicates) matrix of Poisson(1) weights."""
    return _POISSON_TABLE[rng.integers(0, 65536, (clusters, replicates), dtype=np.uint16)]


def bootstrap_aucs(
    codes: np.ndarray,
    y: np.ndarray,
    members: np.ndarray,
    clusters: int,
    *,
    replicates: int,
    seed: int = 0,
) -> np.ndarray:
    """The AUC of every bootstrap replicate at once (NaN where a replicate lacks an outcome).

    Each replicate weights every cluster (account) by a Poisson(1) draw. The weighted
    positives and negatives per rank of all replicates are one sparse × dense product:
    (ranks × clusters counts) @ (clusters × replicates weights); the AUCs are then column
    sums over cumulative counts. Replicates go in blocks so the weight matrix stays small."""
    from scipy import sparse  # deferred: seconds to import, only backtests use it

    codes, size = _compact(np.asarray(codes, dtype=np.int64))
    positive = np.asarray(y) > 0
    shape = (size, clusters)

    def counts(mask: np.ndarray) -> sparse.csr_matrix:
        ones = np.ones(int(mask.sum()), dtype=np.float32)
        return sparse.csr_matrix((ones, (codes[mask], members[mask])), shape=shape)

    pos, neg = counts(positive), counts(~positive)
    rng = np.random.default_rng(seed)
    block = max(1, min(replicates, 20_000_000 // max(clusters, 1)))
    out = []
    for start in range(0, replicates, block):
        weights = _poisson_block(rng, clusters, min(block, replicates - start))
        p = np.asarray(pos @ weights, dtype=float)
        n = np.asarray(neg @ weights, dtype=float)
        below = np.cumsum(n, axis=0) - n  # negatives with a strictly lower risk
        numerator = (p * (below + n / 2)).sum(axis=0)
        denominator = p.sum(axis=0) * n.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            out.append(np.where(denominator > 0, numerator / denominator, np.nan))
    return np.concatenate(out) if out else np.empty(0)


def roc_auc_ci(
    scores: np.ndarray,
    y: np.ndarray,
    clusters: np.ndarray,
    *,
    replicates: int = BOOTSTRAP_REPLICATES,
    seed: int = 0,
) -> dict[str, float] | None:
    """AUC with a 95% bootstrap interval.

    The days of one account are not independent samples, so the bootstrap resamples accounts
    (`clusters`), not rows: each replicate weights every account by a Poisson(1) draw (the
    Poisson bootstrap, equivalent to resampling accounts with replacement for large n)."""
    ranked = _Ranked(scores)
    y = np.asarray(y, dtype=float)
    point = ranked.auc(y)
    if point is None:
        return None
    members, uniques = pd.factorize(clusters)
    draws = bootstrap_aucs(ranked.codes, y, members, len(uniques), replicates=replicates, seed=seed)
    draws = draws[~np.isnan(draws)]
    low, high = np.percentile(draws, [2.5, 97.5]) if len(draws) else (point, point)
    return {"value": round(point, 4), "low": round(float(low), 4), "high": round(float(high), 4)}


def _rate(events: float, samples: float) -> float | None:
    return round(float(events) / float(samples), 4) if samples else None


def band_codes(bands: np.ndarray) -> np.ndarray:
    """0 red, 1 amber, 2 green (-1: anything else), once per frame: comparing strings is slow."""
    return pd.Categorical(bands, categories=list(BANDS)).codes.astype(np.int64)


def rates_by_band(bands: np.ndarray, y: np.ndarray) -> list[dict[str, Any]]:
    """Samples, events and the event rate per band, red first (`bands`: names or codes)."""
    codes = bands if np.issubdtype(np.asarray(bands).dtype, np.integer) else band_codes(bands)
    known = codes >= 0
    samples = np.bincount(codes[known], minlength=len(BANDS))
    events = np.bincount(codes[known], weights=np.asarray(y, dtype=float)[known], minlength=3)
    return [
        {
            "band": band,
            "samples": int(samples[i]),
            "events": int(events[i]),
            "rate": _rate(events[i], samples[i]),
        }
        for i, band in enumerate(BANDS)
    ]


def rates_by_decile(
    scores: np.ndarray, y: np.ndarray, order: np.ndarray | None = None
) -> list[dict[str, Any]]:
    """Ten groups of equal size by score (1 = lowest scores), with their score range."""
    if len(scores) == 0:
        return []
    order = np.argsort(scores, kind="stable") if order is None else order
    rows = []
    for i, part in enumerate(np.array_split(order, 10), start=1):
        if len(part) == 0:
            continue
        events = int(y[part].sum())
        rows.append(
            {
                "decile": i,
                "from": round(float(scores[part].min()), 2),
                "to": round(float(scores[part].max()), 2),
                "samples": len(part),
                "events": events,
                "rate": _rate(events, len(part)),
            }
        )
    return rows


def _logistic_1d(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Intercept and slope of a logistic regression of y on x, by Newton's method on the
    (value, outcome) counts: exact, and O(distinct values) per iteration."""
    values, codes = np.unique(x, return_inverse=True)
    n = np.bincount(codes).astype(float)
    k = np.bincount(codes, weights=y)
    beta = np.array([np.log(max(k.sum(), 0.5) / max(n.sum() - k.sum(), 0.5)), 0.0])
    design = np.column_stack([np.ones_like(values), values])
    for _ in range(50):
        p = 1 / (1 + np.exp(-(design @ beta)))
        gradient = design.T @ (k - n * p)
        hessian = (design * (n * p * (1 - p))[:, None]).T @ design + np.eye(2) * 1e-9
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.abs(step).max() < 1e-10:
            break
    return float(beta[0]), float(beta[1])


def calibration(
    scores: np.ndarray, y: np.ndarray, order: np.ndarray | None = None
) -> dict[str, Any] | None:
    """What churn probability each score means: a one-feature logistic fit of the outcome on
    the score, then per decile the mean predicted probability beside the observed rate (a
    calibration plot: points on the diagonal mean the mapping can be trusted), and the Brier
    score of the mapping."""
    if y.sum() == 0 or y.sum() == len(y):
        return None
    x = scores.astype(float) / 100
    intercept, slope = _logistic_1d(x, y)
    predicted = 1 / (1 + np.exp(-(intercept + slope * x)))
    # The mapping is monotone in the score: the score's order (`order`, ascending) sorts the
    # predictions too, reversed when a higher score means less churn (the usual case).
    if order is None:
        order = np.argsort(predicted, kind="stable")
    elif slope < 0:
        order = order[::-1]
    points = [
        {
            "predicted": round(float(predicted[part].mean()), 4),
            "observed": round(float(y[part].mean()), 4),
            "samples": len(part),
        }
        for part in np.array_split(order, 10)
        if len(part)
    ]
    return {
        "points": points,
        "brier": round(float(np.mean((predicted - y) ** 2)), 5),
        "intercept": round(intercept, 4),
        "slope_per_point": round(slope / 100, 5),
    }


def _cap(values: np.ndarray) -> np.ndarray:
    """At most MAX_FIT_SAMPLES evenly spaced rows: enough for a few parameters."""
    if len(values) <= MAX_FIT_SAMPLES:
        return values
    return values[np.linspace(0, len(values) - 1, MAX_FIT_SAMPLES).astype(int)]


def summary(
    frame: pd.DataFrame,
    *,
    min_events: int,
    components: list[tuple[str, str]],
    detail: bool = True,
) -> dict[str, Any]:
    """Every figure of one outcome over `frame` (columns: account_id, score, band, y, and
    `p:<key>` points per component): sample sizes always; the rest only with enough events."""
    y = frame["y"].to_numpy(dtype=float)
    scores = frame["score"].to_numpy(dtype=float)
    events = int(y.sum())
    result: dict[str, Any] = {
        "samples": len(frame),
        "accounts": int(frame["account_id"].nunique()),
        "events": events,
        "rate": _rate(events, len(frame)),
        "enough": events >= min_events and events < len(frame),
        "bands": rates_by_band(frame["band"].to_numpy(), y),
    }
    if not result["enough"]:
        return result
    # A breakdown without detail (the churn-or-downsell figure) needs a rougher interval.
    replicates = BOOTSTRAP_REPLICATES if detail else GROUP_REPLICATES
    result["auc"] = roc_auc_ci(scores, y, frame["account_id"].to_numpy(), replicates=replicates)
    if not detail:
        return result
    order = np.argsort(scores, kind="stable")
    result["deciles"] = rates_by_decile(scores, y, order)
    result["calibration"] = calibration(scores, y, order)
    result["components"] = [
        {
            "key": key,
            "label": label,
            "auc": (
                round(value, 4)
                if (value := roc_auc(frame[f"p:{key}"].to_numpy(dtype=float), y)) is not None
                else None
            ),
        }
        for key, label in components
        if f"p:{key}" in frame
    ]
    return result


def summary_by(
    frame: pd.DataFrame, column: str, labels: dict[Any, str], *, min_events: int
) -> list[dict[str, Any]]:
    """Sample sizes, event rate, AUC (with enough events) and band rates per group."""
    rows = []
    frame = frame[[column, "account_id", "score", "band", "y"]]
    for key, part in frame.groupby(column, sort=True):
        y = part["y"].to_numpy(dtype=float)
        events = int(y.sum())
        enough = events >= min_events and events < len(part)
        auc = (
            roc_auc_ci(
                part["score"].to_numpy(dtype=float),
                y,
                part["account_id"].to_numpy(),
                replicates=GROUP_REPLICATES,
            )
            if enough
            else None
        )
        rows.append(
            {
                "key": str(key),
                "label": labels.get(key, str(key)),
                "samples": len(part),
                "accounts": int(part["account_id"].nunique()),
                "events": events,
                "rate": _rate(events, len(part)),
                "enough": enough,
                "auc": auc,
                "bands": rates_by_band(part["band"].to_numpy(), y),
            }
        )
    return rows


# --- suggested weights -------------------------------------------------------------------------


def whole_weights(shares: dict[str, float], total: int = 100) -> dict[str, int]:
    """Whole numbers in proportion to `shares` that sum to `total` (largest remainder)."""
    keys = list(shares)
    raw = np.array([max(shares[k], 0.0) for k in keys], dtype=float)
    if raw.sum() <= 0:
        raw = np.ones(len(keys))
    exact = raw / raw.sum() * total
    floor = np.floor(exact).astype(int)
    short = total - int(floor.sum())
    for i in np.argsort(-(exact - floor), kind="stable")[:short]:
        floor[i] += 1
    return {k: int(v) for k, v in zip(keys, floor, strict=True)}


def fit_weights(points: pd.DataFrame, y: np.ndarray) -> dict[str, float] | None:
    """Health weights (shares of 100, not yet whole) from an L1-regularised logistic
    regression of the outcome on the components' points.

    A component's weight is proportional to how much one more point lowers the log-odds of
    churn; a component whose points go with *more* churn, or carry no signal beyond noise,
    gets 0. None when no component lowers the risk."""
    from sklearn.linear_model import LogisticRegression  # deferred: seconds to import (backtest)

    x = points.to_numpy(dtype=float)
    y = np.asarray(y, dtype=float)
    if y.sum() == 0 or y.sum() == len(y):
        return None
    x, y = _cap(x), _cap(y)
    std = x.std(axis=0)
    usable = std > 0
    z = np.zeros_like(x)
    z[:, usable] = (x[:, usable] - x[:, usable].mean(axis=0)) / std[usable]
    model = LogisticRegression(
        l1_ratio=1.0, solver="liblinear", C=1.0 / (L1_PENALTY * len(y)), max_iter=500
    ).fit(z, y)
    beta = np.zeros(x.shape[1])
    beta[usable] = model.coef_[0][usable] / std[usable]  # per point, not per standard deviation
    shares = np.maximum(-beta, 0.0)
    if shares.sum() <= 0:
        return None
    shares = shares / shares.sum() * 100
    return {col: float(s) for col, s in zip(points.columns, shares, strict=True)}


def weighted_score(points: pd.DataFrame, weights: dict[str, float]) -> np.ndarray:
    """Σ points × weight / 100, as the scoring engine adds a flat scorecard up."""
    total = np.zeros(len(points))
    for key, weight in weights.items():
        total += points[key].to_numpy(dtype=float) * weight / 100
    return np.round(total, 2)


def band_of(scores: np.ndarray, bands: dict[str, Any]) -> np.ndarray:
    green, amber = float(bands["green"]), float(bands["amber"])
    return np.where(scores >= green, "green", np.where(scores >= amber, "amber", "red"))
