"""What every database connection of the application is set up with."""

from __future__ import annotations

import os
import resource
import select
import time

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

pytestmark = pytest.mark.django_db


def test_connections_run_without_jit_compilation():
    # The pages' plans estimate high and run in milliseconds; JIT would compile them on
    # every view (0.6 s of an account-list view at 100,000 accounts).
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


def _wait_readable(raw: object) -> None:
    deadline = time.monotonic() + 5
    while not select.select([raw.fileno()], [], [], 0.05)[0]:  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, "the server never closed the connection"


def test_the_health_check_of_an_idle_connection_sends_no_statement(owner_cursor):
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid() /* before the check */")
            pid = cursor.fetchone()[0]
        other.health_check_done = False  # as at the start of a request
        other.close_if_health_check_failed()
        assert other.connection is not None
        owner_cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        assert owner_cursor.fetchone()[0].endswith("/* before the check */")
        with other.cursor() as cursor:  # the same connection serves the request
            cursor.execute("SELECT pg_backend_pid()")
            assert cursor.fetchone()[0] == pid
    finally:
        other.close()


def test_a_connection_the_server_closed_is_replaced_before_the_request_uses_it(owner_cursor):
    # A database restart or a terminated backend: the next request must be served, not 503.
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        owner_cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        _wait_readable(other.connection)
        other.health_check_done = False
        other.close_if_health_check_failed()
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            assert cursor.fetchone()[0] != pid
    finally:
        other.close()


class _SocketAt:
    """The application's connection as a process with many open files sees it: the same
    socket, under a descriptor numbered above 1024."""

    def __init__(self, raw: object, fileno: int) -> None:
        self._raw = raw
        self._fileno = fileno

    def fileno(self) -> int:
        return self._fileno

    def __getattr__(self, name: str) -> object:
        return getattr(self._raw, name)


def test_the_health_check_works_for_a_descriptor_above_1024():
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft <= 1100:
        pytest.skip(f"this process may open only {soft} files")
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT 1")
        real = other.connection
        high = os.dup2(real.fileno(), 1100)
        try:
            other.connection = _SocketAt(real, high)
            assert other.is_usable()  # select() would fail on it and reconnect every request
        finally:
            other.connection = real
            os.close(high)
    finally:
        other.close()
