"""The scorecard editor: ranges tables with per-row errors, the step curve fragment, whole-number
weights, the live preview fragment (admins only), and that nothing is stored from a bad form."""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cs_platform.scoping import tenant_scope
from healthscore.forms import ScorecardEditor, whole_weights
from healthscore.models import Scorecard
from healthscore.scheme_curve import step_curve
from healthscore.services.preview import scorecard_preview
from healthscore.services.recompute import healthscore_recompute
from tests.factories import AccountFactory, ContractFactory
from tests.healthscore.test_views import component_index, editor_post

pytestmark = pytest.mark.django_db


def url(name: str, **kwargs: Any) -> str:
    return reverse(name, kwargs={"tenant_slug": "acme", **kwargs})


@pytest.fixture
def card(defaults) -> Scorecard:
    return Scorecard.objects.get(is_default=True)


@pytest.fixture
def admin(admin_user):
    client = Client()
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _rows(body: str, prefix: str) -> list[str]:
    """The ranges-table rows of one component in a page or fragment."""
    scheme = body.split(f'id="{prefix}-scheme"')[1].split('data-testid="scheme-curve"')[0]
    return re.findall(r'<tr data-testid="range-row".*?</tr>', scheme, flags=re.S)


def _curve(body: str, prefix: str) -> str:
    scheme = body.split(f'id="{prefix}-scheme"')[1]
    return re.search(r'<path d="([^"]+)"[^>]*data-testid="curve-path"', scheme).group(1)


# --- the page -------------------------------------------------------------------------------


def test_the_editor_puts_each_group_with_its_components_in_a_details(admin, card):
    body = admin.get(url("healthscore:scorecard_edit", pk=card.pk)).content.decode()
    sections = re.findall(
        r'<details class="editor-group" open data-testid="group-section" '
        r'data-group="(\w*)">(.*?)</details>',
        body,
        flags=re.S,
    )
    keys = {
        key: re.findall(r'data-testid="component-row" data-key="(\w+)"', inner)
        for key, inner in sections
    }
    draft = card.draft["components"]
    assert keys == {
        group: [c["key"] for c in draft if (c.get("group") or "") == group]
        for group in ("usage", "relationship", "")
    }
    assert keys["usage"] == ["active_users", "active_days", "breadth", "trend"]
    assert re.search(r'data-testid="sum-top">100<', body)
    assert re.search(r'data-testid="sum-group-usage">100<', body)
    # A stepper per weight (step 1), its slider for JavaScript, the curve drawn on the server.
    # Groups, components, and the empty rows for a new group and a new component.
    assert body.count("data-weight-slider") == 2 + len(draft) + 2
    active = component_index(card, "active_users")
    assert [
        re.findall(r'value="([\d.]+)"', row) for row in _rows(body, f"components-{active}")
    ] == [["0", "0"], ["10", "30"], ["30", "60"], ["50", "80"], ["70", "100"]]
    assert _curve(body, f"components-{active}").startswith("M")
    # Behaviour comes from static files and htmx attributes only (a CSP is coming).
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body.split("<main>")[1])
    assert 'hx-post="' + url("healthscore:scorecard_live_preview", pk=card.pk) in body


def test_the_labels_of_the_page_are_japanese_for_a_japanese_admin(admin_user, card):
    client = Client()
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    body = client.get(url("healthscore:scorecard_edit", pk=card.pk)).content.decode()
    assert "行を追加" in body and "編集中のプレビュー" in body


def test_fractional_weights_are_shown_as_whole_numbers_with_the_same_sum(admin, card):
    draft = copy.deepcopy(card.draft)
    weights = [33.4, 33.3, 33.3]
    for comp, weight in zip(draft["components"][4:7], weights, strict=True):
        comp["weight"] = weight  # the relationship group, as an adopted suggestion writes it
    Scorecard.objects.filter(pk=card.pk).update(draft=draft)
    card.refresh_from_db()
    editor = ScorecardEditor(card)
    assert [f["weight"].value() for f in editor.components.forms[4:7]] == [34, 33, 33]
    body = admin.get(url("healthscore:scorecard_edit", pk=card.pk)).content.decode()
    assert 'data-testid="weights-rounded"' in body


