"""Set-based reads the upper apps use instead of accounts' tables: one query each, scoped."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Contact, ContractStatus, LifecycleStatus
from accounts.selectors import (
    account_active_ids,
    contact_executive_rows_since,
    contract_history_rows,
    contract_renewing_rows,
)
from cs_platform.scoping import TenantScopeError, tenant_scope
from tests.factories import AccountFactory, ContactFactory, ContractFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2027, 4, 1)


def _contract(account=None, *, renewal_date=TODAY, status=ContractStatus.ACTIVE, **fields):
    return ContractFactory(
        **({"account": account} if account else {}),
        start_date=renewal_date - dt.timedelta(days=365),
        renewal_date=renewal_date,
        status=status,
        **fields,
    )


@pytest.fixture
def theirs(other_tenant):
    """One of everything in another tenant, all of it matching every selector."""
    with tenant_scope(other_tenant):
        account = AccountFactory()
        contract = _contract(account)
        contact = ContactFactory(account=account, relationship_level="executive")
    return account, contract, contact


# --- account_active_ids -------------------------------------------------------------------------


def test_active_account_ids_are_the_active_accounts_only(scoped):
    active = AccountFactory()
    AccountFactory(lifecycle_status=LifecycleStatus.PAUSED)
    AccountFactory(lifecycle_status=LifecycleStatus.CHURNED)
    assert account_active_ids() == {active.pk}


def test_active_account_ids_leave_out_another_tenants_accounts(scoped, theirs):
    mine = AccountFactory()
    assert account_active_ids() == {mine.pk}


# --- contract_renewing_rows ---------------------------------------------------------------------


def test_renewing_rows_are_active_contracts_renewing_within_the_window_inclusive(scoped):
    first = _contract(renewal_date=TODAY)
    last = _contract(renewal_date=TODAY + dt.timedelta(days=30))
    _contract(renewal_date=TODAY - dt.timedelta(days=1))
    _contract(renewal_date=TODAY + dt.timedelta(days=31))
    _contract(renewal_date=TODAY + dt.timedelta(days=5), status=ContractStatus.RENEWED)
    rows = contract_renewing_rows(start=TODAY, end=TODAY + dt.timedelta(days=30))
    assert sorted(rows) == sorted(
        [
            (first.pk, first.account_id, first.renewal_date),
            (last.pk, last.account_id, last.renewal_date),
        ]
    )


def test_renewing_rows_leave_out_another_tenants_contracts(scoped, theirs):
    assert contract_renewing_rows(start=TODAY, end=TODAY) == []


# --- contract_history_rows ----------------------------------------------------------------------


def test_history_rows_give_every_contract_of_the_accounts_with_its_predecessor(scoped):
    account = AccountFactory()
    old = _contract(account, arr=1_000, status=ContractStatus.RENEWED)
    new = _contract(account, arr=1_500, previous=old, renewal_date=TODAY + dt.timedelta(365))
    _contract()  # another account's
    rows = contract_history_rows(account_ids=[account.pk])
    assert sorted(rows) == sorted(
        [
            (old.pk, account.pk, 1_000, old.renewal_date, "renewed", None),
            (new.pk, account.pk, 1_500, new.renewal_date, "active", old.pk),
        ]
    )


def test_history_rows_leave_out_another_tenants_contracts_even_by_id(scoped, theirs):
    account, _contract_row, _contact = theirs
    assert contract_history_rows(account_ids=[account.pk]) == []


# --- contact_executive_rows_since ---------------------------------------------------------------


def test_executive_rows_are_executives_added_since_the_moment(scoped):
    since = timezone.now() - dt.timedelta(days=7)
    new = ContactFactory(relationship_level="executive")
    ContactFactory(relationship_level="manager")
    old = ContactFactory(relationship_level="executive")
    Contact.objects.filter(pk=old.pk).update(created_at=since - dt.timedelta(seconds=1))
    assert contact_executive_rows_since(since=since) == [(new.pk, new.account_id)]


def test_executive_rows_leave_out_another_tenants_contacts(scoped, theirs):
    since = timezone.now() - dt.timedelta(days=7)
    assert contact_executive_rows_since(since=since) == []


# --- each is one query and fails closed ---------------------------------------------------------

CALLS = {
    "account_active_ids": lambda: account_active_ids(),
    "contract_renewing_rows": lambda: contract_renewing_rows(start=TODAY, end=TODAY),
    "contract_history_rows": lambda: contract_history_rows(account_ids=[1, 2, 3]),
    "contact_executive_rows_since": lambda: contact_executive_rows_since(since=timezone.now()),
}


@pytest.mark.parametrize("name", CALLS)
def test_each_set_based_read_is_one_query(scoped, django_assert_num_queries, name):
    account = AccountFactory()
    _contract(account)
    ContactFactory(account=account, relationship_level="executive")
    with django_assert_num_queries(1):
        CALLS[name]()


@pytest.mark.parametrize("name", CALLS)
def test_each_set_based_read_refuses_to_run_without_a_tenant_in_scope(db, name):
    with pytest.raises(TenantScopeError):
        CALLS[name]()
