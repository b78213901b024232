"""The check that catches a test which only passes on the day it was written.

Every test runs at the suite's pinned instant (tests/clock.py). Moving that instant is what the
calendar moving on does to a suite: here the date-sensitive test modules run again, in a child
pytest with its own database, at an instant years after the default and late in the evening in
Tokyo (so a UTC/local-date mix-up shows too). A test that builds its data around fixed days but
reads an unpinned clock, or mixes the database's clock with Python's, fails there.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
import time_machine

from tests.clock import ENV, SUITE_NOW
from tests.testdb import TEMPLATE_ENV, template_name

ROOT = Path(__file__).resolve().parent.parent
SHIFTED_NOW = "2031-02-28T23:30:00+09:00"
# A module is date-sensitive when it builds dates or reads the clock.
DATE_SENSITIVE = re.compile(
    r"\bdt\.date\(|\bdate\(\d|datetime\(\d|dt\.datetime\(|timezone\.now|localdate|timedelta"
)


def date_sensitive_modules() -> list[str]:
    found = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        if path.name in {"test_calendar_proof.py"} or "browser" in path.name:
            continue
        if DATE_SENSITIVE.search(path.read_text(encoding="utf-8")):
            found.append(str(path.relative_to(ROOT)))
    return found


def test_the_discovery_finds_the_modules_that_build_dates():
    modules = date_sensitive_modules()
    assert "tests/healthscore/test_recompute.py" in modules
    assert len(modules) >= 20


PLANTED = "tests/calendar_planted.py"
PLANTED_TEST = "test_the_renewal_is_due_within_the_month"


def run_at(instant: str, paths: list[str], report: Path) -> subprocess.CompletedProcess[str]:
    """`paths` in a child pytest at `instant`, with a test database of its own copied from this
    run's template (tests/testdb.py); its results in the JUnit XML file `report`."""
    env = dict(os.environ)
    env[ENV] = instant
    env["TEST_DB_NAME"] = os.environ.get("TEST_DB_NAME", "test_junkan") + "_shifted"
    env[TEMPLATE_ENV] = template_name()
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "not browser",
            f"--junitxml={report}",
            *paths,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )


def failed_tests(report: Path) -> set[str]:
    """The tests of a JUnit XML report that failed or erred, as `module::name`."""
    failed = set()
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            module = case.get("classname", "").replace(".", "/") + ".py"
            failed.add(f"{module}::{case.get('name')}")
    return failed


@pytest.mark.real_clock
def test_the_planted_test_passes_at_the_suites_instant():
    """The planted test (tests/calendar_planted.py, never collected by the suite) passes at the
    suite's pinned instant, as a test written on that day does; the proof below must fail it."""
    planted = importlib.import_module("tests.calendar_planted")
    assert DATE_SENSITIVE.search((ROOT / PLANTED).read_text(encoding="utf-8"))
    with time_machine.travel(SUITE_NOW, tick=True):
        getattr(planted, PLANTED_TEST)()


@pytest.mark.real_clock
def test_the_date_sensitive_tests_pass_years_later(tmp_path):
    """Every date-sensitive test passes at the shifted instant, and the planted one, run with
    them, fails there: the proof still catches a test that only passes on its day."""
    report = tmp_path / "shifted.xml"
    result = run_at(SHIFTED_NOW, [*date_sensitive_modules(), PLANTED], report)
    tail = "\n".join(result.stdout.splitlines()[-40:])
    assert report.exists(), f"at {SHIFTED_NOW} the child pytest did not run:\n{tail}"
    failed = failed_tests(report)
    assert failed - {f"{PLANTED}::{PLANTED_TEST}"} == set(), (
        f"at {SHIFTED_NOW} the suite fails:\n{tail}"
    )
    assert failed == {f"{PLANTED}::{PLANTED_TEST}"}, "the planted date-dependent test passed"
    assert result.returncode == 1
