"""Timeline entries are stored as what happened (kind + data) and worded in the reader's
language: milestones added and their status changes, completed tasks, phase changes, health
alerts and tier changes."""

from __future__ import annotations

import pytest
from django.utils import translation

from cs_platform.scoping import tenant_scope
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


def test_feedback_and_a_meeting_without_agenda_read_in_the_readers_language(scoped):
    from journeys.services import activity_record, feedback_create, meeting_log

    account = AccountFactory()
    with translation.override("ja"):
        feedback_create(account=account, kind="pain_point", quote="CSV が重い")
        meeting_log(account=account, meeting_type="onsite", send_invitations=False)
        meeting_log(account=account, meeting_type="onsite", agenda="四半期レビュー")
        activity_record(  # an entry whose title someone wrote: left as is
            account=account, kind="feedback", title="メモ", body="x", data={"kind": "request"}
        )
    entries = list(Activity.objects.filter(kind__in=["feedback", "meeting"]).order_by("pk"))
    with translation.override("en"):
        assert [activity_title(a) for a in entries] == [
            "Pain point: CSV が重い",
            "Onsite",
            "四半期レビュー",
            "メモ",
        ]
    with translation.override("ja"):
        assert [activity_title(a) for a in entries][:2] == ["ペインポイント: CSV が重い", "訪問"]


def test_the_api_words_the_timeline_in_the_requests_language(tenant, csm_api):
    from tests.journeys.factories import PhaseFactory

    with tenant_scope(tenant), translation.override("ja"):
        account = AccountFactory()
        PhaseFactory(key="contract", order=0, name_ja="契約", name_en="Contract")
        phase = PhaseFactory(key="onboarding", order=1, name_ja="導入", name_en="Onboarding")
        phase_transition(account=account, to_phase=phase, actor=None)
        task_complete(task=task_create(account=account, title="管理者登録"))
    for language, expected in (
        ("en", ["Task completed: 管理者登録", "Phase: Contract → Onboarding"]),
        ("ja", ["タスク完了: 管理者登録", "フェーズ: 契約 → 導入"]),
    ):
        listed = csm_api.get(
            "/api/v1/activities/", {"account": account.pk}, HTTP_ACCEPT_LANGUAGE=language
        ).json()
        rows = listed["results"] if isinstance(listed, dict) else listed
        assert [r["title"] for r in rows] == expected, language
        one = csm_api.get(f"/api/v1/activities/{rows[0]['id']}/", HTTP_ACCEPT_LANGUAGE=language)
        assert one.json()["title"] == expected[0]
