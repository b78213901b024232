"""The check that catches a test which only passes on the day it was written.

Every test runs at the suite's pinned instant (tests/clock.py). Moving that instant is what the
calendar moving on does to a suite: here the date-sensitive test modules run again, in a child
pytest with its own database, at an instant years after the default and late in the evening in
Tokyo (so a UTC/local-date mix-up shows too). A test that builds its data around fixed days but
reads an unpinned clock, or mixes the database's clock with Python's, fails there.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clock import ENV

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


@pytest.mark.real_clock
def test_the_date_sensitive_tests_pass_years_later():
    env = dict(os.environ)
    env[ENV] = SHIFTED_NOW
    env["TEST_DB_NAME"] = os.environ.get("TEST_DB_NAME", "test_junkan") + "_shifted"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "not browser",
            "--create-db",
            *date_sensitive_modules(),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    tail = "\n".join(result.stdout.splitlines()[-40:])
    assert result.returncode == 0, f"at {SHIFTED_NOW} the suite fails:\n{tail}"
