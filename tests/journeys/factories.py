"""Factories for every journeys model (each makes a valid row with only `tenant` in scope)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from journeys.models import (
    AccountPhase,
    ActionStep,
    ActionStepComment,
    Activity,
    ActivityKind,
    FeedbackItem,
    FeedbackKind,
    JourneyMap,
    JourneyTemplate,
    Meeting,
    MeetingContact,
    MeetingStaff,
    Milestone,
    Phase,
    PhaseTransition,
    Task,
    TemplateMilestone,
)
from tests.factories import AccountFactory, ContactFactory, TenantOwnedFactory, UserFactory

_same_tenant = factory.SelfAttribute("..tenant")


class PhaseFactory(TenantOwnedFactory):
    class Meta:
        model = Phase

    key = factory.Sequence(lambda n: f"phase-{n}")
    name_ja = factory.Sequence(lambda n: f"フェーズ{n}")
    name_en = factory.Sequence(lambda n: f"Phase {n}")
    order = factory.Sequence(lambda n: n)


class AccountPhaseFactory(TenantOwnedFactory):
    class Meta:
        model = AccountPhase

    account = factory.SubFactory(AccountFactory, tenant=_same_tenant)
    phase = factory.SubFactory(PhaseFactory, tenant=_same_tenant)


class PhaseTransitionFactory(TenantOwnedFactory):
    class Meta:
        model = PhaseTransition

    account = factory.SubFactory(AccountFactory, tenant=_same_tenant)
    from_phase = factory.SubFactory(PhaseFactory, tenant=_same_tenant)
    to_phase = factory.SubFactory(PhaseFactory, tenant=_same_tenant)
    reason = "契約締結"


class JourneyTemplateFactory(TenantOwnedFactory):
    class Meta:
        model = JourneyTemplate

    name = factory.Sequence(lambda n: f"標準ジャーニー {n}")


class TemplateMilestoneFactory(TenantOwnedFactory):
    class Meta:
        model = TemplateMilestone

    template = factory.SubFactory(JourneyTemplateFactory, tenant=_same_tenant)
    title = factory.Sequence(lambda n: f"マイルストーン {n}")
    target_score = 60
    due_after_days = 30


class JourneyMapFactory(TenantOwnedFactory):
    class Meta:
        model = JourneyMap

    account = factory.SubFactory(AccountFactory, tenant=_same_tenant)
    title = "導入ジャーニー"


class MilestoneFactory(TenantOwnedFactory):
    class Meta:
        model = Milestone

    journey_map = factory.SubFactory(JourneyMapFactory, tenant=_same_tenant)
    account = factory.SelfAttribute("journey_map.account")
    title = factory.Sequence(lambda n: f"名刺を週100枚スキャン {n}")
    customer_goal = "営業全員が名刺を共有できる状態にしたい"
    target_score = 70
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))


class ActionStepFactory(TenantOwnedFactory):
    class Meta:
        model = ActionStep

    milestone = factory.SubFactory(MilestoneFactory, tenant=_same_tenant)
    description = "週次スキャン枚数を可視化するダッシュボードを共有"
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))


class ActionStepCommentFactory(TenantOwnedFactory):
    class Meta:
        model = ActionStepComment

    step = factory.SubFactory(ActionStepFactory, tenant=_same_tenant)
    contact = factory.SubFactory(
        ContactFactory,
        tenant=_same_tenant,
        account=factory.SelfAttribute("..step.milestone.account"),
    )
    body = "ダッシュボードを確認しました"


class ActivityFactory(TenantOwnedFactory):
    class Meta:
        model = Activity

    account = factory.SubFactory(AccountFactory, tenant=_same_tenant)
    kind = ActivityKind.NOTE
    title = factory.Sequence(lambda n: f"メモ {n}")
    occurred_at = factory.LazyFunction(timezone.now)


class MeetingFactory(TenantOwnedFactory):
    class Meta:
        model = Meeting

    account = factory.SubFactory(AccountFactory, tenant=_same_tenant)
    agenda = "定例ミーティング"
    occurred_at = factory.LazyFunction(timezone.now)


class MeetingContactFactory(TenantOwnedFactory):
    class Meta:
        model = MeetingContact

    meeting = factory.SubFactory(MeetingFactory, tenant=_same_tenant)
    contact = factory.SubFactory(
        ContactFactory, tenant=_same_tenant, account=factory.SelfAttribute("..meeting.account")
    )


class MeetingStaffFactory(TenantOwnedFactory):
    class Meta:
        model = MeetingStaff

    meeting = factory.SubFactory(MeetingFactory, tenant=_same_tenant)
    user = factory.SubFactory(UserFactory)


class TaskFactory(TenantOwnedFactory):
    class Meta:
        model = Task

    account = factory.SubFactory(AccountFactory, tenant=_same_tenant)
    title = factory.Sequence(lambda n: f"フォローアップ {n}")
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))


class FeedbackItemFactory(TenantOwnedFactory):
    class Meta:
        model = FeedbackItem

    account = factory.SubFactory(AccountFactory, tenant=_same_tenant)
    kind = FeedbackKind.REQUEST
    category = "レポート"
    quote = "部署ごとのレポートがほしい"
    shared_with = factory.LazyFunction(lambda: ["product"])
