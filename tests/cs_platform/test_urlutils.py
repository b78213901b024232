import pytest
from django.test import RequestFactory
from django.urls import set_script_prefix

from cs_platform import urlutils
from cs_platform.requestmemo import request_memo_scope
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


def test_a_page_view_reads_the_script_prefix_and_url_conf_once(request_in_tenant, monkeypatch):
    reads = []
    monkeypatch.setattr(urlutils, "get_script_prefix", lambda: reads.append("prefix") or "/")
    monkeypatch.setattr(urlutils, "get_urlconf", lambda: reads.append("urlconf"))
    with request_memo_scope():  # a page view
        urls = [tenant_reverse(request_in_tenant, "api_key_revoke", key_id=i) for i in (7, 8)]
    assert urls == ["/t/acme/settings/api-keys/7/revoke/", "/t/acme/settings/api-keys/8/revoke/"]
    assert reads == ["prefix", "urlconf"]


def test_outside_a_page_view_each_url_follows_the_script_prefix(request_in_tenant):
    try:
        set_script_prefix("/junkan/")
        assert tenant_reverse(request_in_tenant, "api_key_revoke", key_id=7).startswith(
            "/junkan/t/"
        )
    finally:
        set_script_prefix("/")
    assert tenant_reverse(request_in_tenant, "api_key_revoke", key_id=7).startswith("/t/")


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


def _tenant_url_names() -> list[tuple[str, list[str]]]:
    """(name, its argument names) of every staff URL (under /t/<slug>/) named in the URLconf."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found = []

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name:
                found.append((f"{namespace}{p.name}", sorted(p.pattern.converters)))

    tenant_resolver = next(
        p for p in get_resolver().url_patterns if "tenant_slug" in str(p.pattern)
    )
    walk(tenant_resolver.url_patterns, "")
    return found


def test_every_staff_url_with_ids_reads_as_reverse_makes_it(request_in_tenant):
    """tenant_reverse writes ids into a URL shape reversed once: the same URLs as reverse()."""
    from django.urls import NoReverseMatch, reverse

    checked = 0
    for name, argnames in _tenant_url_names():
        if not argnames:
            continue
        for values in ([0] * len(argnames), [7, 12345, 99][: len(argnames)] + [1] * 3):
            kwargs = dict(zip(argnames, values, strict=False))
            try:
                expected = reverse(name, kwargs={"tenant_slug": "acme", **kwargs})
            except NoReverseMatch:  # a converter that takes no ids: not a case here
                continue
            assert tenant_reverse(request_in_tenant, name, **kwargs) == expected, name
            assert tenant_reverse(request_in_tenant, name, **kwargs) == expected, name  # cached
            checked += 1
    assert checked > 50


def test_every_staff_url_without_ids_is_reversed_once(request_in_tenant, monkeypatch):
    from django.urls import NoReverseMatch, reverse

    from cs_platform import urlutils

    names = [name for name, argnames in _tenant_url_names() if not argnames]
    expected = {}
    for name in names:
        try:
            expected[name] = reverse(name, kwargs={"tenant_slug": "acme"})
        except NoReverseMatch:
            continue
    assert len(expected) > 30
    assert {name: tenant_reverse(request_in_tenant, name) for name in expected} == expected
    calls: list[str] = []
    monkeypatch.setattr(urlutils, "reverse", lambda *a, **k: calls.append(a[0]))
    assert {name: tenant_reverse(request_in_tenant, name) for name in expected} == expected
    assert calls == []


def test_a_negative_or_non_integer_argument_is_reversed_as_before(request_in_tenant):
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        tenant_reverse(request_in_tenant, "api_key_revoke", key_id=-1)
    assert tenant_reverse(request_in_tenant, "api_key_revoke", key_id="7") == (
        "/t/acme/settings/api-keys/7/revoke/"
    )
