import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Contract, ContractStatus, RelationshipLevel
from accounts.selectors import arr_movements, contract_history, relationship_coverage
from accounts.services import (
    account_create,
    account_update,
    contact_create,
    contact_mark_met,
    contract_create,
    contract_expand,
    contract_renew,
)
from tests.factories import AccountFactory, ContactFactory, ContractFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_account_create_accepts_an_owner_who_is_a_member(scoped, csm_user):
    account = account_create(name="株式会社採用ラボ", external_id="A-1", owner=csm_user)
    assert account.owner == csm_user
    assert account.tenant == scoped


def test_account_create_refuses_an_owner_from_outside_the_tenant(scoped, outsider):
    with pytest.raises(ValidationError) as exc:
        account_create(name="X", external_id="A-1", owner=outsider)
    assert "owner" in exc.value.message_dict


def test_account_create_refuses_a_duplicate_external_id(scoped):
    account_create(name="X", external_id="A-1")
    with pytest.raises(ValidationError):
        account_create(name="Y", external_id="A-1")


def test_account_update_changes_fields(scoped):
    account = AccountFactory()
    account_update(account=account, industry="人材")
    account.refresh_from_db()
    assert account.industry == "人材"


def test_account_update_refuses_an_owner_who_is_not_a_member(scoped):
    account = AccountFactory()
    with pytest.raises(ValidationError):
        account_update(account=account, owner=UserFactory())


def test_contact_create_belongs_to_the_account(scoped):
    account = AccountFactory()
    contact = contact_create(account=account, name="山田 太郎", relationship_level="executive")
    assert contact.account == account


def test_contact_mark_met_moves_last_met_forward(scoped):
    contact = ContactFactory()
    first = timezone.now() - dt.timedelta(days=3)
    assert contact_mark_met(contact=contact, met_at=first)
    contact.refresh_from_db()
    assert contact.last_met_at == first


def test_contact_mark_met_never_moves_last_met_back(scoped):
    recent = timezone.now()
    contact = ContactFactory(last_met_at=recent)
    assert not contact_mark_met(contact=contact, met_at=recent - dt.timedelta(days=10))
    contact.refresh_from_db()
    assert contact.last_met_at == recent


def test_contract_create_uses_the_tenant_currency(scoped):
    contract = contract_create(
        account=AccountFactory(),
        plan="Pro",
        arr=1_000_000,
        start_date=dt.date(2026, 1, 1),
        renewal_date=dt.date(2027, 1, 1),
    )
    assert contract.currency == scoped.currency


def test_contract_create_refuses_renewal_before_start(scoped):
    with pytest.raises(ValidationError):
        contract_create(
            account=AccountFactory(),
            plan="Pro",
            arr=1,
            start_date=dt.date(2026, 1, 1),
            renewal_date=dt.date(2025, 1, 1),
        )


def test_contract_renew_starts_a_new_term_pointing_at_the_old_contract(scoped):
    old = ContractFactory(start_date=dt.date(2025, 4, 1), renewal_date=dt.date(2026, 4, 1))
    new = contract_renew(contract=old, arr=1_500_000)
    old.refresh_from_db()
    assert old.status == ContractStatus.RENEWED
    assert (new.previous, new.start_date, new.renewal_date) == (
        old,
        dt.date(2026, 4, 1),
        dt.date(2027, 4, 1),
    )


def test_contract_renew_twice_is_refused(scoped):
    old = ContractFactory()
    contract_renew(contract=old)
    with pytest.raises(ValidationError):
        contract_renew(contract=Contract.objects.get(pk=old.pk))


def test_contract_expand_is_co_termed_and_marks_the_old_one_expanded(scoped):
    old = ContractFactory(
        arr=1_000_000, start_date=dt.date(2026, 1, 1), renewal_date=dt.date(2027, 1, 1)
    )
    new = contract_expand(contract=old, arr=1_800_000, start_date=dt.date(2026, 6, 1))
    old.refresh_from_db()
    assert old.status == ContractStatus.EXPANDED
    assert new.renewal_date == old.renewal_date
    assert new.previous == old


def test_contract_expand_must_raise_the_arr(scoped):
    old = ContractFactory(arr=1_000_000)
    with pytest.raises(ValidationError) as exc:
        contract_expand(contract=old, arr=900_000, start_date=old.start_date)
    assert "arr" in exc.value.message_dict


def test_contract_history_lists_the_chain_oldest_first(scoped):
    first = ContractFactory(start_date=dt.date(2024, 1, 1), renewal_date=dt.date(2025, 1, 1))
    second = contract_renew(contract=first)
    third = contract_renew(contract=second)
    assert list(contract_history(first.account)) == [first, second, third]


def test_arr_movements_counts_new_renewed_expanded_and_churned_arr(scoped):
    since, until = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    ContractFactory(arr=100, start_date=dt.date(2026, 2, 1), renewal_date=dt.date(2027, 2, 1))
    renewed = ContractFactory(
        arr=200, start_date=dt.date(2025, 3, 1), renewal_date=dt.date(2026, 3, 1)
    )
    contract_renew(contract=renewed, arr=150)
    expanded = ContractFactory(
        arr=300, start_date=dt.date(2025, 6, 1), renewal_date=dt.date(2026, 12, 1)
    )
    contract_expand(contract=expanded, arr=500, start_date=dt.date(2026, 5, 1))
    ContractFactory(
        arr=70,
        start_date=dt.date(2025, 1, 1),
        renewal_date=dt.date(2026, 1, 31),
        status=ContractStatus.CANCELLED,
    )
    movements = arr_movements(since, until)
    assert (movements.new_arr, movements.renewed_arr, movements.contraction_arr) == (100, 150, 50)
    assert (movements.expansion_arr, movements.churned_arr) == (200, 70)


def test_relationship_coverage_reports_each_level(scoped):
    account = AccountFactory()
    met = timezone.now()
    ContactFactory(account=account, relationship_level=RelationshipLevel.FIELD, last_met_at=met)
    ContactFactory(account=account, relationship_level=RelationshipLevel.FIELD)
    ContactFactory(
        account=account, relationship_level=RelationshipLevel.EXECUTIVE, is_decision_maker=True
    )
    coverage = relationship_coverage([account.pk])[account.pk]
    field, manager, executive = coverage.ordered()
    assert (field.count, field.last_met_at, field.known) == (2, met, True)
    assert not manager.known
    assert executive.decision_maker_known and coverage.decision_maker_known


def test_relationship_coverage_is_one_query(scoped, django_assert_num_queries):
    accounts = AccountFactory.create_batch(5)
    for account in accounts:
        ContactFactory(account=account)
    with django_assert_num_queries(1):
        relationship_coverage([a.pk for a in accounts])
