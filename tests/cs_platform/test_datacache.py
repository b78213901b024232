"""Cached page data is keyed by the tenant's data version, which database triggers raise on
every write to a watched table (whoever writes: ORM, set-based SQL, another tenant's not)."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import Account
from cs_platform.datacache import cached_for_data_version, data_version
from cs_platform.scoping import tenant_scope
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_writes_to_a_watched_table_raise_the_version_once_per_statement(scoped, other_tenant):
    first = data_version()
    account = AccountFactory()
    assert data_version() == first + 1
    Account.objects.filter(pk=account.pk).update(name="株式会社みどり")
    with connection.cursor() as cursor:  # set-based SQL too: no signal involved
        cursor.execute(
            "UPDATE accounts_account SET industry = 'IT' WHERE tenant_id = %s", [scoped.pk]
        )
    assert data_version() == first + 3
    with tenant_scope(other_tenant):
        before = data_version()
        AccountFactory()
        assert data_version() == before + 1
    assert data_version() == first + 3  # another tenant's write is not ours
    Account.objects.filter(pk=account.pk).delete()
    assert data_version() > first + 3


def test_cached_data_is_computed_again_after_a_change(scoped):
    calls = []

    def compute() -> int:
        calls.append(1)
        return Account.objects.count()

    assert cached_for_data_version("test.count", compute) == 0
    assert cached_for_data_version("test.count", compute) == 0
    assert len(calls) == 1
    AccountFactory()
    assert cached_for_data_version("test.count", compute) == 1
    assert len(calls) == 2
