"""Factories for every tracking model (each valid with only `tenant` in scope)."""

from __future__ import annotations

import factory

from tests.factories import AccountFactory, TenantOwnedFactory
from tracking.models import RejectedMessage, TrackedUser, TrackingSettings

_TENANT = factory.SelfAttribute("..tenant")


class TrackingSettingsFactory(TenantOwnedFactory):
    class Meta:
        model = TrackingSettings

    create_unknown_accounts = False


class TrackedUserFactory(TenantOwnedFactory):
    class Meta:
        model = TrackedUser

    user_id = factory.Sequence(lambda n: f"user-{n}")
    account = factory.SubFactory(AccountFactory, tenant=_TENANT)
    traits = factory.LazyFunction(lambda: {"name": "Aiko"})


class RejectedMessageFactory(TenantOwnedFactory):
    class Meta:
        model = RejectedMessage

    call = "track"
    message_id = factory.Sequence(lambda n: f"m-{n}")
    code = "unknown_account"
    reason = "The user belongs to no known group yet."
