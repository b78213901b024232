"""Account 360's journey map, timeline and tasks are kept as HTML per account under the
account's version (issue #16): a repeat view skips their reads, and each kind of write
that changes what they show is on the page at the next view, users' names and memberships
included (cs_platform 0011, journeys 0015, accounts 0016)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Contact
from cs_platform.models import Membership, Role, User
from cs_platform.scoping import tenant_scope
from cs_platform.services import membership_set
from healthscore.models import HealthScoreNow
from journeys import services as journey_services
from journeys.models import (
    ActionStep,
    Activity,
    JourneyMap,
    Milestone,
    Phase,
    PhaseTransition,
    Task,
)
from journeys.services.phases import phase_transition
from tests.factories import AccountFactory, ContactFactory, UserFactory
from tests.healthscore.factories import HealthScoreFactory, ScorecardVersionFactory
from tests.journeys.factories import (
    ActionStepFactory,
    ActivityFactory,
    JourneyMapFactory,
    MilestoneFactory,
    PhaseFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def seen(tenant, manager_user):
    """An account with a journey map, a step owned by a member and one by a contact, a task
    assigned to the member and a timeline entry written by them, viewed once."""
    with tenant_scope(tenant):
        member = UserFactory(full_name="佐藤 花子")
        membership_set(tenant=tenant, user=member, role=Role.CSM)
        account = AccountFactory(owner=manager_user)
        contact = ContactFactory(account=account, name="鈴木 一郎")
        milestone = MilestoneFactory(
            journey_map=JourneyMapFactory(account=account),
            title="初回ダッシュボード",
            status="in_progress",
            target_score=60,
            due_date=timezone.localdate() + dt.timedelta(days=10),
        )
        ActionStepFactory(milestone=milestone, description="手順A", owner_user=member)
        ActionStepFactory(milestone=milestone, description="手順B", owner_contact=contact)
        TaskFactory(account=account, title="電話する", assignee=member)
        ActivityFactory(account=account, title="最初のメモ", actor=member)
        version = ScorecardVersionFactory()
        HealthScoreFactory(account=account, version=version, day=timezone.localdate(), score=71)
    client = Client()
    client.force_login(manager_user)
    state = {"client": client, "account": account, "member": member, "contact": contact}
    state.update(milestone=milestone, version=version)
    view(state)
    return state


def view(state, language: str = "ja") -> str:
    url = reverse("accounts:detail", kwargs={"tenant_slug": "acme", "pk": state["account"].pk})
    response = state["client"].get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def panel(body: str, testid: str) -> str:
    start = body.index(f'data-testid="{testid}"')
    return body[start : body.index("</section>", start)]


def journey_map(state) -> str:
    return panel(view(state), "journey-map-panel")


def tasks(state) -> str:
    return panel(view(state), "tasks-panel")


def timeline(state) -> str:
    return panel(view(state), "timeline-panel")


# What a view that builds the journeys panels sends: their one call (journeys 0018), or the
# tables it reads should a panel read one of its own again.
JOURNEYS_PANEL_READS = (
    "junkan_journeys_account_panels(",
    "journeys_task",
    "journeys_activity",
    "journeys_journeymap",
)


def _without_tokens(body: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def test_a_repeat_view_serves_the_kept_panels_unchanged_without_their_reads(seen):
    cache.clear()
    with CaptureQueriesContext(connection) as first:
        before = view(seen)
    with CaptureQueriesContext(connection) as again:
        after = view(seen)
    assert _without_tokens(after) == _without_tokens(before)
    assert JOURNEYS_PANEL_READS[0] in " ".join(q["sql"] for q in first)  # the needle is real
    read = " ".join(q["sql"] for q in again)
    for read_of in JOURNEYS_PANEL_READS:
        assert read_of not in read, read_of
    # The map, its steps, the tasks, the staff list and the timeline; the work version read.
    assert len(again) <= len(first) - 4, [q["sql"][:80] for q in again]


def test_milestones_and_steps_show_at_once(tenant, seen):
    with tenant_scope(tenant):
        Milestone.objects.filter(pk=seen["milestone"].pk).update(title="二回目の定着")
    assert "二回目の定着" in journey_map(seen)
    with tenant_scope(tenant):
        ActionStepFactory(milestone=seen["milestone"], description="手順C")
    assert "手順C" in journey_map(seen)
    with tenant_scope(tenant):
        ActionStep.objects.filter(description="手順A").update(done=True)
    assert '<li class="done">' in journey_map(seen)
    with tenant_scope(tenant):
        ActionStep.objects.filter(description="手順C").delete()
    assert "手順C" not in journey_map(seen)
    with tenant_scope(tenant):
        JourneyMap.objects.update(shared_with_customer=True)
    assert 'aria-pressed="true"' in panel(view(seen), "share-map-line")


def test_tasks_show_at_once(tenant, seen):
    with tenant_scope(tenant):
        TaskFactory(account=seen["account"], title="見積もりを送る")
    assert "見積もりを送る" in tasks(seen)
    with tenant_scope(tenant):
        Task.objects.filter(title="電話する").update(status="done")
    assert "電話する" not in tasks(seen)


def test_a_write_to_one_account_keeps_every_other_accounts_panels(tenant, manager_user, seen):
    """Keyed by the account's version (cs_platform 0012), not the tenant's work version: a
    ticked task or a note on another account leaves this one's kept panels; its own shows."""
    with tenant_scope(tenant):
        other = AccountFactory(owner=manager_user)
        TaskFactory(account=other, title="別の会社の電話")
    elsewhere = {**seen, "account": other}
    view(seen)  # kept again: the new account moved the data version
    view(elsewhere)
    with tenant_scope(tenant):
        Task.objects.filter(title="別の会社の電話").update(status="done")
        journey_services.touch_log(account=other, kind="note", title="別件", actor=manager_user)
    with CaptureQueriesContext(connection) as kept:
        view(seen)
    read = " ".join(q["sql"] for q in kept)
    for read_of in JOURNEYS_PANEL_READS:
        assert read_of not in read, read_of
    body = view(elsewhere)
    assert "別の会社の電話" not in panel(body, "tasks-panel")
    assert "別件" in panel(body, "timeline-panel")


