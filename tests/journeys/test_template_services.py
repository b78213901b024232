"""Services behind the template pages, applying a template, and checklists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from journeys.models import JourneyMap, JourneyTemplate
from journeys.services import (
    journey_map_apply_template,
    journey_template_save,
    milestone_create,
    task_checklist_set_item,
    task_create,
)
from tests.factories import AccountFactory
from tests.journeys.factories import JourneyMapFactory

pytestmark = pytest.mark.django_db


def test_saving_a_template_numbers_its_milestones_in_the_given_order(scoped):
    template = journey_template_save(
        template=None,
        name="標準",
        milestones=[{"title": "A", "target_score": 50}, {"title": "B", "due_after_days": 90}],
    )
    assert list(template.items.values_list("title", "order")) == [("A", 0), ("B", 1)]


def test_saving_a_template_drops_the_milestones_left_out(scoped):
    template = journey_template_save(
        template=None, name="標準", milestones=[{"title": "A"}, {"title": "B"}]
    )
    kept = template.items.get(title="B")
    journey_template_save(
        template=template, name="標準", milestones=[{"id": kept.pk, "title": "B2"}]
    )
    assert list(template.items.values_list("pk", "title")) == [(kept.pk, "B2")]


def test_a_target_score_over_100_is_refused_and_nothing_is_written(scoped):
    with pytest.raises(ValidationError):
        journey_template_save(
            template=None, name="壊れた", milestones=[{"title": "A", "target_score": 101}]
        )
    assert not JourneyTemplate.objects.filter(name="壊れた").exists()


def test_applying_a_template_fills_an_empty_existing_map(scoped):
    account = AccountFactory()
    JourneyMapFactory(account=account)
    template = journey_template_save(
        template=None, name="標準", milestones=[{"title": "A", "due_after_days": 10}]
    )
    journey_map = journey_map_apply_template(
        account=account, template=template, start=dt.date(2026, 4, 1)
    )
    assert JourneyMap.objects.filter(account=account).count() == 1
    assert list(journey_map.milestones.values_list("title", "due_date")) == [
        ("A", dt.date(2026, 4, 11))
    ]


def test_applying_a_template_over_milestones_is_refused(scoped):
    account = AccountFactory()
    milestone_create(account=account, title="既存")
    template = journey_template_save(template=None, name="標準", milestones=[{"title": "A"}])
    with pytest.raises(ValidationError):
        journey_map_apply_template(account=account, template=template)


def test_ticking_a_checklist_item_keeps_the_others(scoped):
    task = task_create(account=AccountFactory(), title="t", checklist=["a", "b"])
    task_checklist_set_item(task=task, index=0, done=True)
    task.refresh_from_db()
    assert task.checklist == [{"text": "a", "done": True}, {"text": "b", "done": False}]


def test_ticking_an_item_that_does_not_exist_is_refused(scoped):
    task = task_create(account=AccountFactory(), title="t", checklist=["a"])
    with pytest.raises(ValidationError):
        task_checklist_set_item(task=task, index=1, done=True)
