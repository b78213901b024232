"""Staff pages for journey templates, applying one to an account, and task checklists."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cs_platform.scoping import tenant_scope
from journeys.models import JourneyMap, JourneyTemplate, Milestone, Task, TemplateMilestone
from journeys.services import task_create
from tests.conftest import client_for
from tests.factories import AccountFactory
from tests.journeys.factories import (
    JourneyTemplateFactory,
    MilestoneFactory,
    TaskFactory,
    TemplateMilestoneFactory,
)

pytestmark = pytest.mark.django_db


def url(name: str, pk: int | None = None) -> str:
    kwargs = {"tenant_slug": "acme"} if pk is None else {"tenant_slug": "acme", "pk": pk}
    return reverse(f"journeys:{name}", kwargs=kwargs)


def formset_data(rows: list[dict], initial: int = 0, **extra) -> dict:
    data = {
        "milestones-TOTAL_FORMS": str(len(rows)),
        "milestones-INITIAL_FORMS": str(initial),
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "50",
        **extra,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"milestones-{i}-{key}"] = value
    return data


@pytest.fixture
def template(tenant):
    with tenant_scope(tenant):
        template = JourneyTemplateFactory(name="標準オンボーディング")
        TemplateMilestoneFactory(template=template, title="初期設定", order=0, due_after_days=14)
        TemplateMilestoneFactory(template=template, title="全社展開", order=1, due_after_days=60)
        return template


@pytest.fixture
def foreign_template(other_tenant):
    with tenant_scope(other_tenant):
        return JourneyTemplateFactory(name="他社テンプレート")


@pytest.fixture
def account(tenant, csm_user):
    with tenant_scope(tenant):
        return AccountFactory(owner=csm_user)


# --- template pages ---------------------------------------------------------------------------


def test_a_viewer_can_read_the_template_list(viewer_user, template):
    response = client_for(viewer_user).get(url("template_list"))
    assert response.status_code == 200
    assert "標準オンボーディング" in response.content.decode()


def test_a_viewer_can_read_a_template_with_its_milestones(viewer_user, template):
    body = client_for(viewer_user).get(url("template_detail", template.pk)).content.decode()
    assert "初期設定" in body and "全社展開" in body


def test_another_tenants_template_is_a_404(manager_user, foreign_template):
    client = client_for(manager_user)
    assert client.get(url("template_detail", foreign_template.pk)).status_code == 404
    assert client.get(url("template_edit", foreign_template.pk)).status_code == 404
    assert client.post(url("template_delete", foreign_template.pk)).status_code == 404


def test_a_manager_creates_a_template_with_ordered_milestones(manager_user, tenant):
    data = formset_data(
        [
            {"title": "二番目", "target_score": "70", "due_after_days": "60", "ORDER": "2"},
            {
                "title": "最初",
                "description": "御社の目標は?",
                "target_score": "50",
                "due_after_days": "30",
                "ORDER": "1",
            },
            {"title": "", "target_score": "60", "due_after_days": "30", "ORDER": ""},
        ],
        name="新テンプレート",
        description="説明",
    )
    data["milestones-2-target_score"] = "60"
    response = client_for(manager_user).post(url("template_create"), data)
    assert response.status_code == 302
    with tenant_scope(tenant):
        template = JourneyTemplate.objects.get(name="新テンプレート")
        items = list(template.items.order_by("order"))
    assert [(m.title, m.order, m.description) for m in items] == [
        ("最初", 0, "御社の目標は?"),
        ("二番目", 1, ""),
    ]


def test_a_target_score_above_100_is_shown_as_an_error(manager_user, tenant):
    data = formset_data(
        [{"title": "x", "target_score": "150", "due_after_days": "30", "ORDER": "1"}],
        name="壊れた",
    )
    response = client_for(manager_user).post(url("template_create"), data)
    assert response.status_code == 400
    with tenant_scope(tenant):
        assert not JourneyTemplate.objects.filter(name="壊れた").exists()


def test_a_duplicate_template_name_is_a_form_error(manager_user, template):
    response = client_for(manager_user).post(
        url("template_create"), formset_data([], name="標準オンボーディング")
    )
    assert response.status_code == 400
    assert "name" in response.context["form"].errors


def test_editing_updates_renames_and_deletes_milestones(manager_user, tenant, template):
    with tenant_scope(tenant):
        first, second = template.items.order_by("order")
    data = formset_data(
        [
            {
                "id": str(first.pk),
                "title": "初期設定(改)",
                "target_score": "55",
                "due_after_days": "10",
                "ORDER": "1",
            },
            {
                "id": str(second.pk),
                "title": "全社展開",
                "target_score": "60",
                "due_after_days": "60",
                "ORDER": "2",
                "DELETE": "on",
            },
        ],
        initial=2,
        name="標準オンボーディング v2",
    )
    response = client_for(manager_user).post(url("template_edit", template.pk), data)
    assert response.status_code == 302
    with tenant_scope(tenant):
        template.refresh_from_db()
        items = list(template.items.all())
    assert template.name == "標準オンボーディング v2"
    assert [(m.pk, m.title, m.target_score) for m in items] == [(first.pk, "初期設定(改)", 55)]


def test_a_csm_cannot_edit_a_template(csm_user, template):
    client = client_for(csm_user)
    assert client.get(url("template_create")).status_code == 403
    assert client.get(url("template_edit", template.pk)).status_code == 403


def test_a_csm_cannot_delete_a_template(csm_user, tenant, template):
    assert client_for(csm_user).post(url("template_delete", template.pk)).status_code == 403
    with tenant_scope(tenant):
        assert JourneyTemplate.objects.filter(pk=template.pk).exists()


def test_a_manager_deletes_a_template(manager_user, tenant, template):
    response = client_for(manager_user).post(url("template_delete", template.pk))
    assert response.status_code == 302
    with tenant_scope(tenant):
        assert not JourneyTemplate.objects.filter(pk=template.pk).exists()
        assert not TemplateMilestone.objects.filter(template_id=template.pk).exists()


# --- applying a template on Account 360 -------------------------------------------------------


def test_the_journey_map_panel_offers_the_templates(csm_user, account, template):
    body = client_for(csm_user).get(url("account", account.pk), follow=True).content.decode()
    assert 'data-testid="apply-template-form"' in body
    assert "標準オンボーディング" in body


def test_another_accounts_map_panel_offers_the_kept_templates_without_reading_them(
    csm_user, tenant, account, template
):
    with tenant_scope(tenant):
        other = AccountFactory()  # before the first view: an account raises the data version
    client = client_for(csm_user)
    client.get(url("account", account.pk), follow=True)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url("account", other.pk), follow=True).content.decode()
    assert '<option value="">---------</option>' in body and "標準オンボーディング" in body
    assert not [q["sql"] for q in queries if "journeys_journeytemplate" in q["sql"]]


def test_a_new_or_renamed_template_is_offered_at_once(csm_user, tenant, account, template):
    with tenant_scope(tenant):
        other = AccountFactory()
    client = client_for(csm_user)
    client.get(url("account", account.pk), follow=True)
    with tenant_scope(tenant):  # templates raise the work version, not the data version
        JourneyTemplateFactory(name="新規テンプレート")
        JourneyTemplate.objects.filter(pk=template.pk).update(name="改名テンプレート")
    body = client.get(url("account", other.pk), follow=True).content.decode()
    assert body.index("改名テンプレート") < body.index("新規テンプレート")  # by name


def test_applying_a_template_creates_the_accounts_map(csm_user, tenant, account, template):
    response = client_for(csm_user).post(
        url("map_apply_template", account.pk), {"template": template.pk}
    )
    assert response.status_code == 302
    with tenant_scope(tenant):
        journey_map = JourneyMap.objects.get(account=account)
        titles = list(journey_map.milestones.order_by("order").values_list("title", flat=True))
    assert journey_map.template_id == template.pk
    assert titles == ["初期設定", "全社展開"]


def test_a_template_is_not_applied_over_existing_milestones(csm_user, tenant, account, template):
    with tenant_scope(tenant):
        MilestoneFactory(account=account, journey_map__account=account, title="既存")
    client_for(csm_user).post(url("map_apply_template", account.pk), {"template": template.pk})
    with tenant_scope(tenant):
        assert list(Milestone.objects.values_list("title", flat=True)) == ["既存"]


def test_another_tenants_template_cannot_be_applied(csm_user, tenant, account, foreign_template):
    client_for(csm_user).post(
        url("map_apply_template", account.pk), {"template": foreign_template.pk}
    )
    with tenant_scope(tenant):
        assert not JourneyMap.objects.filter(account=account).exists()


def test_a_viewer_cannot_apply_a_template(viewer_user, account, template):
    response = client_for(viewer_user).post(
        url("map_apply_template", account.pk), {"template": template.pk}
    )
    assert response.status_code == 403


def test_applying_to_another_tenants_account_is_a_404(csm_user, other_tenant, template):
    with tenant_scope(other_tenant):
        foreign = AccountFactory()
    response = client_for(csm_user).post(
        url("map_apply_template", foreign.pk), {"template": template.pk}
    )
    assert response.status_code == 404


# --- task checklists --------------------------------------------------------------------------


@pytest.fixture
def task(tenant, account, csm_user):
    with tenant_scope(tenant):
        return task_create(
            account=account, title="導入準備", assignee=csm_user, checklist=["管理者登録", "研修"]
        )


def test_the_tasks_panel_shows_the_checklist(csm_user, account, task):
    body = client_for(csm_user).get(url("account", account.pk), follow=True).content.decode()
    assert 'data-testid="task-checklist"' in body and "管理者登録" in body


def test_my_work_shows_the_checklist(csm_user, task):
    body = client_for(csm_user).get(url("my_work")).content.decode()
    assert "研修" in body


def test_ticking_a_checklist_item_marks_it_done(csm_user, tenant, task):
    response = client_for(csm_user).post(
        url("task_checklist", task.pk), {"index": "1", "done": "on", "next": "my_work"}
    )
    assert response.status_code == 302
    assert response["Location"] == url("my_work")
    with tenant_scope(tenant):
        task.refresh_from_db()
    assert [item["done"] for item in task.checklist] == [False, True]


def test_unticking_a_checklist_item(csm_user, tenant, task):
    client = client_for(csm_user)
    client.post(url("task_checklist", task.pk), {"index": "0", "done": "on"})
    client.post(url("task_checklist", task.pk), {"index": "0"})
    with tenant_scope(tenant):
        task.refresh_from_db()
    assert task.checklist[0]["done"] is False


def test_a_missing_checklist_item_changes_nothing(csm_user, tenant, task):
    response = client_for(csm_user).post(
        url("task_checklist", task.pk), {"index": "9", "done": "on"}
    )
    assert response.status_code == 302
    with tenant_scope(tenant):
        task.refresh_from_db()
    assert [item["done"] for item in task.checklist] == [False, False]


def test_a_viewer_cannot_tick_a_checklist_item(viewer_user, task):
    response = client_for(viewer_user).post(
        url("task_checklist", task.pk), {"index": "0", "done": "on"}
    )
    assert response.status_code == 403


def test_another_tenants_task_checklist_is_a_404(csm_user, other_tenant):
    with tenant_scope(other_tenant):
        foreign = TaskFactory(checklist=[{"text": "x", "done": False}])
    response = client_for(csm_user).post(
        url("task_checklist", foreign.pk), {"index": "0", "done": "on"}
    )
    assert response.status_code == 404
    with tenant_scope(other_tenant):
        assert Task.objects.get(pk=foreign.pk).checklist[0]["done"] is False


def test_the_template_pages_speak_japanese(viewer_user, template):
    response = client_for(viewer_user).get(url("template_list"), HTTP_ACCEPT_LANGUAGE="ja")
    assert "ジャーニーテンプレート" in response.content.decode()


def test_the_template_pages_speak_english(viewer_user, template):
    response = client_for(viewer_user).get(url("template_list"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Journey templates" in response.content.decode()


def test_the_edit_page_lists_the_milestones_in_order(manager_user, template):
    response = client_for(manager_user).get(url("template_edit", template.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index('value="初期設定"') < body.index('value="全社展開"')
    assert 'name="milestones-0-ORDER" value="1"' in body
