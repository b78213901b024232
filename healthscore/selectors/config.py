"""Reads of scorecards, recompute jobs and alerts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from accounts.models import Account
from cs_platform.leanread import lean_models

from ..models import (
    ChunkState,
    HealthAlert,
    JobStatus,
    RecomputeChunk,
    RecomputeJob,
    Scorecard,
    ScorecardVersion,
)


def scorecard_list() -> QuerySet[Scorecard]:
    return Scorecard.objects.select_related("current_version", "segment").order_by(
        "is_default", "priority", "pk"
    )


def scorecard_version_list(*, scorecard: Scorecard) -> QuerySet[ScorecardVersion]:
    return ScorecardVersion.objects.filter(scorecard=scorecard).order_by("-number")


def _chunks_scored(job: Any) -> Any:
    return (
        RecomputeChunk.objects.filter(job=job, state=ChunkState.DONE)
        .order_by()
        .values("job")
        .annotate(n=Sum("scored"))
        .values("n")
    )


def recompute_job_list() -> QuerySet[RecomputeJob]:
    """Jobs with `taken`: has any worker claimed one of its chunks yet? A running job nobody
    took is queued (no worker alive, or all of them busy), not running. And with
    `chunks_scored`, what its finished chunks scored (`recompute_job_done`)."""
    return RecomputeJob.objects.annotate(
        taken=Exists(RecomputeChunk.objects.filter(job=OuterRef("pk"), attempt__gt=0)),
        chunks_scored=Coalesce(Subquery(_chunks_scored(OuterRef("pk"))), 0),
    )


def recompute_job_done(*, job: RecomputeJob) -> int:
    """How many accounts the job has scored so far. Chunks count on their own rows while it
    runs (no chunk waits for another to add to one counter); the job row holds the sum once it
    closed (and whatever was counted there before chunks counted on their own rows)."""
    if job.finished_at is not None:
        return job.done
    scored = getattr(job, "chunks_scored", None)
    if scored is None:
        scored = RecomputeChunk.objects.filter(job=job, state=ChunkState.DONE).aggregate(
            n=Sum("scored")
        )["n"]
    return job.done + int(scored or 0)


def recompute_job_waiting(*, job: RecomputeJob) -> bool:
    """True while the job is running but no worker has taken any of its chunks."""
    if job.status != JobStatus.RUNNING:
        return False
    taken = getattr(job, "taken", None)
    if taken is None:
        taken = RecomputeChunk.objects.filter(job=job, attempt__gt=0).exists()
    return not taken


def recompute_job_latest() -> RecomputeJob | None:
    return RecomputeJob.objects.order_by("-started_at", "-pk").first()


def health_alert_list(*, account: Account | None = None, open_only: bool = False) -> QuerySet:
    queryset = HealthAlert.objects.select_related("account")
    if account is not None:
        queryset = queryset.filter(account=account)
    if open_only:
        queryset = queryset.filter(resolved_on__isnull=True)
    return queryset.order_by("-opened_on", "-pk")


def health_alerts_open(*, account_id: int, limit: int) -> list[HealthAlert]:
    """The account's open alerts, newest first (`health_alert_list(open_only=True)`), as SQL:
    Account 360 reads them on every first view (cs_platform.leanread)."""
    return lean_models(
        HealthAlert,
        "SELECT id, tenant_id, account_id, kind, episode_key, opened_on, resolved_on, score,"
        " previous_score, notified_at, created_at FROM healthscore_healthalert"
        " WHERE tenant_id = %(tenant)s AND account_id = %(account)s AND resolved_on IS NULL"
        " ORDER BY opened_on DESC, id DESC LIMIT %(limit)s",
        {"account": account_id, "limit": limit},
    )


def recompute_job_finished(*, day: dt.date) -> bool:
    """Has the nightly recompute for `day` finished in the tenant in scope?"""
    return RecomputeJob.objects.filter(day=day, status=JobStatus.DONE).exists()
