"""The nightly rule evaluation as a leased job (see cs_platform/leases.py).

One `RuleEvaluation` row per tenant and day is the claim (a unique row in PostgreSQL, not a
cache key that Redis may lose). The worker that runs it holds a lease renewed by a heartbeat;
a worker killed midway lets it expire, and `rule_evaluations_sweep` (beat) hands the day to a
surviving worker. Running the evaluation again is harmless: each firing chunk claims its
episodes and acts in one transaction (services/rules.py), so nothing fires twice and nothing
claimed by the dead worker stays unacted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any, TypeVar

from django.db import connection, transaction
from django.utils import timezone

from cs_platform.leases import Heartbeat, lease_seconds, worker_name
from cs_platform.scoping import cross_tenant, require_current_tenant

T = TypeVar("T")


def rule_evaluation_claim_day(*, day: dt.date) -> int | None:
    """The id of a new evaluation of `day` for the tenant in scope; None when one exists."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO touchmodel_ruleevaluation (tenant_id, day, status, attempts, worker,"
            " stalls) VALUES (%s, %s, 'pending', 0, '', 0)"
            " ON CONFLICT (tenant_id, day) DO NOTHING RETURNING id",
            [require_current_tenant().pk, day],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


def _renew(evaluation_id: int, attempt: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE touchmodel_ruleevaluation"
            " SET lease_expires_at = clock_timestamp() + make_interval(secs => %s)"
            " WHERE id = %s AND status = 'running' AND attempts = %s",
            [lease_seconds(), evaluation_id, attempt],
        )
        return cursor.rowcount == 1


def rule_evaluation_run(
    *, evaluation_id: int, work: Callable[[], T], worker: str | None = None
) -> T | None:
    """Run `work` as evaluation `evaluation_id` if this caller wins its lease (None if it is
    running elsewhere or done)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE touchmodel_ruleevaluation SET status = 'running', attempts = attempts + 1,"
            " worker = %s, lease_expires_at = clock_timestamp() + make_interval(secs => %s)"
            " WHERE id = %s AND tenant_id = %s AND status = 'pending' RETURNING attempts",
            [
                (worker or worker_name())[:200],
                lease_seconds(),
                evaluation_id,
                require_current_tenant().pk,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    attempt = int(row[0])
    heartbeat: Any = (
        nullcontext()
        if connection.in_atomic_block
        else Heartbeat(lambda: _renew(evaluation_id, attempt))
    )
    try:
        with heartbeat:
            result = work()
    except BaseException:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE touchmodel_ruleevaluation SET status = 'pending',"
                " lease_expires_at = NULL WHERE id = %s AND attempts = %s AND status = 'running'",
                [evaluation_id, attempt],
            )
        raise
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE touchmodel_ruleevaluation SET status = 'done', lease_expires_at = NULL,"
            " finished_at = %s WHERE id = %s AND attempts = %s AND status = 'running'",
            [timezone.now(), evaluation_id, attempt],
        )
    return result


def rule_evaluations_sweep() -> list[tuple[int, int]]:
    """Beat, across tenants: evaluations whose worker died go back to pending; returns
    (tenant_id, evaluation_id) to dispatch again."""
    with cross_tenant("sweep"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE touchmodel_ruleevaluation SET status = 'pending', lease_expires_at = NULL,"
            " stalls = stalls + 1"
            " WHERE status = 'running' AND lease_expires_at < clock_timestamp()"
            " RETURNING tenant_id, id"
        )
        return [(int(t), int(i)) for t, i in cursor.fetchall()]
