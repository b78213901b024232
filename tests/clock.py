"""The suite's clock: every test runs at a fixed instant, never at the date it happens to run.

Tests build data around days, while services read `timezone.now()`. Left on the real clock,
a test that builds its data around the day it was written passes that day and fails once the
calendar moves on. So the clock is pinned for every test (ticking from there, so durations and
timeouts still work), to one of two instants:

- `SHIFTED_NOW`, years after the suite was written and late in the evening in Tokyo, for the
  tests of a date-sensitive module (one that builds dates or reads the clock). A test written
  around the day it was written fails there at once, which is what catches it: the calendar
  proof (tests/test_calendar_proof.py) shows it with a planted test.
- `SUITE_NOW` for the rest, and for browser tests: Chromium's clock is the real one.

`JUNKAN_TEST_NOW` pins every test to another instant instead (to try the suite at other dates).

NOTE: only Python's clock moves. SQL `now()` is the database's real time; code that mixes the
two must not compare them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from functools import cache
from pathlib import Path

SUITE_NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
SHIFTED_NOW = dt.datetime.fromisoformat("2031-02-28T23:30:00+09:00")
ENV = "JUNKAN_TEST_NOW"

# A module is date-sensitive when it builds dates or reads the clock.
DATE_SENSITIVE = re.compile(
    r"\bdt\.date\(|\bdate\(\d|datetime\(\d|dt\.datetime\(|timezone\.now|localdate|timedelta"
)


def pinned_instant() -> dt.datetime | None:
    """The instant `JUNKAN_TEST_NOW` pins every test to (ISO 8601 with an offset), if set."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError as exc:
        raise SystemExit(f"{ENV}={raw!r} is not an ISO 8601 date-time: {exc}") from exc
    if value.tzinfo is None:
        raise SystemExit(f"{ENV}={raw!r} needs a UTC offset, e.g. 2031-02-28T23:30:00+09:00")
    return value


def suite_now() -> dt.datetime:
    """The instant of a process that has no test to ask about (a worker subprocess, which is
    handed its test's instant in `JUNKAN_TEST_NOW`): that variable, or `SUITE_NOW`."""
    return pinned_instant() or SUITE_NOW


def suite_instants() -> tuple[dt.datetime, ...]:
    """Every instant a test of this run can be pinned to."""
    pinned = pinned_instant()
    return (pinned,) if pinned else (SUITE_NOW, SHIFTED_NOW)


@cache
def is_date_sensitive(module: Path) -> bool:
    return bool(DATE_SENSITIVE.search(module.read_text(encoding="utf-8")))


def instant_for(module: Path, *, browser: bool) -> dt.datetime:
    """The instant a test of `module` runs at (see the module's docstring)."""
    pinned = pinned_instant()
    if pinned:
        return pinned
    if browser or "browser" in module.name or not is_date_sensitive(module):
        return SUITE_NOW
    return SHIFTED_NOW
