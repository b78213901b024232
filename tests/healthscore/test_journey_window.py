"""The milestone measure over a window: only the milestones due in the last N days count,
judged as things stood on each day, and the nightly and the history paths agree."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from healthscore.engine.history import history_measure_frames
from healthscore.engine.measures import Spec
from journeys.models import MilestoneStatus
from journeys.selectors import milestone_judged_rows
from tests.journeys.factories import MilestoneFactory

from .test_recompute import DAY, frame_for

pytestmark = pytest.mark.django_db

WINDOW, WIDE, ALL = (Spec("journey_progress", days) for days in (30, 120, None))


def _ago(days: int) -> dt.date:
    return DAY - dt.timedelta(days=days)


def test_only_the_milestones_due_in_the_window_count_on_each_day(scoped):
    old = MilestoneFactory(status=MilestoneStatus.DONE, due_date=_ago(100), completed_on=_ago(101))
    account, plan = old.account, old.journey_map
    late = MilestoneFactory(
        journey_map=plan, status=MilestoneStatus.DONE, due_date=_ago(10), completed_on=_ago(5)
    )
    on_time = MilestoneFactory(
        journey_map=plan, status=MilestoneStatus.DONE, due_date=_ago(20), completed_on=_ago(25)
    )
    open_overdue = MilestoneFactory(journey_map=plan, due_date=_ago(3))
    MilestoneFactory(journey_map=plan, status=MilestoneStatus.MISSED, due_date=None)  # no day
    MilestoneFactory(journey_map=plan, due_date=DAY + dt.timedelta(days=5))  # not due yet
    # Today, 30 days: late, on time, overdue → 1 of 3. 120 days: the old one too → 2 of 4.
    # No window: every judged one, the missed one without a due date included → 2 of 5.
    # Eight days ago, 30 days: the late one was still open and overdue, the overdue one not
    # due yet → 1 of 2.
    expected = {
        DAY: {WINDOW: 100 / 3, WIDE: 50.0, ALL: 40.0},
        _ago(8): {WINDOW: 50.0, WIDE: 200 / 3, ALL: 50.0},
    }
    accounts = pd.DataFrame({"seats": [10.0]}, index=[account.pk])
    specs = {WINDOW, WIDE, ALL}
    frames = history_measure_frames(
        tenant_id=scoped.pk, tz=scoped.tzinfo, accounts=accounts, days=list(expected), specs=specs
    )
    for day, values in expected.items():
        nightly = frame_for(scoped, [account], specs, day=day)
        for spec, value in values.items():
            assert frames[day].loc[account.pk, spec] == pytest.approx(value), (day, spec)
            assert nightly.loc[account.pk, spec] == pytest.approx(value), (day, spec)
    judged = {row[0] for row in milestone_judged_rows(as_of=DAY, days=30)}
    assert judged == {late.pk, on_time.pk, open_overdue.pk}


def test_an_account_with_nothing_due_in_the_window_has_no_value(scoped):
    old = MilestoneFactory(status=MilestoneStatus.MISSED, due_date=_ago(60))
    accounts = pd.DataFrame({"seats": [10.0]}, index=[old.account_id])
    frames = history_measure_frames(
        tenant_id=scoped.pk, tz=scoped.tzinfo, accounts=accounts, days=[DAY], specs={WINDOW, ALL}
    )
    assert pd.isna(frames[DAY].loc[old.account_id, WINDOW])  # the scheme's "missing" applies
    assert frames[DAY].loc[old.account_id, ALL] == 0.0
    assert pd.isna(frame_for(scoped, [old.account], [WINDOW]).loc[old.account_id, WINDOW])
