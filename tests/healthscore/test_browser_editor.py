"""The scorecard editor in a real browser (ja and en): a weight's slider or stepper keeps its
group at 100 and the live preview follows; a range row redraws the step curve; save, preview and
publish through the existing flow; and the same with the keyboard alone."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from cs_platform.scoping import tenant_scope
from healthscore.models import Scorecard
from healthscore.services.recompute import healthscore_recompute
from healthscore.services.scorecards import healthscore_tenant_defaults
from tests.browser.conftest import login
from tests.factories import AccountFactory, ContractFactory

pytestmark = pytest.mark.browser

TEXT = {
    "ja": ("同じアカウント", "行を追加"),
    "en": ("same accounts", "Add a row"),
}


@pytest.fixture
def editing(tenant) -> dict[str, Any]:
    """Three scored accounts on the default scorecard (v1 published); the component indexes."""
    with tenant_scope(tenant):
        healthscore_tenant_defaults(tenant=tenant)
        for i in range(3):
            ContractFactory(
                account=AccountFactory(name=f"株式会社エディタ{i}"),
                renewal_date=timezone.localdate() + dt.timedelta(days=30),
            )
        healthscore_recompute(day=timezone.localdate())
        card = Scorecard.objects.get(is_default=True)
        keys = [c["key"] for c in card.draft["components"]]
    edit = reverse("healthscore:scorecard_edit", kwargs={"tenant_slug": "acme", "pk": card.pk})
    return {"card": card, "tenant": tenant, "url": edit, "index": keys.index}


def _open(make_page, live_server, admin_user, language: str, url: str) -> Any:
    admin_user.language = language
    admin_user.save()
    page = make_page(locale="ja-JP" if language == "ja" else "en-US")
    page.set_default_timeout(30_000)  # the whole scorecard: a long page on a busy machine
    login(page, live_server, admin_user.email)
    page.goto(f"{live_server.url}{url}")
    # The live preview loads with the page (htmx), from the draft as shown.
    page.locator("[data-testid=live-accounts]").wait_for()
    return page


def _group_weights(page, names: list[str]) -> list[int]:
    return [int(page.locator(f"[name={name}]").input_value()) for name in names]


def _published_state(editing) -> tuple[int, dict[str, Any]]:
    with tenant_scope(editing["tenant"]):
        card = Scorecard.objects.get(pk=editing["card"].pk)
        definition = card.current_version.definition
    return card.current_version.number, {c["key"]: c for c in definition["components"]}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_an_admin_moves_a_slider_edits_a_range_and_publishes(
    make_page, live_server, admin_user, editing, language
):
    page = _open(make_page, live_server, admin_user, language, editing["url"])
    basis, add_row = TEXT[language]
    survey, active = editing["index"]("survey"), editing["index"]("active_users")
    relationship = [
        f"components-{editing['index'](k)}-weight" for k in ("relationship", "engagement", "survey")
    ]
    assert page.locator("[data-testid=sum-group-relationship]").inner_text() == "100"
    assert basis in page.locator("[data-testid=live-preview-basis]").inner_text()
    before = page.locator("[data-testid=live-average]").inner_text()

    # The slider of "survey" (30 → 60): the other two share the 40 left, in proportion.
    slider = page.locator(f"#id_components-{survey}-weight").locator(
        "xpath=following-sibling::input[@type='range']"
    )
    assert slider.is_visible()
    with page.expect_response(lambda r: "/editor/preview/" in r.url):
        slider.fill("60")
    assert _group_weights(page, relationship) == [29, 11, 60]
    assert page.locator("[data-testid=sum-group-relationship]").inner_text() == "100"
    # Every account misses a survey (50 points): its larger share lifts the average.
    page.wait_for_function(
        "([sel, old]) => document.querySelector(sel).textContent !== old",
        arg=["[data-testid=live-average]", before],
    )
    assert float(page.locator("[data-testid=live-average]").inner_text()) > float(before)

    # A range row: 30 → 90 points redraws the curve beside the table.
    curve = page.locator(f"#components-{active}-scheme [data-testid=curve-path]")
    drawn = curve.get_attribute("d")
    add = page.locator(f"#components-{active}-scheme [data-testid=add-range]")
    assert add.inner_text() == add_row
    page.fill(f"#id_components-{active}-ranges-2-points", "90")
    page.locator(f"#id_components-{active}-ranges-3-min").focus()  # leaving the cell: change
    page.wait_for_function(
        "([sel, old]) => document.querySelector(sel).getAttribute('d') !== old",
        arg=[f"#components-{active}-scheme [data-testid=curve-path]", drawn],
    )

    page.locator("[data-testid=save-and-preview]").click()
    page.wait_for_url(re.compile(r"/preview/$"))
    page.locator("[data-testid=publish-button]").click()
    page.wait_for_url(re.compile(r"/scorecards/$"))
    number, components = _published_state(editing)
    assert number == 2
    assert components["survey"]["weight"] == 60
    assert components["active_users"]["scheme"]["ranges"][2] == {"min": 30, "points": 90}


def _tab_to(page, selector: str, limit: int = 400) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        if page.evaluate("(sel) => document.activeElement.matches(sel)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def _focus_is_visible(page) -> bool:
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth]; }"
    )
    return style[0] != "none" and float(style[1].rstrip("px") or 0) >= 2


def test_the_editor_works_with_the_keyboard_alone(make_page, live_server, admin_user, editing):
    page = _open(make_page, live_server, admin_user, "en", editing["url"])
    survey, rel = editing["index"]("survey"), editing["index"]("relationship")
    curve = f"#components-{rel}-scheme [data-testid=curve-path]"

    # A group folds from its summary (its fields leave the tab order).
    _tab_to(page, "[data-group=usage] > summary")
    assert _focus_is_visible(page)
    page.keyboard.press("Enter")
    assert page.locator("[data-group=usage]").get_attribute("open") is None

    # A range row, typed; Tab leaves it and the curve is redrawn.
    drawn = page.locator(curve).get_attribute("d")
    _tab_to(page, f"#id_components-{rel}-ranges-2-points")
    assert _focus_is_visible(page)
    page.keyboard.press("Control+A")
    page.keyboard.type("90")
    page.keyboard.press("Tab")
    page.wait_for_function(
        "([sel, old]) => document.querySelector(sel).getAttribute('d') !== old", arg=[curve, drawn]
    )

    # "Add a row": the focus lands in the new row, and stays where the typing goes.
    _tab_to(page, f"#components-{rel}-add-range")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(id) => document.activeElement && document.activeElement.id === id",
        arg=f"id_components-{rel}-ranges-4-min",
    )
    page.keyboard.type("95")
    page.keyboard.press("Tab")
    page.keyboard.type("100")

    # The stepper: ArrowUp five times, the group stays at 100, the preview follows.
    _tab_to(page, f"#id_components-{survey}-weight")
    with page.expect_response(lambda r: "/editor/preview/" in r.url):
        for _ in range(5):
            page.keyboard.press("ArrowUp")
    assert page.locator(f"#id_components-{survey}-weight").input_value() == "35"
    assert page.locator("[data-testid=sum-group-relationship]").inner_text() == "100"

    _tab_to(page, "[data-testid=save-and-preview]")
    assert _focus_is_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/preview/$"))
    _tab_to(page, "[data-testid=publish-button]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/scorecards/$"))
    number, components = _published_state(editing)
    assert number == 2
    assert components["survey"]["weight"] == 35
    assert components["relationship"]["scheme"]["ranges"] == [
        {"min": 0, "points": 0},
        {"min": 30, "points": 40},
        {"min": 60, "points": 90},
        {"min": 90, "points": 100},
        {"min": 95, "points": 100},
    ]
