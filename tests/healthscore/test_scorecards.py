"""Scorecard definitions: validation, publishing, versions, defaults."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from celery.signals import before_task_publish
from django.core.exceptions import ValidationError

from cs_platform.scoping import tenant_scope
from cs_platform.services import tenant_create
from healthscore.models import HealthSettings, KeyEvent, Scorecard, ScorecardVersion
from healthscore.services.recompute import recompute_job_start
from healthscore.services.scorecards import (
    default_definition,
    scorecard_create,
    scorecard_definition_validate,
    scorecard_publish,
    scorecard_update,
)

pytestmark = pytest.mark.django_db


def errors_of(definition):
    with pytest.raises(ValidationError) as info:
        scorecard_definition_validate(definition=definition)
    return " ".join(info.value.message_dict["definition"])


def test_default_definition_is_valid():
    assert scorecard_definition_validate(definition=default_definition())


def test_top_level_weights_must_sum_to_100():
    definition = default_definition()
    definition["groups"][0]["weight"] += 5
    assert "sum to 100" in errors_of(definition)


def test_weights_inside_a_group_must_sum_to_100():
    definition = default_definition()
    definition["components"][0]["weight"] = 10
    assert "group usage" in errors_of(definition)


def test_unknown_measure_is_refused():
    definition = default_definition()
    definition["components"][0]["measure"] = "vibes"
    assert "unknown measure" in errors_of(definition)


def test_repeated_component_key_is_refused():
    definition = default_definition()
    definition["components"][1]["key"] = definition["components"][0]["key"]
    assert "repeated" in errors_of(definition)


def test_event_count_needs_an_event_name():
    definition = default_definition()
    definition["components"][0]["measure"] = "event_count"
    assert "name the event" in errors_of(definition)


def test_ranges_must_increase():
    definition = default_definition()
    definition["components"][0]["scheme"]["ranges"].reverse()
    assert "must increase" in errors_of(definition)


def test_bands_must_be_ordered():
    definition = default_definition()
    definition["bands"] = {"green": 30, "amber": 60}
    assert "amber < green" in errors_of(definition)


def test_component_in_unknown_group_is_refused():
    definition = default_definition()
    definition["components"][0]["group"] = "nope"
    assert "unknown group" in errors_of(definition)


def test_new_tenant_gets_a_published_default_scorecard(db):
    tenant = tenant_create(name="New", slug="new-co")
    with tenant_scope(tenant):
        card = Scorecard.objects.get(is_default=True)
        assert HealthSettings.objects.exists()
        assert KeyEvent.objects.count() >= 3
        assert card.current_version.number == 1


def test_publishing_creates_a_new_immutable_version(defaults):
    card = Scorecard.objects.get(is_default=True)
    first = card.current_version
    draft = copy.deepcopy(card.draft)
    draft["bands"]["green"] = 80
    card.draft = draft
    card.save()
    second = scorecard_publish(scorecard=card)
    first.refresh_from_db()
    assert second.number == 2
    assert first.definition["bands"]["green"] == 70
    card.refresh_from_db()
    assert card.current_version == second


def test_invalid_draft_cannot_be_published(scoped):
    card = scorecard_create(name="Broken", draft={"components": []})
    with pytest.raises(ValidationError):
        scorecard_publish(scorecard=card)
    assert not ScorecardVersion.objects.filter(scorecard=card).exists()


# --- writes through the named services (the editor page and the API share them) ----------------


def test_scorecard_update_writes_the_assignment_and_a_valid_draft(scoped):
    card = scorecard_create(name="Enterprise")
    draft = default_definition()
    draft["bands"] = {"green": 80, "amber": 50}
    updated = scorecard_update(
        scorecard=card,
        data={"name": "Big", "phase_keys": ("adoption",), "draft": draft, "pk": 999},
    )
    card.refresh_from_db()
    assert (card.name, card.phase_keys, card.draft["bands"]) == (
        "Big",
        ["adoption"],
        {"green": 80, "amber": 50},
    )
    assert updated.pk == card.pk != 999


def test_scorecard_update_refuses_an_invalid_draft_and_saves_nothing(scoped):
    card = scorecard_create(name="Enterprise")
    draft = default_definition()
    draft["groups"][0]["weight"] += 5
    with pytest.raises(ValidationError) as info:
        scorecard_update(scorecard=card, data={"name": "Changed", "draft": draft})
    assert "sum to 100" in " ".join(info.value.message_dict["definition"])
    card.refresh_from_db()
    assert card.name == "Enterprise"
    assert card.draft == default_definition()


def test_recompute_job_start_sends_the_start_task_only_after_commit(
    scoped, django_capture_on_commit_callbacks
):
    sent: list[tuple[str, dict]] = []

    def _record(sender: str, body: Any, **kwargs: Any) -> None:
        sent.append((sender, body[1]))

    before_task_publish.connect(_record, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            job = recompute_job_start(day=dt.date(2026, 4, 1))
            assert sent == []  # nothing leaves before the commit
    finally:
        before_task_publish.disconnect(_record)
    assert len(callbacks) == 1
    assert (job.trigger, job.day) == ("manual", dt.date(2026, 4, 1))
    assert sent == [("healthscore.recompute_start", {"tenant_id": scoped.pk, "job_id": job.pk})]
