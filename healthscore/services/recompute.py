"""The recompute: chunks of accounts, SQL → pandas → one upsert per chunk and version.

Idempotent by construction: a score is upserted on (tenant, account, day), and a chunk marks
its own row done, with how many accounts it scored, in the same transaction as its upsert, with
an UPDATE fenced on its lease that succeeds only once. A chunk run twice (a redelivered task
after a killed worker, a resumed job) rewrites the same rows and counts nothing twice.

Progress is the sum over the job's chunk rows (`selectors.recompute_job_done`), folded into the
job row when the job closes. Chunks never write the job row: adding to one counter in every
chunk's transaction made each chunk's commit wait for the other chunks' (a hot row; the portfolio
aggregates had the same problem, see PortfolioDayDelta).

Chunks are leased (`RecomputeChunk`, see "Chunk leases" below and cs_platform/leases.py): a
worker killed mid-chunk stops renewing its lease and the beat sweep re-dispatches the chunk to
a surviving worker within minutes, not after the broker's visibility timeout.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import pandas as pd
from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.selectors import account_list, contract_term_rows, segment_accounts
from cs_platform.leases import (
    Heartbeat,
    lease_seconds,
    max_stalls,
    requeue_after_seconds,
    worker_name,
)
from cs_platform.models import User
from cs_platform.scoping import cross_tenant, require_current_tenant, tenant_scope
from cs_platform.selectors import tenant_list
from journeys.selectors import current_phase_by_account

from ..engine.history import history_measure_frames
from ..engine.measures import Spec, measure_frame, spec_of
from ..engine.scoring import effective_weights, score_frame
from ..models import (
    ChunkState,
    JobStatus,
    JobTrigger,
    RecomputeChunk,
    RecomputeJob,
    Scorecard,
    ScorecardVersion,
)
from .alerts import alerts_evaluate
from .milestones import milestone_risk_evaluate
from .portfolio import portfolio_days_compact

logger = logging.getLogger(__name__)

Progress = Callable[[RecomputeJob], None]


def chunk_size() -> int:
    return int(getattr(settings, "HEALTH_RECOMPUTE_CHUNK_SIZE", 5000))


def scorecards_in_force(*, including: Scorecard | None = None) -> list[Scorecard]:
    """Active, published scorecards in the order they are tried (the default last)."""
    cards = Scorecard.objects.filter(is_active=True, current_version__isnull=False)
    if including is not None:
        cards = cards | Scorecard.objects.filter(pk=including.pk)
    return list(
        cards.select_related("current_version", "segment").order_by("is_default", "priority", "pk")
    )


def accounts_frame(
    first_id: int, last_id: int, *, ids: list[int] | None = None, scorable_only: bool = True
) -> pd.DataFrame:
    """The scorable accounts with first_id <= id <= last_id (only `ids` among them if given;
    the churned too with `scorable_only=False`)."""
    accounts = account_list(ids=ids, scorable_only=scorable_only).filter(
        pk__gte=first_id, pk__lte=last_id
    )
    rows = accounts.values_list("id", "licensed_seats", "market_segment").order_by("id")
    frame = pd.DataFrame(list(rows), columns=["id", "seats", "market_segment"])
    frame["seats"] = frame["seats"].astype(float)
    return frame.set_index("id")


def scorecard_assign(
    *,
    accounts: pd.DataFrame,
    scorecards: list[Scorecard],
    version_of: dict[int, int] | None = None,
) -> pd.Series:
    """The version id that applies to each account: first matching scorecard by priority,
    the default last; exactly one per account (0 when no scorecard applies).
    `version_of` overrides a scorecard's version id (the preview scores a draft)."""
    version_of = version_of or {}
    ids = [int(i) for i in accounts.index]
    assigned = pd.Series(0, index=accounts.index, dtype="int64")
    phases: pd.Series | None = None
    if any(card.phase_keys for card in scorecards):
        by_account = current_phase_by_account(account_ids=ids)
        phases = pd.Series({a: p.key for a, p in by_account.items()}, dtype=object).reindex(
            accounts.index
        )
    for card in scorecards:
        mask = assigned == 0
        if card.phase_keys and phases is not None:
            mask &= phases.isin(card.phase_keys)
        if card.market_segments:
            mask &= accounts["market_segment"].isin(card.market_segments)
        if card.segment_id:
            members = segment_accounts(card.segment).filter(pk__in=ids).values_list("pk", flat=True)
            mask &= accounts.index.isin(list(members))
        assigned[mask] = version_of.get(card.pk, card.current_version_id)
    return assigned


