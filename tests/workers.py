"""Real Celery workers for tests that cross a process boundary (and kill it).

Each worker is a `celery worker` subprocess in a session of its own, reading the test
database, consuming one queue that only this test uses (also its default queue, so the tasks
it sends stay in the test), with the lease timings given in seconds.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg2
from django.conf import settings
from django.utils import timezone

CELERY = Path(sys.executable).with_name("celery")

# Leases in seconds instead of minutes (cs_platform/leases.py).
FAST_LEASES = {
    "JOB_LEASE_SECONDS": "3",
    "JOB_HEARTBEAT_SECONDS": "0.5",
    "JOB_LEASE_SWEEP_SECONDS": "1",
    "JOB_REQUEUE_AFTER_SECONDS": "5",
}


def test_database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def new_queue() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


class Worker:
    """`celery worker` (prefork pool) as a process group that a test can SIGKILL whole."""

    def __init__(
        self, *, queue: str, name: str, concurrency: int = 2, env: dict[str, str] | None = None
    ) -> None:
        self.name = name
        self.log = Path(settings.BASE_DIR, ".local", f"worker-{queue}-{name}.log")
        self.log.parent.mkdir(exist_ok=True)
        full_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cs_platform.settings.test",
            "DATABASE_URL": test_database_url(),
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            **FAST_LEASES,
            **(env or {}),
        }
        if env and "REDIS_URL" in env:
            # A Redis of the test's own is used as given, not shifted per pytest-xdist process
            # (cs_platform/settings/test.py).
            full_env.pop("PYTEST_XDIST_WORKER", None)
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [
                    *(str(CELERY), "-A", "cs_platform", "worker", "--pool=prefork"),
                    *("--concurrency", str(concurrency), "-Q", queue, "-n", f"{name}@%h"),
                    *("-l", "warning", "--without-gossip", "--without-mingle"),
                    "--without-heartbeat",
                ],
                cwd=settings.BASE_DIR,
                env=full_env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 90) -> None:
        """Until the worker answers a ping (it consumes its queue from then on)."""
        from cs_platform.celery import app

        me = f"{self.name}@{socket.gethostname()}"
        wait_for(
            lambda: bool(app.control.ping(destination=[me], timeout=0.5)),
            timeout=timeout,
            what=f"{me} to start",
            every=0,
        )

    def kill(self) -> None:
        """SIGKILL the main process and its pool: no clean-up runs, nothing is acked."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.unlink(missing_ok=True)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextlib.contextmanager
def solo_worker(queue: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """One `celery worker --pool=solo` on `queue`, on the test's pinned clock, stopped after.

    Its output is shown only when it did not stop cleanly.
    """
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "tests.pinned_celery", "-A", "cs_platform", "worker"),
            *("--pool=solo", "-Q", queue, "-l", "warning", "-n", f"{queue}@%h"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cs_platform.settings.test",
            "DATABASE_URL": test_database_url(),
            "JUNKAN_TEST_NOW": timezone.now().isoformat(),
            **(env or {}),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield queue
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        if process.returncode not in (0, -15):
            sys.stderr.write(output)


def wait_for(check: Callable[[], bool], *, timeout: float, what: str, every: float = 0.2) -> float:
    """Poll `check` until it is true; returns the seconds it took (fails after `timeout`)."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)
    return time.monotonic() - started


def _connect() -> psycopg2.extensions.connection:
    db = settings.DATABASES["default"]
    return psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"],
        port=db["PORT"],
    )


# Longer than a kill scene can take to reach its release: the wait for the doomed worker
# (90 s) and the survivor's start (90 s).
HOLD_LIMIT_SECONDS = 300


def hold_table(
    table: str, *, limit_seconds: int = HOLD_LIMIT_SECONDS
) -> psycopg2.extensions.connection:
    """Another session locks `table` against writes (reads go on): a job blocks at its first
    write there, after its claim, so a kill lands mid-job for sure. `rollback()` releases it.

    The server ends the hold by itself after `limit_seconds` idle: a test stopped between
    the hold and its release (an interrupted run) must not leave the table locked for the
    next test's flush, which would wait on it without end."""
    conn = _connect()
    with conn.cursor() as cursor:
        cursor.execute(f"SET idle_in_transaction_session_timeout = '{int(limit_seconds)}s'")
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
    return conn


class KillScene:
    """A worker doomed to be SIGKILLed mid-job while another session holds `table`, and the
    survivor that finishes the job (`kill_scene`)."""

    def __init__(self, *, queue: str, table: str, env: dict[str, str] | None) -> None:
        self.queue, self.env = queue, env
        self.doomed = Worker(queue=queue, name="doomed", env=env)
        self.survivor: Worker | None = None
        self.lock = hold_table(table)
        self.killed_at = 0.0

    def start_survivor(self) -> Worker:
        self.survivor = Worker(queue=self.queue, name="survivor", env=self.env)
        return self.survivor

    def kill(self) -> None:
        """SIGKILL the doomed worker, then let the table go."""
        self.doomed.kill()
        self.killed_at = time.monotonic()
        self.lock.rollback()

    def sweep_until(self, sweep: Any, done: Callable[[], bool], *, what: str) -> float:
        """Beat's part: send the `sweep` task every second (a surviving worker runs it) until
        `done`; the seconds from the kill to then."""

        def swept() -> bool:
            sweep.apply_async(queue=self.queue)
            return done()

        wait_for(swept, timeout=120, what=what, every=1)
        return time.monotonic() - self.killed_at

    def close(self) -> None:
        self.lock.close()
        self.doomed.stop()
        if self.survivor:
            self.survivor.stop()


@contextlib.contextmanager
def kill_scene(*, queue: str, table: str, env: dict[str, str] | None = None) -> Iterator[KillScene]:
    """A doomed worker on `queue` and `table` held (the job blocks at its first write there);
    the workers' output goes to stderr when the test fails; both stopped after."""
    scene = KillScene(queue=queue, table=table, env=env)
    try:
        yield scene
    except BaseException:
        survivor = scene.survivor.output() if scene.survivor else ""
        sys.stderr.write(scene.doomed.output() + survivor)
        raise
    finally:
        scene.close()


def blocked_on(table: str) -> int:
    """How many sessions wait for a lock on `table` (a worker stopped at `hold_table`)."""
    with _connect() as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass",
            [table],
        )
        count = int(cursor.fetchone()[0])
    conn.close()
    return count
