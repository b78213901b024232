"""The editor's live preview at scale: the accounts and their measures are read once per data
version and draft inputs (the next edit only scores, the same draft is one cache read), a write
in the tenant reads them again, a large tenant is sampled and says so, and a request overtaken
by a newer one from the same editor stops and draws nothing."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from cs_platform.scoping import tenant_scope
from healthscore.services import preview as preview_service
from healthscore.services.preview import preview_turn, scorecard_preview
from tests.factories import AccountFactory
from tests.healthscore import test_editor
from tests.healthscore.test_views import editor_post

pytestmark = pytest.mark.django_db

# The editor's fixtures: an admin's client, the default scorecard, three accounts scored today.
admin, card, scored, url = test_editor.admin, test_editor.card, test_editor.scored, test_editor.url


@pytest.fixture
def reads(monkeypatch) -> list[set]:
    """The specs of every measure read the preview makes (the engine's SQL runs as usual)."""
    calls: list[set] = []
    real = preview_service.measure_frame

    def spy(**kwargs: Any):
        calls.append(set(kwargs["specs"]))
        return real(**kwargs)

    monkeypatch.setattr(preview_service, "measure_frame", spy)
    return calls


def _weights_moved(card, step: int) -> dict:
    """The draft with `step` points of weight moved from active users to active days."""
    draft = copy.deepcopy(card.draft)
    weights = {c["key"]: c for c in draft["components"]}
    weights["active_users"]["weight"] -= step
    weights["active_days"]["weight"] += step
    return draft


def test_the_next_edit_only_scores_and_the_same_draft_is_not_scored_again(scored, card, reads):
    first = scorecard_preview(scorecard=card, definition=_weights_moved(card, 1))
    assert reads and first["accounts"] == 3
    read_once = len(reads)
    assert scorecard_preview(scorecard=card, definition=_weights_moved(card, 1)) == first
    everyone_green = _weights_moved(card, 5)
    everyone_green["bands"] = {"green": 1, "amber": 0.5}
    edited = scorecard_preview(scorecard=card, definition=everyone_green)
    assert len(reads) == read_once  # the measures came from the cache
    assert edited["distribution"]["green"] == 3 != first["distribution"]["green"]
    with_new_measure = copy.deepcopy(card.draft)
    with_new_measure["components"].append(
        {
            "key": "logins",
            "label": "Logins",
            "measure": "event_count",
            "params": {"event": "login", "days": 60},
            "group": None,
            "weight": 0,
            "scheme": {"type": "ranges", "ranges": [{"min": 0, "points": 0}]},
        }
    )
    scorecard_preview(scorecard=card, definition=with_new_measure)
    assert len(reads) == read_once + 1 and len(reads[-1]) == 1  # only the new measure


def test_a_write_in_the_tenant_reads_again_and_another_tenants_write_does_not(
    scored, card, reads, other_tenant
):
    draft = _weights_moved(card, 1)
    assert scorecard_preview(scorecard=card, definition=draft)["accounts"] == 3
    read_once = len(reads)
    with tenant_scope(other_tenant):
        AccountFactory()
    assert scorecard_preview(scorecard=card, definition=draft)["accounts"] == 3
    assert len(reads) == read_once
    AccountFactory(name="株式会社あたらしい")
    assert scorecard_preview(scorecard=card, definition=draft)["accounts"] == 4
    assert len(reads) > read_once


def test_the_live_preview_of_a_large_tenant_is_a_sample_that_says_so(admin, scored, card, settings):
    settings.HEALTH_PREVIEW_SAMPLE = 2
    response = admin.post(url("healthscore:scorecard_live_preview", pk=card.pk), editor_post(card))
    body = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'data-testid="live-accounts">3<', body)
    sample = re.search(r'data-testid="live-preview-sample">([^<]+)<', body).group(1)
    assert "2 of the 3 accounts" in sample and "exact figures" in sample
    bands = [
        int(n) for n in re.findall(r'<td class="health-num">(\d+)</td><td class="editor-bar', body)
    ]
    assert sum(bands) in (2, 3, 4)  # 2 accounts read, each counting for 1.5
    exact = scorecard_preview(scorecard=card)  # the preview page after saving: all of them
    assert exact["sample"] is None and sum(exact["distribution"].values()) == 3


def test_a_request_overtaken_by_a_newer_one_stops_and_draws_nothing(
    admin, admin_user, scored, card, reads, settings
):
    settings.HEALTH_RECOMPUTE_CHUNK_SIZE = 1  # three chunks: a turn is checked between them
    real_spy = preview_service.measure_frame

    def newer_request_arrives(**kwargs: Any):
        preview_turn(user_id=admin_user.pk, scorecard_id=card.pk)  # the next edit's request
        return real_spy(**kwargs)

    preview_service.measure_frame = newer_request_arrives
    try:
        response = admin.post(
            url("healthscore:scorecard_live_preview", pk=card.pk), editor_post(card)
        )
    finally:
        preview_service.measure_frame = real_spy
    assert response.status_code == 204 and response.content == b""
    assert len(reads) == 1  # the first chunk only
    response = admin.post(url("healthscore:scorecard_live_preview", pk=card.pk), editor_post(card))
    assert (
        response.status_code == 200
        and 'data-testid="live-accounts">3<' in response.content.decode()
    )


def test_the_editor_drops_a_stale_preview_request_in_the_browser(admin, card):
    body = admin.get(url("healthscore:scorecard_edit", pk=card.pk)).content.decode()
    tag = re.search(r'<aside[^>]*id="live-preview"[^>]*>', body).group(0)
    assert 'hx-sync="this:replace"' in tag