def _versions_used(
    assigned: pd.Series, versions: dict[int, ScorecardVersion]
) -> tuple[list[int], set[Spec]]:
    """The versions some account is assigned (`scorecard_assign`), and what their components
    measure."""
    used = [v for v in versions if (assigned == v).any()]
    return used, {spec_of(comp) for v in used for comp in versions[v].definition["components"]}


def _upsert(
    *,
    tenant_id: int,
    day: dt.date | None,
    version_id: int,
    definition: dict[str, Any],
    scores: Any,
    now: dt.datetime | None = None,
) -> int:
    """COPY the chunk's scores into a temp table; one INSERT … ON CONFLICT DO UPDATE.

    With `day=None`, `scores` carries a `day` column (many days in one statement). With `now`,
    the rows go to the intra-day table (`HealthScoreNow`, one per account) stamped `now`."""
    keys = [c["key"] for c in definition["components"]]
    weights = effective_weights(definition)
    columns = ["day"] if day is None else []
    columns += ["score", "band"]
    for key in keys:
        columns += [f"{key}__value", f"{key}__points"]
    table = scores[columns].round(4)
    temp_columns = ", ".join(
        ["account_id bigint"]
        + (["day date"] if day is None else [])
        + ["score float8", "band text"]
        + [f"v{i} float8, p{i} float8" for i in range(len(keys))]
    )
    parts = ", ".join(
        f"%s, jsonb_build_object('value', v{i}, 'points', p{i}, 'weight', %s::float8)"
        for i in range(len(keys))
    )
    params: list[Any] = [tenant_id] + ([] if day is None else [day]) + [version_id]
    day_sql = "day" if day is None else "%s"
    order = "account_id, day" if day is None else "account_id"
    for key in keys:
        params += [key, weights[key]]
    params.append(now or timezone.now())
    buffer = io.StringIO()
    table.to_csv(buffer, header=False, na_rep="", quoting=csv.QUOTE_MINIMAL)
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE healthscore_score_tmp ({temp_columns}) ON COMMIT DROP")
        cursor.copy_expert("COPY healthscore_score_tmp FROM STDIN WITH (FORMAT csv)", buffer)
        # The nightly writes the daily history; with `now`, the intra-day table (one row per
        # account, replaced at each event-time recompute).
        target, conflict = (
            ("healthscore_healthscore", "tenant_id, account_id, day")
            if now is None
            else ("healthscore_healthscorenow", "tenant_id, account_id")
        )
        cursor.execute(
            f"INSERT INTO {target} "
            "(tenant_id, account_id, day, version_id, score, band, components, computed_at) "
            f"SELECT %s, account_id, {day_sql}, %s, score, band, jsonb_build_object({parts}),"
            f" %s FROM healthscore_score_tmp ORDER BY {order} "
            f"ON CONFLICT ({conflict}) DO UPDATE SET day = EXCLUDED.day, "
            "version_id = EXCLUDED.version_id, score = EXCLUDED.score, band = EXCLUDED.band, "
            "components = EXCLUDED.components, computed_at = EXCLUDED.computed_at",
            params,
        )
        count = cursor.rowcount
        cursor.execute("DROP TABLE healthscore_score_tmp")
    return count


