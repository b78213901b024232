from accounts.models import Account, Contact
from cs_platform.models import Membership, Tenant
from cs_platform.scoping import cross_tenant, tenant_scope
from cs_platform.services import tenant_delete
from tests.factories import ContactFactory, MembershipFactory


def test_tenant_delete_removes_every_row_of_the_tenant_and_nothing_else(tenant, other_tenant):
    with tenant_scope(tenant):
        ContactFactory.create_batch(3)
    with tenant_scope(other_tenant):
        ContactFactory()
    MembershipFactory(tenant=tenant)

    tenant_delete(tenant=tenant)

    assert not Tenant.objects.filter(pk=tenant.pk).exists()
    assert not Membership.objects.filter(tenant_id=tenant.pk).exists()
    with cross_tenant("tenant-admin"):
        assert not Account.objects.unscoped().filter(tenant_id=tenant.pk).exists()
        assert Contact.objects.unscoped().filter(tenant_id=other_tenant.pk).count() == 1
