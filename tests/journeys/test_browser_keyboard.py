"""The main flows on Account 360 with the keyboard alone (Tab, Enter, Space), in ja and en.

Log a meeting, tick a task, move a phase and edit a milestone: every control is reached with Tab
(never clicked, never focused by script), and each one shows a visible focus indicator when the
keyboard lands on it (WCAG 2.1.1 Keyboard, 2.4.7 Focus Visible).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cs_platform.scoping import tenant_scope
from journeys import services
from journeys.models import Milestone, Task
from tests.browser.conftest import login
from tests.factories import AccountFactory, ContactFactory
from tests.journeys.factories import MilestoneFactory, TaskFactory

pytestmark = pytest.mark.browser

TEXT = {
    "ja": {"onboarding": "導入", "agenda": "キックオフ会議", "title": "新しいマイルストーン名"},
    "en": {"onboarding": "Onboarding", "agenda": "Kick-off meeting", "title": "Renamed milestone"},
}
# How far Tab may have to travel from one control to the next on Account 360.
MAX_TABS = 400
# Whether the focused element draws a focus indicator a user can see: an outline (or a ring)
# at least 2px wide in a colour that is not transparent.
FOCUS_IS_VISIBLE = """el => {
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2
        && style.outlineColor !== "rgba(0, 0, 0, 0)";
    const ring = style.boxShadow !== "none";
    return el === document.activeElement && el.matches(":focus-visible") && (outline || ring);
}"""


def _tab_to(page: Any, target: Any) -> None:
    """Press Tab until `target` has the focus; then its focus must be visible."""
    handle = target.element_handle()
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if handle.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail(f"Tab never reached {target}")
    assert handle.evaluate(FOCUS_IS_VISIBLE), f"no visible focus on {target}"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_main_flows_work_with_the_keyboard_alone(
    make_page, live_server, tenant, csm_user, language
):
    text = TEXT[language]
    with tenant_scope(tenant):
        services.phases_seed_defaults()
        account = AccountFactory(owner=csm_user, name="株式会社キーボード")
        ContactFactory(account=account, name="田中 一郎")
        milestone = MilestoneFactory(journey_map__account=account, title="旧タイトル")
        task = TaskFactory(account=account, assignee=csm_user, title="見積もり送付")
    csm_user.language = language
    csm_user.save()
    page = make_page(locale="ja-JP" if language == "ja" else "en-US")
    login(page, live_server, csm_user.email)
    address = reverse("accounts:detail", kwargs={"tenant_slug": "acme", "pk": account.pk})
    page.goto(address)

    # Move a phase: the select changes with the arrow keys, Enter on the button submits.
    move = page.get_by_test_id("phase-move-form")
    select = move.locator("select")
    _tab_to(page, select)
    options = select.locator("option").all_inner_texts()
    current = select.evaluate("el => el.selectedIndex")
    wanted = options.index(text["onboarding"])
    for _ in range(abs(wanted - current)):
        page.keyboard.press("ArrowDown" if wanted > current else "ArrowUp")
    assert select.evaluate("el => el.options[el.selectedIndex].text") == text["onboarding"]
    _tab_to(page, move.locator("[name=reason]"))
    page.keyboard.type("kick-off")
    _tab_to(page, move.locator("button[type=submit]"))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("current-phase")).to_have_text(text["onboarding"])

    # Tick a task: Space on its Done button.
    task_row = page.get_by_test_id("task").filter(has_text="見積もり送付")
    done = task_row.locator("button[type=submit]").first
    _tab_to(page, done)
    page.keyboard.press("Space")
    expect(page.get_by_test_id("tasks-panel")).not_to_contain_text("見積もり送付")
    with tenant_scope(tenant):
        assert Task.objects.get(pk=task.pk).done_at is not None

    # Edit a milestone: Enter on Edit opens the editor in place, Enter on Save saves.
    _tab_to(page, page.get_by_test_id("milestone-edit").first)
    page.keyboard.press("Enter")
    form = page.get_by_test_id("edit-form")
    title = form.locator("[name=title]")
    _tab_to(page, title)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text["title"])
    _tab_to(page, form.locator("button[type=submit]"))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("journey-map-panel")).to_contain_text(text["title"])
    with tenant_scope(tenant):
        assert Milestone.objects.get(pk=milestone.pk).title == text["title"]

    # Log a meeting: Enter opens the form, Space ticks an attendee, Enter on the button logs it.
    timeline = page.get_by_test_id("timeline-panel")
    _tab_to(page, timeline.locator("summary").first)
    page.keyboard.press("Enter")
    meeting = timeline.get_by_test_id("meeting-form")
    expect(meeting).to_be_visible()  # fetched when the <details> opens
    attendee = meeting.get_by_label("田中 一郎")
    _tab_to(page, attendee)
    page.keyboard.press("Space")
    expect(attendee).to_be_checked()
    _tab_to(page, meeting.locator("[name=agenda]"))
    page.keyboard.type(text["agenda"])
    _tab_to(page, meeting.locator("button[type=submit]"))
    page.keyboard.press("Enter")
    entries = page.get_by_test_id("timeline-panel").get_by_test_id("activity")
    expect(entries.filter(has_text=text["agenda"])).to_have_count(1)
