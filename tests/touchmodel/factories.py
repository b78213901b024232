"""Factories for every touchmodel model (each makes a valid row with only `tenant` in scope)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from tests.factories import AccountFactory, ContactFactory, TenantOwnedFactory, UserFactory
from touchmodel.models import (
    AccountTier,
    ChampionNomination,
    CsmCapacity,
    EmailOptOut,
    OutboundEmail,
    Rule,
    RuleEvaluation,
    RuleFiring,
    Seminar,
    SeminarRegistration,
    SeminarSignup,
    SenderDomain,
    TierRule,
    TouchProgram,
    TouchSettings,
    UserGroup,
    UserGroupMember,
)

_same_tenant = factory.SelfAttribute("..tenant")


class TouchSettingsFactory(TenantOwnedFactory):
    class Meta:
        model = TouchSettings
        django_get_or_create = ("tenant",)


class TierRuleFactory(TenantOwnedFactory):
    class Meta:
        model = TierRule

    name = factory.Sequence(lambda n: f"Tier rule {n}")
    position = factory.Sequence(lambda n: n)
    tier = "high"


class AccountTierFactory(TenantOwnedFactory):
    class Meta:
        model = AccountTier

    account = factory.SubFactory(AccountFactory, tenant=_same_tenant)
    tier = "low"
    source = "rule"


class TouchProgramFactory(TenantOwnedFactory):
    class Meta:
        model = TouchProgram

    name_ja = factory.Sequence(lambda n: f"プログラム{n}")
    name_en = factory.Sequence(lambda n: f"Program {n}")
    kind = "seminar_series"
    tier = "low"
    value_per_customer = 3
    reach_per_month = 40
    cost_hours_per_month = 8


class CsmCapacityFactory(TenantOwnedFactory):
    class Meta:
        model = CsmCapacity

    user = factory.SubFactory(UserFactory)
    hours_per_month = 100


class RuleFactory(TenantOwnedFactory):
    class Meta:
        model = Rule

    name_ja = factory.Sequence(lambda n: f"プレイブック{n}")
    name_en = factory.Sequence(lambda n: f"Playbook {n}")
    message_ja = "フォローしましょう。"
    message_en = "Let's follow up."
    trigger = "renewal_due"
    params = factory.LazyFunction(lambda: {"days": 90})
    checklist = factory.LazyFunction(lambda: ["Review usage", "Book a call"])


class RuleFiringFactory(TenantOwnedFactory):
    class Meta:
        model = RuleFiring

    rule = factory.SubFactory(RuleFactory, tenant=_same_tenant)
    account = factory.SubFactory(AccountFactory, tenant=_same_tenant)
    episode_key = factory.Sequence(lambda n: f"episode-{n}")
    tier = "high"
    action = "task"
    status = "done"


class OutboundEmailFactory(TenantOwnedFactory):
    class Meta:
        model = OutboundEmail

    message_key = factory.Sequence(lambda n: f"message-{n}")
    to_email = factory.Sequence(lambda n: f"reader{n}@customer.example")
    template = "content_recommendation"
    subject = "おすすめの記事"
    body_text = "本文"
    status = "queued"


class EmailOptOutFactory(TenantOwnedFactory):
    class Meta:
        model = EmailOptOut

    email = factory.Sequence(lambda n: f"optout{n}@customer.example")


class UserGroupFactory(TenantOwnedFactory):
    class Meta:
        model = UserGroup

    name_ja = factory.Sequence(lambda n: f"分科会{n}")
    name_en = factory.Sequence(lambda n: f"User group {n}")
    level = "beginner"
    topics = factory.LazyFunction(lambda: ["採用広報"])


class UserGroupMemberFactory(TenantOwnedFactory):
    class Meta:
        model = UserGroupMember

    group = factory.SubFactory(UserGroupFactory, tenant=_same_tenant)
    contact = factory.SubFactory(ContactFactory, tenant=_same_tenant)


class SeminarFactory(TenantOwnedFactory):
    class Meta:
        model = Seminar

    title_ja = factory.Sequence(lambda n: f"オンボーディングセミナー{n}")
    title_en = factory.Sequence(lambda n: f"Onboarding seminar {n}")
    kind = "onboarding"
    capacity = 30
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))


class SeminarRegistrationFactory(TenantOwnedFactory):
    class Meta:
        model = SeminarRegistration

    seminar = factory.SubFactory(SeminarFactory, tenant=_same_tenant)
    contact = factory.SubFactory(ContactFactory, tenant=_same_tenant)
    account = factory.SelfAttribute("contact.account")
    name = factory.SelfAttribute("contact.name")
    email = factory.SelfAttribute("contact.email")


class SeminarSignupFactory(TenantOwnedFactory):
    """A public registration waiting for its address to confirm."""

    class Meta:
        model = SeminarSignup

    seminar = factory.SubFactory(SeminarFactory, tenant=_same_tenant)
    email = factory.Sequence(lambda n: f"reader{n}@customer.example")
    name = factory.Sequence(lambda n: f"Reader {n}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=48))


class ChampionNominationFactory(TenantOwnedFactory):
    class Meta:
        model = ChampionNomination

    contact = factory.SubFactory(ContactFactory, tenant=_same_tenant)
    criterion = "community"
    reason = "分科会を主催"


class RuleEvaluationFactory(TenantOwnedFactory):
    class Meta:
        model = RuleEvaluation

    day = factory.Sequence(lambda n: dt.date(2026, 1, 1) + dt.timedelta(days=n))


class SenderDomainFactory(TenantOwnedFactory):
    class Meta:
        model = SenderDomain

    domain = factory.Sequence(lambda n: f"mail{n}.customer.example")
