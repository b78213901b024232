"""The public site's first read: the workspace at a slug, read by hand (#16) as the ORM reads it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cs_platform.models import Tenant
from cs_platform.selectors import tenant_get_by_slug

pytestmark = pytest.mark.django_db


def test_the_workspace_at_a_slug_is_read_whole_in_one_statement(tenant, other_tenant):
    with CaptureQueriesContext(connection) as captured:
        found = tenant_get_by_slug(slug="acme")
    assert len(captured.captured_queries) == 1
    orm = Tenant.objects.get(slug="acme")
    assert isinstance(found, Tenant) and found.pk == orm.pk
    assert {f.attname: getattr(found, f.attname) for f in Tenant._meta.concrete_fields} == {
        f.attname: getattr(orm, f.attname) for f in Tenant._meta.concrete_fields
    }
    assert found.tzinfo == orm.tzinfo
    assert tenant_get_by_slug(slug="globex").pk == other_tenant.pk


def test_an_unknown_slug_is_no_workspace(tenant):
    assert tenant_get_by_slug(slug="nobody") is None
    assert tenant_get_by_slug(slug="ACME") is None