def test_timeline_entries_and_meetings_show_at_once(tenant, manager_user, seen):
    with tenant_scope(tenant):
        journey_services.touch_log(
            account=seen["account"], kind="note", title="電話で確認", actor=manager_user
        )
    assert "電話で確認" in timeline(seen)
    with tenant_scope(tenant):
        meeting = journey_services.meeting_log(
            account=seen["account"], agenda="四半期レビュー", logged_by=manager_user
        )
    assert "四半期レビュー" in timeline(seen)
    with tenant_scope(tenant):
        journey_services.meeting_update(
            meeting=meeting,
            occurred_at=meeting.occurred_at,
            meeting_type=meeting.meeting_type,
            agenda="年次レビュー",
        )
    assert "年次レビュー" in timeline(seen)
    with tenant_scope(tenant):
        Activity.objects.filter(title="最初のメモ").delete()
    assert "最初のメモ" not in timeline(seen)


def test_a_renamed_member_shows_at_once_everywhere_they_are_named(tenant, seen):
    body = view(seen)
    assert all("佐藤 花子" in panel(body, p) for p in ("journey-map-panel", "tasks-panel"))
    assert "佐藤 花子" in panel(body, "timeline-panel")
    # As on their own profile: no tenant in scope (row-level security lets the bump through).
    User.objects.filter(pk=seen["member"].pk).update(full_name="高橋 花子")
    body = view(seen)
    for testid in ("journey-map-panel", "tasks-panel", "timeline-panel"):
        assert "高橋 花子" in panel(body, testid) and "佐藤 花子" not in panel(body, testid)
    User.objects.filter(pk=seen["member"].pk).update(full_name="", email="hanako@example.jp")
    assert "hanako@example.jp" in tasks(seen)


def test_a_member_of_another_tenant_renamed_leaves_this_tenants_panels_kept(
    tenant, other_tenant, seen
):
    stranger = UserFactory(full_name="他社 太郎")
    membership_set(tenant=other_tenant, user=stranger, role=Role.CSM)
    view(seen)
    with CaptureQueriesContext(connection) as kept:
        view(seen)
    User.objects.filter(pk=stranger.pk).update(full_name="他社 次郎")
    with CaptureQueriesContext(connection) as after:
        view(seen)
    assert len(after) == len(kept)


