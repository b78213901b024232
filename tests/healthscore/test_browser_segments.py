"""A CSM builds a behaviour segment in the browser, in Japanese and English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cs_platform.scoping import tenant_scope
from tests.browser.conftest import login
from tests.factories import AccountFactory
from tests.healthscore.factories import UsageDailyFactory

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("language", "field_label", "save"),
    [
        ("ja", "イベントがN回以上: イベント", "セグメントを保存"),
        ("en", "Event at least N times: event", "Save segment"),
    ],
)
def test_a_csm_saves_a_segment_of_accounts_that_used_an_event(
    make_page, live_server, csm_user, tenant, language, field_label, save
):
    with tenant_scope(tenant):
        exporter = AccountFactory(name="株式会社エクスポート")
        AccountFactory(name="株式会社サイレント")
        UsageDailyFactory(
            account=exporter,
            event="export",
            day=timezone.localdate() - dt.timedelta(days=1),
            count=6,
        )
    page = make_page(locale="ja-JP" if language == "ja" else "en-US")
    login(page, live_server, csm_user.email)
    page.goto(f"{live_server.url}{reverse('accounts:segments', args=['acme'])}")
    page.fill("input[name=name]", "Exporters")
    label = page.locator("label[for=id_rule_usage_event_count__event]")
    assert field_label in label.inner_text()
    page.fill("input[name=rule_usage_event_count__event]", "export")
    page.fill("input[name=rule_usage_event_count__at_least]", "5")
    page.fill("input[name=rule_usage_event_count__days]", "30")
    page.get_by_role("button", name=save).click()
    page.wait_for_url(lambda url: "/segments/" in url and not url.endswith("/segments/"))
    assert page.get_by_role("link", name="株式会社エクスポート").is_visible()
    assert page.get_by_text("株式会社サイレント").count() == 0
