"""Reads of the health score (selectors), by topic."""

from .backtest import backtest_run_get, backtest_run_latest
from .config import (
    health_alert_list,
    recompute_job_finished,
    recompute_job_latest,
    recompute_job_list,
    recompute_job_waiting,
    scorecard_list,
    scorecard_version_list,
)
from .portfolio import (
    LIVE_CONTRACT,
    portfolio_at_risk,
    portfolio_average_over_time,
    portfolio_band_distribution,
    portfolio_by_phase,
    portfolio_renewals,
)
from .scores import (
    TREND_DAYS,
    EngagementWindow,
    engagement_window,
    health_current,
    health_explanation,
    health_history,
    health_latest_by_account,
    health_latest_day,
    health_now,
    health_now_by_account,
    health_now_newest,
    health_score_on,
    health_scores_at,
    health_scores_between,
    health_trend,
)
from .surveys import key_event_list, survey_response_list
from .usage import (
    usage_totals_around,
    usage_totals_by_day,
)

__all__ = [
    "LIVE_CONTRACT",
    "TREND_DAYS",
    "EngagementWindow",
    "backtest_run_get",
    "backtest_run_latest",
    "engagement_window",
    "health_alert_list",
    "health_current",
    "health_explanation",
    "health_history",
    "health_latest_by_account",
    "health_latest_day",
    "health_now",
    "health_now_by_account",
    "health_now_newest",
    "health_score_on",
    "health_scores_at",
    "health_scores_between",
    "health_trend",
    "key_event_list",
    "portfolio_at_risk",
    "portfolio_average_over_time",
    "portfolio_band_distribution",
    "portfolio_by_phase",
    "portfolio_renewals",
    "recompute_job_finished",
    "recompute_job_latest",
    "recompute_job_list",
    "recompute_job_waiting",
    "scorecard_list",
    "scorecard_version_list",
    "survey_response_list",
    "usage_totals_around",
    "usage_totals_by_day",
]
