"""Custom domains of Learn & Support: DNS verification, routing by host, the admin page."""

from __future__ import annotations

import re
import uuid
from types import SimpleNamespace

import dns.exception
import dns.resolver
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from content import selectors, services
from content.models import SiteDomain
from content.services import domains as domain_services
from cs_platform.scoping import cross_tenant, tenant_scope
from tests.content.factories import (
    ArticleFactory,
    ArticleTranslationFactory,
    SectionFactory,
    SiteDomainFactory,
)
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

HOST = "help.acme.example"


@pytest.fixture(autouse=True)
def _local_cache(settings):
    """Overrides the content suite's process-local cache: routes are cached in the real Redis
    here, under a key prefix of their own (keys expire by themselves; clearing would flush
    other people's data)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": f"test-domains-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture(autouse=True)
def _english(client):
    """Messages are asserted in English; one test checks the Japanese page."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def _txt(*values: str):
    return lambda name: list(values)


def _verified(tenant, domain: str = HOST, *, primary: bool = True) -> SiteDomain:
    return SiteDomainFactory(
        tenant=tenant, domain=domain, verified_at=timezone.now(), is_primary=primary
    )


@pytest.fixture
def published(scoped):
    section = SectionFactory(key="get-started", name_ja="はじめに", name_en="Get Started")
    article = ArticleFactory(section=section, slug="edit-company-page")
    ArticleTranslationFactory(article=article, language="ja", title="会社ページを編集する")
    ArticleTranslationFactory(article=article, language="en", title="Edit your company page")
    return article


@pytest.fixture
def site(tenant, published):
    return _verified(tenant)


def _hrefs(response) -> list[str]:
    return re.findall(r'(?:href|action)="([^"]+)"', response.content.decode())


# --- the host name a tenant admin types ---------------------------------------------------------


def test_domain_is_cleaned_to_a_lower_case_host_name():
    assert services.domain_clean("  Help.Customer.CO.JP. ") == "help.customer.co.jp"


def test_japanese_domain_is_stored_in_its_ascii_form():
    assert services.domain_clean("ヘルプ.例え.jp").startswith("xn--")


@pytest.mark.parametrize(
    "raw",
    [
        "https://help.customer.co.jp",
        "help.customer.co.jp/learn",
        "help.customer.co.jp:8443",
        "user@help.customer.co.jp",
        "customer",
        "-help.customer.co.jp",
        "help_desk.customer.co.jp",
        "192.168.0.1",
        "*.customer.co.jp",
        "",
    ],
)
def test_a_url_port_path_or_malformed_name_is_refused(raw):
    with pytest.raises(ValidationError):
        services.domain_clean(raw)


def test_our_own_host_names_cannot_be_claimed(settings):
    settings.ALLOWED_HOSTS = [".junkan.example"]
    with pytest.raises(ValidationError, match="Junkan"):
        services.domain_clean("help.junkan.example")


# --- claiming and verifying -------------------------------------------------------------------


def test_a_claimed_domain_gets_a_random_token_and_is_not_verified(scoped):
    first = services.site_domain_claim(domain="Help.Acme.example")
    second = services.site_domain_claim(domain="docs.acme.example")
    assert first.domain == HOST
    assert first.verified_at is None
    assert len(first.verification_token) >= 32
    assert first.verification_token != second.verification_token


def test_the_same_domain_cannot_be_claimed_twice_by_one_tenant(scoped):
    services.site_domain_claim(domain=HOST)
    with pytest.raises(ValidationError, match="already been added"):
        services.site_domain_claim(domain=HOST.upper())


def test_verification_succeeds_when_the_txt_record_holds_the_token(scoped):
    claimed = services.site_domain_claim(domain=HOST)
    services.site_domain_verify(
        site_domain=claimed, lookup=_txt("v=spf1 -all", f'"{claimed.verification_token}"')
    )
    claimed.refresh_from_db()
    assert claimed.verified_at is not None
    assert claimed.is_primary
    assert claimed.last_check_error == ""


def test_verification_looks_up_the_junkan_verify_name(scoped):
    claimed = services.site_domain_claim(domain=HOST)
    asked = []

    def lookup(name):
        asked.append(name)
        return [claimed.verification_token]

    services.site_domain_verify(site_domain=claimed, lookup=lookup)
    assert asked == ["_junkan-verify.help.acme.example"]


def test_verification_fails_clearly_without_a_txt_record(scoped):
    claimed = services.site_domain_claim(domain=HOST)
    with pytest.raises(ValidationError, match="No TXT record was found at _junkan-verify"):
        services.site_domain_verify(site_domain=claimed, lookup=_txt())
    claimed.refresh_from_db()
    assert claimed.verified_at is None
    assert "No TXT record" in claimed.last_check_error
    assert claimed.last_checked_at is not None