def test_whole_weights_keep_the_total_and_break_ties_to_the_earlier():
    assert whole_weights([50.5, 49.5]) == [51, 49]
    assert whole_weights([100 / 3] * 3) == [34, 33, 33]
    assert whole_weights([12.25, 12.25, 75.5]) == [12, 12, 76]
    assert whole_weights([]) == []


def test_a_fraction_typed_as_a_weight_is_refused(admin, card):
    index = component_index(card, "renewal")
    data = editor_post(card, **{f"components-{index}-weight": "15.5"})
    response = admin.post(url("healthscore:scorecard_edit", pk=card.pk), data)
    assert response.status_code == 400
    assert "Use a whole number from 0 to 100." in response.content.decode()


# --- ranges and thresholds ------------------------------------------------------------------


def test_bad_range_rows_get_their_own_errors_and_nothing_is_stored(admin, card):
    before = copy.deepcopy(card.draft)
    i = component_index(card, "active_users")
    data = editor_post(
        card,
        **{
            f"components-{i}-ranges-2-min": "5",  # below the row before (10)
            f"components-{i}-ranges-3-points": "120",
            f"components-{i}-ranges-4-points": "",  # a value without its points
            "card-name": "変えた名前",
        },
    )
    response = admin.post(url("healthscore:scorecard_edit", pk=card.pk), data)
    assert response.status_code == 400
    rows = _rows(response.content.decode(), f"components-{i}")
    assert "errorlist" not in rows[0] + rows[1]
    assert "Must be above the row before (10): values go up row by row." in rows[2]
    assert "Points must be 0–100." in rows[3]
    assert "Give both the value and its points, or leave the row empty." in rows[4]
    card.refresh_from_db()
    assert card.draft == before and card.name != "変えた名前"


def test_rows_are_edited_removed_and_added_in_the_table(admin, card):
    i = component_index(card, "active_users")
    data = editor_post(
        card,
        **{
            f"components-{i}-ranges-1-points": "25",
            f"components-{i}-ranges-3-DELETE": "on",
            f"components-{i}-ranges-TOTAL_FORMS": "6",  # one more row, as "Add a row" makes
            f"components-{i}-ranges-5-min": "90",
            f"components-{i}-ranges-5-points": "100",
            f"components-{i}-ranges-4-points": "95",
        },
    )
    response = admin.post(url("healthscore:scorecard_edit", pk=card.pk), data)
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.draft["components"][i]["scheme"]["ranges"] == [
        {"min": 0, "points": 0},
        {"min": 10, "points": 25},
        {"min": 30, "points": 60},
        {"min": 70, "points": 95},
        {"min": 90, "points": 100},
    ]


def test_a_ranges_component_needs_one_row(admin, card):
    i = component_index(card, "breadth")
    rows = {f"components-{i}-ranges-{r}-DELETE": "on" for r in range(4)}
    response = admin.post(url("healthscore:scorecard_edit", pk=card.pk), editor_post(card, **rows))
    assert response.status_code == 400
    assert "Give at least one range." in response.content.decode()


def test_add_a_row_without_javascript_shows_the_page_again_with_one_more(admin, card):
    before = copy.deepcopy(card.draft)
    i = component_index(card, "breadth")
    data = editor_post(card, add_range=f"components-{i}")
    response = admin.post(url("healthscore:scorecard_edit", pk=card.pk), data)
    assert response.status_code == 200
    rows = _rows(response.content.decode(), f"components-{i}")
    assert len(rows) == 5 and re.search(r"\sautofocus[\s>]", rows[4])
    card.refresh_from_db()
    assert card.draft == before


def test_thresholds_in_the_wrong_order_are_refused_on_the_amber_row(admin, card):
    i = component_index(card, "renewal")  # rag, higher is better: green 120, amber 45
    data = editor_post(card, **{f"components-{i}-rag_amber": "150"})
    response = admin.post(url("healthscore:scorecard_edit", pk=card.pk), data)
    assert response.status_code == 400
    assert (
        "Higher is better: amber must start at or below green (120)." in response.content.decode()
    )


