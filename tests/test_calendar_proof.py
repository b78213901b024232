"""The check that catches a test which only passes on the day it was written.

Moving the pinned instant is what the calendar moving on does to a suite. So every test of a
date-sensitive module runs years after the suite was written, late in the evening in Tokyo
(`SHIFTED_NOW`, tests/clock.py). A test that builds its data around the day it was written,
reads an unpinned clock or mixes the database's clock with Python's fails there, in the
suite's own run. Here: the discovery finds the modules it must, the planted test (written on
the suite's day) passes at the suite's instant and fails at the shifted one, and the clock of a
date-sensitive module's test is the shifted one.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from tests.clock import SHIFTED_NOW, SUITE_NOW, instant_for, is_date_sensitive, pinned_instant

ROOT = Path(__file__).resolve().parent.parent
PLANTED = ROOT / "tests" / "calendar_planted.py"
PLANTED_TEST = "test_the_renewal_is_due_within_the_month"


def test_the_discovery_finds_the_modules_that_build_dates():
    modules = {path.relative_to(ROOT).as_posix() for path in ROOT.glob("tests/**/test_*.py")}
    sensitive = {m for m in modules if is_date_sensitive(ROOT / m)}
    assert "tests/healthscore/test_recompute.py" in sensitive
    assert "tests/cs_platform/test_docs.py" not in sensitive
    assert len(sensitive) >= 100
    assert is_date_sensitive(PLANTED)


def test_a_date_sensitive_module_runs_at_the_shifted_instant_and_a_browser_test_does_not():
    if pinned_instant():
        pytest.skip("JUNKAN_TEST_NOW pins every test to one instant")
    recompute = ROOT / "tests" / "healthscore" / "test_recompute.py"
    assert instant_for(recompute, browser=False) == SHIFTED_NOW
    assert instant_for(recompute, browser=True) == SUITE_NOW
    assert instant_for(ROOT / "tests" / "cs_platform" / "test_docs.py", browser=False) == SUITE_NOW
    # This module reads the clock (timezone.now): its own tests run at the shifted instant.
    assert abs(timezone.now() - SHIFTED_NOW).total_seconds() < 600


@pytest.mark.real_clock
@pytest.mark.parametrize(("instant", "passes"), [(SUITE_NOW, True), (SHIFTED_NOW, False)])
def test_the_planted_test_passes_on_its_day_and_fails_at_the_shifted_instant(instant, passes):
    """The planted test (tests/calendar_planted.py, never collected by the suite) passes at the
    suite's instant, as a test written on that day does; at the shifted instant, where its
    module's tests would run, it fails."""
    planted = importlib.import_module("tests.calendar_planted")
    with time_machine.travel(instant, tick=True):
        if passes:
            getattr(planted, PLANTED_TEST)()
        else:
            with pytest.raises(AssertionError):
                getattr(planted, PLANTED_TEST)()