def test_who_joins_or_leaves_the_workspace_shows_in_the_task_form_at_once(tenant, seen):
    newcomer = UserFactory(full_name="新人 次郎")
    assert "新人 次郎" not in tasks(seen)
    membership_set(tenant=tenant, user=newcomer, role=Role.CSM)
    assert "新人 次郎" in tasks(seen)
    Membership.objects.filter(user=newcomer).delete()
    assert "新人 次郎" not in tasks(seen)


def test_a_renamed_contact_shows_at_once(tenant, seen):
    assert "鈴木 一郎" in journey_map(seen)
    with tenant_scope(tenant):
        Contact.objects.filter(pk=seen["contact"].pk).update(name="鈴木 次郎")
    assert "鈴木 次郎" in journey_map(seen)


def test_an_intra_day_score_judges_the_milestones_at_once(tenant, seen):
    assert 'data-state="on_track"' in journey_map(seen)  # 71 >= 60
    with tenant_scope(tenant):
        HealthScoreNow.objects.create(
            account=seen["account"],
            day=timezone.localdate() + dt.timedelta(days=1),
            version=seen["version"],
            score=40,
            band="red",
        )
    assert 'data-state="at_risk"' in journey_map(seen)


def test_japanese_and_english_are_kept_apart(seen):
    ja, en = view(seen, "ja"), view(seen, "en")
    assert "未完了のタスク" in ja or "タスク" in panel(ja, "tasks-panel")
    assert "Open tasks" in panel(en, "tasks-panel")
    assert "Open tasks" not in panel(view(seen, "ja"), "tasks-panel")
    assert "Journey map" in panel(view(seen, "en"), "journey-map-panel")


def test_each_viewer_gets_the_task_form_with_themselves_as_assignee(tenant, seen):
    client = Client()
    client.force_login(seen["member"])
    url = reverse("accounts:detail", kwargs={"tenant_slug": "acme", "pk": seen["account"].pk})
    body = panel(client.get(url).content.decode(), "tasks-panel")
    assert f'<option value="{seen["member"].pk}" selected>' in body


def phase_history(state, language: str = "ja") -> str:
    return panel(view(state, language), "phase-history-panel")


def test_the_phase_history_is_kept_and_each_change_to_it_shows_at_once(tenant, seen):
    """The phase history panel is kept too (issue #16): a move, a renamed phase, a renamed
    member who moved the account, an edited or deleted transition show at the next view, in
    Japanese and in English."""
    with tenant_scope(tenant):
        # The first phase: where an account without a phase row is, the move's "from".
        PhaseFactory(key="onb", name_ja="導入期", name_en="Onboarding", order=1)
        adoption = PhaseFactory(key="adp", name_ja="定着期", name_en="Adoption", order=2)
    assert "導入期" not in phase_history(seen)
    with CaptureQueriesContext(connection) as again:
        phase_history(seen)
    assert "journeys_phasetransition" not in " ".join(q["sql"] for q in again)
    with tenant_scope(tenant):
        phase_transition(
            account=seen["account"], to_phase=adoption, actor=seen["member"], reason="合意"
        )
    assert "導入期 → <strong>定着期" in phase_history(seen)
    assert "佐藤 花子" in phase_history(seen)
    assert "Adoption" in phase_history(seen, "en")
    with tenant_scope(tenant):
        Phase.objects.filter(pk=adoption.pk).update(name_ja="活用期")
    assert "活用期" in phase_history(seen)
    seen["member"].full_name = "佐藤 花"
    seen["member"].save(update_fields=["full_name"])
    assert "佐藤 花<" in phase_history(seen)
    with tenant_scope(tenant):
        PhaseTransition.objects.filter(account=seen["account"]).update(reason="見直し")
    assert "見直し" in phase_history(seen)
    with tenant_scope(tenant):
        PhaseTransition.objects.filter(account=seen["account"]).delete()
    assert "活用期" not in phase_history(seen)