def test_the_scheme_fragment_redraws_the_curve_from_the_table(admin, card):
    i = component_index(card, "active_users")
    endpoint = url("healthscore:scorecard_scheme", pk=card.pk)
    same = admin.post(endpoint, editor_post(card, component=f"components-{i}"))
    changed = admin.post(
        endpoint,
        editor_post(card, component=f"components-{i}", **{f"components-{i}-ranges-2-points": "90"}),
    )
    assert same.status_code == changed.status_code == 200
    body = changed.content.decode()
    assert body.lstrip().startswith('<div class="editor-scheme"') and "<html" not in body
    assert _curve(body, f"components-{i}") != _curve(same.content.decode(), f"components-{i}")
    assert "from 30: 90 points" in body  # the curve's text alternative

    bad = admin.post(
        endpoint,
        editor_post(card, component=f"components-{i}", **{f"components-{i}-ranges-2-min": "1"}),
    )
    assert "Must be above the row before (10)" in _rows(bad.content.decode(), f"components-{i}")[2]

    added = admin.post(
        endpoint, editor_post(card, component=f"components-{i}", add_range=f"components-{i}")
    )
    rows = _rows(added.content.decode(), f"components-{i}")
    assert len(rows) == 6 and "data-autofocus" in rows[5] and "autofocus" not in "".join(rows[:5])
    assert admin.post(endpoint, editor_post(card, component="components-99")).status_code == 400


def test_the_step_curve_follows_the_scoring_rules():
    ranges = step_curve(
        {"type": "ranges", "ranges": [{"min": 0, "points": 0}, {"min": 10, "points": 50}]}
    )
    # Below the first row: 0 points; then a step up at 10.
    assert ranges["path"].count("V") == 2 and "below 0: 0 points" in ranges["description"]
    rag = step_curve({"type": "rag", "green": 5, "amber": 10, "higher_is_better": False})
    assert "below 5: 100 points" in rag["description"] and "from 10: 0 points" in rag["description"]
    assert step_curve({"type": "ranges", "ranges": []}) is None


# --- the live preview -----------------------------------------------------------------------


@pytest.fixture
def scored(defaults):
    today = timezone.localdate()
    for i in range(3):
        ContractFactory(
            account=AccountFactory(name=f"株式会社ライブ{i}"),
            renewal_date=today + dt.timedelta(days=20),
        )
    healthscore_recompute(day=today)
    return defaults


def test_the_live_preview_scores_the_unsaved_edit_like_the_preview(admin, scored, card):
    before = copy.deepcopy(card.draft)
    data = editor_post(card, **{"bands-green": "1", "bands-amber": "0.5"})  # everyone green
    response = admin.post(url("healthscore:scorecard_live_preview", pk=card.pk), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    draft = copy.deepcopy(before)
    draft["bands"] = {"green": 1, "amber": 0.5}
    with tenant_scope(scored):
        expected = scorecard_preview(scorecard=card, definition=draft)
    assert expected["band_changes"] > 0
    assert re.search(rf'data-testid="live-band-changes">{expected["band_changes"]}<', body)
    assert re.search(r'data-testid="live-accounts">3<', body)
    assert re.search(
        r'<tr data-band="green"><th scope="row">[^<]+</th><td class="health-num">3<', body
    )
    card.refresh_from_db()
    assert card.draft == before


def test_the_live_preview_of_an_invalid_edit_says_what_is_wrong(admin, card):
    index = component_index(card, "renewal")
    data = editor_post(card, **{f"components-{index}-weight": "30"})
    response = admin.post(url("healthscore:scorecard_live_preview", pk=card.pk), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="live-preview-errors"' in body and "115" in body


def test_the_live_preview_refuses_a_post_without_the_form(admin, card):
    response = admin.post(
        url("healthscore:scorecard_live_preview", pk=card.pk), {"bands-green": "1"}
    )
    assert response.status_code == 400
    assert admin.get(url("healthscore:scorecard_live_preview", pk=card.pk)).status_code == 405


@pytest.mark.parametrize("role_user", ["manager_user", "csm_user", "viewer_user"])
def test_only_admins_use_the_editor_fragments(request, role_user, card):
    client = Client()
    client.force_login(request.getfixturevalue(role_user))
    data = editor_post(card, component="components-0")
    assert (
        client.post(url("healthscore:scorecard_live_preview", pk=card.pk), data).status_code == 403
    )
    assert client.post(url("healthscore:scorecard_scheme", pk=card.pk), data).status_code == 403
