"""Leases for long jobs: a worker holds a piece of work only while it keeps renewing it.

Every long job (recompute chunks, CSV imports, rule evaluations, e-mail sends) claims its row
with a conditional UPDATE that sets `lease_expires_at = now + JOB_LEASE_SECONDS` and bumps an
attempt counter (the fencing token). While the work runs, a `Heartbeat` thread renews the
lease every JOB_HEARTBEAT_SECONDS. A worker killed with SIGKILL stops renewing; once the lease
has expired, the beat sweep of that job (every JOB_LEASE_SWEEP_SECONDS) hands the work to a
surviving worker. Worst case from the kill to the re-dispatch: lease + sweep interval
(2 min + 1 min with the defaults), instead of the broker's visibility timeout (hours).

All lease times are PostgreSQL's `clock_timestamp()`, never a worker's clock: workers on
several machines (or a test with a frozen clock) agree on who holds what.
"""

from __future__ import annotations

import contextvars
import logging
import os
import socket
import threading
from collections.abc import Callable
from types import TracebackType

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)


def lease_seconds() -> float:
    """How long a claim lasts without a heartbeat."""
    return float(settings.JOB_LEASE_SECONDS)


def heartbeat_seconds() -> float:
    """How often a running job renews its lease (a third of the lease or less)."""
    return min(float(settings.JOB_HEARTBEAT_SECONDS), lease_seconds() / 3)


def requeue_after_seconds() -> float:
    """A queued piece of work nobody claimed for this long (its message was held by a worker
    that died, or lost with the broker) is sent again."""
    return float(settings.JOB_REQUEUE_AFTER_SECONDS)


def max_stalls() -> int:
    """After this many dead workers, a piece of work is failed instead of retried (a poison
    chunk that kills every worker must not take the fleet down all night)."""
    return int(settings.JOB_MAX_STALLS)


def worker_name() -> str:
    """Who holds a lease: host and process id (shown on job pages)."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Heartbeat:
    """Renews a lease from a background thread while the `with` body runs.

    `renew()` returns False when the lease is no longer ours (another worker took it after
    we stalled); `lost` then becomes True and the body's final, fenced write will fail. The
    thread uses its own database connection (Django's are per thread) and closes it.
    """

    def __init__(self, renew: Callable[[], bool], *, every: float | None = None) -> None:
        self._renew = renew
        self._every = heartbeat_seconds() if every is None else every
        self._stop = threading.Event()
        # NOTE: the thread runs in a copy of this context: the tenant scope (and with it the
        # database's row-level security setting) of the work it keeps alive.
        context = contextvars.copy_context()
        self._thread = threading.Thread(
            target=context.run, args=(self._run,), name="lease-heartbeat", daemon=True
        )
        self.lost = False
        self.beats = 0

    def _run(self) -> None:
        try:
            while not self._stop.wait(self._every):
                try:
                    if not self._renew():
                        self.lost = True
                        return
                    self.beats += 1
                except Exception:
                    # NOTE: a failed renewal (database restarting) is not fatal: the next beat
                    # may succeed before the lease runs out.
                    logger.warning("lease heartbeat failed", exc_info=True)
                    connections.close_all()
        finally:
            connections.close_all()

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
