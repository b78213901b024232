"""`python -m tests.pinned_celery <celery args>`: a Celery worker on the suite's clock.

A test that hands work to a real worker subprocess needs that worker to read the same "now"
as the test (tests/clock.py pins the test process only): scores are computed for the pinned
day, debounce countdowns are compared with the pinned clock. The test passes its own current
instant in `JUNKAN_TEST_NOW`; the worker travels there before Celery starts and ticks on.
"""

from __future__ import annotations

import sys

import time_machine

from tests.clock import suite_now


def main() -> None:
    time_machine.travel(suite_now(), tick=True).start()
    from celery.__main__ import main as celery_main

    sys.argv = ["celery", *sys.argv[1:]]
    celery_main()


if __name__ == "__main__":
    main()
