"""Editing and deleting contacts and contracts from the Account 360 page."""

import pytest

from accounts.models import Contact, Contract
from cs_platform.scoping import tenant_scope
from tests.accounts.conftest import url
from tests.factories import ContactFactory, ContractFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(tenant):
    with tenant_scope(tenant):
        return ContactFactory(name="佐藤 花子", relationship_level="field")


@pytest.fixture
def contract(tenant):
    with tenant_scope(tenant):
        return ContractFactory(plan="Standard", arr=1_000_000)


@pytest.fixture
def their_contact(other_tenant):
    with tenant_scope(other_tenant):
        return ContactFactory()


@pytest.fixture
def their_contract(other_tenant):
    with tenant_scope(other_tenant):
        return ContractFactory()


CONTACT_DATA = {
    "name": "佐藤 花子",
    "email": "hanako@customer.example",
    "title": "部長",
    "external_id": "c-1",
    "relationship_level": "executive",
    "is_decision_maker": "on",
    "is_champion": "on",
}
CONTRACT_DATA = {
    "plan": "Enterprise",
    "arr": "2500000",
    "start_date": "2026-02-01",
    "renewal_date": "2027-02-01",
    "status": "cancelled",
    "external_id": "k-1",
}


def reload(tenant, obj):
    with tenant_scope(tenant):
        obj.refresh_from_db()
    return obj


def exists(tenant, model, pk):
    with tenant_scope(tenant):
        return model.objects.filter(pk=pk).exists()


# --- links on Account 360 -----------------------------------------------------------------------


def test_account_360_links_edit_and_delete_for_a_manager(manager, tenant, contact, contract):
    with tenant_scope(tenant):
        contract.account = contact.account
        contract.save()
    text = manager.get(url(tenant, "detail", pk=contact.account_id)).text
    assert url(tenant, "contact_edit", pk=contact.pk) in text
    assert url(tenant, "contact_delete", pk=contact.pk) in text
    assert url(tenant, "contract_edit", pk=contract.pk) in text
    assert url(tenant, "contract_delete", pk=contract.pk) in text


def test_account_360_offers_a_csm_edit_but_not_delete(csm, tenant, contact):
    text = csm.get(url(tenant, "detail", pk=contact.account_id)).text
    assert url(tenant, "contact_edit", pk=contact.pk) in text
    assert url(tenant, "contact_delete", pk=contact.pk) not in text


def test_account_360_offers_a_viewer_neither(viewer, tenant, contact):
    text = viewer.get(url(tenant, "detail", pk=contact.account_id)).text
    assert url(tenant, "contact_edit", pk=contact.pk) not in text


# --- contact edit -------------------------------------------------------------------------------


def test_contact_edit_form_shows_the_current_values(csm, tenant, contact):
    response = csm.get(url(tenant, "contact_edit", pk=contact.pk))
    assert response.status_code == 200
    assert "佐藤 花子" in response.text


def test_csm_edits_every_field_of_a_contact_and_lands_on_the_account(csm, tenant, contact):
    response = csm.post(url(tenant, "contact_edit", pk=contact.pk), CONTACT_DATA)
    assert response.status_code == 302
    assert response["Location"] == url(tenant, "detail", pk=contact.account_id)
    contact = reload(tenant, contact)
    assert (
        contact.email,
        contact.title,
        contact.external_id,
        contact.relationship_level,
        contact.is_decision_maker,
        contact.is_champion,
    ) == ("hanako@customer.example", "部長", "c-1", "executive", True, True)


def test_contact_edit_shows_an_invalid_email_and_saves_nothing(csm, tenant, contact):
    response = csm.post(
        url(tenant, "contact_edit", pk=contact.pk), {**CONTACT_DATA, "email": "not-an-email"}
    )
    assert response.status_code == 200
    assert 'id="id_email"' in response.text and "errorlist" in response.text
    assert reload(tenant, contact).relationship_level == "field"


def test_contact_edit_shows_a_duplicate_external_id_and_saves_nothing(csm, tenant, contact):
    with tenant_scope(tenant):
        ContactFactory(external_id="taken")
    response = csm.post(
        url(tenant, "contact_edit", pk=contact.pk), {**CONTACT_DATA, "external_id": "taken"}
    )
    assert response.status_code == 200
    assert "errorlist" in response.text
    assert reload(tenant, contact).external_id != "taken"


def test_viewer_may_not_edit_a_contact(viewer, tenant, contact):
    response = viewer.post(url(tenant, "contact_edit", pk=contact.pk), CONTACT_DATA)
    assert response.status_code == 403
    assert reload(tenant, contact).relationship_level == "field"


def test_another_tenants_contact_cannot_be_edited(csm, tenant, other_tenant, their_contact):
    response = csm.post(url(tenant, "contact_edit", pk=their_contact.pk), CONTACT_DATA)
    assert response.status_code == 404
    assert reload(other_tenant, their_contact).name != "佐藤 花子"


