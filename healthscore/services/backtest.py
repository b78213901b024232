"""Prove the score: backtest a scorecard version against what the accounts did next.

Samples are account-days: one day a week (Mondays) of the history, for every account that
was a customer that day (a contract covered it). Each sample gets its score and component
points, from the stored daily scores of a published version, or, for a draft (or a version
with no stored scores), scored on that past day from the stored rollups with the same engine
as the recompute. Its outcome within 90 and 180 days comes from the contracts: churned or
cancelled, downsold, renewed, expanded (`accounts.selectors.contract_outcome_rows`).

Only days whose whole horizon has passed are used: an account that has not churned "yet"
is not counted as staying. The suggestion learns on the earlier days and is tested on the
later ones; a training day's outcome window closes before the first test day, and the
training labels are computed from the outcomes known at that split day only, so the test
period cannot leak into training (`_training_labels`).

The result is computed by a Celery task (`healthscore.backtest_run`) and kept in a
`BacktestRun`, whose fingerprint names the version and the data it was computed on: the
same request on unchanged data returns it instead of recomputing.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import MarketSegment
from accounts.selectors import (
    OUTCOME_CHURNED,
    OUTCOME_DOWNSOLD,
    OUTCOME_EXPANDED,
    OUTCOME_RENEWED,
    account_list,
    contract_outcome_rows,
    contract_term_rows,
)
from cs_platform.models import User
from cs_platform.scoping import require_current_tenant
from journeys.selectors import phase_list, phase_transition_rows

from .. import evaluation
from ..engine.history import HistoryRead, history_frames, history_read, read_binary
from ..engine.measures import spec_of
from ..engine.scoring import effective_weights, score_frame
from ..models import BacktestRun, JobStatus, Scorecard, ScorecardVersion, sample_keys
from .preview import DRAFT
from .recompute import chunk_size, scorecard_assign, scorecards_in_force
from .scorecards import scorecard_definition_validate

logger = logging.getLogger(__name__)

HORIZONS = (90, 180)
SUGGESTION_HORIZON = 90
MONDAY = dt.date(2000, 1, 3)
LOOKBACK_DAYS = 2 * 365
STALE_AFTER = dt.timedelta(hours=1)
# Above this many account-days, every 2nd (3rd, …) Monday is sampled: an account's score a
# week later says little new, and the bootstrap's cost grows with the rows.
MAX_SAMPLES = 1_000_000
# The later share of the eligible days on which the suggestion is tested.
TEST_SHARE = 1 / 3

Progress = Callable[[int, str], None]


def min_events() -> int:
    """Below this many churn events a figure means nothing: the page says so instead."""
    return int(getattr(settings, "HEALTH_BACKTEST_MIN_EVENTS", 20))


def sample_days(*, first: dt.date, last: dt.date) -> list[dt.date]:
    """The Mondays from `first` to `last` (inclusive), at most LOOKBACK_DAYS back."""
    first = max(first, last - dt.timedelta(days=LOOKBACK_DAYS))
    start = first + dt.timedelta(days=(7 - (first - MONDAY).days % 7) % 7)
    return [start + dt.timedelta(days=7 * i) for i in range((last - start).days // 7 + 1)]


# --- samples ------------------------------------------------------------------------------------


def _stored_samples(
    *, tenant_id: int, version_id: int, keys: list[str], days: list[dt.date]
) -> pd.DataFrame:
    """The version's scores on `days`, from the narrow Monday table (`ScoreSample`), in
    binary: band as a code (evaluation.BANDS), points per component as `p:<key>`."""
    order = sample_keys(keys)
    points = "".join(f", coalesce(points[{order.index(k) + 1}], 'NaN')" for k in keys)
    bands = " ".join(f"WHEN '{band}' THEN {i}" for i, band in enumerate(evaluation.BANDS))
    return read_binary(
        f"SELECT account_id, day, score, (CASE band {bands} ELSE -1 END)::int2{points}"
        " FROM healthscore_scoresample"
        " WHERE tenant_id = %s AND version_id = %s AND day = ANY(%s::date[])",
        [tenant_id, version_id, days],
        [
            ("account_id", "int8"),
            ("day", "date"),
            ("score", "float8"),
            ("band", "int2"),
            *[(f"p:{k}", "float8") for k in keys],
        ],
    )


def _customer_ids() -> list[int]:
    """Every account that ever had a contract, churned ones included: they were customers
    on the past days being tested."""
    return sorted({a for a, _start, _end in contract_term_rows()})


def _scored_samples(
    *,
    scorecard: Scorecard,
    definition: dict[str, Any],
    days: list[dt.date],
    progress: Progress,
) -> pd.DataFrame:
    """Score `days` from the stored rollups with the recompute's engine, for the accounts
    this scorecard applies to (as the preview decides it), churned accounts included.

    A chunk is read (`history_read`, every query) and then scored in a second thread
    (`_scored_chunk`, no query) while the next chunk is read: the database and the
    arithmetic take turns no more, each keeps a core. One chunk at most waits to be scored,
    so the memory stays that of two chunks."""
    tenant = require_current_tenant()
    cards = scorecards_in_force(including=scorecard)
    specs = {spec_of(c) for c in definition["components"]}
    keys = [c["key"] for c in definition["components"]]
    ids = _customer_ids()
    size = chunk_size()
    scoring: list[Future[pd.DataFrame]] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="backtest-scoring") as pool:
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            # The chunk's id range, narrowed here: a list of 5,000 ids in the query cost
            # Django more than the read.
            rows = (
                account_list()
                .filter(pk__range=(chunk[0], chunk[-1]))
                .values_list("id", "licensed_seats", "market_segment")
                .order_by("id")
            )
            accounts = pd.DataFrame(
                list(rows), columns=["id", "seats", "market_segment"]
            ).set_index("id")
            accounts = accounts[accounts.index.isin(chunk)]
            accounts["seats"] = accounts["seats"].astype(float)
            assigned = scorecard_assign(
                accounts=accounts, scorecards=cards, version_of={scorecard.pk: DRAFT}
            )
            mine = accounts[assigned == DRAFT]
            if not mine.empty:
                read = history_read(
                    tenant_id=tenant.pk, tz=tenant.tzinfo, accounts=mine, days=days, specs=specs
                )
                if scoring:
                    scoring[-1].result()  # the previous chunk: its rollups leave memory
                context = contextvars.copy_context()
                scoring.append(
                    pool.submit(
                        context.run, _scored_chunk_in_thread, read, definition=definition, keys=keys
                    )
                )
            done = min(start + size, len(ids))
            progress(5 + int(55 * done / max(len(ids), 1)), _("Scoring past days"))
        parts = [future.result() for future in scoring]
    columns = ["account_id", "day", "score", "band", *[f"p:{k}" for k in keys]]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _scored_chunk_in_thread(
    read: HistoryRead, *, definition: dict[str, Any], keys: list[str]
) -> pd.DataFrame:
    try:
        return _scored_chunk(read, definition=definition, keys=keys)
    finally:
        connections.close_all()  # this thread's own, were one opened by mistake


def _scored_chunk(
    read: HistoryRead, *, definition: dict[str, Any], keys: list[str]
) -> pd.DataFrame:
    """A chunk's samples scored from its `history_read`. No query: it runs in a thread of its
    own beside the next chunk's read (a query here would open a second connection)."""
    frames = history_frames(read)
    days, mine = read.days, read.accounts
    # Every day of the chunk in one frame: one pass of the scoring per chunk, not one per
    # day (the same arithmetic row by row).
    scored = score_frame(pd.concat([frames[day] for day in days]), definition)
    return pd.DataFrame(
        {
            "account_id": scored.index.to_numpy(),
            "day": np.repeat(np.array(days, dtype=object), len(mine)),
            "score": scored["score"].to_numpy(),
            "band": scored["band"].to_numpy(),
            **{f"p:{k}": scored[f"{k}__points"].to_numpy() for k in keys},
        }
    )


