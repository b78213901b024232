import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Account, Contract, ContractStatus
from cs_platform.scoping import tenant_scope
from tests.factories import AccountFactory, ContactFactory, ContractFactory, SegmentFactory

pytestmark = pytest.mark.django_db

ACCOUNTS = reverse("account-list")


def _results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_csm_creates_an_account(csm_api, csm_user, tenant):
    response = csm_api.post(
        ACCOUNTS, {"name": "株式会社採用ラボ", "external_id": "A-1", "owner": csm_user.pk}
    )
    assert response.status_code == 201, response.content
    assert response.json()["current_arr"] == 0
    with tenant_scope(tenant):
        assert Account.objects.get().owner == csm_user


def test_viewer_may_not_create_an_account(viewer_api):
    assert viewer_api.post(ACCOUNTS, {"name": "X", "external_id": "A-1"}).status_code == 403


def test_account_without_a_name_is_a_400_naming_the_field(csm_api):
    response = csm_api.post(ACCOUNTS, {"external_id": "A-1"})
    assert response.status_code == 400
    assert "name" in response.json()


def test_account_owner_from_another_tenant_is_a_409(csm_api, outsider):
    response = csm_api.post(ACCOUNTS, {"name": "X", "external_id": "A-1", "owner": outsider.pk})
    assert response.status_code == 409
    assert "owner" in response.json()


def test_duplicate_external_id_is_a_409(csm_api, tenant):
    with tenant_scope(tenant):
        AccountFactory(external_id="A-1")
    assert csm_api.post(ACCOUNTS, {"name": "X", "external_id": "A-1"}).status_code == 409


def test_a_csm_may_not_delete_an_account(csm_api, tenant):
    with tenant_scope(tenant):
        account = AccountFactory()
    assert csm_api.delete(reverse("account-detail", args=[account.pk])).status_code == 403


def test_an_admin_may_delete_an_account(admin_api, tenant):
    with tenant_scope(tenant):
        account = AccountFactory()
    assert admin_api.delete(reverse("account-detail", args=[account.pk])).status_code == 204


def test_account_list_carries_arr_and_next_renewal(viewer_api, tenant):
    with tenant_scope(tenant):
        account = AccountFactory()
        ContractFactory(account=account, arr=1_000_000, renewal_date=dt.date(2027, 5, 1))
    [row] = _results(viewer_api.get(ACCOUNTS))
    assert (row["current_arr"], row["next_renewal_date"]) == (1_000_000, "2027-05-01")


def test_account_list_search_finds_japanese_substrings(viewer_api, tenant):
    with tenant_scope(tenant):
        AccountFactory(name="株式会社採用ラボ")
        AccountFactory(name="名刺商事")
    rows = _results(viewer_api.get(ACCOUNTS, {"q": "採用"}))
    assert [r["name"] for r in rows] == ["株式会社採用ラボ"]


def test_account_list_filters_by_owner_and_lifecycle(viewer_api, tenant, csm_user):
    with tenant_scope(tenant):
        AccountFactory(name="mine", owner=csm_user)
        AccountFactory(name="mine churned", owner=csm_user, lifecycle_status="churned")
        AccountFactory(name="other")
    rows = _results(viewer_api.get(ACCOUNTS, {"owner": csm_user.pk, "lifecycle_status": "active"}))
    assert [r["name"] for r in rows] == ["mine"]


def test_account_list_filters_by_renewal_window(viewer_api, tenant):
    with tenant_scope(tenant):
        soon, later = AccountFactory(name="soon"), AccountFactory(name="later")
        ContractFactory(account=soon, renewal_date=dt.date(2027, 1, 10))
        ContractFactory(account=later, renewal_date=dt.date(2027, 9, 10))
    params = {"renewal_after": "2027-01-01", "renewal_before": "2027-02-01"}
    assert [r["name"] for r in _results(viewer_api.get(ACCOUNTS, params))] == ["soon"]


def test_account_list_filters_by_segment(viewer_api, tenant):
    with tenant_scope(tenant):
        AccountFactory(name="ent", market_segment="enterprise")
        AccountFactory(name="smb", market_segment="smb")
        segment = SegmentFactory(rules={"market_segments": ["enterprise"]})
    rows = _results(viewer_api.get(ACCOUNTS, {"segment": segment.pk}))
    assert [r["name"] for r in rows] == ["ent"]


def test_account_list_orders_by_arr(viewer_api, tenant):
    with tenant_scope(tenant):
        for name, arr in [("a", 3), ("b", 1), ("c", 2)]:
            ContractFactory(account=AccountFactory(name=name), arr=arr)
    rows = _results(viewer_api.get(ACCOUNTS, {"ordering": "-arr"}))
    assert [r["name"] for r in rows] == ["a", "c", "b"]


