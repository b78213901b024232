"""Who may do what: TenantRolePermission and IsTenantAdmin, for members and API keys."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from cs_platform.models import Role
from tests.conftest import api_client_for, api_key_client
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.urls("tests.cs_platform.probe_urls")

ROLES = [Role.VIEWER, Role.CSM, Role.CS_MANAGER, Role.ADMIN]

# endpoint → (minimum role to GET, minimum role to POST); None: no role may.
RULES = {
    "default": (Role.VIEWER, Role.CSM),
    "manager-writes": (Role.VIEWER, Role.CS_MANAGER),
    "admin-writes": (Role.VIEWER, Role.ADMIN),
    "admin-only": (Role.ADMIN, Role.ADMIN),
}
RANK = {role: i for i, role in enumerate(ROLES)}


def _member_client(tenant, role) -> APIClient:
    user = UserFactory(email=f"{role}@probe.example")
    MembershipFactory(tenant=tenant, user=user, role=role)
    return api_client_for(user, tenant)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(RULES))
def test_a_member_may_read_and_write_according_to_their_role(tenant, endpoint, role):
    client = _member_client(tenant, role)
    read_role, write_role = RULES[endpoint]
    url = f"/api/probe/{endpoint}/"

    read = client.get(url)
    write = client.post(url, {}, format="json")

    assert read.status_code == (200 if RANK[role] >= RANK[read_role] else 403)
    assert write.status_code == (200 if RANK[role] >= RANK[write_role] else 403)


# endpoint → {key scope: (GET allowed, POST allowed)}
KEY_RULES = {
    "default": {"read": (True, False), "write": (True, True), "ingest": (False, False)},
    "manager-writes": {"read": (True, False), "write": (True, True), "ingest": (False, False)},
    "admin-writes": {"read": (True, False), "write": (True, False), "ingest": (False, False)},
    "admin-only": {"read": (False, False), "write": (False, False), "ingest": (False, False)},
    "ingest": {"read": (False, False), "write": (False, False), "ingest": (True, True)},
}


@pytest.mark.parametrize("scope", ["read", "write", "ingest"])
@pytest.mark.parametrize("endpoint", list(KEY_RULES))
def test_an_api_key_may_read_and_write_according_to_its_scope(tenant, endpoint, scope):
    client = api_key_client(tenant, scope)
    may_read, may_write = KEY_RULES[endpoint][scope]
    url = f"/api/probe/{endpoint}/"

    assert client.get(url).status_code == (200 if may_read else 403)
    assert client.post(url, {}, format="json").status_code == (200 if may_write else 403)


def test_an_api_key_acts_in_its_own_tenant(tenant):
    response = api_key_client(tenant, "read").get("/api/probe/default/")

    assert response.json() == {"tenant": tenant.slug}


def test_a_session_acts_in_the_tenant_named_by_the_x_tenant_header(admin_user, other_tenant):
    MembershipFactory(tenant=other_tenant, user=admin_user, role=Role.VIEWER)
    client = api_client_for(admin_user, other_tenant)

    assert client.get("/api/probe/default/").json() == {"tenant": other_tenant.slug}
    # The role is the one held in that tenant: a viewer there.
    assert client.post("/api/probe/default/", {}, format="json").status_code == 403


def test_naming_a_tenant_the_user_does_not_belong_to_is_404(admin_user, other_tenant):
    response = api_client_for(admin_user, other_tenant).get("/api/probe/default/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_anonymous_request_is_401(db):
    response = APIClient().get("/api/probe/default/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"


def test_a_signed_in_user_without_any_workspace_is_403(db):
    client = APIClient()
    client.force_login(UserFactory(email="lonely@example.com"))

    assert client.get("/api/probe/default/").status_code == 403


def test_an_api_request_runs_in_its_tenants_time_zone(tenant):
    tenant.timezone = "America/Los_Angeles"
    tenant.save()

    response = api_key_client(tenant, "read").get("/api/probe/tz/")

    assert response.json() == {"tz": "America/Los_Angeles"}
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE
