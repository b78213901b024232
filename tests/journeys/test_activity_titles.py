"""Timeline entries are stored as what happened (kind + data) and worded in the reader's
language: milestones added and their status changes, completed tasks, phase changes, health
alerts and tier changes."""

from __future__ import annotations

import pytest
from django.utils import translation

from journeys.extensions import activity_title
from journeys.models import Activity, MilestoneStatus
from journeys.services import (
    milestone_create,
    milestone_set_status,
    phase_transition,
    phases_seed_defaults,
    task_complete,
    task_create,
)
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def _titles(language: str) -> list[str]:
    with translation.override(language):
        return [activity_title(a) for a in Activity.objects.order_by("pk")]


def test_milestones_and_completed_tasks_read_in_the_readers_language(scoped):
    account = AccountFactory()
    with translation.override("ja"):  # written by a Japanese session
        milestone = milestone_create(account=account, title="キックオフ")
        milestone_set_status(milestone=milestone, status=MilestoneStatus.DONE, actor=None)
        task_complete(task=task_create(account=account, title="管理者登録"))

    assert _titles("en") == [
        "Milestone added: キックオフ",
        "Milestone キックオフ: Planned → Done",
        "Task completed: 管理者登録",
    ]
    assert _titles("ja")[0] == "マイルストーン追加: キックオフ"
    assert _titles("ja")[2] == "タスク完了: 管理者登録"


def test_a_phase_change_reads_the_phase_names_of_the_readers_language(scoped):
    phases = {p.key: p for p in phases_seed_defaults()}
    account = AccountFactory()
    keys = list(phases)
    phase_transition(account=account, to_phase=phases[keys[1]], actor=None)

    english, japanese = _titles("en")[-1], _titles("ja")[-1]

    assert english == f"Phase: {phases[keys[0]].name_en} → {phases[keys[1]].name_en}"
    assert japanese == f"フェーズ: {phases[keys[0]].name_ja} → {phases[keys[1]].name_ja}"


def test_health_alerts_and_tier_changes_are_worded_when_read(scoped):
    from journeys.services import activity_record

    account = AccountFactory()
    with translation.override("ja"):
        activity_record(
            account=account,
            kind="health_alert",
            title="ヘルスが 20 ポイント下がり 35 に",
            data={"kind": "drop", "score": 35.0, "previous": 55.0},
        )
        activity_record(
            account=account,
            kind="tier_change",
            title="タッチ区分: テックタッチ → ハイタッチ",
            data={"from": "tech", "to": "high", "source": "rule"},
        )

    english = _titles("en")
    assert english[0] == "Health dropped 20 points to 35"
    assert english[1].startswith("Touch tier: ") and "→" in english[1]
    assert "テック" not in english[1]
