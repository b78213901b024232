import pytest
from django.test import RequestFactory

from cs_platform.urlutils import tenant_reverse


@pytest.fixture
def request_in_tenant(tenant):
    request = RequestFactory().get("/")
    request.tenant = tenant
    return request


def test_tenant_reverse_takes_positional_arguments(request_in_tenant):
    url = tenant_reverse(request_in_tenant, "api_key_revoke", 7)
    assert url == "/t/acme/settings/api-keys/7/revoke/"


def test_tenant_reverse_takes_keyword_arguments(request_in_tenant):
    url = tenant_reverse(request_in_tenant, "api_key_revoke", key_id=7)
    assert url == "/t/acme/settings/api-keys/7/revoke/"


def test_tenant_reverse_refuses_mixed_arguments(request_in_tenant):
    with pytest.raises(ValueError):
        tenant_reverse(request_in_tenant, "api_key_revoke", 7, key_id=7)
