"""The journey-progress measure's option "attainment": the share of judged milestones whose
target score was reached, beside the default on-time share (unchanged)."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from healthscore.engine.measures import Spec, spec_of
from healthscore.forms import ComponentForm
from healthscore.selectors.milestones import milestone_attainment_by_account
from healthscore.services.scorecards import default_definition, scorecard_definition_validate
from tests.factories import AccountFactory
from tests.healthscore.factories import HealthScoreFactory
from tests.healthscore.test_recompute import DAY, frame_for
from tests.journeys.factories import MilestoneFactory

pytestmark = pytest.mark.django_db


def _day(offset: int) -> dt.date:
    return DAY + dt.timedelta(days=offset)


@pytest.fixture
def account(scoped):
    account = AccountFactory()
    first = HealthScoreFactory(account=account, day=_day(-30), score=80)
    HealthScoreFactory(account=account, day=_day(-12), score=50, version=first.version)
    # done while the score was 80 (target 70): reached
    MilestoneFactory(
        journey_map__account=account,
        account=account,
        target_score=70,
        status="done",
        completed_on=_day(-20),
        due_date=_day(-15),
    )
    m = MilestoneFactory._meta.model.objects.get(account=account)
    # past due with a score of 50 on its due date (target 60): not reached
    MilestoneFactory(journey_map=m.journey_map, target_score=60, due_date=_day(-10))
    # not due yet: not judged
    MilestoneFactory(journey_map=m.journey_map, target_score=90, due_date=_day(10))
    return account


def test_attainment_is_the_share_of_judged_milestones_that_reached_their_target(account):
    assert milestone_attainment_by_account(as_of=DAY) == {account.pk: 50.0}


def test_the_measure_uses_attainment_only_when_the_component_asks_for_it(scoped, account):
    attainment = spec_of({"measure": "journey_progress", "params": {"basis": "attainment"}})
    on_time = spec_of({"measure": "journey_progress", "params": {}})
    assert on_time == Spec("journey_progress", None)  # today's scorecards are unchanged
    frame = frame_for(scoped, [account], [attainment, on_time])
    assert frame.loc[account.pk, attainment] == 50.0
    assert frame.loc[account.pk, on_time] == 50.0  # 1 of 2 judged was on time
    MilestoneFactory._meta.model.objects.filter(status="done").update(target_score=85)
    assert frame_for(scoped, [account], [attainment]).loc[account.pk, attainment] == 0.0


def test_an_unknown_basis_is_refused(scoped):
    definition = copy.deepcopy(default_definition())
    progress = definition["components"][-1]
    progress["measure"] = "journey_progress"
    progress["params"] = {"basis": "vibes"}
    with pytest.raises(ValidationError) as caught:
        scorecard_definition_validate(definition=definition)
    assert "basis must be on_time or attainment" in str(caught.value)
    progress["params"] = {"basis": "attainment"}
    scorecard_definition_validate(definition=definition)


def test_the_editor_sets_and_clears_the_basis(scoped):
    data = {
        "key": "journey",
        "measure": "journey_progress",
        "weight": 10,
        "scheme": "rag",
        "rag_green": 80,
        "rag_amber": 50,
        "higher_is_better": "on",
        "basis": "attainment",
    }
    form = ComponentForm(data)
    assert form.is_valid(), form.errors
    assert form.component(None)["params"] == {"basis": "attainment"}
    form = ComponentForm({**data, "basis": ""})
    assert form.is_valid(), form.errors
    assert form.component({"params": {"basis": "attainment"}})["params"] == {}