def recompute_chunk(
    *, day: dt.date, first_id: int, last_id: int, cache: dict[str, Any] | None = None
) -> int:
    """Score the accounts with first_id <= id <= last_id for `day`; returns how many."""
    return accounts_score(
        accounts=accounts_frame(first_id, last_id), day=day, cache=cache, now=None
    )


def accounts_score(
    *,
    accounts: pd.DataFrame,
    day: dt.date,
    cache: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """The engine for a frame of accounts (`accounts_frame`): measures, scorecards, one upsert
    per version. Nightly (`now=None`): the daily history; at event time (`now`): the accounts'
    intra-day ("now") scores, the same numbers the nightly would write for `day` at `now`."""
    tenant = require_current_tenant()
    if accounts.empty:
        return 0
    cards = scorecards_in_force()
    assigned = scorecard_assign(accounts=accounts, scorecards=cards)
    versions = {c.current_version_id: c.current_version for c in cards}
    used, specs = _versions_used(assigned, versions)
    measures = measure_frame(
        tenant_id=tenant.pk,
        tz=tenant.tzinfo,
        accounts=accounts[assigned > 0],
        as_of=day,
        specs=specs,
        cache=cache,
    )
    total = 0
    with transaction.atomic():
        for version_id in used:
            definition = versions[version_id].definition
            rows = measures.loc[assigned[assigned == version_id].index]
            scores = score_frame(rows, definition)
            total += _upsert(
                tenant_id=tenant.pk,
                day=day,
                version_id=version_id,
                definition=definition,
                scores=scores,
                now=now,
            )
    return total


def recompute_plan(*, ids: list[int] | None = None) -> list[list[int]]:
    """Id ranges of `chunk_size()` accounts each: the scorable ones, or the sorted `ids`."""
    if ids is None:
        ids = list(account_list(scorable_only=True).order_by("id").values_list("id", flat=True))
    size = chunk_size()
    return [[ids[i], ids[min(i + size, len(ids)) - 1]] for i in range(0, len(ids), size)]


def _job_fill(job: RecomputeJob) -> RecomputeJob:
    """Plan the chunks and write one lease row per chunk (caller holds the transaction)."""
    chunks = recompute_plan()
    total = account_list(scorable_only=True).count()
    RecomputeJob.objects.filter(pk=job.pk).update(chunks=chunks, total=total)
    with connection.cursor() as cursor:
        # `dispatched_at` starts as the planning time (database clock): chunks of a job that was
        # never sent (broker down) are picked up by the sweep like lost messages.
        cursor.execute(
            "INSERT INTO healthscore_recomputechunk (tenant_id, job_id, index, first_id, last_id,"
            " state, attempt, worker, stalls, stalled_worker, dispatched_at)"
            " SELECT %s, %s, i - 1, (c->>0)::bigint, (c->>1)::bigint, 'queued', 0, '', 0, '',"
            " clock_timestamp() FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS t(c, i)",
            [job.tenant_id, job.pk, json.dumps(chunks)],
        )
    job.chunks, job.total = chunks, total
    return job


def recompute_job_create(
    *, day: dt.date, trigger: str = JobTrigger.MANUAL, user: User | None = None
) -> RecomputeJob:
    with transaction.atomic():
        job = RecomputeJob.objects.create(day=day, trigger=trigger, requested_by=user)
        return _job_fill(job)


def recompute_job_start(*, day: dt.date, user: User | None = None) -> RecomputeJob:
    """A manual "recompute now": create the job and start it once this transaction commits
    (the page and the API both ask through here)."""
    with transaction.atomic():
        job = recompute_job_create(day=day, user=user)
        # NOTE: sent by the task's stable name: healthscore.tasks imports this module.
        transaction.on_commit(
            lambda: current_app.send_task(
                "healthscore.recompute_start",
                kwargs={"tenant_id": job.tenant_id, "job_id": job.pk},
            )
        )
    return job


def recompute_job_claim_nightly(*, day: dt.date) -> RecomputeJob | None:
    """Create tonight's job unless it exists (a unique (tenant, day) row: one winner).

    The claim and the chunk plan commit together: a crash in between leaves no job, and the
    next beat claims the night again (never a job "done" with nothing scored)."""
    tenant = require_current_tenant()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO healthscore_recomputejob (tenant_id, day, trigger, status, total,"
                " done, chunks, completed_chunks, errors, started_at)"
                " VALUES (%s, %s, 'nightly', 'running', 0, 0, '[]', '{}', '[]', %s)"
                " ON CONFLICT (tenant_id, day) WHERE trigger = 'nightly' DO NOTHING RETURNING id",
                [tenant.pk, day, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            return None
        return _job_fill(RecomputeJob.objects.get(pk=row[0]))


# Chunk leases -------------------------------------------------------------------------------
# The lease design of the recompute, in one place (the event-time path reuses it): a chunk is
# run only by the worker whose claim bumped its `attempt`; a heartbeat thread renews the lease
# while it runs; its completion is fenced on that attempt; `recompute_leases_sweep` (beat)
# queues again what a dead worker held. See cs_platform/leases.py for the timings.

_LEASE = "clock_timestamp() + make_interval(secs => %s)"


def recompute_chunk_claim(*, job: RecomputeJob, index: int, worker: str) -> tuple[int, int] | None:
    """Take the lease of chunk `index` if it is queued, or held by a worker whose lease ran
    out; returns (chunk id, attempt), or None when it is done, failed or leased elsewhere."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE healthscore_recomputechunk SET state = 'running', attempt = attempt + 1,"
            " worker = %s, claimed_at = clock_timestamp(), heartbeat_at = clock_timestamp(),"
            f" lease_expires_at = {_LEASE}"
            " WHERE job_id = %s AND tenant_id = %s AND index = %s AND (state = 'queued'"
            " OR (state = 'running' AND lease_expires_at < clock_timestamp()))"
            " RETURNING id, attempt",
            [worker[:200], lease_seconds(), job.pk, job.tenant_id, index],
        )
        row = cursor.fetchone()
    return (int(row[0]), int(row[1])) if row else None


def recompute_chunk_heartbeat(*, chunk_id: int, attempt: int) -> bool:
    """Renew a lease we hold; False once it is not ours any more."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE healthscore_recomputechunk SET heartbeat_at = clock_timestamp(),"
            f" lease_expires_at = {_LEASE}"
            " WHERE id = %s AND attempt = %s AND state = 'running'",
            [lease_seconds(), chunk_id, attempt],
        )
        return cursor.rowcount == 1


def recompute_chunk_release(*, chunk_id: int, attempt: int) -> None:
    """Give a lease back after an error, so the task's retry can claim the chunk at once."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE healthscore_recomputechunk SET state = 'queued', lease_expires_at = NULL"
            " WHERE id = %s AND attempt = %s AND state = 'running'",
            [chunk_id, attempt],
        )


class LeaseLost(Exception):
    """Our lease expired and another worker claimed the chunk: our result is not written."""


def _chunk_complete(
    *, job: RecomputeJob, index: int, chunk_id: int, attempt: int, count: int
) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE healthscore_recomputechunk SET state = 'done', scored = %s,"
            " finished_at = clock_timestamp(), lease_expires_at = NULL"
            " WHERE id = %s AND attempt = %s AND state = 'running'",
            [count, chunk_id, attempt],
        )
        if cursor.rowcount != 1:
            raise LeaseLost(f"chunk {index} of job {job.pk}")
    return True


def recompute_job_run_chunk(
    *,
    job: RecomputeJob,
    index: int,
    cache: dict[str, Any] | None = None,
    worker: str | None = None,
) -> bool:
    """Run chunk `index` of `job` under a lease; True when this run completed it (False when
    it was already done, failed, or leased by a live worker)."""
    lease = recompute_chunk_claim(job=job, index=index, worker=worker or worker_name())
    if lease is None:
        return False
    chunk_id, attempt = lease
    first_id, last_id = job.chunks[index]
    # NOTE: inside a caller's transaction the claim is not visible to other connections, so
    # there is nothing to renew (and a heartbeat would wait on our own row lock).
    heartbeat: Any = (
        nullcontext()
        if connection.in_atomic_block
        else Heartbeat(lambda: recompute_chunk_heartbeat(chunk_id=chunk_id, attempt=attempt))
    )
    try:
        with heartbeat, transaction.atomic():
            count = recompute_chunk(day=job.day, first_id=first_id, last_id=last_id, cache=cache)
            return _chunk_complete(
                job=job, index=index, chunk_id=chunk_id, attempt=attempt, count=count
            )
    except LeaseLost:
        logger.warning(
            "Lost the lease of chunk %s of job %s; its new holder scores it", index, job.pk
        )
        return False
    except BaseException:
        recompute_chunk_release(chunk_id=chunk_id, attempt=attempt)
        raise


def recompute_job_record_error(*, job: RecomputeJob, index: int, error: str) -> None:
    """A chunk gave up: note why, and count it as finished so the job can end."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE healthscore_recomputechunk SET state = 'failed',"
            " finished_at = clock_timestamp(), lease_expires_at = NULL"
            " WHERE job_id = %s AND tenant_id = %s AND index = %s"
            " AND state NOT IN ('done', 'failed')",
            [job.pk, job.tenant_id, index],
        )
        if cursor.rowcount != 1:
            return  # done meanwhile, or already recorded
        # NOTE: the job row, unlike a chunk's success: a failure is rare.
        cursor.execute(
            "UPDATE healthscore_recomputejob SET"
            " errors = errors || jsonb_build_array(jsonb_build_object('chunk', %s, 'error', %s))"
            " WHERE id = %s AND tenant_id = %s",
            [index, error[:500], job.pk, job.tenant_id],
        )


def recompute_job_finish(*, job: RecomputeJob) -> bool:
    """Close the job once every chunk is in (done or failed): the chunks' counts and indexes
    fold into the job row. True for the one caller that closed it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE healthscore_recomputejob j SET finished_at = %s,"
            " status = CASE WHEN jsonb_array_length(errors) > 0 THEN 'failed' ELSE 'done' END,"
            " done = j.done + (SELECT coalesce(sum(c.scored), 0) FROM healthscore_recomputechunk c"
            "  WHERE c.job_id = j.id AND c.tenant_id = j.tenant_id AND c.state = 'done'),"
            " completed_chunks = (SELECT coalesce(array_agg(c.index ORDER BY c.index), '{}')"
            "  FROM healthscore_recomputechunk c"
            "  WHERE c.job_id = j.id AND c.tenant_id = j.tenant_id"
            "  AND c.state IN ('done', 'failed'))"
            " WHERE j.id = %s AND j.tenant_id = %s AND j.status = 'running'"
            " AND NOT EXISTS (SELECT 1 FROM healthscore_recomputechunk c"
            "  WHERE c.job_id = j.id AND c.tenant_id = j.tenant_id"
            "  AND c.state IN ('queued', 'running'))",
            [timezone.now(), job.pk, job.tenant_id],
        )
        closed = cursor.rowcount == 1
    if closed:
        # The chunks' portfolio deltas (one or two per chunk) fold into the day's rows.
        portfolio_days_compact(wait=True)
        alerts_evaluate(day=job.day)
        milestone_risk_evaluate()
    return closed


def recompute_job_pending_chunks(*, job: RecomputeJob) -> list[int]:
    """Chunks not finished yet (queued, or running under a lease)."""
    return list(
        RecomputeChunk.objects.filter(job=job, state__in=[ChunkState.QUEUED, ChunkState.RUNNING])
        .order_by("index")
        .values_list("index", flat=True)
    )


def recompute_job_mark_dispatched(*, job: RecomputeJob) -> list[int]:
    """The queued chunks of a job that is being sent out, stamped as sent now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE healthscore_recomputechunk SET dispatched_at = clock_timestamp()"
            " WHERE job_id = %s AND tenant_id = %s AND state = 'queued' RETURNING index",
            [job.pk, job.tenant_id],
        )
        return sorted(int(r[0]) for r in cursor.fetchall())


