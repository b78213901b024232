"""What Account 360's health panels (header, health, surveys) read on a first view, in one
call of `junkan_account_health` (healthscore migration 0030, planned once per connection),
read once per page view and sent with its other first-view reads (issue #16)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accounts.models import Contact
from cs_platform.leancalls import Call, lean_call_ahead, lean_call_once
from cs_platform.leanread import lean_json_model, lean_json_model_or_none
from cs_platform.requestmemo import in_page_view, request_memoized

from ..models import (
    HealthAlert,
    HealthScore,
    HealthScoreNow,
    Scorecard,
    ScorecardVersion,
    SurveyResponse,
)
from .scores import EXPLAINED_SINCE, explanation_of, latest_and_now_ahead, latest_and_now_read

ALERTS_SHOWN = 10


@dataclass(frozen=True)
class AccountHealth:
    """The account's latest score (`health_current`), its explanation against the score
    `EXPLAINED_SINCE` days before, its chart up to the latest day (`account_health_chart`),
    its open alerts (newest first, up to `ALERTS_SHOWN`) and its latest survey answers."""

    current: HealthScore | None
    explanation: dict[str, Any] | None
    chart: dict[str, list[Any]]
    alerts: list[HealthAlert]
    surveys: list[SurveyResponse]


def account_health_read(*, account_id: int, days: int, surveys: int) -> AccountHealth:
    """The account's health as its Account 360 panels show it (`days`: the chart's range;
    `surveys`: how many answers), read once per page view. The header's scores are left for
    `health_current` / `health_now` of the same page view."""
    return request_memoized(
        ("healthscore.account_health", account_id, days, surveys),
        lambda: _read(account_id, days, surveys),
    )


def account_health_ahead(*, account_id: int, days: int, surveys: int) -> None:
    """Announce the page view's `account_health_read` (sent with the page's other first-view
    reads, `cs_platform.leancalls`). A read of the account's latest score before it is sent
    (`health_current`: the reading panel's window, when its call is made) makes it then."""
    if not in_page_view():
        return
    lean_call_ahead(lambda: _call(account_id, days, surveys))
    latest_and_now_ahead(
        account_id,
        lambda: account_health_read(account_id=account_id, days=days, surveys=surveys),
    )


def _call(account_id: int, days: int, surveys: int) -> Call:
    return (
        ("healthscore.account_health", account_id, days, surveys),
        "junkan_account_health(%(tenant)s, %(account)s, %(days)s, %(compare)s, %(alerts)s,"
        " %(surveys)s)",
        {
            "account": account_id,
            "days": days,
            "compare": EXPLAINED_SINCE,
            "alerts": ALERTS_SHOWN,
            "surveys": surveys,
        },
    )


def _read(account_id: int, days: int, surveys: int) -> AccountHealth:
    row = lean_call_once(lambda: _call(account_id, days, surveys))
    # NOTE: making the calls sent with it may have read it already (the reading panel's window
    # asks for the latest score: `scores.latest_and_now_ahead`); its instances are made once.
    return request_memoized(
        ("healthscore.account_health_made", account_id, days, surveys),
        lambda: _made(account_id, row),
    )


def _made(account_id: int, row: dict[str, Any]) -> AccountHealth:
    current = _score(row["r_latest"])
    now = lean_json_model_or_none(HealthScoreNow, row["r_now"])
    latest_and_now_read(account_id, current, now)
    before = _earlier(row["r_before"], current)
    answers = []
    for answer in row["r_surveys"] or ():
        response = lean_json_model(SurveyResponse, answer["r"])
        response.contact = lean_json_model_or_none(Contact, answer["c"])
        answers.append(response)
    return AccountHealth(
        current=current,
        explanation=explanation_of(current, before) if current is not None else None,
        chart=_chart(row["r_history"]),
        alerts=[lean_json_model(HealthAlert, a) for a in row["r_alerts"] or ()],
        surveys=answers,
    )


def _score(obj: dict[str, Any] | None) -> HealthScore | None:
    """A score of the function with its version and the version's scorecard (id and name)."""
    if obj is None:
        return None
    score = lean_json_model(HealthScore, obj)
    version = lean_json_model(ScorecardVersion, obj, "version__")
    version.scorecard = lean_json_model(Scorecard, obj, "scorecard__")
    score.version = version
    return score


def _earlier(obj: dict[str, Any] | None, current: HealthScore | None) -> HealthScore | None:
    """The score the explanation compares with, as the function sends it: its day, score,
    components and version, whose definition comes only when it is not `current`'s version."""
    if obj is None or current is None:
        return None
    score = lean_json_model(HealthScore, obj)
    if score.version_id == current.version_id:
        score.version = current.version
    else:
        version = {"id": score.version_id, "definition": obj["version__definition"]}
        score.version = lean_json_model(ScorecardVersion, version)
    return score


def _chart(columns: dict[str, Any] | None) -> dict[str, list[Any]]:
    """`account_health_chart` (`chart_of` its days) from the function's chart: one list per
    column (days as to_jsonb writes them, ISO text) and the versions they name (`{id:
    [number, scorecard_id]}`), without a row per day made and walked again."""
    if columns is None:
        return {"labels": [], "scores": [], "markers": []}
    numbers = {int(pk): pair[0] for pk, pair in columns["versions"].items()}
    days, versions = columns["day"], columns["version"]
    return {
        "labels": list(days),
        "scores": [float(score) for score in columns["score"]],  # to_jsonb writes 42.0 as 42
        "markers": [
            {"x": days[i], "label": f"v{numbers[versions[i]]}"}
            for i in range(1, len(days))
            if versions[i] != versions[i - 1]
        ],
    }