# --- outcomes -----------------------------------------------------------------------------------


def _dates(values: Any) -> pd.Series:
    """Days as datetime64[ns]: merge_asof needs both sides in the same unit, and pandas
    picks the unit from the input (strings, dates)."""
    return pd.Series(pd.to_datetime(values)).astype("datetime64[ns]")


def _positions(samples: pd.DataFrame) -> pd.DataFrame:
    """(pos, account_id, on) of the samples, sorted by day, for `merge_asof`."""
    return pd.DataFrame(
        {
            "pos": np.arange(len(samples)),
            "account_id": samples["account_id"].to_numpy(dtype="int64"),
            "on": _dates(samples["on"]).to_numpy(),
        }
    ).sort_values("on")


def _next_event(samples: pd.DataFrame, events: pd.DataFrame, kinds: set[str]) -> np.ndarray:
    """Days from each sample to the account's next event of `kinds` strictly after the
    sample's day (NaN: none)."""
    chosen = events[events["kind"].isin(kinds)][["account_id", "on"]].sort_values("on")
    left = _positions(samples)
    if chosen.empty or left.empty:
        return np.full(len(samples), np.nan)
    merged = pd.merge_asof(
        left,
        chosen.rename(columns={"on": "event_on"}).assign(event_on_copy=lambda f: f["event_on"]),
        left_on="on",
        right_on="event_on",
        by="account_id",
        direction="forward",
        allow_exact_matches=False,
    )
    gaps = (merged["event_on_copy"] - merged["on"]).dt.days.to_numpy(dtype=float)
    out = np.full(len(samples), np.nan)
    out[merged["pos"].to_numpy()] = gaps
    return out


