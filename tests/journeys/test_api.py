from __future__ import annotations

import pytest

from cs_platform.models import ApiKeyScope
from cs_platform.scoping import tenant_scope
from journeys.models import (
    AccountPhase,
    Activity,
    ActivityKind,
    Meeting,
    Milestone,
    MilestoneStatus,
    Task,
    TaskStatus,
)
from journeys.services import phases_seed_defaults
from tests.conftest import api_key_client
from tests.factories import AccountFactory, ContactFactory, UserFactory
from tests.journeys.factories import (
    ActionStepFactory,
    ActivityFactory,
    FeedbackItemFactory,
    MilestoneFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def phases(tenant):
    with tenant_scope(tenant):
        return {p.key: p for p in phases_seed_defaults()}


@pytest.fixture
def account(tenant):
    with tenant_scope(tenant):
        return AccountFactory()


def test_posting_a_transition_moves_the_account(csm_api, tenant, phases, account, csm_user):
    response = csm_api.post(
        "/api/v1/transitions/",
        {"account": account.pk, "to_phase": phases["onboarding"].pk, "reason": "契約締結"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["from_phase"] == phases["contract"].pk
    assert response.json()["actor"] == csm_user.pk
    with tenant_scope(tenant):
        assert AccountPhase.objects.get(account=account).phase == phases["onboarding"]


def test_a_transition_to_the_current_phase_is_a_409(csm_api, phases, account):
    response = csm_api.post(
        "/api/v1/transitions/",
        {"account": account.pk, "to_phase": phases["contract"].pk},
        format="json",
    )
    assert response.status_code == 409
    assert "to_phase" in response.json()


def test_a_transition_of_another_tenants_account_is_a_409(csm_api, phases, other_tenant):
    with tenant_scope(other_tenant):
        theirs = AccountFactory()
    response = csm_api.post(
        "/api/v1/transitions/",
        {"account": theirs.pk, "to_phase": phases["onboarding"].pk},
        format="json",
    )
    assert response.status_code == 409
    assert "account" in response.json()


def test_a_viewer_cannot_move_an_account(viewer_api, phases, account):
    response = viewer_api.post(
        "/api/v1/transitions/",
        {"account": account.pk, "to_phase": phases["onboarding"].pk},
        format="json",
    )
    assert response.status_code == 403


def test_only_admins_rename_phases(csm_api, admin_api, phases):
    url = f"/api/v1/phases/{phases['contract'].pk}/"
    assert csm_api.patch(url, {"name_en": "Signed"}, format="json").status_code == 403
    response = admin_api.patch(url, {"name_en": "Signed"}, format="json")
    assert response.status_code == 200
    assert response.json()["name_en"] == "Signed"


def test_phases_are_listed_in_order(viewer_api, phases):
    response = viewer_api.get("/api/v1/phases/")
    assert [p["key"] for p in response.json()["results"]] == [
        "contract",
        "onboarding",
        "adoption",
        "renewal",
    ]


def test_an_outsider_gets_404_for_a_milestone(outsider_api, tenant):
    with tenant_scope(tenant):
        milestone = MilestoneFactory()
    assert outsider_api.get(f"/api/v1/milestones/{milestone.pk}/").status_code == 404


def test_a_milestone_target_score_above_100_is_a_400(csm_api, account):
    response = csm_api.post(
        "/api/v1/milestones/",
        {"account": account.pk, "title": "x", "target_score": 150},
        format="json",
    )
    assert response.status_code == 400
    assert "target_score" in response.json()


def test_creating_a_milestone_makes_the_accounts_map(csm_api, tenant, account):
    response = csm_api.post(
        "/api/v1/milestones/",
        {"account": account.pk, "title": "全社展開", "customer_goal": "全営業が使う"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["journey_map"] is not None


def test_patching_a_milestone_status_writes_an_activity(csm_api, tenant):
    with tenant_scope(tenant):
        milestone = MilestoneFactory()
    response = csm_api.patch(
        f"/api/v1/milestones/{milestone.pk}/", {"status": "in_progress"}, format="json"
    )
    assert response.status_code == 200
    with tenant_scope(tenant):
        assert Milestone.objects.get().status == MilestoneStatus.IN_PROGRESS
        assert Activity.objects.get().kind == ActivityKind.MILESTONE_CHANGE


def test_an_action_step_owned_by_staff_and_a_contact_is_a_409(csm_api, tenant, csm_user):
    with tenant_scope(tenant):
        milestone = MilestoneFactory()
        contact = ContactFactory(account=milestone.account)
    response = csm_api.post(
        "/api/v1/action-steps/",
        {
            "milestone": milestone.pk,
            "description": "x",
            "owner_user": csm_user.pk,
            "owner_contact": contact.pk,
        },
        format="json",
    )
    assert response.status_code == 409


def test_an_action_step_owner_must_be_a_member_of_the_tenant(csm_api, tenant):
    with tenant_scope(tenant):
        milestone = MilestoneFactory()
    stranger = UserFactory()
    response = csm_api.post(
        "/api/v1/action-steps/",
        {"milestone": milestone.pk, "description": "x", "owner_user": stranger.pk},
        format="json",
    )
    assert response.status_code == 409
    assert "owner_user" in response.json()


def test_action_steps_filter_by_account(viewer_api, tenant):
    with tenant_scope(tenant):
        mine = ActionStepFactory()
        ActionStepFactory()
    response = viewer_api.get(f"/api/v1/action-steps/?account={mine.milestone.account_id}")
    assert [s["id"] for s in response.json()["results"]] == [mine.pk]


def test_activities_are_newest_first_and_filter_by_kind(viewer_api, tenant):
    with tenant_scope(tenant):
        account = AccountFactory()
        ActivityFactory(account=account, kind=ActivityKind.NOTE)
        newest = ActivityFactory(account=account, kind=ActivityKind.CALL)
        ActivityFactory(kind=ActivityKind.CALL)
    response = viewer_api.get(f"/api/v1/activities/?account={account.pk}")
    assert response.json()["results"][0]["id"] == newest.pk
    response = viewer_api.get(f"/api/v1/activities/?account={account.pk}&kind=call")
    assert [a["id"] for a in response.json()["results"]] == [newest.pk]


def test_an_activity_with_an_unknown_kind_is_a_400(csm_api, account):
    response = csm_api.post(
        "/api/v1/activities/",
        {"account": account.pk, "kind": "gossip", "title": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert "kind" in response.json()


def test_posting_an_activity_twice_with_a_source_key_stores_it_once(csm_api, tenant, account):
    body = {"account": account.pk, "kind": "email", "title": "x", "source_key": "mail:1"}
    first = csm_api.post("/api/v1/activities/", body, format="json")
    second = csm_api.post("/api/v1/activities/", body, format="json")
    assert first.json()["id"] == second.json()["id"]
    with tenant_scope(tenant):
        assert Activity.objects.count() == 1


def test_a_write_api_key_can_record_activities(tenant, account):
    client = api_key_client(tenant, ApiKeyScope.WRITE)
    response = client.post(
        "/api/v1/activities/", {"account": account.pk, "kind": "email", "title": "x"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["actor"] is None


def test_logging_a_meeting_creates_tasks_from_next_steps(csm_api, tenant, account, csm_user):
    with tenant_scope(tenant):
        contact = ContactFactory(account=account)
    response = csm_api.post(
        "/api/v1/meetings/",
        {
            "account": account.pk,
            "meeting_type": "onsite",
            "contacts": [contact.pk],
            "agenda": "キックオフ",
            "next_steps": ["管理者トレーニング"],
            "sentiment": "positive",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["staff"] == [csm_user.pk]
    with tenant_scope(tenant):
        assert Task.objects.get().title == "管理者トレーニング"


def test_a_meeting_with_another_accounts_contact_is_a_409_and_writes_nothing(
    csm_api, tenant, account
):
    with tenant_scope(tenant):
        stranger = ContactFactory()
    response = csm_api.post(
        "/api/v1/meetings/",
        {"account": account.pk, "contacts": [stranger.pk], "next_steps": ["x"]},
        format="json",
    )
    assert response.status_code == 409
    with tenant_scope(tenant):
        assert Meeting.objects.count() == Task.objects.count() == 0


def test_a_bad_meeting_type_is_a_400(csm_api, account):
    response = csm_api.post(
        "/api/v1/meetings/", {"account": account.pk, "meeting_type": "smoke"}, format="json"
    )
    assert response.status_code == 400
    assert "meeting_type" in response.json()


def test_patching_a_task_done_completes_it(csm_api, tenant):
    with tenant_scope(tenant):
        task = TaskFactory()
    response = csm_api.patch(f"/api/v1/tasks/{task.pk}/", {"status": "done"}, format="json")
    assert response.status_code == 200
    assert response.json()["done_at"] is not None
    with tenant_scope(tenant):
        assert Task.objects.get().status == TaskStatus.DONE


def test_tasks_filter_by_assignee(viewer_api, tenant, csm_user):
    with tenant_scope(tenant):
        mine = TaskFactory(assignee=csm_user)
        TaskFactory()
    response = viewer_api.get(f"/api/v1/tasks/?assignee={csm_user.pk}")
    assert [t["id"] for t in response.json()["results"]] == [mine.pk]


def test_a_viewer_reads_feedback_filtered_by_department(viewer_api, tenant):
    with tenant_scope(tenant):
        for_product = FeedbackItemFactory(shared_with=["product"])
        FeedbackItemFactory(shared_with=["sales"])
    response = viewer_api.get("/api/v1/feedback/?shared_with=product")
    assert response.status_code == 200
    assert [f["id"] for f in response.json()["results"]] == [for_product.pk]


def test_feedback_with_an_unknown_department_is_a_400(csm_api, account):
    response = csm_api.post(
        "/api/v1/feedback/",
        {"account": account.pk, "kind": "request", "quote": "x", "shared_with": ["legal"]},
        format="json",
    )
    assert response.status_code == 400
    assert "shared_with" in response.json()


def test_a_journey_template_is_created_with_its_milestones(admin_api):
    response = admin_api.post(
        "/api/v1/journey-templates/",
        {"name": "標準", "items": [{"title": "初期設定", "target_score": 40}]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert [i["title"] for i in response.json()["items"]] == ["初期設定"]


def test_a_csm_cannot_create_journey_templates(csm_api):
    response = csm_api.post("/api/v1/journey-templates/", {"name": "x"}, format="json")
    assert response.status_code == 403


def test_a_second_journey_map_for_an_account_is_a_409(csm_api, account):
    assert (
        csm_api.post("/api/v1/journey-maps/", {"account": account.pk}, format="json").status_code
        == 201
    )
    response = csm_api.post("/api/v1/journey-maps/", {"account": account.pk}, format="json")
    assert response.status_code == 409


def test_the_schema_documents_the_journeys_endpoints(admin_api):
    response = admin_api.get("/api/schema/")
    assert response.status_code == 200
    body = response.content.decode()
    for path in ("/api/v1/transitions/", "/api/v1/action-steps/", "/api/v1/feedback/"):
        assert path in body


def test_the_accounts_phase_filter_takes_the_value_the_api_returns(viewer_api, tenant, phases):
    with tenant_scope(tenant):
        moved, _stayed = AccountFactory(name="移行済み商事"), AccountFactory(name="未移行物産")
        AccountPhase.objects.create(account=moved, phase=phases["adoption"])
    shown = viewer_api.get(f"/api/v1/accounts/{moved.pk}/").json()["extensions"]["phase"]
    assert shown == phases["adoption"].order
    for value in (shown, "adoption"):
        response = viewer_api.get("/api/v1/accounts/", {"phase": value})
        assert response.status_code == 200, response.content
        assert [row["name"] for row in response.json()["results"]] == ["移行済み商事"]


@pytest.mark.parametrize(
    ("key", "value"), [("phase", "99"), ("phase", "nope"), ("tier", "gold"), ("health_band", "x")]
)
def test_an_unknown_value_of_an_account_enum_filter_is_a_400(viewer_api, phases, key, value):
    response = viewer_api.get("/api/v1/accounts/", {key: value}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert value in response.json()[key][0]


def test_the_account_enum_filters_are_in_the_schema(viewer_api):
    schema = viewer_api.get("/api/schema/", {"format": "json"}).json()
    names = {p["name"] for p in schema["paths"]["/api/v1/accounts/"]["get"]["parameters"]}
    assert {"phase", "tier", "health_band", "score_change"} <= names


def test_saved_views_filtering_a_phase_by_id_are_rewritten_to_its_order(tenant, phases, csm_user):
    from importlib import import_module

    from django.apps import apps

    from accounts.models import SavedView

    migration = import_module("journeys.migrations.0006_saved_view_phase_order")
    with tenant_scope(tenant):
        view = SavedView.objects.create(
            name="活用", owner=csm_user, query=f"q=&x_phase={phases['adoption'].pk}&sort=name"
        )
        # Under row-level security the test's app role sees the tenant's rows in its scope
        # only (migrations run as the owner and see them all).
        migration.forwards(apps, None)
        view.refresh_from_db()
    assert view.query == f"q=&x_phase={phases['adoption'].order}&sort=name"