def test_account_list_with_a_bad_date_is_a_400(viewer_api):
    response = viewer_api.get(ACCOUNTS, {"renewal_before": "tomorrow"})
    assert response.status_code == 400
    assert "renewal_before" in response.json()


def test_account_list_query_count_does_not_grow_with_rows(
    viewer_api, tenant, django_assert_max_num_queries
):
    with tenant_scope(tenant):
        for _ in range(30):
            account = AccountFactory()
            ContractFactory(account=account)
            ContractFactory(account=account)
    # auth/session/membership lookups + one count + one page of rows
    with django_assert_max_num_queries(8):
        rows = _results(viewer_api.get(ACCOUNTS, {"ordering": "-arr"}))
    assert len(rows) == 30


def test_contacts_filter_by_account_and_level(viewer_api, tenant):
    with tenant_scope(tenant):
        account = AccountFactory()
        ContactFactory(account=account, name="exec", relationship_level="executive")
        ContactFactory(account=account, name="field", relationship_level="field")
        ContactFactory(name="elsewhere", relationship_level="executive")
    rows = _results(
        viewer_api.get(reverse("contact-list"), {"account": account.pk, "level": "executive"})
    )
    assert [r["name"] for r in rows] == ["exec"]


def test_contact_for_another_tenants_account_is_a_409(csm_api, other_tenant):
    with tenant_scope(other_tenant):
        theirs = AccountFactory()
    response = csm_api.post(reverse("contact-list"), {"account": theirs.pk, "name": "x"})
    assert response.status_code == 409
    assert "account" in response.json()


def test_contract_with_renewal_before_start_is_a_409(csm_api, tenant):
    with tenant_scope(tenant):
        account = AccountFactory()
    response = csm_api.post(
        reverse("contract-list"),
        {
            "account": account.pk,
            "plan": "Pro",
            "arr": 100,
            "start_date": "2026-05-01",
            "renewal_date": "2026-01-01",
        },
    )
    assert response.status_code == 409
    assert "renewal_date" in response.json()


def test_contract_renew_action_creates_the_next_contract(csm_api, tenant):
    with tenant_scope(tenant):
        contract = ContractFactory(arr=1_000)
    response = csm_api.post(reverse("contract-renew", args=[contract.pk]), {"arr": 1_200})
    assert response.status_code == 201, response.content
    assert response.json()["previous"] == contract.pk
    with tenant_scope(tenant):
        assert Contract.objects.get(pk=contract.pk).status == ContractStatus.RENEWED


def test_renewing_a_renewed_contract_is_a_409(csm_api, tenant):
    with tenant_scope(tenant):
        contract = ContractFactory(status=ContractStatus.RENEWED)
    response = csm_api.post(reverse("contract-renew", args=[contract.pk]), {})
    assert response.status_code == 409


def test_contract_expand_without_arr_is_a_400(csm_api, tenant):
    with tenant_scope(tenant):
        contract = ContractFactory()
    response = csm_api.post(reverse("contract-expand", args=[contract.pk]), {})
    assert response.status_code == 400
    assert "arr" in response.json()


def test_viewer_may_not_renew_a_contract(viewer_api, tenant):
    with tenant_scope(tenant):
        contract = ContractFactory()
    assert viewer_api.post(reverse("contract-renew", args=[contract.pk]), {}).status_code == 403


def test_segment_with_an_unknown_rule_is_a_400_naming_rules(csm_api):
    response = csm_api.post(
        reverse("segment-list"), {"name": "x", "rules": {"colour": "blue"}}, format="json"
    )
    assert response.status_code == 400
    assert "colour" in str(response.json()["rules"])


def test_segment_accounts_action_lists_matching_accounts(csm_api, tenant):
    with tenant_scope(tenant):
        AccountFactory(name="ent", market_segment="enterprise")
        AccountFactory(name="smb", market_segment="smb")
    created = csm_api.post(
        reverse("segment-list"),
        {"name": "Enterprise", "rules": {"market_segments": ["enterprise"]}},
        format="json",
    )
    assert created.status_code == 201, created.content
    rows = _results(csm_api.get(reverse("segment-accounts", args=[created.json()["id"]])))
    assert [r["name"] for r in rows] == ["ent"]


def test_outsider_gets_404_for_an_account(outsider_api, tenant):
    with tenant_scope(tenant):
        account = AccountFactory()
    assert outsider_api.get(reverse("account-detail", args=[account.pk])).status_code == 404
