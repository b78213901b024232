"""A CSM records an NPS answer on Account 360; an admin manages key events. Japanese and
English, in a real browser."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cs_platform.scoping import tenant_scope
from healthscore.models import KeyEvent, SurveyResponse
from tests.browser.conftest import signed_in_page
from tests.factories import AccountFactory, ContactFactory
from tests.healthscore.factories import KeyEventFactory

pytestmark = pytest.mark.browser

TEXT = {
    "ja": {"record": "回答を記録", "add": "追加", "remove": "削除", "trash": "ごみ箱"},
    "en": {"record": "Record answer", "add": "Add", "remove": "Remove", "trash": "trash"},
}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_csm_records_an_nps_answer_on_account_360(
    make_page, live_server, tenant, csm_user, language
):
    with tenant_scope(tenant):
        account = AccountFactory(owner=csm_user)
        contact = ContactFactory(account=account, name="佐藤 花子")
    page = signed_in_page(make_page, live_server, csm_user, language)
    page.goto(reverse("accounts:detail", kwargs={"tenant_slug": "acme", "pk": account.pk}))
    panel = page.get_by_test_id("surveys-panel")
    panel.locator("summary").click()
    form = panel.get_by_test_id("survey-form")
    form.locator("[name=score]").fill("9")
    form.locator("[name=contact]").select_option(str(contact.pk))
    form.locator("[name=comment]").fill("同僚に勧めたい")
    form.get_by_role("button", name=TEXT[language]["record"]).click()
    expect(page.get_by_test_id("survey-responses")).to_contain_text("同僚に勧めたい")
    with tenant_scope(tenant):
        assert SurveyResponse.objects.get(account=account).score == 9


@pytest.mark.parametrize("language", ["ja", "en"])
def test_an_admin_adds_and_removes_a_key_event(
    make_page, live_server, tenant, admin_user, language
):
    text = TEXT[language]
    with tenant_scope(tenant):
        KeyEventFactory(name="report_exported", label="レポート出力")
    page = signed_in_page(make_page, live_server, admin_user, language)
    page.goto(reverse("healthscore:key_events", kwargs={"tenant_slug": "acme"}))
    form = page.get_by_test_id("key-event-form")
    form.locator("[name=name]").fill("card_scanned")
    form.locator("[name=label]").fill("名刺スキャン")
    form.get_by_role("button", name=text["add"]).click()
    expect(page.get_by_test_id("key-events")).to_contain_text("card_scanned")

    row = page.get_by_test_id("key-event").filter(has_text="report_exported")
    confirm = row.get_by_test_id("key-event-delete")
    confirm.locator("summary").click()
    assert text["trash"] in confirm.inner_text()
    confirm.get_by_role("button", name=text["remove"]).click()
    expect(page.get_by_test_id("key-events")).not_to_contain_text("report_exported")
    with tenant_scope(tenant):
        assert list(KeyEvent.objects.values_list("name", flat=True)) == ["card_scanned"]
