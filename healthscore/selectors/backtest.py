"""Reads of backtests: the latest run of a scorecard's version (or of its draft)."""

from __future__ import annotations

from ..models import BacktestRun, Scorecard, ScorecardVersion


def backtest_run_latest(
    *, scorecard: Scorecard, version: ScorecardVersion | None
) -> BacktestRun | None:
    """The newest run of `version` (None: of the draft), whatever its status."""
    return (
        BacktestRun.objects.filter(scorecard=scorecard, version=version)
        .select_related("version")
        .order_by("-started_at", "-pk")
        .first()
    )


def backtest_run_get(*, scorecard: Scorecard, pk: int) -> BacktestRun | None:
    return BacktestRun.objects.filter(scorecard=scorecard, pk=pk).select_related("version").first()