def test_verification_fails_when_the_txt_record_holds_another_value(scoped):
    claimed = services.site_domain_claim(domain=HOST)
    with pytest.raises(ValidationError, match="does not contain this domain's token"):
        services.site_domain_verify(site_domain=claimed, lookup=_txt("someone-elses-token"))
    claimed.refresh_from_db()
    assert claimed.verified_at is None


def test_verification_reports_a_dns_failure_as_try_again(scoped):
    claimed = services.site_domain_claim(domain=HOST)

    def broken(name):
        raise services.DnsLookupError("The DNS lookup timed out.")

    with pytest.raises(ValidationError, match="timed out"):
        services.site_domain_verify(site_domain=claimed, lookup=broken)


def test_another_tenant_cannot_claim_a_verified_domain(tenant, other_tenant):
    _verified(tenant)
    with tenant_scope(other_tenant), pytest.raises(ValidationError, match="another organisation"):
        services.site_domain_claim(domain=HOST)


def test_another_tenants_pending_claim_cannot_be_verified_once_the_domain_is_taken(
    tenant, other_tenant
):
    with tenant_scope(other_tenant):
        pending = services.site_domain_claim(domain=HOST)
    _verified(tenant)
    with tenant_scope(other_tenant), pytest.raises(ValidationError, match="another organisation"):
        services.site_domain_verify(site_domain=pending, lookup=_txt(pending.verification_token))
    assert selectors.site_domain_tenant(domain=HOST) == tenant
    with tenant_scope(other_tenant):
        pending.refresh_from_db()
    # the refusal is kept on the row, for the settings page
    assert "another organisation" in pending.last_check_error
    assert pending.verified_at is None and pending.last_checked_at is not None


def test_only_verified_domains_map_to_a_tenant(tenant):
    SiteDomainFactory(tenant=tenant, domain=HOST)
    assert selectors.site_domain_tenant(domain=HOST) is None


def test_verified_domain_maps_to_its_tenant_whatever_the_case_and_port(tenant):
    _verified(tenant, "Help.Acme.example")
    assert selectors.site_domain_tenant(domain="HELP.acme.example:443") == tenant


def test_a_domain_verified_by_two_tenants_maps_to_none(tenant, other_tenant):
    _verified(tenant)
    _verified(other_tenant)
    assert selectors.site_domain_tenant(domain=HOST) is None


def test_a_pending_domain_cannot_be_made_primary(scoped):
    claimed = services.site_domain_claim(domain=HOST)
    with pytest.raises(ValidationError):
        services.site_domain_set_primary(site_domain=claimed)


def test_making_a_domain_primary_demotes_the_previous_one(scoped):
    first = _verified(scoped, "help.acme.example")
    second = _verified(scoped, "docs.acme.example", primary=False)
    services.site_domain_set_primary(site_domain=second)
    first.refresh_from_db()
    assert not first.is_primary
    assert SiteDomain.objects.get(pk=second.pk).is_primary


def test_deleting_the_primary_domain_promotes_another_verified_one(scoped):
    first = _verified(scoped, "help.acme.example")
    second = _verified(scoped, "docs.acme.example", primary=False)
    services.site_domain_delete(site_domain=first)
    assert SiteDomain.objects.get(pk=second.pk).is_primary


def test_dns_lookup_joins_the_strings_of_each_txt_record(monkeypatch):
    answer = [SimpleNamespace(strings=(b"abc", b"def")), SimpleNamespace(strings=(b"xyz",))]
    monkeypatch.setattr(dns.resolver.Resolver, "resolve", lambda self, *a, **k: answer)
    assert services.dns_txt_lookup("_junkan-verify.help.acme.example") == ["abcdef", "xyz"]


def test_dns_lookup_of_a_missing_name_is_empty(monkeypatch):
    def nxdomain(self, *args, **kwargs):
        raise dns.resolver.NXDOMAIN

    monkeypatch.setattr(dns.resolver.Resolver, "resolve", nxdomain)
    assert services.dns_txt_lookup("_junkan-verify.help.acme.example") == []


def test_dns_lookup_timeout_is_a_lookup_error(monkeypatch):
    def timeout(self, *args, **kwargs):
        raise dns.exception.Timeout

    monkeypatch.setattr(dns.resolver.Resolver, "resolve", timeout)
    with pytest.raises(services.DnsLookupError):
        services.dns_txt_lookup("_junkan-verify.help.acme.example")


# --- serving the site on the custom domain ------------------------------------------------------


def test_home_is_served_at_the_root_of_the_custom_domain(client, site):
    response = client.get("/", HTTP_HOST=HOST)
    assert response.status_code == 200
    assert "Edit your company page" in response.content.decode()


