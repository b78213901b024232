"""The success plan in a real browser, in Japanese and English: a customer ticks and comments a
step of their plan (htmx swaps the step in place); a CSM shares a step and previews the page."""

from __future__ import annotations

import pytest

from content import services
from journeys.models import ActionStep, Activity, ActivityKind
from journeys.services import success_plan_share_set
from tests.browser.conftest import login
from tests.factories import ContactFactory
from tests.journeys.factories import ActionStepFactory, MilestoneFactory

pytestmark = pytest.mark.browser

LOCALES = {"ja": "ja-JP", "en": "en-US"}
WORDS = {
    "ja": {"target": "目標ヘルススコア: 70", "done": "完了", "shared": "顧客に共有中"},
    "en": {
        "target": "Target health score: 70",
        "done": "Done",
        "shared": "Shared with the customer",
    },
}


@pytest.fixture
def step(scoped):
    milestone = MilestoneFactory(title="全社で名刺を共有", target_score=70)
    contact = ContactFactory(account=milestone.account, name="山田 花子")
    step = ActionStepFactory(
        milestone=milestone, description="名刺を100枚スキャン", owner_contact=contact
    )
    for item in (milestone.journey_map, milestone, step):
        success_plan_share_set(item=item, shared=True)
    return step


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_customer_ticks_and_comments_their_step(make_page, live_server, step, language):
    page = make_page(locale=LOCALES[language])
    page.goto(f"{live_server.url}{services.reader_link_path(contact=step.owner_contact)}")
    page.locator("[data-testid=plan-link]").click()
    assert page.locator("html").get_attribute("lang") == language
    assert WORDS[language]["target"] in page.locator("[data-testid=plan-target]").inner_text()

    page.locator("[data-testid=plan-step-done]").click()
    done = page.locator("[data-testid=plan-step-done][aria-pressed=true]")
    done.wait_for()
    assert WORDS[language]["done"] in done.inner_text()
    page.locator("[data-testid=plan-step] textarea").fill("スキャンしました")
    page.locator("[data-testid=plan-comment-submit]").click()
    page.locator("[data-testid=plan-comments]").wait_for()
    assert "スキャンしました" in page.locator("[data-testid=plan-comments]").inner_text()

    assert ActionStep.objects.get(pk=step.pk).done
    assert Activity.objects.filter(kind=ActivityKind.SUCCESS_PLAN).count() == 2


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_csm_shares_a_step_and_previews_the_plan(
    make_page, live_server, step, csm_user, language
):
    hidden = ActionStepFactory(milestone=step.milestone, description="導入研修の日程を決める")
    page = make_page(locale=LOCALES[language])
    login(page, live_server, csm_user.email)
    page.goto(
        f"{live_server.url}/t/acme/accounts/{step.milestone.account_id}/",
        wait_until="domcontentloaded",
    )

    toggle = page.locator("#journey-map [data-testid=share-step] >> nth=1")
    toggle.locator("button").click()
    page.locator(
        "#journey-map [data-testid=share-step] button[aria-pressed=true] >> nth=1"
    ).wait_for()
    assert WORDS[language]["shared"] in toggle.inner_text()
    assert ActionStep.objects.get(pk=hidden.pk).shared_with_customer

    page.locator("[data-testid=plan-preview-link]").click()
    page.locator("[data-testid=plan-preview]").wait_for()
    assert "導入研修の日程を決める" in page.locator("main").inner_text()
    assert page.locator("html").get_attribute("lang") == language
