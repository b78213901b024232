"""The tenant's staff, read through one selector by every app (was written by hand six times)."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cs_platform.models import Membership, Role, User
from cs_platform.requestmemo import request_memo_scope
from cs_platform.scoping import tenant_scope
from cs_platform.selectors import (
    staff_member_choices,
    staff_member_list,
    tenant_get,
    user_list,
)
from cs_platform.services import membership_set
from tests.factories import UserFactory


def test_staff_of_a_role_are_the_members_of_that_role_in_the_tenant_in_scope(
    tenant, other_tenant, admin_user, csm_user, viewer_user
):
    # A viewer here who is a CSM elsewhere is not one of this tenant's CSMs (one membership
    # row must match both the tenant and the role).
    membership_set(tenant=other_tenant, user=viewer_user, role=Role.CSM)
    stranger = UserFactory(email="zz@globex.example", is_active=False)
    membership_set(tenant=other_tenant, user=stranger, role=Role.CSM)
    with tenant_scope(tenant):
        assert set(staff_member_list(roles=[Role.CSM])) == {csm_user}
        assert set(staff_member_list()) == {admin_user, csm_user, viewer_user}
        assert set(staff_member_list(roles=[Role.CSM, Role.ADMIN])) == {admin_user, csm_user}
    with tenant_scope(other_tenant):
        assert set(staff_member_list(roles=[Role.CSM])) == {viewer_user, stranger}
        assert set(staff_member_list(roles=[Role.CSM], active_only=True)) == {viewer_user}


def test_staff_queryset_built_before_a_tenant_is_in_scope_reads_the_tenant_when_it_runs(
    tenant, other_tenant, admin_user, outsider
):
    staff = staff_member_list()  # e.g. a serializer field built at import time
    with tenant_scope(tenant):
        assert list(staff.all()) == [admin_user]
    with tenant_scope(other_tenant):
        assert list(staff.all()) == [outsider]


def test_users_and_tenants_by_id(tenant, admin_user, csm_user):
    assert list(user_list(ids=[csm_user.pk, admin_user.pk])) == sorted(
        [admin_user, csm_user], key=lambda u: u.pk
    )
    assert tenant_get(pk=tenant.pk) == tenant
    assert tenant_get(pk=-1) is None


def test_the_staff_choices_kept_for_page_views_show_each_change_at_once(
    db, tenant, other_tenant, csm_user
):
    """Kept under the data and work versions (issue #16): a later page view reads them from
    the cache, and a new member, a rename or a member leaving shows in the next one."""

    def page_view() -> list[tuple[int, str]]:
        with tenant_scope(tenant), request_memo_scope():
            return staff_member_choices()

    cache.clear()
    assert page_view() == [(csm_user.pk, csm_user.full_name)]
    with CaptureQueriesContext(connection) as again:
        assert page_view() == [(csm_user.pk, csm_user.full_name)]
    assert "cs_platform_membership" not in " ".join(q["sql"] for q in again)
    member = UserFactory(full_name="佐藤 花子")
    membership_set(tenant=tenant, user=member, role=Role.CSM)
    assert (member.pk, "佐藤 花子") in page_view()
    User.objects.filter(pk=member.pk).update(full_name="高橋 花子")
    assert (member.pk, "高橋 花子") in page_view()
    membership_set(tenant=other_tenant, user=csm_user, role=Role.CSM)  # elsewhere: no change
    Membership.objects.filter(tenant=tenant, user=member).delete()
    assert page_view() == [(csm_user.pk, csm_user.full_name)]
