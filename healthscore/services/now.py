"""Event-time scoring: mark accounts dirty, rescore just those ("now"), then the listeners.

The cycle, in minutes instead of a night:
1. Something happens to an account: usage events (marked by the ingest statement itself,
   `DIRTY_CTE`), a timeline activity (phase change, milestone, meeting, article read … through
   `journeys.extensions`), a survey answer (a signal). `accounts_mark_dirty` inserts one
   unclaimed `DirtyAccount` row per account (ON CONFLICT DO NOTHING: an account already marked
   costs an index probe) and, after commit, schedules the tenant's event-time task at most once
   per debounce window (an atomic `cache.add` is the gate, the task runs `countdown` later), so
   many events for one account within the window give one recompute.
2. The task (`healthscore.recompute_now`) claims the tenant's dirty rows with a conditional
   UPDATE (`claim IS NULL`, or a claim older than the lease: its worker died), scores those
   accounts with the nightly engine (`accounts_score`, into `HealthScoreNow`), calls the
   listeners registered in `healthscore.extensions` (touchmodel evaluates its rules for those
   accounts), and only then deletes the rows it claimed. A task that dies anywhere leaves its
   rows claimed; the next run after the lease takes them over, and rescoring and rule claims are
   idempotent, so a task run twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Account
from cs_platform.celery import task_named
from cs_platform.scoping import require_current_tenant

from ..extensions import scores_now_changed
from ..models import DirtyAccount
from .recompute import accounts_frame, accounts_score

logger = logging.getLogger(__name__)

# A claim older than this belongs to a dead worker and is taken over.
LEASE = dt.timedelta(minutes=5)
# At most this many accounts per claim (one engine call each); the task loops until done.
CLAIM_BATCH = 5000

# The ingest statement's extra data-modifying CTE (see `healthscore.services.ingest`): the
# accounts of the events it stored, marked in the same statement and transaction.
DIRTY_CTE = """, dirty AS (
    INSERT INTO healthscore_dirtyaccount (tenant_id, account_id, marked_at)
    SELECT DISTINCT %(tenant)s::bigint, account_id, %(now)s::timestamptz FROM ins
    ORDER BY 2
    ON CONFLICT (account_id, tenant_id) WHERE claim IS NULL DO NOTHING
    RETURNING 1
)"""


def event_time_scoring_enabled() -> bool:
    return bool(getattr(settings, "HEALTH_EVENT_TIME_SCORING", True))


def debounce_seconds() -> float:
    return float(getattr(settings, "HEALTH_NOW_DEBOUNCE_SECONDS", 5.0))


# Under a sustained stream the next run waits at least this many times the last run's length,
# so a worker spends at most a third of its time rescoring one tenant (web and database keep
# the rest on a shared machine); latency grows with the run, never past MAX_WAIT.
BUSY_FACTOR = 2.0
MAX_WAIT = 30.0


def _gate_key(tenant_id: int) -> str:
    return f"healthscore:now:scheduled:{tenant_id}"


def _last_run_key(tenant_id: int) -> str:
    return f"healthscore:now:last-run-seconds:{tenant_id}"


def _wait_seconds(tenant_id: int) -> float:
    last = cache.get(_last_run_key(tenant_id)) or 0.0
    return max(debounce_seconds(), min(MAX_WAIT, BUSY_FACTOR * float(last)))


def now_schedule(*, tenant_id: int) -> bool:
    """Schedule the tenant's event-time task unless one is already waiting (the debounce).

    NOTE: the gate expires with the window and the task deletes it before it claims, so a mark
    committed after the claim always schedules a new task; one committed before it is claimed
    by the waiting task.
    """
    window = _wait_seconds(tenant_id)
    if not cache.add(_gate_key(tenant_id), 1, timeout=max(1, int(window) + 1)):
        return False
    task_named("healthscore.recompute_now").apply_async(
        kwargs={"tenant_id": tenant_id},
        countdown=window,
        queue=getattr(settings, "HEALTH_NOW_QUEUE", "default"),
    )
    return True


def now_schedule_on_commit(*, tenant_id: int) -> None:
    def _schedule() -> None:
        try:
            now_schedule(tenant_id=tenant_id)
        except Exception:
            # The broker is down: the sweep (`now_sweep`) schedules the marked accounts later.
            logger.exception("could not schedule event-time scoring for tenant %s", tenant_id)

    transaction.on_commit(_schedule)


def accounts_mark_dirty(
    *, account_ids: Iterable[int], tenant_id: int | None = None, now: dt.datetime | None = None
) -> int:
    """Mark accounts of the tenant in scope (or of `tenant_id`) for event-time rescoring
    (set-based, one statement); returns how many were newly marked. A no-op when event-time
    scoring is off."""
    if not event_time_scoring_enabled():
        return 0
    ids = sorted({int(a) for a in account_ids})
    if not ids:
        return 0
    tenant_id = tenant_id if tenant_id is not None else require_current_tenant().pk
    with connection.cursor() as cursor:
        # Only accounts of the tenant in scope: the listener passes ids from any writer.
        cursor.execute(
            "INSERT INTO healthscore_dirtyaccount (tenant_id, account_id, marked_at)"
            f" SELECT %s, a.id, %s FROM {Account._meta.db_table} a"
            " WHERE a.tenant_id = %s AND a.id = ANY(%s) ORDER BY a.id"
            " ON CONFLICT (account_id, tenant_id) WHERE claim IS NULL DO NOTHING",
            [tenant_id, now or timezone.now(), tenant_id, ids],
        )
        marked = cursor.rowcount
    if marked:
        now_schedule_on_commit(tenant_id=tenant_id)
    return marked


@dataclass
class Claim:
    token: uuid.UUID
    account_ids: list[int]


def dirty_claim(*, now: dt.datetime | None = None, limit: int = CLAIM_BATCH) -> Claim:
    """Claim up to `limit` dirty accounts of the tenant in scope (unclaimed, or claimed by a
    dead worker). Idempotent by construction: a conditional UPDATE, rows locked by a concurrent
    claimer are skipped, so two runs never claim the same row."""
    tenant = require_current_tenant()
    now = now or timezone.now()
    token = uuid.uuid4()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE healthscore_dirtyaccount d SET claim = %s, claimed_at = %s"
            " WHERE d.id IN (SELECT id FROM healthscore_dirtyaccount"
            "  WHERE tenant_id = %s AND (claim IS NULL OR claimed_at < %s)"
            "  ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)"
            " RETURNING d.account_id",
            [token, now, tenant.pk, now - LEASE, limit],
        )
        ids = sorted({row[0] for row in cursor.fetchall()})
    return Claim(token=token, account_ids=ids)


def dirty_release(*, claim: Claim) -> int:
    """Delete the rows of a finished claim (rows taken over by another run stay)."""
    tenant = require_current_tenant()
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM healthscore_dirtyaccount WHERE tenant_id = %s AND claim = %s",
            [tenant.pk, claim.token],
        )
        return cursor.rowcount


def scores_now_recompute(*, account_ids: list[int], now: dt.datetime | None = None) -> int:
    """Rescore `account_ids` now with the nightly engine into the intra-day table, in chunks
    of the nightly's id ranges; returns how many accounts were scored."""
    tenant = require_current_tenant()
    now = now or timezone.now()
    day = timezone.localdate(now, timezone=tenant.tzinfo)
    ids = sorted(account_ids)
    total = 0
    cache_: dict = {}
    for start in range(0, len(ids), CLAIM_BATCH):
        part = ids[start : start + CLAIM_BATCH]
        accounts = accounts_frame(part[0], part[-1], ids=part)
        total += accounts_score(accounts=accounts, day=day, cache=cache_, now=now)
    return total


