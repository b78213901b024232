from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.healthscore.factories import HealthScoreFactory


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now()


@pytest.fixture
def score_history():
    """score_history(account, [s0, s1, …]): one score per day ending today."""

    def make(account, scores: list[float]):
        today = timezone.localdate()
        version = None
        for offset, score in enumerate(reversed(scores)):
            row = HealthScoreFactory(
                account=account,
                day=today - dt.timedelta(days=offset),
                score=score,
                band="green" if score >= 70 else "amber" if score >= 40 else "red",
                **({"version": version} if version else {}),
            )
            version = row.version

    return make