# --- contact delete -----------------------------------------------------------------------------


def test_contact_delete_asks_for_confirmation_first(manager, tenant, contact):
    response = manager.get(url(tenant, "contact_delete", pk=contact.pk))
    assert response.status_code == 200
    assert 'data-testid="confirm-delete"' in response.text
    assert exists(tenant, Contact, contact.pk)


def test_manager_deletes_a_contact_and_lands_on_the_account(manager, tenant, contact):
    response = manager.post(url(tenant, "contact_delete", pk=contact.pk))
    assert response.status_code == 302
    assert response["Location"] == url(tenant, "detail", pk=contact.account_id)
    assert not exists(tenant, Contact, contact.pk)


def test_csm_may_not_delete_a_contact(csm, tenant, contact):
    assert csm.post(url(tenant, "contact_delete", pk=contact.pk)).status_code == 403
    assert exists(tenant, Contact, contact.pk)


def test_another_tenants_contact_cannot_be_deleted(manager, tenant, other_tenant, their_contact):
    assert manager.post(url(tenant, "contact_delete", pk=their_contact.pk)).status_code == 404
    assert exists(other_tenant, Contact, their_contact.pk)


# --- contract edit ------------------------------------------------------------------------------


def test_contract_edit_form_shows_the_current_values(csm, tenant, contract):
    response = csm.get(url(tenant, "contract_edit", pk=contract.pk))
    assert response.status_code == 200
    assert 'value="1000000"' in response.text


def test_csm_edits_a_contract_and_lands_on_the_account(csm, tenant, contract):
    response = csm.post(url(tenant, "contract_edit", pk=contract.pk), CONTRACT_DATA)
    assert response.status_code == 302
    assert response["Location"] == url(tenant, "detail", pk=contract.account_id)
    contract = reload(tenant, contract)
    assert (
        contract.plan,
        contract.arr,
        str(contract.start_date),
        str(contract.renewal_date),
        contract.status,
    ) == ("Enterprise", 2_500_000, "2026-02-01", "2027-02-01", "cancelled")


def test_contract_edit_refuses_a_negative_arr_and_saves_nothing(csm, tenant, contract):
    response = csm.post(url(tenant, "contract_edit", pk=contract.pk), {**CONTRACT_DATA, "arr": -1})
    assert response.status_code == 200
    assert "errorlist" in response.text
    assert reload(tenant, contract).plan == "Standard"


def test_contract_edit_refuses_a_renewal_before_the_start_and_saves_nothing(csm, tenant, contract):
    response = csm.post(
        url(tenant, "contract_edit", pk=contract.pk),
        {**CONTRACT_DATA, "renewal_date": "2025-01-01"},
    )
    assert response.status_code == 200
    assert "errorlist" in response.text
    assert reload(tenant, contract).plan == "Standard"


def test_viewer_may_not_edit_a_contract(viewer, tenant, contract):
    assert (
        viewer.post(url(tenant, "contract_edit", pk=contract.pk), CONTRACT_DATA).status_code == 403
    )
    assert reload(tenant, contract).plan == "Standard"


def test_another_tenants_contract_cannot_be_edited(csm, tenant, other_tenant, their_contract):
    response = csm.post(url(tenant, "contract_edit", pk=their_contract.pk), CONTRACT_DATA)
    assert response.status_code == 404
    assert reload(other_tenant, their_contract).plan != "Enterprise"


# --- contract delete ----------------------------------------------------------------------------


def test_contract_delete_asks_for_confirmation_first(manager, tenant, contract):
    response = manager.get(url(tenant, "contract_delete", pk=contract.pk))
    assert response.status_code == 200
    assert 'data-testid="confirm-delete"' in response.text
    assert exists(tenant, Contract, contract.pk)


def test_manager_deletes_a_contract_and_lands_on_the_account(manager, tenant, contract):
    response = manager.post(url(tenant, "contract_delete", pk=contract.pk))
    assert response.status_code == 302
    assert response["Location"] == url(tenant, "detail", pk=contract.account_id)
    assert not exists(tenant, Contract, contract.pk)


def test_csm_may_not_delete_a_contract(csm, tenant, contract):
    assert csm.post(url(tenant, "contract_delete", pk=contract.pk)).status_code == 403
    assert exists(tenant, Contract, contract.pk)


def test_another_tenants_contract_cannot_be_deleted(manager, tenant, other_tenant, their_contract):
    assert manager.post(url(tenant, "contract_delete", pk=their_contract.pk)).status_code == 404
    assert exists(other_tenant, Contract, their_contract.pk)


def test_contract_delete_confirmation_speaks_japanese(manager, tenant, contract):
    response = manager.get(
        url(tenant, "contract_delete", pk=contract.pk), HTTP_ACCEPT_LANGUAGE="ja"
    )
    assert "契約を削除" in response.text
    assert "ごみ箱に移り、30 日間は管理者が復元できます" in response.text
