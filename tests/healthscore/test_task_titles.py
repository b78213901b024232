"""Generated task titles are stored as what happened (kind + data) and read in the reader's
language on My Work, Account 360 and the API (issue #17); old rows are rebuilt by the
migrations, a reworded task keeps its words in every language."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io

import pytest
from django.db import connection
from django.test import Client
from django.utils import translation

from cs_platform.scoping import tenant_scope
from journeys.extensions import task_titles
from journeys.models import Task
from journeys.services import task_create
from journeys.services.edits import task_update
from tests.factories import AccountFactory
from tests.journeys.factories import MilestoneFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 20)
RED_JA = "ヘルススコアがレッドになりました（30）"
RED_EN = "Health moved into red (30)"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_alert_task_keeps_what_happened_and_reads_in_each_language(red_task, tenant):
    assert red_task.title == RED_JA  # stored in the tenant's language, the fallback
    assert red_task.kind == "health_alert"
    assert red_task.data == {"kind": "red", "score": 30.0, "previous": None}
    with tenant_scope(tenant):
        for language, expected in (("en", RED_EN), ("ja", RED_JA)):
            with translation.override(language):
                assert task_titles([red_task]) == {red_task.pk: expected}
                assert red_task.shown_title == expected


@pytest.mark.parametrize(
    ("language", "expected", "other"), [("en", RED_EN, RED_JA), ("ja", RED_JA, RED_EN)]
)
def test_my_work_and_account_360_show_the_title_in_the_readers_language(
    red_task, csm_user, language, expected, other
):
    client = _client(csm_user)
    for path in ("/t/acme/journeys/my-work/", f"/t/acme/accounts/{red_task.account_id}/"):
        body = client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert expected in body, path
        assert other not in body, path


def test_the_api_follows_accept_language(red_task, csm_api):
    listed = csm_api.get("/api/v1/tasks/", HTTP_ACCEPT_LANGUAGE="en").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [(r["title"], r["kind"]) for r in rows] == [(RED_EN, "health_alert")]
    one = csm_api.get(f"/api/v1/tasks/{red_task.pk}/", HTTP_ACCEPT_LANGUAGE="ja").json()
    assert one["title"] == RED_JA


def test_a_reworded_task_keeps_its_words_in_every_language(red_task, tenant, csm_api):
    with tenant_scope(tenant), translation.override("en"):
        task_update(task=red_task, title=RED_EN)  # the edit form's text unchanged: still generated
        assert Task.objects.get().kind == "health_alert"
    response = csm_api.patch(
        f"/api/v1/tasks/{red_task.pk}/", {"title": "Call Tanaka-san"}, format="json"
    )
    assert response.status_code == 200, response.content
    task = Task.objects.get()
    assert (task.title, task.kind, task.data) == ("Call Tanaka-san", "", {})
    with tenant_scope(tenant), translation.override("ja"):
        assert task.shown_title == "Call Tanaka-san"


def test_a_milestone_at_risk_task_reads_in_the_readers_language(scoped):
    account = AccountFactory()
    with translation.override("ja"):
        task = task_create(
            account=account,
            title="マイルストーンにリスク：キックオフ",
            source_key="milestone-at-risk:1:2026-12-01",
            kind="milestone_at_risk",
            data={"milestone": 1, "title": "キックオフ"},
        )
    with translation.override("en"):
        assert task_titles([task])[task.pk] == "Milestone at risk: キックオフ"


def _run(module: str, name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(getattr(importlib.import_module(module), name))


def test_the_migrations_rebuild_old_generated_tasks(red_task, tenant):
    with tenant_scope(tenant):
        milestone = MilestoneFactory(account=red_task.account, title="キックオフ")
        renamed = MilestoneFactory(account=red_task.account, title="新しい名前")
        old = [
            task_create(
                account=red_task.account,
                title=f"マイルストーンにリスク：{m.title if m is milestone else '古い名前'}",
                source_key=f"milestone-at-risk:{m.pk}:2026-12-01",
            )
            for m in (milestone, renamed)
        ]
        by_hand = task_create(account=red_task.account, title="電話する")
    Task.objects.filter(pk=red_task.pk).update(kind="", data={})  # as before the migration

    _run("healthscore.migrations.0020_health_alert_task_kind", "ALERT_TASKS_SQL")
    _run("journeys.migrations.0008_task_kind_data", "MILESTONE_TASKS_SQL")

    kinds = dict(Task.objects.values_list("pk", "kind"))
    assert kinds == {
        red_task.pk: "health_alert",
        old[0].pk: "milestone_at_risk",
        old[1].pk: "",  # renamed since: keeps its stored text
        by_hand.pk: "",
    }
    with tenant_scope(tenant), translation.override("en"):
        shown = task_titles(Task.objects.order_by("pk"))
    assert shown[red_task.pk] == RED_EN
    assert shown[old[0].pk] == "Milestone at risk: キックオフ"
    assert shown[old[1].pk] == "マイルストーンにリスク：古い名前"


@pytest.mark.parametrize(
    ("stored", "reader", "expected"), [(RED_JA, "en", RED_EN), (RED_EN, "ja", RED_JA)]
)
def test_a_deleted_alert_task_is_named_in_the_readers_language_in_trash_and_audit_log(
    red_task, tenant, admin_user, admin_api, stored, reader, expected
):
    """The trash, the change log and the audit log keep what the label says (kind + data) and
    word it for each reader: pages, API and the audit CSV; old rows keep their stored text."""
    from cs_platform.models import AuditEvent, ChangeRecord, TrashEntry

    other = stored
    with tenant_scope(tenant):
        Task.objects.filter(pk=red_task.pk).update(title=stored)  # the tenant's language
    assert admin_api.delete(
        f"/api/v1/tasks/{red_task.pk}/", HTTP_ACCEPT_LANGUAGE=reader
    ).status_code in (200, 204)
    with tenant_scope(tenant):
        entry = TrashEntry.objects.get(model="journeys.task", object_id=red_task.pk)
        assert entry.label == stored
        assert entry.label_data == {"kind": "health_alert", "data": red_task.data}
    client = _client(admin_user)
    trash_page = client.get("/t/acme/settings/trash/", HTTP_ACCEPT_LANGUAGE=reader)
    assert expected in trash_page.content.decode()
    assert other not in trash_page.content.decode()
    # The audit log names the object in the reader's language (its diff keeps the fields as
    # they were, the stored title among them).
    audit_page = client.get("/t/acme/settings/audit/", HTTP_ACCEPT_LANGUAGE=reader)
    assert f'{expected} <span class="muted">#{red_task.pk}</span>' in audit_page.content.decode()
    export = client.get("/t/acme/settings/audit/export.csv", HTTP_ACCEPT_LANGUAGE=reader)
    rows = csv.DictReader(io.StringIO(b"".join(export).decode().lstrip("\ufeff")))
    assert [r["target"] for r in rows if r["target_type"] == "journeys.task"] == [expected]
    trash = admin_api.get("/api/v1/trash/", HTTP_ACCEPT_LANGUAGE=reader).json()["results"]
    assert [e["label"] for e in trash] == [expected]
    restored = admin_api.post(
        f"/api/v1/trash/{trash[0]['id']}/restore/", HTTP_ACCEPT_LANGUAGE=reader
    ).json()
    assert restored["label"] == expected
    changes = admin_api.get("/api/v1/changes/", HTTP_ACCEPT_LANGUAGE=reader).json()["results"]
    assert [(c["action"], c["label"]) for c in changes] == [
        ("restored", expected),
        ("deleted", expected),
    ]
    events = admin_api.get(
        "/api/v1/audit-events/?target_type=journeys.task", HTTP_ACCEPT_LANGUAGE=reader
    ).json()["results"]
    assert [(e["action"], e["target_label"]) for e in events] == [
        ("object.restored", expected),
        ("object.deleted", expected),
    ]
    # Rows kept before the label data was: their stored text, in every language.
    with tenant_scope(tenant):
        ChangeRecord.objects.update(label_data={})
    changes = admin_api.get("/api/v1/changes/", HTTP_ACCEPT_LANGUAGE=reader).json()["results"]
    assert {c["label"] for c in changes} == {other}
    with tenant_scope(tenant):
        assert AuditEvent.objects.filter(target_label_data__kind="health_alert").count() == 2


def test_a_purged_alert_task_keeps_its_wording_in_the_change_and_audit_logs(
    red_task, tenant, admin_api
):
    import time_machine
    from django.utils import timezone

    from cs_platform.models import AuditEvent, ChangeRecord
    from cs_platform.trash.services import trash_delete, trash_purge_expired

    with tenant_scope(tenant), translation.override("ja"):
        trash_delete(obj=red_task)
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)), tenant_scope(None):
        assert trash_purge_expired() == 1
    with tenant_scope(tenant):
        purged = ChangeRecord.objects.get(action="purged")
        event = AuditEvent.objects.get(action="object.purged")
    assert (
        purged.label_data
        == event.target_label_data
        == {
            "kind": "health_alert",
            "data": red_task.data,
        }
    )
    changes = admin_api.get("/api/v1/changes/?action=purged", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [c["label"] for c in changes["results"]] == [RED_EN]


def test_the_migration_words_tasks_trashed_before_the_label_data_was_kept(
    red_task, tenant, admin_api
):
    from cs_platform.models import ChangeRecord, TrashEntry
    from cs_platform.trash.services import trash_delete

    with tenant_scope(tenant), translation.override("ja"):
        trash_delete(obj=red_task)
        TrashEntry.objects.update(label_data={})  # as kept before cs_platform 0009
        ChangeRecord.objects.update(label_data={})
    assert admin_api.get("/api/v1/trash/").json()["results"][0]["label"] == RED_JA
    migration = importlib.import_module("journeys.migrations.0012_trashed_task_label_data")
    with connection.cursor() as cursor:
        cursor.execute(migration.TRASHED_TASK_LABEL_DATA_SQL)
    for path in ("/api/v1/trash/", "/api/v1/changes/"):
        labels = [e["label"] for e in admin_api.get(path).json()["results"]]
        assert labels == [RED_EN], path


@pytest.mark.parametrize(
    ("stored", "reader", "expected"), [(RED_JA, "en", RED_EN), (RED_EN, "ja", RED_JA)]
)
def test_the_delete_confirmation_names_a_generated_task_in_the_readers_language(
    red_task, tenant, admin_user, stored, reader, expected
):
    with tenant_scope(tenant):
        Task.objects.filter(pk=red_task.pk).update(title=stored)
    page = _client(admin_user).get(
        f"/t/acme/journeys/tasks/{red_task.pk}/delete/", HTTP_ACCEPT_LANGUAGE=reader
    )
    body = page.content.decode()
    assert expected in body
    assert stored not in body
