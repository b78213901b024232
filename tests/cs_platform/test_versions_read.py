"""A page view reads its tenant's versions (and an account's) by one call of `junkan_versions`
(cs_platform 0013), whose plan PostgreSQL keeps per connection: the same numbers as each
channel's own read, and no other tenant's, as row-level security says."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cs_platform.datacache import account_version, data_version, touch_version, work_version
from cs_platform.requestmemo import request_memo_scope
from cs_platform.scoping import tenant_scope
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def _all_versions(account_id: int) -> tuple[int, int, int, int]:
    # The account's first, as Account 360 asks: a page view reads the tenant's with it.
    return account_version(account_id), data_version(), touch_version(), work_version()


def test_a_page_view_reads_every_version_in_one_call_of_the_function(scoped):
    account = AccountFactory()
    _all_versions(account.pk)  # every row made
    with request_memo_scope(), CaptureQueriesContext(connection) as captured:
        _all_versions(account.pk)
    [statement] = [q["sql"] for q in captured.captured_queries]
    assert "junkan_versions(" in statement
    assert "cs_platform_dataversion" not in statement  # no sub-SELECT for PostgreSQL to plan


def test_the_function_gives_the_numbers_of_each_channels_own_read(scoped):
    account, other = AccountFactory(), AccountFactory()
    _all_versions(account.pk)
    AccountFactory()  # bumps on the data channel
    ContactFactory(account=account)  # and on the work and account channels
    ContactFactory(account=other)
    alone = _all_versions(account.pk)  # outside a page view: each channel's own statement
    with request_memo_scope():
        assert _all_versions(account.pk) == alone


def test_the_function_sees_only_the_tenant_in_scope(scoped, other_tenant):
    with tenant_scope(other_tenant):
        data_version(), work_version()  # the other tenant's rows exist
    data_version()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM junkan_versions(%s, NULL)", [other_tenant.pk])
        row = cursor.fetchone()
    assert row[:6] == (None, 0, None, 0, None, 0)
