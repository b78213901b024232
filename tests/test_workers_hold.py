"""tests/workers.py's table hold, which the kill tests use, ends by itself: a run stopped
between the hold and its release leaves no lock for the tests after it."""

from __future__ import annotations

import psycopg2
import pytest

from tests.workers import _connect, hold_table, wait_for

TABLE = "touchmodel_outboundemail"


def _can_lock() -> bool:
    conn = _connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SET lock_timeout = '50ms'")
            cursor.execute(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE")
        return True
    except psycopg2.errors.LockNotAvailable:
        return False
    finally:
        conn.rollback()
        conn.close()


@pytest.mark.django_db(transaction=True)
def test_a_forgotten_hold_ends_after_its_limit():
    held = hold_table(TABLE, limit_seconds=1)
    try:
        assert not _can_lock()  # held: the kill tests' jobs block here
        wait_for(_can_lock, timeout=30, what="the hold to end by itself")
    finally:
        held.close()
