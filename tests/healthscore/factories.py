"""Factories for every healthscore model (each valid with only `tenant` in scope)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from healthscore.models import (
    AlertKind,
    BacktestRun,
    Band,
    ContactDaily,
    DirtyAccount,
    EventKey,
    HealthAlert,
    HealthScore,
    HealthScoreNow,
    HealthSettings,
    JobTrigger,
    KeyEvent,
    LatestScore,
    PortfolioDay,
    PortfolioDayDelta,
    RecomputeChunk,
    RecomputeJob,
    Scorecard,
    ScorecardVersion,
    ScoreSample,
    SurveyResponse,
    UsageDaily,
    UsageEvent,
)
from healthscore.services.scorecards import default_definition
from tests.factories import AccountFactory, TenantOwnedFactory

_TENANT = factory.SelfAttribute("..tenant")


class UsageEventFactory(TenantOwnedFactory):
    class Meta:
        model = UsageEvent

    account = factory.SubFactory(AccountFactory, tenant=_TENANT)
    contact_key = factory.Sequence(lambda n: f"user-{n}")
    event = "login"
    occurred_at = factory.LazyFunction(timezone.now)
    properties = factory.LazyFunction(dict)


class EventKeyFactory(TenantOwnedFactory):
    class Meta:
        model = EventKey

    idempotency_key = factory.Sequence(lambda n: f"key-{n}")


class UsageDailyFactory(TenantOwnedFactory):
    class Meta:
        model = UsageDaily

    account = factory.SubFactory(AccountFactory, tenant=_TENANT)
    day = factory.LazyFunction(timezone.localdate)
    event = "login"
    count = 1


class ContactDailyFactory(TenantOwnedFactory):
    class Meta:
        model = ContactDaily

    account = factory.SubFactory(AccountFactory, tenant=_TENANT)
    contact_key = factory.Sequence(lambda n: f"user-{n}")
    day = factory.LazyFunction(timezone.localdate)


class KeyEventFactory(TenantOwnedFactory):
    class Meta:
        model = KeyEvent

    name = factory.Sequence(lambda n: f"feature_{n}")
    label = factory.Sequence(lambda n: f"機能 {n}")


class SurveyResponseFactory(TenantOwnedFactory):
    class Meta:
        model = SurveyResponse

    account = factory.SubFactory(AccountFactory, tenant=_TENANT)
    score = 8
    responded_on = factory.LazyFunction(timezone.localdate)


class ScorecardFactory(TenantOwnedFactory):
    class Meta:
        model = Scorecard

    name = factory.Sequence(lambda n: f"Scorecard {n}")
    priority = factory.Sequence(lambda n: 10 + n)
    draft = factory.LazyFunction(default_definition)


class ScorecardVersionFactory(TenantOwnedFactory):
    class Meta:
        model = ScorecardVersion

    scorecard = factory.SubFactory(ScorecardFactory, tenant=_TENANT)
    number = factory.Sequence(lambda n: n + 1)
    definition = factory.LazyFunction(default_definition)


class HealthScoreFactory(TenantOwnedFactory):
    class Meta:
        model = HealthScore

    account = factory.SubFactory(AccountFactory, tenant=_TENANT)
    version = factory.SubFactory(ScorecardVersionFactory, tenant=_TENANT)
    day = factory.LazyFunction(timezone.localdate)
    score = 75.0
    band = Band.GREEN
    components = factory.LazyFunction(dict)


class ScoreSampleFactory(TenantOwnedFactory):
    """A backtest sample as the triggers on HealthScore write it (a Monday's score)."""

    class Meta:
        model = ScoreSample

    account = factory.SubFactory(AccountFactory, tenant=_TENANT)
    version = factory.SubFactory(ScorecardVersionFactory, tenant=_TENANT)
    day = factory.Sequence(lambda n: dt.date(2026, 1, 5) + dt.timedelta(weeks=n))
    score = 75.0
    band = Band.GREEN
    points = factory.LazyFunction(lambda: [40.0, 35.0])


class LatestScoreFactory(TenantOwnedFactory):
    """A latest-score row as the triggers on HealthScore write it (an account never scored)."""

    class Meta:
        model = LatestScore

    account = factory.SubFactory(AccountFactory, tenant=_TENANT)
    day = factory.LazyFunction(timezone.localdate)
    score = 75.0
    band = Band.GREEN


class PortfolioDayFactory(TenantOwnedFactory):
    class Meta:
        model = PortfolioDay

    version = factory.SubFactory(ScorecardVersionFactory, tenant=_TENANT)
    day = factory.LazyFunction(timezone.localdate)


class PortfolioDayDeltaFactory(TenantOwnedFactory):
    class Meta:
        model = PortfolioDayDelta

    version = factory.SubFactory(ScorecardVersionFactory, tenant=_TENANT)
    day = factory.LazyFunction(timezone.localdate)


class HealthScoreNowFactory(TenantOwnedFactory):
    class Meta:
        model = HealthScoreNow

    account = factory.SubFactory(AccountFactory, tenant=_TENANT)
    version = factory.SubFactory(ScorecardVersionFactory, tenant=_TENANT)
    day = factory.LazyFunction(timezone.localdate)
    score = 62.0
    band = Band.AMBER
    components = factory.LazyFunction(dict)


class DirtyAccountFactory(TenantOwnedFactory):
    class Meta:
        model = DirtyAccount

    account = factory.SubFactory(AccountFactory, tenant=_TENANT)


class RecomputeJobFactory(TenantOwnedFactory):
    class Meta:
        model = RecomputeJob

    day = factory.Sequence(lambda n: dt.date(2026, 1, 1) + dt.timedelta(days=n))
    trigger = JobTrigger.MANUAL


class RecomputeChunkFactory(TenantOwnedFactory):
    class Meta:
        model = RecomputeChunk

    job = factory.SubFactory(RecomputeJobFactory, tenant=_TENANT)
    index = 0
    first_id = 1
    last_id = 100


class BacktestRunFactory(TenantOwnedFactory):
    class Meta:
        model = BacktestRun

    scorecard = factory.SubFactory(ScorecardFactory, tenant=_TENANT)
    definition = factory.LazyFunction(default_definition)
    fingerprint = factory.Sequence(lambda n: f"{n:064x}")


class HealthSettingsFactory(TenantOwnedFactory):
    class Meta:
        model = HealthSettings
        django_get_or_create = ("tenant",)

    drop_points = 15


class HealthAlertFactory(TenantOwnedFactory):
    class Meta:
        model = HealthAlert

    account = factory.SubFactory(AccountFactory, tenant=_TENANT)
    kind = AlertKind.RED
    episode_key = factory.Sequence(lambda n: f"episode-{n}")
    opened_on = factory.LazyFunction(timezone.localdate)
    score = 30.0