def test_article_is_served_on_the_custom_domain(client, site):
    response = client.get("/a/edit-company-page/", HTTP_HOST=HOST, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 200
    assert "会社ページを編集する" in response.content.decode()


def test_search_is_served_on_the_custom_domain(client, site):
    response = client.get("/search/", {"q": "会社"}, HTTP_HOST=HOST)
    assert response.status_code == 200
    assert 'href="/a/edit-company-page/"' in response.content.decode()


def test_custom_domain_with_a_port_is_served(client, site):
    assert client.get("/", HTTP_HOST=f"{HOST}:8443").status_code == 200


def test_links_on_the_custom_domain_stay_on_it(client, site):
    hrefs = _hrefs(client.get("/a/edit-company-page/", HTTP_HOST=HOST))
    assert "/" in hrefs
    assert "/s/get-started/" in hrefs
    assert "/search/" in hrefs
    assert not [h for h in hrefs if "/learn/" in h]


def test_links_on_the_junkan_address_keep_the_learn_prefix(client, site):
    hrefs = _hrefs(client.get("/learn/acme/a/edit-company-page/"))
    assert "/learn/acme/s/get-started/" in hrefs


def test_feedback_redirect_stays_on_the_custom_domain(client, site):
    response = client.post("/a/edit-company-page/feedback/", {"helpful": "yes"}, HTTP_HOST=HOST)
    assert response.status_code == 302
    assert response["Location"] == "/a/edit-company-page/?feedback=thanks"


@pytest.mark.parametrize(
    ("origin", "status"), [(f"http://{HOST}", 302), ("http://evil.example", 403)]
)
def test_forms_on_the_custom_domain_pass_csrf_from_that_origin_only(site, origin, status):
    browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    browser.get("/a/edit-company-page/", HTTP_HOST=HOST)
    response = browser.post(
        "/a/edit-company-page/feedback/",
        {"helpful": "yes", "csrfmiddlewaretoken": browser.cookies["csrftoken"].value},
        HTTP_HOST=HOST,
        HTTP_ORIGIN=origin,
    )
    assert response.status_code == status


def test_a_missing_slash_redirects_on_the_custom_domain(client, site):
    response = client.get("/search", HTTP_HOST=HOST)
    assert response.status_code == 301
    assert response["Location"] == "/search/"


@pytest.fixture
def eager_tasks():
    """Tasks run in the test's process when enqueued (the worker's side is tested elsewhere)."""
    from cs_platform.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_magic_link_mailed_from_the_custom_domain_opens_on_it(
    client, site, mailoutbox, eager_tasks, django_capture_on_commit_callbacks
):
    with tenant_scope(site.tenant):
        ContactFactory(email="reader@customer.example")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/signin/", {"email": "reader@customer.example"}, HTTP_HOST=HOST)
    link = re.search(r"http://help\.acme\.example(\S+)", mailoutbox[0].body)[1]
    response = client.get(link, HTTP_HOST=HOST)
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("path", ["/t/acme/content/", "/api/v1/accounts/", "/admin/", "/t/"])
def test_staff_api_and_admin_paths_are_404_on_a_custom_domain(client, site, admin_user, path):
    client.force_login(admin_user)
    assert client.get(path, HTTP_HOST=HOST).status_code == 404


def test_other_junkan_pages_are_404_on_a_custom_domain(client, site):
    assert client.get("/accounts/login/", HTTP_HOST=HOST).status_code == 404


def test_another_tenants_site_is_404_on_a_custom_domain(client, site, other_tenant):
    assert client.get("/learn/globex/", HTTP_HOST=HOST).status_code == 404


def test_an_unverified_domain_is_refused_like_an_unknown_host(client, tenant, published):
    SiteDomainFactory(tenant=tenant, domain=HOST)
    assert client.get("/", HTTP_HOST=HOST).status_code == 400


def test_an_unknown_host_is_refused(client, site):
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400


def test_a_verified_domain_is_refused_once_deleted(client, site):
    assert client.get("/", HTTP_HOST=HOST).status_code == 200
    with tenant_scope(site.tenant):
        services.site_domain_delete(site_domain=site)
    assert client.get("/", HTTP_HOST=HOST).status_code == 400


def test_the_route_of_a_domain_is_cached(client, site):
    assert client.get("/", HTTP_HOST=HOST).status_code == 200
    with cross_tenant("tenant-admin"):
        SiteDomain.objects.unscoped().filter(pk=site.pk).delete()  # behind the services' back
    assert selectors.site_domain_route(domain=HOST) is not None


def test_a_verified_secondary_domain_redirects_to_the_primary(client, site):
    _verified(site.tenant, "docs.acme.example", primary=False)
    response = client.get("/a/edit-company-page/?lang=en", HTTP_HOST="docs.acme.example")
    assert response.status_code == 302
    assert response["Location"] == f"http://{HOST}/a/edit-company-page/?lang=en"


def test_the_junkan_address_still_serves_the_site(client, site):
    assert client.get("/learn/acme/").status_code == 200


# --- the admin page ---------------------------------------------------------------------------

PAGE = "/t/acme/content/domains/"


def test_admin_sees_the_txt_record_to_create(client, admin_user, tenant):
    with tenant_scope(tenant):
        claimed = services.site_domain_claim(domain=HOST)
    client.force_login(admin_user)
    body = client.get(PAGE).content.decode()
    assert "_junkan-verify.help.acme.example" in body
    assert claimed.verification_token in body


@pytest.mark.parametrize("who", ["manager_user", "csm_user", "viewer_user"])
def test_non_admin_members_get_403(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(PAGE).status_code == 403


def test_outsider_gets_404(client, outsider, tenant):
    client.force_login(outsider)
    assert client.get(PAGE).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(client, tenant):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_only_admins_see_the_domains_tab(client, admin_user, csm_user):
    client.force_login(csm_user)
    assert PAGE not in client.get("/t/acme/content/").content.decode()
    client.force_login(admin_user)
    assert PAGE in client.get("/t/acme/content/").content.decode()


def test_admin_adds_a_domain(client, admin_user, tenant):
    client.force_login(admin_user)
    response = client.post(PAGE, {"domain": "Help.Acme.example"})
    assert response.status_code == 302
    with tenant_scope(tenant):
        assert list(SiteDomain.objects.values_list("domain", flat=True)) == [HOST]


def test_adding_a_url_shows_what_to_type(client, admin_user, tenant):
    client.force_login(admin_user)
    response = client.post(PAGE, {"domain": "https://help.acme.example/"})
    assert response.status_code == 400
    assert "without https://" in response.content.decode()


def test_adding_a_domain_verified_elsewhere_says_so(client, admin_user, tenant, other_tenant):
    _verified(other_tenant)
    client.force_login(admin_user)
    response = client.post(PAGE, {"domain": HOST})
    assert response.status_code == 400
    assert "another organisation" in response.content.decode()


def test_verify_now_verifies_with_the_dns_record(client, admin_user, tenant, monkeypatch):
    with tenant_scope(tenant):
        claimed = services.site_domain_claim(domain=HOST)
    monkeypatch.setattr(domain_services, "dns_txt_lookup", _txt(claimed.verification_token))
    client.force_login(admin_user)
    response = client.post(f"{PAGE}{claimed.pk}/verify/", follow=True)
    assert "is verified" in response.content.decode()
    assert selectors.site_domain_tenant(domain=HOST) == tenant


def test_verify_now_explains_a_failure(client, admin_user, tenant, monkeypatch):
    with tenant_scope(tenant):
        claimed = services.site_domain_claim(domain=HOST)
    monkeypatch.setattr(domain_services, "dns_txt_lookup", _txt())
    client.force_login(admin_user)
    response = client.post(f"{PAGE}{claimed.pk}/verify/", follow=True)
    assert "No TXT record was found at _junkan-verify.help.acme.example" in (
        response.content.decode()
    )
    assert selectors.site_domain_tenant(domain=HOST) is None


def test_admin_makes_a_domain_primary(client, admin_user, tenant):
    _verified(tenant)
    other = _verified(tenant, "docs.acme.example", primary=False)
    client.force_login(admin_user)
    client.post(f"{PAGE}{other.pk}/primary/")
    with tenant_scope(tenant):
        assert SiteDomain.objects.get(is_primary=True).pk == other.pk


def test_admin_deletes_a_domain(client, admin_user, tenant):
    domain = _verified(tenant)
    client.force_login(admin_user)
    client.post(f"{PAGE}{domain.pk}/delete/")
    with tenant_scope(tenant):
        assert not SiteDomain.objects.exists()


@pytest.mark.parametrize("action", ["verify", "primary", "delete"])
def test_another_tenants_domain_is_404(client, admin_user, tenant, other_tenant, action):
    theirs = _verified(other_tenant)
    client.force_login(admin_user)
    assert client.post(f"{PAGE}{theirs.pk}/{action}/").status_code == 404
    with cross_tenant("tenant-admin"):
        assert SiteDomain.objects.unscoped().filter(pk=theirs.pk, is_primary=True).exists()


def test_the_page_is_in_japanese_for_a_japanese_user(client, admin_user, tenant):
    client.force_login(admin_user)
    body = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "独自ドメイン" in body
