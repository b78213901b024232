"""A planted test that only passes on the day it was written (never collected by the suite:
its name does not match test_*.py). tests/test_calendar_proof.py runs it to show that the
calendar proof's shifted run fails on such a test and the pinned run does not."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

WRITTEN_ON = dt.date(2026, 11, 23)  # the suite's pinned day (tests/clock.py)


def test_the_renewal_is_due_within_the_month():
    renewal = WRITTEN_ON + dt.timedelta(days=20)
    assert 0 <= (renewal - timezone.localdate()).days <= 31
