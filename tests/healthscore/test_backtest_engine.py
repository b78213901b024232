"""The backtest's reads: the narrow Monday samples, the binary reader, and one engine.

A draft identical to the published version, scored on past days from the stored rollups,
must give the scores the nightly recompute stored on those days.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from healthscore import evaluation
from healthscore.engine import history
from healthscore.engine.history import (
    history_frames,
    history_measure_frames,
    history_read,
    read_binary,
)
from healthscore.engine.measures import Spec, spec_of
from healthscore.models import (
    ContactDaily,
    HealthScore,
    Scorecard,
    ScoreSample,
    UsageDaily,
    sample_keys,
)
from healthscore.services import backtest as bt
from healthscore.services.recompute import healthscore_recompute
from journeys.models import MilestoneStatus
from tests.factories import AccountFactory, ContactFactory, ContractFactory
from tests.journeys.factories import MilestoneFactory

from .factories import (
    ContactDailyFactory,
    KeyEventFactory,
    SurveyResponseFactory,
    UsageDailyFactory,
)
from .test_recompute import frame_for

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 11, 16)
MONDAYS = [MONDAY - dt.timedelta(days=7 * k) for k in (9, 6, 3, 0)]


def _world() -> list:
    """Three accounts with usage, active users, a survey, contacts, a contract and
    milestones judged at different times, over the ten weeks before MONDAY."""
    KeyEventFactory(name="report")
    accounts = [AccountFactory(licensed_seats=5) for _ in range(3)]
    for n, account in enumerate(accounts):
        for days_ago in range(0, 130, n + 2):
            day = MONDAY - dt.timedelta(days=days_ago)
            UsageDailyFactory(
                account=account, day=day, event="report" if days_ago % 3 else "login", count=n + 1
            )
            ContactDailyFactory(account=account, contact_key=f"u{days_ago % 4}", day=day)
    SurveyResponseFactory(account=accounts[0], score=7, responded_on=MONDAY - dt.timedelta(days=30))
    # Customers all (the backtest scores accounts that had a contract), renewing at times.
    for n, account in enumerate(accounts):
        ContractFactory(account=account, renewal_date=MONDAY + dt.timedelta(days=30 + 90 * n))
    met = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    ContactFactory(account=accounts[0], relationship_level="manager", last_met_at=met)
    ContactFactory(account=accounts[0], relationship_level="executive")
    # Milestones: one done on time long ago, one done late (open and overdue in between),
    # one marked missed, one not due yet.
    first = MilestoneFactory(
        account=accounts[2],
        journey_map__account=accounts[2],
        status=MilestoneStatus.DONE,
        due_date=MONDAY - dt.timedelta(days=70),
        completed_on=MONDAY - dt.timedelta(days=75),
    )
    MilestoneFactory(
        journey_map=first.journey_map,
        status=MilestoneStatus.DONE,
        due_date=MONDAY - dt.timedelta(days=40),
        completed_on=MONDAY - dt.timedelta(days=10),
    )
    MilestoneFactory(
        journey_map=first.journey_map,
        status=MilestoneStatus.MISSED,
        due_date=MONDAY - dt.timedelta(days=25),
    )
    MilestoneFactory(journey_map=first.journey_map, due_date=MONDAY + dt.timedelta(days=20))
    return accounts


def test_a_draft_identical_to_the_published_version_reproduces_the_stored_scores(
    defaults, settings
):
    _world()
    for day in MONDAYS:
        healthscore_recompute(day=day)
    card = Scorecard.objects.get(is_default=True)
    version = card.current_version
    keys = [c["key"] for c in version.definition["components"]]
    assert "journey" in keys  # the default scorecard judges the milestones
    stored = bt._stored_samples(
        tenant_id=defaults.pk, version_id=version.pk, keys=keys, days=MONDAYS
    )
    rescored = bt._scored_samples(
        scorecard=card, definition=version.definition, days=MONDAYS, progress=lambda *_: None
    )
    assert len(stored) == len(rescored) == 3 * len(MONDAYS)
    stored = stored.sort_values(["account_id", "day"]).reset_index(drop=True)
    rescored = rescored.sort_values(["account_id", "day"]).reset_index(drop=True)
    assert (stored["account_id"].to_numpy() == rescored["account_id"].to_numpy()).all()
    assert (
        stored["day"].to_numpy() == np.array(rescored["day"].tolist(), dtype="datetime64[D]")
    ).all()
    np.testing.assert_allclose(stored["score"], rescored["score"], atol=1e-6)
    assert (stored["band"].to_numpy() == evaluation.band_codes(rescored["band"].to_numpy())).all()
    for key in keys:
        np.testing.assert_allclose(stored[f"p:{key}"], rescored[f"p:{key}"], atol=1e-4)
    # One account a chunk: each chunk is scored in the second thread while the next is
    # read, and the samples are the same, in the order of the chunks.
    settings.HEALTH_RECOMPUTE_CHUNK_SIZE = 1
    chunked = bt._scored_samples(
        scorecard=card, definition=version.definition, days=MONDAYS, progress=lambda *_: None
    )
    assert chunked["account_id"].tolist() == sorted(chunked["account_id"].tolist())
    pd.testing.assert_frame_equal(
        chunked.sort_values(["account_id", "day"]).reset_index(drop=True), rescored
    )
    # The scoring of a chunk asks the database nothing (a query in that thread would open a
    # second connection): `history_read` asks everything beforehand.
    read = history_read(
        tenant_id=defaults.pk,
        tz=defaults.tzinfo,
        accounts=pd.DataFrame({"seats": [5.0] * 3}, index=sorted(stored["account_id"].unique())),
        days=MONDAYS,
        specs={spec_of(c) for c in version.definition["components"]},
    )
    with CaptureQueriesContext(connection) as queries:
        frames = history_frames(read)
    assert not queries.captured_queries
    assert set(frames) == set(MONDAYS)
    # The journey component moved over the weeks: the late and the missed milestones
    # counted once they were due, not before.
    journey = stored[stored["p:journey"] != stored["p:journey"].iloc[0]]
    assert not journey.empty
    # The whole backtest of the draft runs on the rescored samples.
    result = bt.backtest_compute(
        scorecard=card, definition=version.definition, version=None, today=MONDAY
    )
    assert result["source"] == "rescored"
    # Six Mondays from the first rollup (126 days back) to 90 days back, three accounts.
    assert result["horizons"][0]["churn"]["samples"] == 3 * 6


def test_the_monday_samples_follow_every_write_of_the_daily_scores(defaults):
    account = AccountFactory(licensed_seats=5)
    UsageDailyFactory(account=account, day=MONDAY, event="login", count=3)
    tuesday = MONDAY + dt.timedelta(days=1)
    healthscore_recompute(day=MONDAY)
    healthscore_recompute(day=tuesday)
    sample = ScoreSample.objects.get()
    score = HealthScore.objects.get(day=MONDAY)
    assert (sample.account_id, sample.day, sample.version_id) == (
        account.pk,
        MONDAY,
        score.version_id,
    )
    assert (sample.score, sample.band) == (score.score, score.band)
    keys = sample_keys(list(score.components))
    assert sample.points == [score.components[k]["points"] for k in keys]
    # A re-run of the day (an upsert) updates the sample.
    ContactDailyFactory(account=account, contact_key="a", day=MONDAY)
    healthscore_recompute(day=MONDAY)
    score.refresh_from_db()
    sample.refresh_from_db()
    assert sample.score == score.score
    assert sample.points == [score.components[k]["points"] for k in keys]
    HealthScore.objects.filter(day=MONDAY).delete()
    assert not ScoreSample.objects.exists()


def test_the_binary_reader_reads_fixed_width_columns_and_refuses_a_null(scoped):
    frame = read_binary(
        "SELECT g::bigint, DATE '2026-11-16' + g, g / 4.0::float8, (g %% 3)::int2"
        " FROM generate_series(-2, 3) g",
        [],
        [("id", "int8"), ("day", "date"), ("x", "float8"), ("count", "int2")],  # any name
    )
    assert frame["id"].tolist() == [-2, -1, 0, 1, 2, 3]
    assert frame["day"].iloc[0] == np.datetime64("2026-11-14")
    assert frame["x"].tolist() == [-0.5, -0.25, 0.0, 0.25, 0.5, 0.75]
    assert frame["count"].tolist() == [-2, -1, 0, 1, 2, 0]
    assert read_binary("SELECT 1::bigint WHERE false", [], [("id", "int8")]).empty
    with pytest.raises(ValueError, match="NULL"):
        read_binary("SELECT NULL::float8, 1::bigint", [], [("x", "float8"), ("id", "int8")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")  # the connection is usable after the refusal


def test_a_chunk_read_is_planned_as_an_index_read_and_leaves_the_settings_as_they_were(scoped):
    """The rollups of a chunk of accounts are read through the index, with no parallel
    workers and no JIT (a planner estimate chose whole-table scans per chunk); the settings
    hold for that read only, not for the rest of an enclosing transaction."""
    settings = "current_setting('enable_seqscan'), current_setting('jit')"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT {settings}, current_setting('max_parallel_workers_per_gather')")
        before = cursor.fetchone()
        assert before[0] == "on"
        frame = read_binary(
            "SELECT (current_setting('enable_seqscan') = 'off')::int::int2,"
            " (current_setting('jit') = 'off')::int::int2,"
            " current_setting('max_parallel_workers_per_gather')::int4",
            [],
            [("seqscan_off", "int2"), ("jit_off", "int2"), ("workers", "int4")],
            by_index=True,
        )
        assert frame.iloc[0].tolist() == [1, 1, 0]
        cursor.execute(f"SELECT {settings}, current_setting('max_parallel_workers_per_gather')")
        assert cursor.fetchone() == before
        # Without it, a read plans as any other statement.
        plain = read_binary(
            "SELECT (current_setting('enable_seqscan') = 'off')::int::int2", [], [("off", "int2")]
        )
        assert plain["off"].tolist() == [0]


def test_far_apart_days_read_only_their_windows_and_agree_with_the_nightly_path(scoped):
    """Sampled days far apart leave gaps no window covers, which are not read: every window
    still sees all its rows (the nightly path, one day at a time, says what they hold)."""
    KeyEventFactory(name="report")
    # The middle account is not scored: its rows, in the id range read, must be left out.
    first, other, last = (AccountFactory(licensed_seats=4) for _ in range(3))
    accounts = [first, last]
    usage, users = [], []
    for n, account in enumerate([first, last, other]):
        for days_ago in range(0, 165, (1, 3, 4)[n]):
            day = MONDAY - dt.timedelta(days=days_ago)
            event = ("report", "login", "export")[days_ago % 3]
            usage.append(
                UsageDaily(
                    tenant=scoped, account=account, day=day, event=event, count=days_ago % 5 + 1
                )
            )
            key = f"user-{days_ago % (3 + n)}"
            users.append(ContactDaily(tenant=scoped, account=account, contact_key=key, day=day))
    UsageDaily.objects.bulk_create(usage)
    ContactDaily.objects.bulk_create(users)
    specs = {
        Spec("event_count", 7, event="export"),
        Spec("active_days", 14),
        Spec("feature_breadth", 10),
        Spec("usage_trend", 7),
        Spec("active_user_ratio", 5),
        Spec("active_user_ratio", 30),
    }
    days = [MONDAY - dt.timedelta(days=d) for d in (150, 90, 0)]
    frame = pd.DataFrame({"seats": [4.0, 4.0]}, index=[a.pk for a in accounts])
    frames = history_measure_frames(
        tenant_id=scoped.pk, tz=scoped.tzinfo, accounts=frame, days=days, specs=specs
    )
    for day in days:
        nightly = frame_for(scoped, accounts, specs, day=day)
        for spec in specs:
            assert frames[day][spec].to_dict() == pytest.approx(nightly[spec].to_dict()), spec
    # Known answers on the latest day for the first account (a row every day): 3 of 4
    # users in 5 days (keys cycle through 3), 14 active days.
    assert frames[MONDAY].loc[accounts[0].pk, Spec("active_user_ratio", 5)] == 75.0
    assert frames[MONDAY].loc[accounts[0].pk, Spec("active_days", 14)] == 14.0


def test_days_to_renewal_reads_the_id_range_but_answers_for_the_chunks_accounts_only(scoped):
    """The chunk's contracts are read by id range: an account inside the range but not in
    the chunk (another scorecard's) gets no value, and each day sees its nearest renewal."""
    first, between, last = (AccountFactory() for _ in range(3))
    ContractFactory(account=first, renewal_date=MONDAY + dt.timedelta(days=10))
    ContractFactory(account=first, renewal_date=MONDAY + dt.timedelta(days=40))
    ContractFactory(account=between, renewal_date=MONDAY + dt.timedelta(days=5))
    ContractFactory(account=last, renewal_date=MONDAY + dt.timedelta(days=20))
    days = [MONDAY, MONDAY + dt.timedelta(days=14)]
    result = history._renewal([first.pk, last.pk], days)
    assert result[MONDAY].to_dict() == {first.pk: 10.0, last.pk: 20.0}
    assert result[days[1]].to_dict() == {first.pk: 26.0, last.pk: 6.0}
    assert history._renewal([], days)[MONDAY].empty
