"""The suite's clock: every test runs at one fixed instant, never at the date it happens to run.

Tests build data around fixed days (`DAY = date(2026, 11, 20)`), while services read
`timezone.now()`. Left on the real clock, such a test passes on the day it was written and
fails once the calendar moves past its fixed day. So the clock is pinned for every test to
`SUITE_NOW` (ticking from there, so durations and timeouts still work), and
`JUNKAN_TEST_NOW` moves it: `tests/cs_platform/test_calendar_proof.py` runs the date-sensitive
part of the suite again at other instants, which is the check that catches a test that only
passes at the real "now".

NOTE: only Python's clock moves. SQL `now()` is the database's real time; code that mixes the
two must not compare them.
"""

from __future__ import annotations

import datetime as dt
import os

SUITE_NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
ENV = "JUNKAN_TEST_NOW"


def suite_now() -> dt.datetime:
    """The instant the suite runs at: `JUNKAN_TEST_NOW` (ISO 8601 with an offset) or the default."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return SUITE_NOW
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError as exc:
        raise SystemExit(f"{ENV}={raw!r} is not an ISO 8601 date-time: {exc}") from exc
    if value.tzinfo is None:
        raise SystemExit(f"{ENV}={raw!r} needs a UTC offset, e.g. 2031-02-28T23:30:00+09:00")
    return value
