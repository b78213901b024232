import pytest
from django.test import RequestFactory

from cs_platform.urlutils import safe_next, tenant_reverse


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


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "/\\evil.example", "https://evil.example/", "javascript:alert(1)"],
)
def test_a_next_that_leaves_the_site_falls_back_to_the_default(target):
    request = RequestFactory().post("/", {"next": target})
    assert safe_next(request, "/home/") == "/home/"


def test_a_next_on_this_site_is_followed():
    request = RequestFactory().post("/", {"next": "/t/acme/accounts/?page=2"})
    assert safe_next(request, "/home/") == "/t/acme/accounts/?page=2"
