"""The signed-in user is read with their memberships in one statement, and nothing about them
is kept across requests: each change takes effect on the next request (#16)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cs_platform.models import Membership, Role, User
from cs_platform.selectors import membership_list_for_user, user_get_signed_in
from tests.conftest import client_for
from tests.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db

ADMIN_PAGE = "/t/acme/settings/api-keys/"


def _signed_in(client) -> bool:
    response = client.get("/t/acme/")
    if response.status_code == 302:
        assert response["Location"].startswith("/login/")
        return False
    assert response.status_code == 200
    return True


def test_a_page_view_reads_the_user_and_the_memberships_in_one_statement(admin_user):
    client = client_for(admin_user)
    client.get("/t/acme/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/t/acme/").status_code == 200
    reads = [q["sql"] for q in captured if any(name in q["sql"] for name in ("user", "membership"))]
    assert len(reads) == 1, reads
    assert "junkan_signed_in_user(" in reads[0]  # its plan kept per connection (0014)


def test_the_memberships_are_those_of_the_orm_in_its_order(admin_user, other_tenant):
    MembershipFactory(tenant=other_tenant, user=admin_user, role=Role.VIEWER)
    MembershipFactory(tenant=TenantFactory(slug="aaa", name="AAA first"), user=admin_user)
    user = user_get_signed_in(user_id=str(admin_user.pk))
    expected = list(membership_list_for_user(user=admin_user))
    got = user.membership_list
    assert [(m.pk, m.role, m.tenant_id, m.user_id) for m in got] == [
        (m.pk, m.role, m.tenant_id, m.user_id) for m in expected
    ]
    for mine, orm in zip(got, expected, strict=True):
        assert {f.attname: getattr(mine.tenant, f.attname) for f in orm.tenant._meta.fields} == {
            f.attname: getattr(orm.tenant, f.attname) for f in orm.tenant._meta.fields
        }
        assert mine.user is user
    assert {f.attname: getattr(user, f.attname) for f in User._meta.fields} == {
        f.attname: getattr(admin_user, f.attname) for f in User._meta.fields
    }


def test_a_user_without_membership_and_ids_of_nobody():
    lone = UserFactory(email="lone@example.com")
    assert user_get_signed_in(user_id=lone.pk).membership_list == []
    assert user_get_signed_in(user_id=lone.pk + 1000) is None
    assert user_get_signed_in(user_id="not a number") is None
    assert user_get_signed_in(user_id=2**63) is None


def test_a_password_changed_elsewhere_signs_the_session_out_at_once(admin_user):
    client = client_for(admin_user)
    assert _signed_in(client)
    user = User.objects.get(pk=admin_user.pk)
    user.set_password("a-new-password-123")
    user.save()
    assert not _signed_in(client)


def test_a_deactivated_user_is_signed_out_at_once(admin_user):
    client = client_for(admin_user)
    assert _signed_in(client)
    User.objects.filter(pk=admin_user.pk).update(is_active=False)
    assert not _signed_in(client)


def test_a_role_change_takes_effect_at_once(admin_user):
    client = client_for(admin_user)
    assert client.get(ADMIN_PAGE).status_code == 200
    Membership.objects.filter(user=admin_user).update(role=Role.VIEWER)
    assert client.get(ADMIN_PAGE).status_code in (403, 404)
    Membership.objects.filter(user=admin_user).update(role=Role.ADMIN)
    assert client.get(ADMIN_PAGE).status_code == 200


def test_a_removed_membership_closes_the_workspace_at_once(admin_user):
    client = client_for(admin_user)
    assert _signed_in(client)
    Membership.objects.filter(user=admin_user).delete()
    assert client.get("/t/acme/").status_code == 404


def test_sign_out_ends_the_session_at_once(admin_user):
    client = client_for(admin_user)
    assert _signed_in(client)
    cookie = client.cookies["sessionid"].value
    assert client.post("/logout/").status_code == 302
    assert not _signed_in(client)
    client.cookies["sessionid"] = cookie  # the old cookie, replayed
    assert not _signed_in(client)
