"""A task on the timeline: added by a person, reassigned, done, reopened; each entry says which,
and names the task the way My Work does, in the reader's language, from the task's kind +
data kept on the entry (issue #17). Old "task done" entries are rebuilt by a migration."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.test import Client
from django.utils import translation

from cs_platform.scoping import tenant_scope
from journeys.extensions import activities_titled, activity_title
from journeys.models import Activity, Task
from journeys.services import task_complete, task_create, task_reopen
from journeys.services.edits import task_update
from tests.factories import AccountFactory, MembershipFactory, UserFactory
from tests.touchmodel.factories import RuleFactory

pytestmark = pytest.mark.django_db

RED = {"kind": "red", "score": 30.0, "previous": None}
RED_JA = "ヘルススコアがレッドになりました（30）"
RED_EN = "Health moved into red (30)"


def _alert_task(account, **kwargs) -> Task:
    """A health-alert task as the (Japanese) nightly run writes it."""
    return task_create(
        account=account,
        title=RED_JA,
        source_key=f"health-alert-task:{account.pk}",
        kind="health_alert",
        data=RED,
        **kwargs,
    )


def _titles(language: str) -> list[str]:
    with translation.override(language):
        return [activity_title(a) for a in Activity.objects.filter(kind="task").order_by("pk")]


def test_each_task_event_reads_differently_in_the_readers_language(scoped, csm_user):
    account = AccountFactory()
    tanaka = UserFactory(full_name="田中 一郎")
    MembershipFactory(tenant=scoped, user=tanaka, role="csm")
    with translation.override("ja"):
        added = task_create(account=account, title="管理者登録", actor=csm_user)
        alert = _alert_task(account)
        task_update(task=alert, assignee=tanaka, actor=csm_user)
        task_update(task=alert, assignee=None, actor=csm_user)
        task_update(task=alert, assignee=None, actor=csm_user)  # no change: no entry
        task_complete(task=alert, actor=csm_user)
        task_reopen(task=alert, actor=csm_user)
        task_complete(task=alert, actor=csm_user)  # done again: a second entry
        task_complete(task=added, actor=csm_user)

    assert _titles("en") == [
        "Task added: 管理者登録",
        f"Task reassigned to 田中 一郎: {RED_EN}",
        f"Task unassigned: {RED_EN}",
        f"Task completed: {RED_EN}",
        f"Task reopened: {RED_EN}",
        f"Task completed: {RED_EN}",
        "Task completed: 管理者登録",
    ]
    assert _titles("ja") == [
        "タスク追加: 管理者登録",
        f"タスクの担当者を 田中 一郎 に変更: {RED_JA}",
        f"タスクの担当者を解除: {RED_JA}",
        f"タスク完了: {RED_JA}",
        f"タスク再開: {RED_JA}",
        f"タスク完了: {RED_JA}",
        "タスク完了: 管理者登録",
    ]
    entry = Activity.objects.filter(kind="task").order_by("pk")[1]
    assert entry.data == {
        "task": alert.pk,
        "event": "reassigned",
        "task_kind": "health_alert",
        "task_data": RED,
        "assignee": tanaka.pk,
        "assignee_name": "田中 一郎",
    }
    assert entry.actor == csm_user
    assert entry.title == RED_JA  # the stored fallback: the task's own title


def test_a_generated_task_is_not_added_to_the_timeline(scoped):
    _alert_task(AccountFactory())  # its alert is on the timeline already
    task_create(account=AccountFactory(), title="API task")  # no person: no entry
    assert not Activity.objects.filter(kind="task").exists()


def test_a_page_of_rule_task_entries_reads_the_rules_once(
    scoped, csm_user, django_assert_num_queries
):
    account = AccountFactory()
    rule = RuleFactory(name_ja="更新前の確認", name_en="Check before renewal")
    for n in range(5):
        task = task_create(
            account=account,
            title="更新前の確認",
            source_key=f"touchmodel:firing:{n}",
            kind="rule",
            data={"rule": rule.pk},
        )
        task_complete(task=task, actor=csm_user)
    entries = list(Activity.objects.filter(kind="task"))
    with translation.override("en"), django_assert_num_queries(1):
        titled = activities_titled(entries)
        shown = [activity_title(a) for a in titled]
    assert shown == ["Task completed: Check before renewal"] * 5


def test_the_migration_rebuilds_old_done_entries(scoped):
    account = AccountFactory()
    alert = _alert_task(account)
    reworded = _alert_task(AccountFactory())
    Task.objects.filter(pk=reworded.pk).update(title="田中さんに電話", kind="", data={})
    old = [
        Activity.objects.create(
            account=task.account,
            kind="task",
            title=RED_JA,
            data={"task": task.pk},
            source_key=f"task_done:{task.pk}",
        )
        for task in (alert, reworded)
    ]
    with connection.cursor() as cursor:
        migration = importlib.import_module("journeys.migrations.0009_task_entry_kind")
        cursor.execute(migration.TASK_ENTRIES_SQL.replace("%%", "%"))
    rebuilt, kept = (Activity.objects.get(pk=a.pk) for a in old)
    assert rebuilt.data == {
        "task": alert.pk,
        "event": "done",
        "task_kind": "health_alert",
        "task_data": RED,
    }
    assert kept.data == {"task": reworded.pk}  # its title no longer the task's: left as is
    with translation.override("en"):
        assert activity_title(rebuilt) == f"Task completed: {RED_EN}"
        assert activity_title(kept) == f"Task completed: {RED_JA}"  # the stored text


@pytest.mark.parametrize(
    ("language", "expected", "other"),
    [("en", f"Task completed: {RED_EN}", RED_JA), ("ja", f"タスク完了: {RED_JA}", RED_EN)],
)
def test_account_360_and_the_timeline_page_read_in_the_readers_language(
    tenant, csm_user, language, expected, other
):
    with tenant_scope(tenant), translation.override("ja"):
        account = AccountFactory(owner=csm_user)
        task_complete(task=_alert_task(account), actor=csm_user)
    client = Client()
    client.force_login(csm_user)
    timeline = f"/t/acme/journeys/accounts/{account.pk}/timeline/"
    for path in (f"/t/acme/accounts/{account.pk}/", timeline):
        body = client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert expected in body, path
        assert other not in body, path
