"""A contract's `account_owner_id` is its account's owner, kept exact by the database
(accounts migration 0018): after every kind of write that can change either side it equals
the account's owner, nothing else can be stored in it, and My Work's renewals, which read
it, follow an owner change at once (issue #16)."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Account, Contract
from cs_platform.models import TrashEntry
from cs_platform.scoping import tenant_scope
from cs_platform.trash.services import trash_restore
from tests.factories import AccountFactory, ContractFactory

pytestmark = pytest.mark.django_db

START = dt.date(2026, 1, 1)


def _copies(*accounts: Account) -> dict[int, set[int | None]]:
    """Per contract's account: the owner copies its contracts hold."""
    held: dict[int, set[int | None]] = {}
    for account_id, owner_id in Contract.objects.filter(account__in=accounts).values_list(
        "account_id", "account_owner_id"
    ):
        held.setdefault(account_id, set()).add(owner_id)
    return held


def _check(*accounts: Account) -> None:
    """Every contract of `accounts` holds its account's owner, as the database has it now."""
    owners = dict(
        Account.objects.filter(pk__in=[a.pk for a in accounts]).values_list("pk", "owner_id")
    )
    for account_id, held in _copies(*accounts).items():
        assert held == {owners[account_id]}, account_id


def test_a_new_contract_holds_its_accounts_owner(scoped, csm_user):
    owned, unowned = AccountFactory(owner=csm_user), AccountFactory(owner=None)
    services.contract_create(
        account=owned, plan="S", arr=1, start_date=START, renewal_date=dt.date(2027, 1, 1)
    )
    ContractFactory(account=unowned)
    Contract.objects.bulk_create(
        [Contract(account=owned, plan="B", arr=2, start_date=START, renewal_date=START)]
    )
    assert _copies(owned, unowned) == {owned.pk: {csm_user.pk}, unowned.pk: {None}}


def test_the_owners_change_reaches_every_contract(scoped, csm_user, manager_user):
    account, other = AccountFactory(owner=csm_user), AccountFactory(owner=csm_user)
    for _ in range(3):
        ContractFactory(account=account)
    ContractFactory(account=other)
    services.account_update(account=account, owner=manager_user)
    assert _copies(account, other) == {account.pk: {manager_user.pk}, other.pk: {csm_user.pk}}
    services.account_update(account=account, owner=None)
    _check(account, other)
    assert _copies(account)[account.pk] == {None}


def test_a_bulk_reassignment_moves_each_accounts_contracts(scoped, csm_user, manager_user):
    accounts = [AccountFactory(owner=csm_user) for _ in range(4)]
    for account in accounts:
        ContractFactory(account=account)
        ContractFactory(account=account)
    moved = services.account_bulk_assign_owner(
        accounts=Account.objects.filter(pk__in=[a.pk for a in accounts[:3]]), owner=manager_user
    )
    assert moved == 3
    held = _copies(*accounts)
    assert [held[a.pk] for a in accounts] == [{manager_user.pk}] * 3 + [{csm_user.pk}]
    _check(*accounts)


def test_the_owners_user_deleted_leaves_no_owner_on_the_contracts(scoped, csm_user):
    account = AccountFactory(owner=csm_user)
    ContractFactory(account=account)
    csm_user.delete()
    assert _copies(account) == {account.pk: {None}}


def test_a_contract_moved_to_another_account_takes_its_owner(scoped, csm_user, manager_user):
    one, other = AccountFactory(owner=csm_user), AccountFactory(owner=manager_user)
    contract = ContractFactory(account=one)
    Contract.objects.filter(pk=contract.pk).update(account=other)
    assert _copies(other) == {other.pk: {manager_user.pk}}


def test_no_other_value_can_be_stored(scoped, csm_user, manager_user):
    account = AccountFactory(owner=csm_user)
    contract = ContractFactory(account=account)
    stale = Contract.objects.get(pk=contract.pk)  # read before the owner changed
    services.account_update(account=account, owner=manager_user)
    stale.plan = "Changed"
    stale.save()  # writes the old copy back: undone
    assert _copies(account) == {account.pk: {manager_user.pk}}
    Contract.objects.filter(pk=contract.pk).update(account_owner_id=csm_user.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_contract SET account_owner_id = NULL WHERE id = %s", [contract.pk]
        )
    assert _copies(account) == {account.pk: {manager_user.pk}}
    created = Contract.objects.create(
        account=account,
        plan="X",
        arr=1,
        start_date=START,
        renewal_date=START,
        account_owner_id=csm_user.pk,
    )
    assert Contract.objects.get(pk=created.pk).account_owner_id == manager_user.pk


def test_a_restored_contract_holds_the_owner_of_now(scoped, csm_user, manager_user):
    account = AccountFactory(owner=csm_user)
    contract = ContractFactory(account=account)
    contract_pk = contract.pk
    services.contract_delete(contract=contract, actor=manager_user)
    services.account_update(account=account, owner=manager_user)
    entry = TrashEntry.objects.get(object_id=contract_pk, model="accounts.contract")
    trash_restore(entry_id=entry.pk, actor=manager_user)
    assert Contract.objects.get(pk=contract_pk).account_owner_id == manager_user.pk


def test_my_work_renewals_follow_the_owner(tenant, csm_user, manager_user):
    today = timezone.localdate()
    with tenant_scope(tenant):
        account = AccountFactory(owner=csm_user, name="Renewing soon")
        ContractFactory(account=account, renewal_date=today + dt.timedelta(days=5))
    page = reverse("journeys:my_work", kwargs={"tenant_slug": tenant.slug})

    def renewals(user) -> str:  # type: ignore[no-untyped-def]
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        body = client.get(page).content.decode()
        return body.split('data-testid="my-renewals"')[1].split("</section>")[0]

    assert "Renewing soon" in renewals(csm_user)
    assert "Renewing soon" not in renewals(manager_user)
    with tenant_scope(tenant):
        services.account_update(account=account, owner=manager_user)
    assert "Renewing soon" not in renewals(csm_user)
    assert "Renewing soon" in renewals(manager_user)
