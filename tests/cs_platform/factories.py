"""Factories of the core models that are not in tests/factories.py."""

from __future__ import annotations

import factory
from django.utils import timezone

from cs_platform.models import (
    AccountScoreVersion,
    AccountScoreVersionBump,
    AccountVersion,
    AccountVersionBump,
    ApiKey,
    ApiKeyScope,
    AuditEvent,
    ChangeAction,
    ChangeRecord,
    DataVersion,
    DataVersionBump,
    TouchVersion,
    TouchVersionBump,
    TrashEntry,
    WorkVersion,
    WorkVersionBump,
)
from cs_platform.scoping import require_current_tenant
from cs_platform.selectors import hash_api_key


class ApiKeyFactory(factory.django.DjangoModelFactory):
    """A key row; the raw key is `f"jk_test_{n}"` (kept on the instance as `raw_key`)."""

    class Meta:
        model = ApiKey
        exclude = ("raw_key",)

    tenant = factory.LazyFunction(require_current_tenant)
    raw_key = factory.Sequence(lambda n: f"jk_test_{n:08d}")
    name = factory.Sequence(lambda n: f"Key {n}")
    scope = ApiKeyScope.READ
    prefix = factory.LazyAttribute(lambda o: o.raw_key[:10])
    hashed_key = factory.LazyAttribute(lambda o: hash_api_key(o.raw_key))


class TrashEntryFactory(factory.django.DjangoModelFactory):
    """A trash entry holding nothing (real entries come from `trash_delete`)."""

    class Meta:
        model = TrashEntry

    tenant = factory.LazyFunction(require_current_tenant)
    model = "accounts.segment"
    object_id = factory.Sequence(lambda n: 10_000 + n)
    label = factory.Sequence(lambda n: f"Deleted {n}")
    deleted_at = factory.LazyFunction(timezone.now)


class ChangeRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeRecord

    tenant = factory.LazyFunction(require_current_tenant)
    action = ChangeAction.DELETED
    model = "accounts.segment"
    object_id = factory.Sequence(lambda n: 10_000 + n)
    label = factory.Sequence(lambda n: f"Deleted {n}")
    at = factory.LazyFunction(timezone.now)


class AuditEventFactory(factory.django.DjangoModelFactory):
    """An audit line (real ones come from cs_platform.audit.services.audit_record)."""

    class Meta:
        model = AuditEvent

    tenant = factory.LazyFunction(require_current_tenant)
    at = factory.LazyFunction(timezone.now)
    action = "test.event"
    target_type = "accounts.account"
    target_id = factory.Sequence(lambda n: n + 1)
    target_label = factory.Sequence(lambda n: f"Target {n}")


class _TenantRowFactory(factory.django.DjangoModelFactory):
    """A row of the tenant in scope: the version channels' counter and bump rows (real ones
    come from the first read and from triggers)."""

    class Meta:
        abstract = True

    tenant = factory.LazyFunction(require_current_tenant)


class _CounterFactory(_TenantRowFactory):
    """A channel's counter row: one per tenant, so made only if missing."""

    class Meta:
        abstract = True
        django_get_or_create = ("tenant",)


class DataVersionBumpFactory(_TenantRowFactory):
    """One write statement counted in the tenant's data version."""

    class Meta:
        model = DataVersionBump


class DataVersionFactory(_CounterFactory):
    class Meta:
        model = DataVersion


class TouchVersionBumpFactory(_TenantRowFactory):
    """One write statement counted in the tenant's touch version."""

    class Meta:
        model = TouchVersionBump


class TouchVersionFactory(_CounterFactory):
    class Meta:
        model = TouchVersion


class WorkVersionBumpFactory(_TenantRowFactory):
    """One write statement counted in the tenant's work version."""

    class Meta:
        model = WorkVersionBump


class WorkVersionFactory(_CounterFactory):
    class Meta:
        model = WorkVersion


class AccountVersionBumpFactory(_TenantRowFactory):
    """One write statement counted in an account's version."""

    class Meta:
        model = AccountVersionBump

    account_id = factory.Sequence(lambda n: n + 1)


class AccountVersionFactory(_TenantRowFactory):
    """An account's counter row (real ones: the tenant's row 0 on the first read, an account's
    at compaction)."""

    class Meta:
        model = AccountVersion
        django_get_or_create = ("tenant", "account_id")

    account_id = factory.Sequence(lambda n: n + 1)


class AccountScoreVersionBumpFactory(_TenantRowFactory):
    """One write statement counted in an account's score version."""

    class Meta:
        model = AccountScoreVersionBump

    account_id = factory.Sequence(lambda n: n + 1)


class AccountScoreVersionFactory(_TenantRowFactory):
    """An account's score counter row (as `AccountVersionFactory`)."""

    class Meta:
        model = AccountScoreVersion
        django_get_or_create = ("tenant", "account_id")

    account_id = factory.Sequence(lambda n: n + 1)
