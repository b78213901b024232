"""The dashboard's panels are rendered once per what they show (#16): a repeat view renders
none of them, and anything a panel shows that changes (its data, the language, the workspace
of its links, the time zone of its dates) renders it again on that very view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cs_platform import views
from cs_platform.models import Role
from cs_platform.scoping import tenant_scope
from tests.factories import MembershipFactory
from tests.touchmodel.factories import SeminarFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The panel templates the dashboard renders."""
    rendered: list[str] = []
    real = views.render_to_string

    def counting(template, context=None, *args, **kwargs):
        rendered.append(template)
        return real(template, context, *args, **kwargs)

    monkeypatch.setattr(views, "render_to_string", counting)
    return rendered


def _dashboard(client, slug: str = "acme", language: str = "en") -> str:
    response = client.get(f"/t/{slug}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_a_repeat_view_renders_no_panel(client, manager_user, renders):
    client.force_login(manager_user)
    _dashboard(client)
    assert len(renders) >= 2  # the health and touch panels
    renders.clear()
    _dashboard(client)
    assert renders == []


def test_a_change_to_what_a_panel_shows_shows_on_the_next_view(client, manager_user, tenant):
    client.force_login(manager_user)
    with tenant_scope(tenant):
        seminar = SeminarFactory(
            title_en="Kick-off", starts_at=timezone.now() + dt.timedelta(days=2)
        )
    assert "Kick-off" in _dashboard(client)
    with tenant_scope(tenant):
        seminar.title_en = "Renamed"
        seminar.save()
    page = _dashboard(client)
    assert "Renamed" in page and "Kick-off" not in page


def test_each_language_gets_its_own_panels(client, manager_user):
    client.force_login(manager_user)
    assert "Portfolio health" in _dashboard(client, language="en")
    assert "Portfolio health" not in _dashboard(client, language="ja")


def test_a_panels_dates_follow_the_workspaces_time_zone(client, manager_user, tenant):
    client.force_login(manager_user)
    day = timezone.now() + dt.timedelta(days=2)
    starts = dt.datetime(day.year, day.month, day.day, 3, 0, tzinfo=dt.UTC)
    with tenant_scope(tenant):
        SeminarFactory(title_en="Kick-off", starts_at=starts)
    tenant.timezone = "UTC"
    tenant.save()
    assert f"{starts:%m/%d} 03:00 Kick-off" in _dashboard(client)
    tenant.timezone = "Asia/Tokyo"
    tenant.save()
    assert f"{starts:%m/%d} 12:00 Kick-off" in _dashboard(client)


def test_a_panels_links_follow_the_workspaces_address(client, manager_user, tenant):
    client.force_login(manager_user)
    assert 'href="/t/acme/touchmodel/"' in _dashboard(client)
    tenant.slug = "acme-renamed"
    tenant.save()
    page = _dashboard(client, slug="acme-renamed")
    assert 'href="/t/acme-renamed/touchmodel/"' in page and "/t/acme/" not in page


def _touch_panel(page: str) -> str:
    start = page.index('data-testid="touch-dashboard"')
    return page[start : page.index("</section>", start)]


def test_a_viewer_is_served_the_same_panels_as_a_manager(client, manager_user, tenant, renders):
    """Nothing of the viewer is in a panel: another member's view reads the kept HTML."""
    client.force_login(manager_user)
    kept = _dashboard(client)
    viewer = MembershipFactory(tenant=tenant, role=Role.VIEWER).user
    client.force_login(viewer)
    renders.clear()
    page = _dashboard(client)
    assert renders == []
    assert _touch_panel(page) == _touch_panel(kept)
