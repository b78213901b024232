"""Services behind the contact and contract edit and delete pages."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import Contact, Contract
from tests.factories import ContactFactory, ContractFactory

pytestmark = pytest.mark.django_db


def test_contract_update_refuses_a_negative_arr_with_a_field_error(scoped):
    contract = ContractFactory(arr=100)
    with pytest.raises(ValidationError) as exc:
        services.contract_update(contract=contract, arr=-1)
    assert "arr" in exc.value.message_dict
    assert Contract.objects.get(pk=contract.pk).arr == 100


def test_contract_update_refuses_a_renewal_before_the_start_with_a_field_error(scoped):
    contract = ContractFactory(start_date=dt.date(2026, 1, 1), renewal_date=dt.date(2027, 1, 1))
    with pytest.raises(ValidationError) as exc:
        services.contract_update(contract=contract, renewal_date=dt.date(2025, 12, 31))
    assert "renewal_date" in exc.value.message_dict
    assert Contract.objects.get(pk=contract.pk).renewal_date == dt.date(2027, 1, 1)


def test_contract_update_accepts_a_renewal_on_the_start_day(scoped):
    contract = ContractFactory(start_date=dt.date(2026, 1, 1))
    services.contract_update(contract=contract, renewal_date=dt.date(2026, 1, 1))
    assert Contract.objects.get(pk=contract.pk).renewal_date == dt.date(2026, 1, 1)


def test_contract_delete_keeps_its_successor(scoped):
    old = ContractFactory()
    new = services.contract_renew(contract=old)
    services.contract_delete(contract=old)
    assert Contract.objects.get(pk=new.pk).previous is None


def test_contact_delete_removes_the_contact(scoped):
    contact = ContactFactory()
    services.contact_delete(contact=contact)
    assert not Contact.objects.filter(pk=contact.pk).exists()
