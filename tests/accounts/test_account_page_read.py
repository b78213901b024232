"""Account 360's own part (the account with its owner, its contacts and contracts) is read in
one call of `junkan_account_page` (accounts 0024), planned once per connection: the same rows
as the selectors it replaces, its contacts left for the page view's `contacts_of`, and no other
tenant's rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.selectors import account_page_read, contacts_of, contract_history_of
from accounts.selectors.accounts import _account_read
from cs_platform.leanread import USER_SHOWN
from cs_platform.requestmemo import request_memo_scope
from cs_platform.scoping import tenant_scope
from tests.factories import AccountFactory, ContactFactory, ContractFactory
from tests.loaded import loaded_fields

pytestmark = pytest.mark.django_db


def _account_with_relations(owner):
    account = AccountFactory(owner=owner)
    today = timezone.localdate()
    ContactFactory(account=account, name="Sato", relationship_level="manager")
    ContactFactory(account=account, name="Abe", relationship_level="manager")
    ContactFactory(account=account, name="Ito", last_met_at=timezone.now(), is_champion=True)
    first = ContractFactory(
        account=account,
        start_date=today - dt.timedelta(days=700),
        renewal_date=today - dt.timedelta(days=335),
    )
    ContractFactory(
        account=account,
        previous=first,
        start_date=today - dt.timedelta(days=335),
        renewal_date=today + dt.timedelta(days=30),
    )
    return account


def test_the_page_reads_the_account_contacts_and_contracts_in_one_call(scoped, csm_user):
    account = _account_with_relations(csm_user)
    with request_memo_scope(), CaptureQueriesContext(connection) as captured:
        page = account_page_read(pk=account.pk)
        contacts = contacts_of(account=account)
    [statement] = [q["sql"] for q in captured.captured_queries]
    assert "junkan_account_page(" in statement
    expected = _account_read(account.pk, USER_SHOWN)
    assert loaded_fields(page.account) == loaded_fields(expected)
    assert loaded_fields(page.account.owner) == loaded_fields(expected.owner)
    assert set(loaded_fields(page.account.owner)) == set(USER_SHOWN)  # no password hash
    assert contacts is page.contacts
    assert [loaded_fields(c) for c in contacts] == [
        loaded_fields(c)
        for c in contacts_of(account=account)  # outside the page view: read
    ]
    assert [c.name for c in contacts if c.relationship_level == "manager"] == ["Abe", "Sato"]
    history = contract_history_of(account_id=account.pk)
    assert [loaded_fields(c) for c in page.contracts] == [loaded_fields(c) for c in history]
    assert page.contracts[0].previous is None
    assert loaded_fields(page.contracts[1].previous) == loaded_fields(history[1].previous)


def test_an_account_without_owner_contacts_or_contracts(scoped):
    account = AccountFactory(owner=None)
    page = account_page_read(pk=account.pk)
    assert page.account.pk == account.pk and page.account.owner is None
    assert page.contacts == [] and page.contracts == []


def test_the_page_function_sees_only_the_tenant_in_scope(tenant, other_tenant):
    with tenant_scope(other_tenant):
        theirs = _account_with_relations(None)
    with tenant_scope(tenant):
        assert account_page_read(pk=theirs.pk) is None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT * FROM junkan_account_page(%s, %s)", [other_tenant.pk, theirs.pk]
            )
            assert cursor.fetchall() == [(None, None, None)]