@dataclass(frozen=True)
class SweptChunk:
    tenant_id: int
    job_id: int
    index: int


def recompute_leases_sweep() -> list[SweptChunk]:
    """Beat, across tenants: what dead workers held goes back to the queue. Returns the
    chunks to send again.

    - a running chunk whose lease expired is noted as stalled (`stalls`, `last_stalled_at`,
      `stalled_worker`: the job page tells the story) and queued again, or failed after
      `max_stalls()` dead workers;
    - a queued chunk sent more than `requeue_after_seconds()` ago, of a job where nothing ran
      or finished in that time, is sent again (its message sat with a dead worker);
    - a running job whose chunks are all finished is closed (its worker died in between).
    Chunks that are queued or running under a live lease are never sent twice.
    """
    with cross_tenant("sweep"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE healthscore_recomputechunk c SET state = 'queued', stalls = c.stalls + 1,"
            " last_stalled_at = clock_timestamp(), stalled_worker = c.worker,"
            " lease_expires_at = NULL, dispatched_at = clock_timestamp()"
            " FROM healthscore_recomputejob j WHERE j.id = c.job_id AND j.status = 'running'"
            " AND c.state = 'running' AND c.lease_expires_at < clock_timestamp()"
            " RETURNING c.tenant_id, c.job_id, c.index, c.stalls",
        )
        stalled = cursor.fetchall()
        cursor.execute(
            "UPDATE healthscore_recomputechunk c SET dispatched_at = clock_timestamp()"
            " FROM healthscore_recomputejob j WHERE j.id = c.job_id AND j.status = 'running'"
            " AND c.state = 'queued'"
            " AND c.dispatched_at < clock_timestamp() - make_interval(secs => %s)"
            " AND NOT EXISTS (SELECT 1 FROM healthscore_recomputechunk o WHERE o.job_id = c.job_id"
            "   AND ((o.state = 'running' AND o.lease_expires_at >= clock_timestamp())"
            "     OR o.finished_at >= clock_timestamp() - make_interval(secs => %s)))"
            " RETURNING c.tenant_id, c.job_id, c.index",
            [requeue_after_seconds(), requeue_after_seconds()],
        )
        forgotten = cursor.fetchall()
    swept = [SweptChunk(t, j, i) for t, j, i, stalls in stalled if stalls < max_stalls()]
    swept += [SweptChunk(t, j, i) for t, j, i in forgotten]
    for tenant_id, job_id, index, stalls in stalled:
        if stalls >= max_stalls():
            _give_up(tenant_id=tenant_id, job_id=job_id, index=index, stalls=stalls)
    _close_finished_jobs()
    if stalled:
        logger.warning("Recompute leases expired: %s chunk(s) queued again", len(stalled))
    return swept


