"""Content analytics: reach per article and section, and what changes after reading.

Everything here is set-based: SQL aggregates for the counts, pandas for the before/after
comparison (one pivot of daily scores and one of daily usage for the accounts involved).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.db.models import CharField, Count, Min, Q, QuerySet
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from cs_platform.leanread import lean_rows
from cs_platform.scoping import require_current_tenant
from healthscore.selectors import health_scores_between, usage_totals_by_day
from journeys.selectors import current_phase_by_account

from ..models import Article, ArticleFeedback, ArticleView, Moderation

WINDOWS: tuple[int, ...] = (14, 30)


@dataclass
class ReachRow:
    key: int
    views: int = 0
    unique_readers: int = 0
    accounts_reached: int = 0
    known_views: int = 0
    helpful_yes: int = 0
    helpful_no: int = 0

    @property
    def helpful_ratio(self) -> float | None:
        total = self.helpful_yes + self.helpful_no
        return round(self.helpful_yes / total, 3) if total else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "views": self.views,
            "unique_readers": self.unique_readers,
            "accounts_reached": self.accounts_reached,
            "known_views": self.known_views,
            "helpful_yes": self.helpful_yes,
            "helpful_no": self.helpful_no,
            "helpful_ratio": self.helpful_ratio,
        }


def _reader_key() -> Coalesce:
    # A known reader is one reader on every device; an anonymous one is one browser session.
    return Coalesce(Cast("contact_id", CharField()), "session_hash")


def _reach(group_by: str, views: QuerySet, feedback: QuerySet) -> dict[int, ReachRow]:
    rows: dict[int, ReachRow] = {}
    for r in (
        views.values(group_by)
        .annotate(
            n=Count("id"),
            readers=Count(_reader_key(), distinct=True),
            accounts=Count("account_id", distinct=True),
            known=Count("id", filter=Q(contact__isnull=False)),
        )
        .order_by()
    ):
        rows[r[group_by]] = ReachRow(r[group_by], r["n"], r["readers"], r["accounts"], r["known"])
    for r in (
        feedback.values(group_by)
        .annotate(yes=Count("id", filter=Q(helpful=True)), no=Count("id", filter=Q(helpful=False)))
        .order_by()
    ):
        row = rows.setdefault(r[group_by], ReachRow(r[group_by]))
        row.helpful_yes, row.helpful_no = r["yes"], r["no"]
    return rows


def _counted_feedback() -> QuerySet:
    """Feedback that counts in the helpful ratio: everything but what a reviewer rejected."""
    return ArticleFeedback.objects.exclude(moderation=Moderation.REJECTED)


def _since(queryset: QuerySet, column: str, since: dt.datetime | None) -> QuerySet:
    return queryset.filter(**{f"{column}__gte": since}) if since else queryset


def article_reach(*, since: dt.datetime | None = None) -> dict[int, ReachRow]:
    """Per article id: views, unique readers, accounts reached, helpful ratio."""
    return _reach(
        "article_id",
        _since(ArticleView.objects.all(), "viewed_at", since),
        _since(_counted_feedback(), "created_at", since),
    )


def section_reach(*, since: dt.datetime | None = None) -> dict[int, ReachRow]:
    """Per section id, the same measures (a reader of two articles counts once)."""
    return _reach(
        "article__section_id",
        _since(ArticleView.objects.all(), "viewed_at", since),
        _since(_counted_feedback(), "created_at", since),
    )


def track_list() -> list[list[Article]]:
    """Chains of articles linked by `next_article` (at least two), from their first article."""
    articles = {a.pk: a for a in Article.objects.prefetch_related("translations")}
    pointed_to = {a.next_article_id for a in articles.values() if a.next_article_id}
    tracks: list[list[Article]] = []
    for article in articles.values():
        if article.pk in pointed_to or not article.next_article_id:
            continue
        chain, seen = [article], {article.pk}
        while (nxt := chain[-1].next_article_id) and nxt in articles and nxt not in seen:
            chain.append(articles[nxt])
            seen.add(nxt)
        tracks.append(chain)
    return tracks


# --- before / after -------------------------------------------------------------------------


@dataclass
class WindowEffect:
    days: int
    readers: int = 0
    readers_health_delta: float | None = None
    control_health_delta: float | None = None
    readers_usage_before: float | None = None
    readers_usage_after: float | None = None
    control_usage_before: float | None = None
    control_usage_after: float | None = None

    @property
    def health_lift(self) -> float | None:
        if self.readers_health_delta is None or self.control_health_delta is None:
            return None
        return round(self.readers_health_delta - self.control_health_delta, 2)

    @property
    def readers_usage_change(self) -> float | None:
        return _pct(self.readers_usage_before, self.readers_usage_after)

    @property
    def control_usage_change(self) -> float | None:
        return _pct(self.control_usage_before, self.control_usage_after)

    def as_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "readers": self.readers,
            "readers_health_delta": self.readers_health_delta,
            "control_health_delta": self.control_health_delta,
            "health_lift": self.health_lift,
            "readers_usage_before": self.readers_usage_before,
            "readers_usage_after": self.readers_usage_after,
            "readers_usage_change": self.readers_usage_change,
            "control_usage_before": self.control_usage_before,
            "control_usage_after": self.control_usage_after,
            "control_usage_change": self.control_usage_change,
        }


@dataclass
class ReadingEffect:
    article_ids: list[int]
    reader_accounts: int = 0
    control_accounts: int = 0
    windows: list[WindowEffect] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "article_ids": self.article_ids,
            "reader_accounts": self.reader_accounts,
            "control_accounts": self.control_accounts,
            "windows": [w.as_dict() for w in self.windows],
        }


def _pct(before: float | None, after: float | None) -> float | None:
    if before is None or after is None or before == 0:
        return None
    return round((after - before) / before * 100, 1)


def _round(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 2)


def _score_frame(account_ids: list[int], start: dt.date, end: dt.date) -> pd.DataFrame:
    rows = health_scores_between(account_ids=account_ids, start=start, end=end)
    return pd.DataFrame(rows, columns=["account_id", "day", "score"])


def _usage_frame(account_ids: list[int], start: dt.date, end: dt.date) -> pd.DataFrame:
    rows = usage_totals_by_day(account_ids=account_ids, start=start, end=end)
    return pd.DataFrame(rows, columns=["account_id", "day", "count"])


def _first_reads(article_ids: list[int]) -> pd.DataFrame:
    tz = require_current_tenant().tzinfo
    rows = (
        ArticleView.objects.filter(article_id__in=article_ids, account_id__isnull=False)
        .values("account_id")
        .annotate(first=Min("viewed_at"))
        .values_list("account_id", "first")
        .order_by()
    )
    frame = pd.DataFrame(list(rows), columns=["account_id", "first"])
    frame["day"] = [ts.astimezone(tz).date() for ts in frame["first"]]
    return frame[["account_id", "day"]]


def _panel(
    frame: pd.DataFrame, value: str, days: pd.DatetimeIndex, accounts: list[int], fill: str
) -> pd.DataFrame:
    """Accounts as columns, every calendar day as rows; scores carried forward, usage 0
    (an account with no usage rows used the product 0 times, it is not missing)."""
    if not frame.empty:
        frame = frame.assign(day=pd.to_datetime(frame["day"]))
        panel = frame.pivot_table(index="day", columns="account_id", values=value, aggfunc="sum")
    else:
        panel = pd.DataFrame(index=days, dtype=float)
    panel = panel.reindex(index=days, columns=accounts)
    return panel.ffill() if fill == "ffill" else panel.fillna(0.0)


def _lookup(panel: pd.DataFrame, accounts: pd.Series, days: pd.Series) -> pd.Series:
    """panel[day, account] for each pair (NaN where missing), vectorised."""
    if panel.empty or len(accounts) == 0:
        return pd.Series([float("nan")] * len(accounts), index=accounts.index)
    col_pos = pd.Index(panel.columns).get_indexer(accounts)
    row_pos = panel.index.get_indexer(pd.to_datetime(days))
    values = panel.to_numpy()
    ok = (col_pos >= 0) & (row_pos >= 0)
    out = pd.Series(float("nan"), index=accounts.index)
    out[ok] = values[row_pos[ok], col_pos[ok]]
    return out


def reading_effect(
    *, article_ids: list[int], today: dt.date | None = None, windows: tuple[int, ...] = WINDOWS
) -> ReadingEffect:
    """Health and usage N days after an account's first read vs before, against the accounts
    in the same (current) phase that read none of `article_ids`.

    Health Δ: score on day d+N minus score on day d-1 (latest score carried forward).
    Usage: average daily usage in the N days from d vs the N days before d. The control
    group's value for a reader is the mean over the non-readers of its phase for the same
    days, so both groups are measured over the same calendar windows.
    NOTE: the phase is the account's phase today, not on the day of the read.
    """
    today = today or timezone.localdate()
    result = ReadingEffect(article_ids=list(article_ids))
    readers = _first_reads(article_ids)
    if readers.empty:
        result.windows = [WindowEffect(days=n) for n in windows]
        return result
    phases = {acc: phase.pk for acc, phase in current_phase_by_account().items()}
    readers["phase"] = readers["account_id"].map(phases)
    reader_ids = set(readers["account_id"])
    controls = pd.DataFrame(
        [(a, p) for a, p in phases.items() if a not in reader_ids and p in set(readers["phase"])],
        columns=["account_id", "phase"],
    )
    result.reader_accounts, result.control_accounts = len(readers), len(controls)
    longest = max(windows)
    start = readers["day"].min() - dt.timedelta(days=longest + 1)
    end = min(readers["day"].max() + dt.timedelta(days=longest), today)
    days = pd.date_range(start, end, freq="D")
    involved = sorted(reader_ids | set(controls["account_id"]))
    scores = _panel(_score_frame(involved, start, end), "score", days, involved, "ffill")
    usage = _panel(_usage_frame(involved, start, end), "count", days, involved, "zero")
    result.windows = [_window(n, readers, controls, scores, usage, today) for n in windows]
    return result


def _phase_means(panel: pd.DataFrame, controls: pd.DataFrame) -> pd.DataFrame:
    """Per phase, the mean over its control accounts for every day (phases as columns)."""
    if controls.empty or panel.empty:
        return pd.DataFrame(index=panel.index)
    cols = [a for a in controls["account_id"] if a in panel.columns]
    if not cols:
        return pd.DataFrame(index=panel.index)
    phase_of = controls.set_index("account_id")["phase"]
    return panel[cols].T.groupby(phase_of.loc[cols].to_numpy()).mean().T


def _window(
    n: int,
    readers: pd.DataFrame,
    controls: pd.DataFrame,
    scores: pd.DataFrame,
    usage: pd.DataFrame,
    today: dt.date,
) -> WindowEffect:
    effect = WindowEffect(days=n)
    done = readers[readers["day"] + dt.timedelta(days=n) <= today].copy()
    effect.readers = len(done)
    if done.empty:
        return effect
    before_day = done["day"] - dt.timedelta(days=1)
    after_day = done["day"] + dt.timedelta(days=n)
    accounts = done["account_id"]
    delta = _lookup(scores, accounts, after_day) - _lookup(scores, accounts, before_day)
    effect.readers_health_delta = _round(delta.mean())
    # Rolling sums: usage over [d-n, d-1] and [d, d+n-1].
    window_sum = usage.rolling(n, min_periods=1).sum() if not usage.empty else usage
    before_u = _lookup(window_sum, accounts, before_day) / n
    after_u = _lookup(window_sum, accounts, after_day - dt.timedelta(days=1)) / n
    effect.readers_usage_before, effect.readers_usage_after = (
        _round(before_u.mean()),
        _round(after_u.mean()),
    )
    score_means = _phase_means(scores, controls)
    usage_means = _phase_means(window_sum, controls)
    phases = done["phase"]
    control_delta = _lookup(score_means, phases, after_day) - _lookup(
        score_means, phases, before_day
    )
    effect.control_health_delta = _round(control_delta.mean())
    effect.control_usage_before = _round((_lookup(usage_means, phases, before_day) / n).mean())
    effect.control_usage_after = _round(
        (_lookup(usage_means, phases, after_day - dt.timedelta(days=1)) / n).mean()
    )
    return effect


@dataclass(frozen=True)
class AccountReading:
    article: Article
    views: int
    readers: int
    last_read: dt.datetime


def reading_for_account(*, account_id: int, since: dt.datetime) -> list[AccountReading]:
    """What the account's contacts read from `since`, most recent first (Account 360)."""
    # As SQL (cs_platform.leanread): Account 360 reads it on every first view.
    rows = lean_rows(
        "SELECT article_id, count(id) AS n, count(DISTINCT contact_id) AS readers,"
        " max(viewed_at) AS last FROM content_articleview"
        " WHERE tenant_id = %(tenant)s AND account_id = %(account)s AND viewed_at >= %(since)s"
        " GROUP BY article_id ORDER BY last DESC LIMIT 20",
        {"account": account_id, "since": since},
    )
    if not rows:
        return []
    articles = Article.objects.prefetch_related("translations").in_bulk(
        [r["article_id"] for r in rows]
    )
    return [
        AccountReading(articles[r["article_id"]], r["n"], r["readers"], r["last"])
        for r in rows
        if r["article_id"] in articles
    ]
