"""The web entry point: TenantMiddleware, workspace switching, language, core pages, admin."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.sessions.models import Session
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cs_platform.extensions import _nav
from cs_platform.middleware import SESSION_TENANT_KEY, TenantMiddleware
from cs_platform.models import Role
from cs_platform.scoping import TenantScopedModel, get_current_tenant
from tests.cs_platform.discovery import factory_for
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def two_tenant_user(admin_user, other_tenant):
    MembershipFactory(tenant=other_tenant, user=admin_user, role=Role.VIEWER)
    return admin_user


def test_a_member_sees_their_workspace_dashboard(client, viewer_user):
    client.force_login(viewer_user)

    response = client.get("/t/acme/")

    assert response.status_code == 200
    assert response.context["current_tenant"].slug == "acme"


def test_a_member_of_a_visiting_b_gets_404(client, admin_user, other_tenant):
    client.force_login(admin_user)

    assert client.get("/t/globex/").status_code == 404


def test_an_unknown_workspace_is_the_same_404(client, admin_user):
    client.force_login(admin_user)

    assert client.get("/t/no-such-tenant/").status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, tenant):
    response = client.get("/t/acme/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_visiting_a_workspace_remembers_it_in_the_session(client, two_tenant_user, other_tenant):
    client.force_login(two_tenant_user)

    client.get("/t/globex/")

    assert client.session[SESSION_TENANT_KEY] == other_tenant.pk
    assert client.get("/")["Location"] == "/t/globex/"


def test_home_opens_the_first_workspace_when_none_was_chosen(client, two_tenant_user):
    client.force_login(two_tenant_user)

    # Ordered by tenant name: "Globex Corp" sorts before "アクメ株式会社".
    assert client.get("/")["Location"] == "/t/globex/"


def test_the_tenant_switch_moves_to_a_workspace_of_the_user(client, two_tenant_user, tenant):
    client.force_login(two_tenant_user)

    response = client.post("/tenants/switch/", {"tenant": "acme"})

    assert response["Location"] == "/t/acme/"
    assert client.session[SESSION_TENANT_KEY] == tenant.pk


def test_the_tenant_switch_refuses_a_workspace_of_someone_else(client, admin_user, other_tenant):
    client.force_login(admin_user)

    assert client.post("/tenants/switch/", {"tenant": "globex"}).status_code == 404
    assert client.session.get(SESSION_TENANT_KEY) != other_tenant.pk


def test_a_user_without_workspace_is_told_so(client, db):
    client.force_login(UserFactory(email="lonely@example.com"))

    response = client.get("/")

    assert response.status_code == 403
    assert "cs_platform/no_tenant.html" in [t.name for t in response.templates]


def _scope_seen_by_view(request):
    seen = {}

    def view(req):
        seen["tenant"] = get_current_tenant()
        seen["tz"] = timezone.get_current_timezone_name()
        return HttpResponse()

    TenantMiddleware(view)(request)
    return seen


def test_the_middleware_scopes_the_request_and_resets_afterwards(rf: RequestFactory, admin_user):
    request = rf.get("/t/acme/")
    request.user = admin_user
    request.session = {}

    seen = _scope_seen_by_view(request)

    assert seen["tenant"].slug == "acme"
    assert seen["tz"] == "Asia/Tokyo"
    assert get_current_tenant() is None


def test_the_request_runs_in_the_tenants_time_zone(rf: RequestFactory, admin_user, tenant):
    tenant.timezone = "America/Los_Angeles"
    tenant.save()
    request = rf.get("/t/acme/")
    request.user = admin_user
    request.session = {}

    assert _scope_seen_by_view(request)["tz"] == "America/Los_Angeles"


def test_the_public_site_path_scopes_its_tenant_without_membership(rf: RequestFactory, tenant):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/learn/acme/")
    request.user = AnonymousUser()
    request.session = {}

    assert _scope_seen_by_view(request)["tenant"] == tenant


def test_the_public_site_of_an_unknown_tenant_is_404(client, db):
    assert client.get("/learn/no-such-tenant/").status_code == 404


def test_the_first_visit_speaks_the_browsers_language(client, db):
    english = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    japanese = client.get("/login/", HTTP_ACCEPT_LANGUAGE="ja,en;q=0.5")

    assert b'<html lang="en">' in english.content
    assert b'<html lang="ja">' in japanese.content


def test_signing_in_switches_to_the_users_saved_language(client, admin_user):
    admin_user.language = "en"
    admin_user.save()

    response = client.post("/login/", {"username": admin_user.email, "password": "pw-for-tests-1"})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_signing_in_accepts_the_email_in_any_case(client, admin_user):
    response = client.post(
        "/login/", {"username": admin_user.email.upper(), "password": "pw-for-tests-1"}
    )

    assert response.status_code == 302


def test_choosing_a_language_is_saved_on_the_user(client, admin_user):
    client.force_login(admin_user)

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/t/acme/"})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    admin_user.refresh_from_db()
    assert admin_user.language == "en"
    assert b'<html lang="en">' in client.get("/t/acme/").content


@pytest.mark.parametrize("url_name", sorted(_nav))
def test_every_registered_navigation_item_resolves(url_name):
    assert reverse(url_name, kwargs={"tenant_slug": "acme"}).startswith("/t/acme/")


def test_the_dashboard_renders_every_panel_for_an_admin(client, admin_user):
    client.force_login(admin_user)

    response = client.get("/t/acme/")

    assert response.status_code == 200
    assert b"<main>" in response.content


@pytest.fixture
def superuser_of_acme(admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    return admin_user


def test_the_django_admin_opens_for_a_superuser(client, superuser_of_acme):
    client.force_login(superuser_of_acme)

    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/cs_platform/tenant/").status_code == 200
    assert client.get("/admin/cs_platform/apikey/").status_code == 200


SCOPED_ADMINS = [model for model in admin.site._registry if issubclass(model, TenantScopedModel)]


@pytest.mark.parametrize("model", SCOPED_ADMINS, ids=lambda m: m._meta.label)
def test_the_admin_of_a_tenant_owned_model_shows_only_the_current_tenant(
    client, superuser_of_acme, tenant, other_tenant, model
):
    from cs_platform.admin import TenantScopedAdmin
    from cs_platform.scoping import tenant_scope

    assert isinstance(admin.site._registry[model], TenantScopedAdmin)
    factory = factory_for(model)
    assert factory is not None
    with tenant_scope(other_tenant):
        theirs = factory()
    with tenant_scope(tenant):
        mine = factory()
    client.force_login(superuser_of_acme)
    client.get("/t/acme/")  # chooses the tenant for the session

    opts = model._meta
    response = client.get(f"/admin/{opts.app_label}/{opts.model_name}/")

    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert mine.pk in shown
    assert theirs.pk not in shown
    detail = f"/admin/{opts.app_label}/{opts.model_name}/{theirs.pk}/change/"
    assert client.get(detail).status_code in (302, 404)


def test_a_403_page_names_the_role_needed_and_the_readers_role(csm_user):
    from django.test import Client

    client = Client()
    client.force_login(csm_user)
    response = client.get("/t/acme/journeys/funnel/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 403
    body = response.content.decode()
    assert 'data-testid="role-needed"' in body
    assert "CS manager" in body


def test_a_page_view_reads_its_session_from_redis_and_its_workspace_in_one_query(
    client, viewer_user
):
    client.force_login(viewer_user)
    url = reverse("dashboard", kwargs={"tenant_slug": "acme"})
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [q for q in sql if "django_session" in q]
    # The user, the workspace of the URL, the membership and the switcher's list: one read
    # (junkan_signed_in_user, cs_platform 0014), and no other statement reads them.
    assert sum("junkan_signed_in_user(" in q for q in sql) == 1
    assert not [q for q in sql if "cs_platform_membership" in q or "cs_platform_user" in q]
    assert not [q for q in sql if q.lstrip().startswith('SELECT "cs_platform_tenant"')]
    assert Session.objects.filter(session_key=client.session.session_key).exists()