def _give_up(*, tenant_id: int, job_id: int, index: int, stalls: int) -> None:
    tenant = tenant_list().get(pk=tenant_id)
    with tenant_scope(tenant):
        job = RecomputeJob.objects.get(pk=job_id)
        recompute_job_record_error(
            job=job, index=index, error=f"{stalls} workers died while running this chunk"
        )


def _close_finished_jobs() -> None:
    with cross_tenant("sweep"):
        jobs = list(
            RecomputeJob.objects.unscoped()
            .filter(status=JobStatus.RUNNING)
            .exclude(chunk_rows__state__in=[ChunkState.QUEUED, ChunkState.RUNNING])
            .select_related("tenant")
        )
    for job in jobs:
        with tenant_scope(job.tenant):
            recompute_job_finish(job=job)


def recompute_job_run_sync(*, job: RecomputeJob, progress: Progress | None = None) -> RecomputeJob:
    """Run (or resume) every pending chunk in this process: the command and demo path."""
    cache: dict[str, Any] = {}
    for index in recompute_job_pending_chunks(job=job):
        recompute_job_run_chunk(job=job, index=index, cache=cache)
        if progress is not None:
            job.refresh_from_db()
            progress(job)
    recompute_job_finish(job=job)
    job.refresh_from_db()
    return job


