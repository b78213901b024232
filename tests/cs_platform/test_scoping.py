import pytest
from django.core.exceptions import ValidationError

from accounts.models import Account, Contact
from cs_platform.scoping import TenantScopeError, cross_tenant, tenant_scope
from tests.factories import AccountFactory, ContactFactory


def test_unscoped_query_raises(db):
    with pytest.raises(TenantScopeError):
        list(Account.objects.all())


def test_unscoped_count_and_update_raise(db):
    with pytest.raises(TenantScopeError):
        Account.objects.count()
    with pytest.raises(TenantScopeError):
        Account.objects.filter(name="x").update(name="y")


def test_create_without_tenant_raises(db):
    with pytest.raises(TenantScopeError):
        Account.objects.create(name="x", external_id="x")


def test_query_sees_only_the_tenant_in_scope(tenant, other_tenant):
    with tenant_scope(tenant):
        mine = AccountFactory(name="mine")
    with tenant_scope(other_tenant):
        AccountFactory(name="theirs")
    with tenant_scope(tenant):
        assert list(Account.objects.values_list("name", flat=True)) == ["mine"]
        assert Account.objects.get(pk=mine.pk) == mine


def test_queryset_built_outside_scope_is_scoped_when_evaluated(tenant, other_tenant):
    queryset = Account.objects.order_by("name")
    with tenant_scope(tenant):
        AccountFactory(name="a")
    with tenant_scope(other_tenant):
        AccountFactory(name="b")
        assert [a.name for a in queryset.all()] == ["b"]


def test_unscoped_is_explicit(tenant, other_tenant):
    with tenant_scope(tenant):
        AccountFactory()
    with tenant_scope(other_tenant):
        AccountFactory()
    # The ORM's filter is gone; the database's row-level security still needs the crossing
    # named (cs_platform.rls).
    assert Account.objects.unscoped().count() == 0
    with cross_tenant("tenant-admin"):
        assert Account.objects.unscoped().count() == 2


def test_saving_a_row_that_points_at_another_tenant_is_refused(tenant, other_tenant):
    with tenant_scope(other_tenant):
        theirs = AccountFactory()
    with tenant_scope(tenant), pytest.raises(ValidationError):
        Contact(account_id=theirs.pk, name="x").save()


def test_saving_another_tenants_row_in_scope_is_refused(tenant, other_tenant):
    with tenant_scope(other_tenant):
        theirs = AccountFactory()
    with tenant_scope(tenant), pytest.raises(TenantScopeError):
        theirs.save()


def test_related_managers_are_scoped(tenant):
    with tenant_scope(tenant):
        contact = ContactFactory()
        assert list(contact.account.contacts.all()) == [contact]


def test_bulk_create_sets_tenant_in_scope(tenant):
    with tenant_scope(tenant):
        Account.objects.bulk_create([Account(name="x", external_id="1")])
        assert Account.objects.get().tenant_id == tenant.pk
