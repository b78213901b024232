"""Every edit a CSM makes in the pages: milestones, steps, tasks, meetings, notes/calls/e-mails.

Services first (what changes, what goes to the trash), then the pages (GET form, htmx
fragment, POST through the service), then who may do it (the roles the API asks for).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cs_platform.models import TrashEntry
from cs_platform.scoping import tenant_scope
from cs_platform.trash.services import trash_restore
from journeys import services
from journeys.models import ActionStep, Activity, ActivityKind, Meeting, Milestone, Task
from tests.factories import AccountFactory, ContactFactory, UserFactory
from tests.journeys.factories import ActionStepFactory, MilestoneFactory, TaskFactory

pytestmark = pytest.mark.django_db


def url(name: str, pk: int) -> str:
    return reverse(f"journeys:{name}", kwargs={"tenant_slug": "acme", "pk": pk})


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def account(tenant, csm_user):
    with tenant_scope(tenant):
        return AccountFactory(owner=csm_user, name="株式会社テスト")


@pytest.fixture
def meeting(tenant, account, csm_user):
    with tenant_scope(tenant):
        return services.meeting_log(
            account=account,
            agenda="定例会\n詳細",
            notes="順調",
            next_steps=["資料送付"],
            logged_by=csm_user,
        )


# --- services ---------------------------------------------------------------------------------


def test_milestone_update_rewrites_title_target_and_due_date(scoped):
    milestone = MilestoneFactory(title="古い", target_score=50)
    services.milestone_update(
        milestone=milestone,
        title="新しい",
        customer_goal="全員が使う",
        target_score=80,
        due_date=dt.date(2030, 1, 31),
    )
    milestone.refresh_from_db()
    assert (milestone.title, milestone.target_score, milestone.due_date) == (
        "新しい",
        80,
        dt.date(2030, 1, 31),
    )
    assert milestone.customer_goal == "全員が使う"


@pytest.mark.parametrize("score", [-1, 101])
def test_milestone_update_refuses_a_target_outside_0_to_100(scoped, score):
    with pytest.raises(ValidationError):
        services.milestone_update(milestone=MilestoneFactory(), title="x", target_score=score)


def test_a_deleted_milestone_comes_back_from_the_trash_with_its_steps(scoped, csm_user):
    step = ActionStepFactory()
    milestone_pk, step_pk = step.milestone_id, step.pk
    services.milestone_delete(milestone=step.milestone, actor=csm_user)
    assert not Milestone.objects.filter(pk=milestone_pk).exists()
    assert not ActionStep.objects.filter(pk=step_pk).exists()
    entry = TrashEntry.objects.get(model="journeys.milestone", object_id=milestone_pk)
    assert entry.deleted_by == csm_user
    trash_restore(entry_id=entry.pk)
    assert ActionStep.objects.filter(pk=step_pk, milestone_id=milestone_pk).exists()


def test_a_deleted_step_goes_to_the_trash(scoped):
    step = ActionStepFactory()
    pk = step.pk
    services.action_step_delete(step=step)
    assert TrashEntry.objects.filter(model="journeys.actionstep", object_id=pk).exists()
    assert not ActionStep.objects.filter(pk=pk).exists()


def test_task_update_reassigns_and_moves_the_due_date_only(scoped, csm_user, manager_user):
    task = TaskFactory(assignee=csm_user, title="電話", due_date=dt.date(2030, 1, 1))
    services.task_update(task=task, assignee=manager_user, due_date=dt.date(2030, 2, 1))
    task.refresh_from_db()
    assert (task.assignee, task.due_date, task.title) == (
        manager_user,
        dt.date(2030, 2, 1),
        "電話",
    )


def test_task_update_refuses_an_assignee_from_outside_the_workspace(scoped):
    task = TaskFactory()
    with pytest.raises(ValidationError) as caught:
        services.task_update(task=task, assignee=UserFactory())
    assert "assignee" in caught.value.message_dict


def test_task_update_clears_the_due_date_when_told(scoped):
    task = TaskFactory(due_date=dt.date(2030, 1, 1))
    services.task_update(task=task, due_date=None)
    task.refresh_from_db()
    assert task.due_date is None


def test_a_deleted_task_is_restorable(scoped):
    pk = TaskFactory().pk
    services.task_delete(task=Task.objects.get(pk=pk))
    entry = TrashEntry.objects.get(model="journeys.task", object_id=pk)
    trash_restore(entry_id=entry.pk)
    assert Task.objects.filter(pk=pk).exists()


def test_meeting_update_keeps_its_timeline_entry_in_step(scoped, meeting):
    when = timezone.now() - dt.timedelta(days=2)
    services.meeting_update(
        meeting=meeting,
        occurred_at=when,
        meeting_type="onsite",
        agenda="訪問定例\n二行目",
        notes="課題あり",
        sentiment="negative",
    )
    activity = Activity.objects.get(source_key=f"meeting:{meeting.pk}")
    assert (activity.title, activity.body, activity.occurred_at) == ("訪問定例", "課題あり", when)
    assert activity.data["sentiment"] == "negative"
    assert activity.data["type"] == "onsite"
    assert activity.data["meeting"] == meeting.pk


def test_meeting_update_refuses_an_unknown_type(scoped, meeting):
    with pytest.raises(ValidationError):
        services.meeting_update(
            meeting=meeting, occurred_at=timezone.now(), meeting_type="zoom", agenda="x"
        )


def test_a_deleted_meeting_takes_its_timeline_entry_and_leaves_its_tasks(scoped, meeting):
    task, pk = Task.objects.get(meeting=meeting), meeting.pk
    services.meeting_delete(meeting=meeting)
    assert not Meeting.objects.filter(pk=pk).exists()
    assert not Activity.objects.filter(source_key=f"meeting:{pk}").exists()
    task.refresh_from_db()
    assert task.meeting_id is None
    assert TrashEntry.objects.count() == 2
    for entry in TrashEntry.objects.order_by("pk"):
        trash_restore(entry_id=entry.pk)
    task.refresh_from_db()
    assert task.meeting_id == pk
    assert Activity.objects.filter(source_key=f"meeting:{pk}").exists()


@pytest.mark.parametrize("kind", ["note", "call", "email"])
def test_touch_log_writes_a_note_call_or_email_on_the_timeline(scoped, account, csm_user, kind):
    contact = ContactFactory(account=account)
    activity = services.touch_log(
        account=account, kind=kind, title="更新の相談", body="詳細", contact=contact, actor=csm_user
    )
    assert (activity.kind, activity.contact, activity.actor) == (kind, contact, csm_user)


def test_touch_log_refuses_other_kinds_and_other_accounts_contacts(scoped, account):
    with pytest.raises(ValidationError):
        services.touch_log(account=account, kind=ActivityKind.HEALTH_ALERT, title="x")
    with pytest.raises(ValidationError):
        services.touch_log(account=account, kind="note", title="x", contact=ContactFactory())


def test_touch_log_refuses_the_future(scoped, account):
    with pytest.raises(ValidationError):
        services.touch_log(
            account=account,
            kind="call",
            title="x",
            occurred_at=timezone.now() + dt.timedelta(days=1),
        )


# --- pages ------------------------------------------------------------------------------------


def test_the_milestone_edit_page_shows_the_values_and_saves(tenant, csm_user, account):
    with tenant_scope(tenant):
        milestone = MilestoneFactory(journey_map__account=account, title="旧タイトル")
    client = client_for(csm_user)
    page = client.get(url("milestone_edit", milestone.pk))
    assert page.status_code == 200
    assert "旧タイトル" in page.content.decode()
    response = client.post(
        url("milestone_edit", milestone.pk),
        {"title": "新タイトル", "target_score": 75, "due_date": "2030-03-01", "next": "/x"},
    )
    assert response.status_code == 302
    with tenant_scope(tenant):
        milestone.refresh_from_db()
    assert (milestone.title, milestone.target_score) == ("新タイトル", 75)


def test_an_htmx_request_gets_only_the_form(tenant, csm_user, account):
    with tenant_scope(tenant):
        task = TaskFactory(account=account)
    response = client_for(csm_user).get(url("task_edit", task.pk), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'data-testid="edit-form"' in body
    assert "<html" not in body


def test_a_bad_edit_answers_400_with_the_message(tenant, csm_user, account):
    with tenant_scope(tenant):
        milestone = MilestoneFactory(journey_map__account=account)
    response = client_for(csm_user).post(
        url("milestone_edit", milestone.pk), {"title": "x", "target_score": 140}
    )
    assert response.status_code == 400
    assert 'data-testid="edit-form"' in response.content.decode()


def test_the_task_edit_page_reassigns(tenant, csm_user, manager_user, account):
    with tenant_scope(tenant):
        task = TaskFactory(account=account, assignee=csm_user)
    client_for(csm_user).post(
        url("task_edit", task.pk),
        {"title": task.title, "assignee": manager_user.pk, "due_date": "2030-04-01"},
    )
    with tenant_scope(tenant):
        task.refresh_from_db()
    assert (task.assignee_id, task.due_date) == (manager_user.pk, dt.date(2030, 4, 1))


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_delete_confirmation_says_it_goes_to_the_trash(
    tenant, csm_user, account, meeting, language
):
    csm_user.language = language
    csm_user.save()
    body = (
        client_for(csm_user)
        .get(url("meeting_delete", meeting.pk), HTTP_ACCEPT_LANGUAGE=language)
        .content.decode()
    )
    assert ("ごみ箱" if language == "ja" else "trash") in body
    with tenant_scope(tenant):
        assert Meeting.objects.filter(pk=meeting.pk).exists()  # a GET deletes nothing


@pytest.mark.parametrize(
    ("name", "model", "make"),
    [
        ("milestone_delete", Milestone, lambda a: MilestoneFactory(journey_map__account=a)),
        ("step_delete", ActionStep, lambda a: ActionStepFactory(milestone__journey_map__account=a)),
        ("task_delete", Task, lambda a: TaskFactory(account=a)),
    ],
)
def test_deleting_from_the_page_moves_it_to_the_trash(tenant, csm_user, account, name, model, make):
    with tenant_scope(tenant):
        obj = make(account)
    response = client_for(csm_user).post(url(name, obj.pk), {"next": "/t/acme/accounts/"})
    assert response.status_code == 302
    with tenant_scope(tenant):
        assert not model.objects.filter(pk=obj.pk).exists()
        assert TrashEntry.objects.filter(object_id=obj.pk).exists()


def test_the_meeting_edit_page_saves(tenant, csm_user, account, meeting):
    response = client_for(csm_user).post(
        url("meeting_edit", meeting.pk),
        {
            "occurred_at": "2026-01-05T10:00",
            "meeting_type": "onsite",
            "agenda": "訪問",
            "notes": "",
            "sentiment": "positive",
        },
    )
    assert response.status_code == 302
    with tenant_scope(tenant):
        meeting.refresh_from_db()
    assert (meeting.agenda, meeting.sentiment) == ("訪問", "positive")


def test_the_timeline_form_adds_a_call(tenant, csm_user, account):
    client_for(csm_user).post(
        url("touch_add", account.pk),
        {"kind": "call", "title": "更新の電話", "body": "", "occurred_at": "2026-01-05T10:00"},
    )
    with tenant_scope(tenant):
        assert Activity.objects.filter(account=account, kind="call", title="更新の電話").exists()


def test_account_360_offers_the_edits(tenant, csm_user, account, meeting):
    with tenant_scope(tenant):
        MilestoneFactory(journey_map__account=account)
    body = (
        client_for(csm_user)
        .get(reverse("accounts:detail", kwargs={"tenant_slug": "acme", "pk": account.pk}))
        .content.decode()
    )
    for testid in ("milestone-edit", "milestone-delete", "task-edit", "meeting-edit"):
        assert f'data-testid="{testid}"' in body
    # The note/call/e-mail form is fetched when its <details> opens.
    assert f'hx-get="{url("touch_add", account.pk)}?next=' in body


def test_a_viewer_sees_no_edit_links(tenant, viewer_user, account, meeting):
    with tenant_scope(tenant):
        MilestoneFactory(journey_map__account=account)
    body = (
        client_for(viewer_user)
        .get(reverse("accounts:detail", kwargs={"tenant_slug": "acme", "pk": account.pk}))
        .content.decode()
    )
    assert 'data-testid="milestone-edit"' not in body
    assert url("touch_add", account.pk) not in body


# --- roles: the API asks a CSM for these writes; so do the pages ----------------------------


@pytest.mark.parametrize(
    "name", ["milestone_edit", "milestone_delete", "task_edit", "task_delete", "meeting_delete"]
)
def test_a_viewer_may_not_edit_or_delete(tenant, viewer_user, account, meeting, name):
    with tenant_scope(tenant):
        obj = {
            "milestone": MilestoneFactory(journey_map__account=account),
            "task": Task.objects.get(meeting=meeting),
            "meeting": meeting,
        }[name.split("_")[0]]
    client = client_for(viewer_user)
    assert client.get(url(name, obj.pk)).status_code == 403
    assert client.post(url(name, obj.pk), {}).status_code == 403


def test_a_viewer_may_not_log_a_touch(viewer_user, account):
    response = client_for(viewer_user).post(url("touch_add", account.pk), {"kind": "note"})
    assert response.status_code == 403


@pytest.mark.parametrize("name", ["milestone_edit", "task_delete", "meeting_edit"])
def test_another_tenants_objects_are_404(tenant, outsider, account, meeting, name):
    with tenant_scope(tenant):
        obj = {
            "milestone": MilestoneFactory(journey_map__account=account),
            "task": Task.objects.get(meeting=meeting),
            "meeting": meeting,
        }[name.split("_")[0]]
    client = client_for(outsider)
    assert client.get(url(name, obj.pk)).status_code == 404
    assert client.post(url(name, obj.pk), {}).status_code == 404


def test_the_api_edit_of_a_meeting_goes_through_the_service(csm_api, tenant, meeting):
    response = csm_api.patch(f"/api/v1/meetings/{meeting.pk}/", {"agenda": "APIで修正"})
    assert response.status_code == 200, response.content
    with tenant_scope(tenant):
        assert Activity.objects.get(source_key=f"meeting:{meeting.pk}").title == "APIで修正"
