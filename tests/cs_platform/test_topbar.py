"""The staff pages' top bar is kept per what it shows (cs_platform.topbar): it still shows each
role its own navigation, and a changed role, membership, workspace name, user name or language
shows at once; the CSRF token and the language form's path are the request's own."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cs_platform.models import Membership, Role
from cs_platform.topbar import topbar_cache_clear
from tests.factories import MembershipFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    topbar_cache_clear()
    yield
    topbar_cache_clear()


def _bar(response) -> str:
    html = response.content.decode()
    return html[html.index('<header class="topbar">') : html.index("</header>")]


def _nav(response) -> list[str]:
    bar = _bar(response)
    nav = bar[bar.index('<nav class="mainnav"') : bar.index("</nav>")]
    return re.findall(r'<a href="([^"]+)">', nav)


def test_each_role_sees_its_own_navigation_and_a_changed_role_shows_at_once(
    client, admin_user, viewer_user
):
    client.force_login(admin_user)
    admin_nav = _nav(client.get("/t/acme/"))
    viewer = Client()
    viewer.force_login(viewer_user)
    viewer_nav = _nav(viewer.get("/t/acme/"))

    assert "/t/acme/settings/api-keys/" in admin_nav
    assert "/t/acme/settings/audit/" in admin_nav
    assert "/t/acme/settings/api-keys/" not in viewer_nav
    assert set(viewer_nav) < set(admin_nav)

    Membership.objects.filter(user=admin_user).update(role=Role.VIEWER)
    assert _nav(client.get("/t/acme/")) == viewer_nav
    Membership.objects.filter(user=admin_user).update(role=Role.ADMIN)
    assert _nav(client.get("/t/acme/")) == admin_nav


def test_the_switcher_follows_memberships_and_workspace_names(client, admin_user, other_tenant):
    client.force_login(admin_user)
    assert "globex" not in _bar(client.get("/t/acme/"))

    membership = MembershipFactory(tenant=other_tenant, user=admin_user, role=Role.VIEWER)
    bar = _bar(client.get("/t/acme/"))
    assert f'<option value="globex" >{other_tenant.name} (' in bar

    other_tenant.name = "Globex Renamed"
    other_tenant.save()
    assert "Globex Renamed (" in _bar(client.get("/t/acme/"))

    membership.delete()
    assert "globex" not in _bar(client.get("/t/acme/"))


def test_a_changed_user_name_and_language_show_at_once(client, admin_user):
    client.force_login(admin_user)
    ja = _bar(client.get("/t/acme/", HTTP_ACCEPT_LANGUAGE="ja"))
    en = _bar(client.get("/t/acme/", HTTP_ACCEPT_LANGUAGE="en"))
    assert 'aria-label="メイン"' in ja and "ログアウト" in ja
    assert 'aria-label="Main"' in en and "Sign out" in en

    admin_user.full_name = "Hanako Renamed"
    admin_user.save()
    assert '<span class="who">Hanako Renamed</span>' in _bar(client.get("/t/acme/"))


def test_the_csrf_token_and_the_language_forms_path_are_the_requests_own(client, admin_user):
    client.force_login(admin_user)
    first = client.get("/t/acme/")
    second = client.get("/t/acme/journeys/funnel/?x=1&y=<2>")

    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', _bar(first))
    assert len(tokens) == 3 and "\x00" not in _bar(first)
    assert '<input type="hidden" name="next" value="/t/acme/">' in _bar(first)
    assert (
        '<input type="hidden" name="next" value="/t/acme/journeys/funnel/?x=1&amp;y=%3C2%3E">'
        in _bar(second)
    )
    # The token works: switching the language with it is accepted (403 without).
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_user)
    page = strict.get("/t/acme/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _bar(page))[1]
    posted = strict.post(
        "/i18n/setlang/", {"language": "en", "next": "/t/acme/", "csrfmiddlewaretoken": token}
    )
    assert posted.status_code == 302
    assert strict.post("/i18n/setlang/", {"language": "en"}).status_code == 403


def test_a_page_without_a_request_still_renders_the_bar():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")

    assert '<header class="topbar">' in html and "csrfmiddlewaretoken" not in html