def healthscore_recompute(
    *,
    day: dt.date | None = None,
    trigger: str = JobTrigger.COMMAND,
    user: User | None = None,
    progress: Progress | None = None,
) -> RecomputeJob:
    """Score every account of the tenant in scope for `day` (default: today), synchronously."""
    day = day or timezone.localdate(timezone=require_current_tenant().tzinfo)
    job = recompute_job_create(day=day, trigger=trigger, user=user)
    return recompute_job_run_sync(job=job, progress=progress)


def _customers_by_day(terms: pd.DataFrame, days: list[dt.date]) -> dict[dt.date, pd.Index]:
    """The accounts a contract covered on each day (start <= day < renewal date)."""
    return {
        day: pd.Index(
            terms.loc[(terms["start"] <= day) & (terms["end"] > day), "account_id"].unique()
        )
        for day in days
    }


def healthscore_recompute_history(
    *,
    days: list[dt.date],
    alert_days: int | None = None,
    progress: Callable[[str], None] | None = None,
    customers_only: bool = False,
) -> int:
    """Score many past days at once (demo seeding, back-fills): each chunk's rollups are read
    once for all the days (`engine.history`), then one upsert per day and version. Alerts
    are evaluated day by day afterwards, oldest first, so episodes open and close in order
    (only over the last `alert_days` days when given; none with 0).

    `customers_only` scores the past as it was: every account with a contract, churned ones
    included, each on the days a contract covered (it was a customer then), not the accounts
    that are scorable today."""

    tenant = require_current_tenant()
    days = sorted(days)
    cards = scorecards_in_force()
    versions = {c.current_version_id: c.current_version for c in cards}
    customers: dict[dt.date, pd.Index] | None = None
    customer_ids: list[int] | None = None
    if customers_only:
        terms = pd.DataFrame(contract_term_rows(), columns=["account_id", "start", "end"])
        customers = _customers_by_day(terms, days)
        customer_ids = sorted(terms["account_id"].unique().tolist())
    total = 0
    for first_id, last_id in recompute_plan(ids=customer_ids):
        accounts = accounts_frame(first_id, last_id, scorable_only=not customers_only)
        if customer_ids is not None:
            accounts = accounts[accounts.index.isin(customer_ids)]
        if accounts.empty:
            continue
        assigned = scorecard_assign(accounts=accounts, scorecards=cards)
        used, specs = _versions_used(assigned, versions)
        frames = history_measure_frames(
            tenant_id=tenant.pk,
            tz=tenant.tzinfo,
            accounts=accounts[assigned > 0],
            days=days,
            specs=specs,
        )
        with transaction.atomic():
            for version_id in used:
                definition = versions[version_id].definition
                mine = assigned[assigned == version_id].index
                on = {
                    day: mine if customers is None else mine.intersection(customers[day])
                    for day in days
                }
                parts = [
                    score_frame(frames[day].loc[on[day]], definition).assign(day=day)
                    for day in days
                    if len(on[day])
                ]
                if not parts:
                    continue
                scores = pd.concat(parts)
                total += _upsert(
                    tenant_id=tenant.pk,
                    day=None,
                    version_id=version_id,
                    definition=definition,
                    scores=scores,
                )
        if progress is not None:
            progress(f"accounts {first_id}–{last_id}: {len(days)} days scored")
    portfolio_days_compact(wait=True)  # one delta per chunk, day and version
    with connection.cursor() as cursor:
        # Fresh statistics: the alert queries run right after a bulk load.
        cursor.execute("ANALYZE healthscore_healthscore")
    for day in days if alert_days is None else days[len(days) - alert_days :]:
        alerts_evaluate(day=day)
    return total