@dataclass
class NowRun:
    claimed: int = 0
    scored: int = 0
    released: int = 0


def now_run(*, now: dt.datetime | None = None) -> NowRun:
    """The event-time task of the tenant in scope: claim, rescore, tell listeners, release;
    until no dirty account is left."""
    tenant = require_current_tenant()
    # Open the gate first: a mark committed from here on schedules the next run itself.
    cache.delete(_gate_key(tenant.pk))
    run = NowRun()
    began = time.monotonic()
    while True:
        started = time.monotonic()
        claim = dirty_claim(now=now)
        if not claim.account_ids:
            cache.set(_last_run_key(tenant.pk), time.monotonic() - began, timeout=3600)
            return run
        run.claimed += len(claim.account_ids)
        run.scored += scores_now_recompute(account_ids=claim.account_ids, now=now)
        scored = time.monotonic()
        # Listeners (the rules) run after the scores committed, so they read them; a listener
        # that raises leaves the claim in place to be taken over after the lease.
        scores_now_changed(account_ids=claim.account_ids)
        run.released += dirty_release(claim=claim)
        logger.info(
            "event-time scoring of tenant %s: %d accounts scored in %.1f s, listeners %.1f s",
            tenant.pk,
            len(claim.account_ids),
            scored - started,
            time.monotonic() - scored,
        )


def now_sweep_due(*, now: dt.datetime | None = None) -> bool:
    """Has the tenant in scope dirty accounts that no waiting task will pick up (the broker
    was down when they were marked, or their worker died)?"""
    now = now or timezone.now()
    late = now - dt.timedelta(seconds=2 * debounce_seconds() + 30)
    return DirtyAccount.objects.filter(claim__isnull=True, marked_at__lt=late).exists() or (
        DirtyAccount.objects.filter(claim__isnull=False, claimed_at__lt=now - LEASE).exists()
    )
