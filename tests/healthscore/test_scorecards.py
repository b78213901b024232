"""Scorecard definitions: validation, publishing, versions, defaults."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError

from cs_platform.scoping import tenant_scope
from cs_platform.services import tenant_create
from healthscore.models import HealthSettings, KeyEvent, Scorecard, ScorecardVersion
from healthscore.services.scorecards import (
    default_definition,
    scorecard_create,
    scorecard_definition_validate,
    scorecard_publish,
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
    definition["groups"][0]["weight"] = 50
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
