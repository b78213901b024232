"""An account's `current_arr` and `next_renewal_date` are columns the database keeps exact
(accounts migration 0009): after every kind of contract write they equal the sum and the first
renewal of the active contracts, and nothing else can write them (issue #16)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Min, Q, Sum

from accounts import services
from accounts.models import Account, Contract, ContractStatus
from cs_platform.models import TrashEntry
from cs_platform.scoping import tenant_scope
from cs_platform.trash.services import trash_restore
from tests.factories import AccountFactory, ContractFactory

pytestmark = pytest.mark.django_db

START = dt.date(2026, 1, 1)


def _kept(account: Account) -> tuple[int, dt.date | None]:
    row = Account.objects.values_list("current_arr", "next_renewal_date").get(pk=account.pk)
    return row[0], row[1]


def _summed(account: Account) -> tuple[int, dt.date | None]:
    """What the list used to compute per row: the active contracts' sum and first renewal."""
    row = Contract.objects.filter(account=account).aggregate(
        arr=Sum("arr", filter=Q(status=ContractStatus.ACTIVE)),
        renewal=Min("renewal_date", filter=Q(status=ContractStatus.ACTIVE)),
    )
    return row["arr"] or 0, row["renewal"]


def _check(*accounts: Account) -> None:
    for account in accounts:
        assert _kept(account) == _summed(account), account


@pytest.fixture
def scoped(tenant):
    with tenant_scope(tenant):
        yield tenant


def test_a_new_account_has_no_arr_and_no_renewal(scoped):
    account = AccountFactory()
    assert account.current_arr == 0
    assert _kept(account) == (0, None)


def test_contracts_created_edited_and_closed_keep_the_totals(scoped):
    account = AccountFactory()
    first = services.contract_create(
        account=account, plan="S", arr=1_000, start_date=START, renewal_date=dt.date(2027, 3, 1)
    )
    assert _kept(account) == (1_000, dt.date(2027, 3, 1))
    services.contract_create(
        account=account, plan="M", arr=2_000, start_date=START, renewal_date=dt.date(2026, 12, 1)
    )
    assert _kept(account) == (3_000, dt.date(2026, 12, 1))
    services.contract_update(contract=first, arr=1_500, renewal_date=dt.date(2026, 6, 1))
    assert _kept(account) == (3_500, dt.date(2026, 6, 1))
    Contract.objects.filter(pk=first.pk).update(status=ContractStatus.CANCELLED)
    assert _kept(account) == (2_000, dt.date(2026, 12, 1))
    _check(account)


def test_renewing_and_expanding_keep_the_totals(scoped):
    account = AccountFactory()
    contract = ContractFactory(account=account, arr=1_000, renewal_date=dt.date(2026, 12, 31))
    renewed = services.contract_renew(contract=contract, arr=1_200)
    assert _kept(account) == (1_200, renewed.renewal_date)
    services.contract_expand(contract=renewed, arr=3_000, start_date=renewed.start_date)
    assert _kept(account) == (3_000, renewed.renewal_date)
    _check(account)


def test_deleting_and_restoring_a_contract_keep_the_totals(scoped, manager_user):
    account = AccountFactory()
    kept = ContractFactory(account=account, arr=500, renewal_date=dt.date(2027, 5, 1))
    doomed = ContractFactory(account=account, arr=700, renewal_date=dt.date(2026, 8, 1))
    assert _kept(account) == (1_200, dt.date(2026, 8, 1))
    doomed_pk = doomed.pk  # the delete sets it to None
    services.contract_delete(contract=doomed, actor=manager_user)
    assert _kept(account) == (500, dt.date(2027, 5, 1))
    entry = TrashEntry.objects.get(object_id=doomed_pk, model="accounts.contract")
    trash_restore(entry_id=entry.pk, actor=manager_user)
    assert _kept(account) == (1_200, dt.date(2026, 8, 1))
    kept.delete()
    _check(account)


def test_the_last_active_contract_gone_leaves_no_renewal(scoped):
    account = AccountFactory()
    contract = ContractFactory(account=account, arr=900)
    contract.delete()
    assert _kept(account) == (0, None)


def test_a_contract_moved_to_another_account_moves_its_arr(scoped):
    one, other = AccountFactory(), AccountFactory()
    contract = ContractFactory(account=one, arr=800, renewal_date=dt.date(2027, 2, 1))
    ContractFactory(account=other, arr=100, renewal_date=dt.date(2027, 9, 1))
    Contract.objects.filter(pk=contract.pk).update(account=other)
    assert _kept(one) == (0, None)
    assert _kept(other) == (900, dt.date(2027, 2, 1))


def test_one_statement_over_many_accounts_keeps_each(scoped):
    accounts = [AccountFactory() for _ in range(4)]
    Contract.objects.bulk_create(
        [
            Contract(
                account=account,
                plan="P",
                arr=100 * (i + 1) * (j + 1),
                start_date=START,
                renewal_date=dt.date(2026, 6 + j, 1 + i),
                status=ContractStatus.ACTIVE if j < 2 else ContractStatus.EXPIRED,
            )
            for i, account in enumerate(accounts)
            for j in range(3)
        ]
    )
    _check(*accounts)
    Contract.objects.filter(account__in=accounts[:2]).update(arr=10)
    _check(*accounts)
    Contract.objects.filter(account=accounts[3], status=ContractStatus.ACTIVE).delete()
    _check(*accounts)
    assert _kept(accounts[3]) == (0, None)


def test_saving_a_stale_account_does_not_write_its_old_totals(scoped):
    account = AccountFactory()
    stale = Account.objects.get(pk=account.pk)  # read before the contract
    ContractFactory(account=account, arr=4_000, renewal_date=dt.date(2027, 4, 1))
    stale.industry = "製造"
    stale.save()
    services.account_update(account=stale, industry="物流")
    assert _kept(account) == (4_000, dt.date(2027, 4, 1))


def test_no_other_write_changes_the_totals(scoped):
    account = AccountFactory()
    ContractFactory(account=account, arr=4_000, renewal_date=dt.date(2027, 4, 1))
    Account.objects.filter(pk=account.pk).update(current_arr=1, next_renewal_date=None)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_account SET current_arr = 7 WHERE id = %s", [account.pk])
    assert _kept(account) == (4_000, dt.date(2027, 4, 1))
    created = Account.objects.create(name="x", external_id="x-1")
    assert _kept(created) == (0, None)
