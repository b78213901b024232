"""factory_boy factories shared by every test module."""

from __future__ import annotations

import datetime as dt

import factory

from accounts.models import (
    Account,
    AccountNameGram,
    Contact,
    Contract,
    RelationshipLevel,
    SavedView,
    Segment,
)
from cs_platform.models import Membership, Role, Tenant, User


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"テナント {n}")
    slug = factory.Sequence(lambda n: f"tenant-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.CSM


class TenantOwnedFactory(factory.django.DjangoModelFactory):
    """Base for tenant-owned rows: call inside tenant_scope(), or pass tenant=…"""

    class Meta:
        abstract = True

    tenant = factory.LazyFunction(
        lambda: __import__("cs_platform.scoping").scoping.require_current_tenant()
    )


class AccountFactory(TenantOwnedFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"株式会社サンプル{n}")
    external_id = factory.Sequence(lambda n: f"acc-{n}")
    licensed_seats = 50


class AccountNameGramFactory(TenantOwnedFactory):
    """A name gram as the triggers on the accounts write it (one no name has)."""

    class Meta:
        model = AccountNameGram

    account = factory.SubFactory(AccountFactory, tenant=factory.SelfAttribute("..tenant"))
    gram = factory.Sequence(lambda n: -(1 << 40) - n)
    name_trigrams = 1


class ContactFactory(TenantOwnedFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory, tenant=factory.SelfAttribute("..tenant"))
    name = factory.Sequence(lambda n: f"担当者 {n}")
    email = factory.Sequence(lambda n: f"contact{n}@customer.example")
    external_id = factory.Sequence(lambda n: f"con-{n}")
    relationship_level = RelationshipLevel.FIELD


class ContractFactory(TenantOwnedFactory):
    class Meta:
        model = Contract

    account = factory.SubFactory(AccountFactory, tenant=factory.SelfAttribute("..tenant"))
    plan = "Standard"
    arr = 1_200_000
    start_date = dt.date(2026, 1, 1)
    renewal_date = dt.date(2027, 1, 1)


class SegmentFactory(TenantOwnedFactory):
    class Meta:
        model = Segment

    name = factory.Sequence(lambda n: f"Segment {n}")
    rules = factory.LazyFunction(dict)


class SavedViewFactory(TenantOwnedFactory):
    class Meta:
        model = SavedView

    name = factory.Sequence(lambda n: f"ビュー {n}")
    owner = factory.SubFactory(UserFactory)
    query = "sort=-arr"