def _customer_mask(samples: pd.DataFrame, terms: pd.DataFrame) -> np.ndarray:
    """True where a contract covered the sample's day (start ≤ day < renewal date)."""
    if terms.empty or samples.empty:
        return np.zeros(len(samples), dtype=bool)
    terms = terms.sort_values(["account_id", "start"])
    terms["covered_until"] = terms.groupby("account_id")["end"].cummax()
    left = _positions(samples)
    merged = pd.merge_asof(
        left,
        terms.sort_values("start")[["account_id", "start", "covered_until"]],
        left_on="on",
        right_on="start",
        by="account_id",
        direction="backward",
    )
    out = np.zeros(len(samples), dtype=bool)
    out[merged["pos"].to_numpy()] = (merged["covered_until"] > merged["on"]).to_numpy()
    return out


def _events_frame(rows: list[tuple[int, dt.date, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["account_id", "on", "kind"])
    frame["on"] = _dates(frame["on"])
    frame["account_id"] = frame["account_id"].astype("int64")
    return frame


def outcomes_label(samples: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Days to the next churn, loss (churn or downsell), renewal and expansion per sample."""
    out = pd.DataFrame(index=samples.index)
    out["to_churn"] = _next_event(samples, events, {OUTCOME_CHURNED})
    out["to_downsell"] = _next_event(samples, events, {OUTCOME_DOWNSOLD})
    # The next loss is the nearer of the two (fmin skips a missing one).
    out["to_loss"] = np.fmin(out["to_churn"].to_numpy(), out["to_downsell"].to_numpy())
    out["to_renewal"] = _next_event(samples, events, {OUTCOME_RENEWED})
    out["to_expansion"] = _next_event(samples, events, {OUTCOME_EXPANDED})
    return out


def _phase_on(samples: pd.DataFrame, tz: Any) -> pd.Series:
    phases = phase_list()
    first = phases[0].pk if phases else 0
    rows = phase_transition_rows()
    if not rows:
        return pd.Series(first, index=samples.index)
    moves = pd.DataFrame(rows, columns=["account_id", "phase_id", "at"])
    moves["on"] = _dates(pd.to_datetime(moves["at"], utc=True).dt.tz_convert(tz).dt.date)
    moves = moves.sort_values("on")
    left = _positions(samples)
    merged = pd.merge_asof(left, moves[["account_id", "on", "phase_id"]], on="on", by="account_id")
    out = pd.Series(first, index=samples.index, dtype="int64")
    out.iloc[merged["pos"].to_numpy()] = merged["phase_id"].fillna(first).astype("int64").values
    return out


# --- the backtest -------------------------------------------------------------------------------


def _within(gaps: pd.Series, horizon: int) -> np.ndarray:
    """1.0 where the event came within `horizon` days after the sample, else 0.0."""
    values = gaps.to_numpy()
    return ((values > 0) & (values <= horizon)).astype(float)


def _labelled(frame: pd.DataFrame, horizon: int, column: str) -> pd.DataFrame:
    return frame.assign(y=_within(frame[column], horizon))


def _days_of(frame: pd.DataFrame) -> list[pd.Timestamp]:
    """The sampled days present in `frame` (its `on` column), in order."""
    return list(pd.DatetimeIndex(frame["on"].unique()).sort_values())


def _up_to(frame: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    return frame[(frame["on"] <= pd.Timestamp(day)).to_numpy()]


def _outcome_counts(frame: pd.DataFrame, horizon: int) -> dict[str, int]:
    def within(column: str) -> int:
        gaps = frame[column].to_numpy()
        return int(((gaps > 0) & (gaps <= horizon)).sum())

    return {
        OUTCOME_CHURNED: within("to_churn"),
        OUTCOME_DOWNSOLD: within("to_downsell"),
        OUTCOME_RENEWED: within("to_renewal"),
        OUTCOME_EXPANDED: within("to_expansion"),
    }


def _horizon_result(
    frame: pd.DataFrame,
    horizon: int,
    *,
    components: list[tuple[str, str]],
    phase_names: dict[Any, str],
) -> dict[str, Any]:
    needed = min_events()
    points = [f"p:{key}" for key, _label in components if f"p:{key}" in frame]
    narrow = frame[["account_id", "score", "band", "phase_id", "market_segment", *points]]
    churn = narrow.assign(y=_within(frame["to_churn"], horizon))
    loss = narrow[["account_id", "score", "band"]].assign(y=_within(frame["to_loss"], horizon))
    result = evaluation.summary(churn, min_events=needed, components=components)
    loss_summary = evaluation.summary(
        loss[["account_id", "score", "band", "y"]], min_events=needed, components=[], detail=False
    )
    segment_names = {k: str(v) for k, v in MarketSegment.choices}
    segment_names[""] = _("No segment")
    return {
        "horizon": horizon,
        "days": [d.date().isoformat() for d in _days_of(frame)],
        "outcomes": _outcome_counts(frame, horizon),
        "churn": result,
        "loss": {
            k: loss_summary.get(k)
            for k in ("samples", "accounts", "events", "rate", "enough", "bands", "auc")
        },
        "phases": evaluation.summary_by(churn, "phase_id", phase_names, min_events=needed),
        "segments": evaluation.summary_by(
            churn, "market_segment", segment_names, min_events=needed
        ),
    }


def _training_labels(
    frame: pd.DataFrame, events: pd.DataFrame, *, split: dt.date, horizon: int
) -> pd.DataFrame:
    """The training samples and their labels, from what was known on `split` only.

    NOTE: by construction no training label can see the test period: a training day's
    window (day, day + horizon] ends on or before `split`, and the events are cut at `split`
    before labelling, so an outcome after `split` cannot reach a training label even if the
    window arithmetic were wrong."""
    train = _up_to(frame, split - dt.timedelta(days=horizon))
    known = events[events["on"] <= pd.Timestamp(split)]
    labels = outcomes_label(train, known)
    return _labelled(train.assign(to_loss=labels["to_loss"]), horizon, "to_loss")


def _split_day(days: list[dt.date], horizon: int) -> dt.date | None:
    """The first test day: the later TEST_SHARE of the eligible days, with at least two
    training days a horizon before it."""
    if len(days) < 4:
        return None
    split = days[int(len(days) * (1 - TEST_SHARE))]
    training = [d for d in days if d <= split - dt.timedelta(days=horizon)]
    return split if len(training) >= 2 else None


def suggested_definition(definition: dict[str, Any], weights: dict[str, float]) -> dict[str, Any]:
    """`definition` with whole-number weights giving each component the effective share in
    `weights`: groups keep their members, a group's weight is its members' total."""
    groups = definition.get("groups") or []
    comps = definition["components"]
    top: dict[str, float] = {}
    for comp in comps:
        if not comp.get("group"):
            top[f"c:{comp['key']}"] = weights.get(comp["key"], 0.0)
    for group in groups:
        members = [c["key"] for c in comps if c.get("group") == group["key"]]
        top[f"g:{group['key']}"] = sum(weights.get(k, 0.0) for k in members)
    whole_top = evaluation.whole_weights(top)
    new = json.loads(json.dumps(definition))
    for group in new.get("groups") or []:
        group["weight"] = whole_top[f"g:{group['key']}"]
        members = [c for c in new["components"] if c.get("group") == group["key"]]
        inner = evaluation.whole_weights({c["key"]: weights.get(c["key"], 0.0) for c in members})
        for comp in members:
            comp["weight"] = inner[comp["key"]]
    for comp in new["components"]:
        if not comp.get("group"):
            comp["weight"] = whole_top[f"c:{comp['key']}"]
    return scorecard_definition_validate(definition=new)


def _held_out(
    test: pd.DataFrame, keys: list[str], weights: dict[str, float], bands: dict[str, Any]
) -> dict[str, Any]:
    scores = evaluation.weighted_score(
        test[[f"p:{k}" for k in keys]].set_axis(keys, axis=1), weights
    )
    y = test["y"].to_numpy(dtype=float)
    return {
        "auc": evaluation.roc_auc_ci(
            scores, y, test["account_id"].to_numpy(), replicates=evaluation.GROUP_REPLICATES
        ),
        "bands": evaluation.rates_by_band(evaluation.band_of(scores, bands), y),
    }


def _suggestion(
    frame: pd.DataFrame,
    events: pd.DataFrame,
    *,
    definition: dict[str, Any],
    today: dt.date,
) -> dict[str, Any]:
    horizon = SUGGESTION_HORIZON
    eligible = _up_to(frame, today - dt.timedelta(days=horizon))
    days = [d.date() for d in _days_of(eligible)]
    split = _split_day(days, horizon)
    keys = [c["key"] for c in definition["components"]]
    base: dict[str, Any] = {"horizon": horizon, "target": "loss", "available": False}
    if split is None:
        return {**base, "reason": _("Not enough history for a time-based split yet.")}
    train = _training_labels(eligible, events, split=split, horizon=horizon)
    later = (eligible["on"] >= pd.Timestamp(split)).to_numpy()
    test = _labelled(eligible[later], horizon, "to_loss")
    sizes = {
        "split": split.isoformat(),
        "train_samples": len(train),
        "train_events": int(train["y"].sum()),
        "test_samples": len(test),
        "test_events": int(test["y"].sum()),
    }
    if sizes["train_events"] < min_events() or sizes["test_events"] < min_events():
        return {**base, **sizes, "reason": _("Not enough churn or downsell events yet.")}
    fitted = evaluation.fit_weights(
        train[[f"p:{k}" for k in keys]].set_axis(keys, axis=1), train["y"].to_numpy()
    )
    if fitted is None:
        return {**base, **sizes, "reason": _("No component lowers the risk of churn.")}
    suggested = suggested_definition(definition, fitted)
    current_weights = effective_weights(definition)
    new_weights = effective_weights(suggested)
    bands = definition.get("bands") or {"green": 70, "amber": 40}
    return {
        **base,
        **sizes,
        "available": True,
        "definition": suggested,
        "weights": [
            {
                "key": c["key"],
                "label": c.get("label") or c["key"],
                "group": c.get("group"),
                "current": round(current_weights[c["key"]], 2),
                "suggested": round(new_weights[c["key"]], 2),
            }
            for c in definition["components"]
        ],
        "current": _held_out(test, keys, current_weights, bands),
        "suggested": _held_out(test, keys, new_weights, bands),
    }


def backtest_compute(
    *,
    scorecard: Scorecard,
    definition: dict[str, Any],
    version: ScorecardVersion | None,
    today: dt.date,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Every figure of the backtest of `definition` (a version's, or the draft's)."""
    tenant = require_current_tenant()
    report = progress or (lambda _percent, _stage: None)
    keys = [c["key"] for c in definition["components"]]
    labels = [(c["key"], str(c.get("label") or c["key"])) for c in definition["components"]]
    last = today - dt.timedelta(days=min(HORIZONS))
    first = _first_day(version)
    terms = pd.DataFrame(contract_term_rows(), columns=["account_id", "start", "end"])
    customers = int(terms["account_id"].nunique())
    mondays = sample_days(first=first, last=last) if first is not None and first <= last else []
    step = _thin_step(mondays, customers)
    days = _thinned(mondays, customers)
    source = "stored"
    report(2, _("Reading scores"))
    frame = (
        _stored_samples(tenant_id=tenant.pk, version_id=version.pk, keys=keys, days=days)
        if version is not None and days
        else None
    )
    if frame is None or frame.empty:
        source = "rescored"
        first = _first_rollup_day() if version is not None else first  # asked once
        mondays = sample_days(first=first, last=last) if first is not None and first <= last else []
        step = _thin_step(mondays, customers)
        days = _thinned(mondays, customers)
        frame = (
            _scored_samples(scorecard=scorecard, definition=definition, days=days, progress=report)
            if days
            else pd.DataFrame(columns=["account_id", "day", "score", "band"])
        )
    report(60, _("Reading outcomes"))
    frame["account_id"] = frame["account_id"].astype("int64")
    frame["on"] = _dates(frame["day"])
    frame = frame.drop(columns=["day"])
    if not pd.api.types.is_integer_dtype(frame["band"].dtype):  # names when rescored
        frame["band"] = evaluation.band_codes(frame["band"].to_numpy())
    frame["band"] = frame["band"].astype(np.int64)
    terms["start"], terms["end"] = _dates(terms["start"]), _dates(terms["end"])
    frame = frame[_customer_mask(frame, terms)].reset_index(drop=True)
    events = _events_frame(contract_outcome_rows())
    frame = pd.concat([frame, outcomes_label(frame, events)], axis=1)
    frame["phase_id"] = _phase_on(frame, tenant.tzinfo).to_numpy()
    segments = dict(account_list().values_list("id", "market_segment").order_by())
    frame["market_segment"] = frame["account_id"].map(segments).fillna("")
    phase_names = {p.pk: p.name for p in phase_list()}
    result: dict[str, Any] = {
        "source": source,
        "today": today.isoformat(),
        "min_events": min_events(),
        "sample_days": len(days),
        # 1: every Monday; k: every k-th (a large portfolio, see MAX_SAMPLES).
        "sample_every_weeks": step,
        "max_samples": MAX_SAMPLES,
        "horizons": [],
    }
    for i, horizon in enumerate(HORIZONS):
        report(65 + 10 * i, _("Evaluating %(days)s days") % {"days": horizon})
        part = _up_to(frame, today - dt.timedelta(days=horizon))
        result["horizons"].append(
            _horizon_result(part, horizon, components=labels, phase_names=phase_names)
        )
    report(85, _("Fitting suggested weights"))
    result["suggestion"] = _suggestion(frame, events, definition=definition, today=today)
    return result


def _thin_step(days: list[dt.date], customers: int) -> int:
    """k such that every k-th day keeps days × customers within MAX_SAMPLES."""
    return max(1, -(-len(days) * customers // MAX_SAMPLES))


def _thinned(days: list[dt.date], customers: int) -> list[dt.date]:
    """Every k-th day (`_thin_step`), counted back from the latest."""
    return sorted(days[::-1][:: _thin_step(days, customers)])


def _first_day(version: ScorecardVersion | None) -> dt.date | None:
    if version is None:
        return _first_rollup_day()
    with connection.cursor() as cursor:
        # The (tenant, day, band) index answers this without reading the scores.
        cursor.execute(
            "SELECT min(day) FROM healthscore_healthscore WHERE tenant_id = %s",
            [version.tenant_id],
        )
        return cursor.fetchone()[0]


def _first_rollup_day() -> dt.date | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(day) FROM healthscore_usagedaily WHERE tenant_id = %s",
            [require_current_tenant().pk],
        )
        return cursor.fetchone()[0]


# --- runs: request, execute, adopt --------------------------------------------------------------


def backtest_fingerprint(
    *, scorecard: Scorecard, version: ScorecardVersion | None, definition: dict[str, Any]
) -> str:
    """What a result depends on: the definition, today, and cheap summaries of the scores,
    contracts, accounts and phase changes. Any change there gives a new fingerprint."""
    tenant = require_current_tenant()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT"
            " (SELECT max(day) FROM healthscore_healthscore WHERE tenant_id = %(t)s),"
            " (SELECT max(id) || ':' || max(coalesce(finished_at, started_at))"
            "  FROM healthscore_recomputejob WHERE tenant_id = %(t)s),"
            " (SELECT count(*) || ':' || coalesce(sum(hashtext(concat_ws(':', id, account_id,"
            "  status, arr, start_date, renewal_date, previous_id))::bigint), 0)"
            "  FROM accounts_contract WHERE tenant_id = %(t)s),"
            " (SELECT count(*) || ':' || max(updated_at) FROM accounts_account"
            "  WHERE tenant_id = %(t)s),"
            " (SELECT count(*) || ':' || max(id) FROM journeys_phasetransition"
            "  WHERE tenant_id = %(t)s)",
            {"t": tenant.pk},
        )
        data = [str(v) for v in cursor.fetchone()]
        if version is None:
            # A draft is scored from the inputs themselves: contacts and the meetings they
            # attended (relationship), surveys, milestones. NOTE: usage rollups are left
            # out: today's events add rows all day long, but the sampled days end a horizon
            # before today, so only a back-fill of old usage would change the result, and
            # `today` in the fingerprint bounds the staleness to a day.
            cursor.execute(
                "SELECT"
                " (SELECT count(*) || ':' || coalesce(sum(hashtext(concat_ws(':', id, account_id,"
                "  relationship_level, last_met_at))::bigint), 0) FROM accounts_contact"
                "  WHERE tenant_id = %(t)s),"
                " (SELECT count(*) || ':' || max(id) FROM journeys_meetingcontact"
                "  WHERE tenant_id = %(t)s),"
                " (SELECT count(*) || ':' || max(id) FROM healthscore_surveyresponse"
                "  WHERE tenant_id = %(t)s),"
                " (SELECT count(*) || ':' || coalesce(sum(hashtext(concat_ws(':', id, status,"
                "  due_date, completed_on))::bigint), 0) FROM journeys_milestone"
                "  WHERE tenant_id = %(t)s)",
                {"t": tenant.pk},
            )
            data += [str(v) for v in cursor.fetchone()]
    today = timezone.localdate(timezone=tenant.tzinfo)
    payload = json.dumps(
        [scorecard.pk, version.pk if version else None, definition, today.isoformat(), data],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def backtest_request(
    *, scorecard: Scorecard, version: ScorecardVersion | None, user: User | None = None
) -> tuple[BacktestRun, bool]:
    """The run for this version on today's data: a finished or running one when there is
    one (the cache), else a new running one. Returns (run, created); the caller starts the
    task for a created run once the transaction commits."""
    if version is not None and version.scorecard_id != scorecard.pk:
        raise ValidationError({"version": [_("This version belongs to another scorecard.")]})
    definition = version.definition if version is not None else scorecard.draft
    definition = scorecard_definition_validate(definition=definition)
    fingerprint = backtest_fingerprint(scorecard=scorecard, version=version, definition=definition)
    # A run whose worker died would hold its place forever: give up on it after a while.
    BacktestRun.objects.filter(
        status=JobStatus.RUNNING, started_at__lt=timezone.now() - STALE_AFTER
    ).update(status=JobStatus.FAILED, error="stale: no result in time", finished_at=timezone.now())
    existing = (
        BacktestRun.objects.filter(
            scorecard=scorecard,
            fingerprint=fingerprint,
            status__in=[JobStatus.RUNNING, JobStatus.DONE],
        )
        .order_by("-started_at", "-pk")
        .first()
    )
    if existing is not None:
        return existing, False
    tenant = require_current_tenant()
    with connection.cursor() as cursor:
        # The partial unique index on running runs makes a concurrent twin a no-op.
        cursor.execute(
            "INSERT INTO healthscore_backtestrun (tenant_id, scorecard_id, version_id,"
            " definition, fingerprint, status, progress, stage, error, started_at,"
            " requested_by_id) VALUES (%s, %s, %s, %s, %s, 'running', 0, '', '', %s, %s)"
            " ON CONFLICT (tenant_id, fingerprint) WHERE status = 'running' DO NOTHING"
            " RETURNING id",
            [
                tenant.pk,
                scorecard.pk,
                version.pk if version else None,
                json.dumps(definition),
                fingerprint,
                timezone.now(),  # the app's clock, as the stale check reads it
                user.pk if user else None,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return BacktestRun.objects.get(fingerprint=fingerprint, status=JobStatus.RUNNING), False
    return BacktestRun.objects.get(pk=row[0]), True


def _report(run_id: int) -> Progress:
    def report(percent: int, stage: str) -> None:
        BacktestRun.objects.filter(pk=run_id, status=JobStatus.RUNNING).update(
            progress=min(max(percent, 0), 100), stage=stage[:200]
        )

    return report


def backtest_execute(*, run: BacktestRun) -> BacktestRun:
    """Compute the run's result (the task's body); a failure is recorded, not raised."""
    tenant = require_current_tenant()
    today = timezone.localdate(timezone=tenant.tzinfo)
    try:
        result = backtest_compute(
            scorecard=run.scorecard,
            definition=run.definition,
            version=run.version,
            today=today,
            progress=_report(run.pk),
        )
    except Exception as exc:
        logger.exception("Backtest %s failed", run.pk)
        BacktestRun.objects.filter(pk=run.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.FAILED, error=repr(exc)[:2000], finished_at=timezone.now()
        )
        run.refresh_from_db()
        return run
    BacktestRun.objects.filter(pk=run.pk, status=JobStatus.RUNNING).update(
        status=JobStatus.DONE,
        result=json.loads(json.dumps(result, default=str)),
        progress=100,
        stage="",
        finished_at=timezone.now(),
    )
    run.refresh_from_db()
    return run


@transaction.atomic
def backtest_adopt(*, run: BacktestRun) -> Scorecard:
    """Turn the run's suggested weights into the scorecard's draft (then: preview, publish)."""
    suggestion = (run.result or {}).get("suggestion") or {}
    if run.status != JobStatus.DONE or not suggestion.get("available"):
        raise ValidationError({"run": [_("This backtest has no suggested weights.")]})
    definition = scorecard_definition_validate(definition=suggestion["definition"])
    scorecard = Scorecard.objects.select_for_update().get(pk=run.scorecard_id)
    scorecard.draft = definition
    scorecard.save(update_fields=["draft", "updated_at"])
    return scorecard
