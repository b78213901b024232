"""Relationship coverage on past days reads the logged meetings, not only `last_met_at`."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from healthscore.engine.history import history_measure_frames
from healthscore.engine.measures import Spec
from tests.factories import AccountFactory, ContactFactory
from tests.journeys.factories import MeetingContactFactory, MeetingFactory

from .test_recompute import DAY, frame_for

pytestmark = pytest.mark.django_db

SPEC = Spec("relationship_coverage", 90)


def _at(days_ago: int) -> dt.datetime:
    day = DAY - dt.timedelta(days=days_ago)
    return dt.datetime(day.year, day.month, day.day, 3, tzinfo=dt.UTC)


def test_a_past_day_counts_the_meetings_of_its_window_and_today_agrees_with_the_nightly_path(
    scoped,
):
    account = AccountFactory()
    executive = ContactFactory(account=account, relationship_level="executive", last_met_at=_at(10))
    ContactFactory(account=account, relationship_level="field")
    for days_ago in (10, 200):
        meeting = MeetingFactory(account=account, occurred_at=_at(days_ago))
        MeetingContactFactory(meeting=meeting, contact=executive)
    cold = AccountFactory()  # its executive was never met
    ContactFactory(account=cold, relationship_level="executive")
    ContactFactory(account=cold, relationship_level="field")
    accounts = pd.DataFrame({"seats": [10.0, 10.0]}, index=[account.pk, cold.pk])
    days = [DAY - dt.timedelta(days=d) for d in (150, 100, 0)]
    frames = history_measure_frames(
        tenant_id=scoped.pk, tz=scoped.tzinfo, accounts=accounts, days=days, specs={SPEC}
    )
    # Two levels known; 150 and 100 days ago the executive had been met 200 days ago
    # (in the window 150 days ago, not 100); today the meeting of 10 days ago counts.
    assert frames[days[0]].loc[account.pk, SPEC] == pytest.approx(3 / 6 * 100)
    assert frames[days[1]].loc[account.pk, SPEC] == pytest.approx(2 / 6 * 100)
    assert frames[days[2]].loc[account.pk, SPEC] == pytest.approx(3 / 6 * 100)
    assert [frames[d].loc[cold.pk, SPEC] for d in days] == [pytest.approx(2 / 6 * 100)] * 3
    nightly = frame_for(scoped, [account, cold], [SPEC], day=DAY)
    assert frames[DAY][SPEC].to_dict() == pytest.approx(nightly[SPEC].to_dict())
