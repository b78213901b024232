"""A rule's task is titled with the rule's name in the reader's language (issue #17); tasks of
rules fired before are rebuilt by the migration."""

import datetime as dt
import importlib

import pytest
from django.db import connection
from django.utils import timezone, translation

from journeys.extensions import task_descriptions, task_titles
from journeys.models import Task
from tests.factories import AccountFactory, ContractFactory
from touchmodel.services import rules_evaluate

from .factories import AccountTierFactory, RuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(scoped):
    RuleFactory(
        trigger="renewal_due",
        params={"days": 30},
        name_ja="更新前の確認",
        name_en="Check before renewal",
    )
    account = AccountFactory()
    AccountTierFactory(account=account, tier="high")
    ContractFactory(account=account, renewal_date=timezone.localdate() + dt.timedelta(days=10))
    rules_evaluate()
    return Task.objects.get()


def test_a_rule_task_reads_in_the_readers_language(task):
    assert task.kind == "rule"
    for language, expected in (("en", "Check before renewal"), ("ja", "更新前の確認")):
        with translation.override(language):
            assert task_titles([task]) == {task.pk: expected}


def test_the_migration_rebuilds_old_rule_tasks(task):
    reworded = Task.objects.create(
        tenant_id=task.tenant_id, account_id=task.account_id, title="電話する", source_key="x"
    )
    Task.objects.filter(pk=task.pk).update(kind="", data={})  # as before the migration
    sql = importlib.import_module("touchmodel.migrations.0009_rule_task_kind").RULE_TASKS_SQL
    with connection.cursor() as cursor:
        cursor.execute(sql)
    assert dict(Task.objects.values_list("pk", "kind")) == {task.pk: "rule", reworded.pk: ""}
    with translation.override("en"):
        assert task_titles(Task.objects.filter(pk=task.pk)) == {task.pk: "Check before renewal"}


def test_a_rule_tasks_description_reads_in_the_readers_language(task):
    on = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    assert task.data == {"rule": task.data["rule"], "detail": {"why": "renewal_due", "on": on}}
    assert task.description == f"フォローしましょう。\n\n{on} に更新日を迎えます。"  # stored, ja
    with translation.override("en"):
        assert task_descriptions([task]) == {task.pk: f"Let's follow up.\n\nRenews on {on}."}
    Task.objects.filter(pk=task.pk).update(data={"rule": task.data["rule"]})  # an older task
    with translation.override("en"):
        assert task_descriptions(Task.objects.filter(pk=task.pk)) == {task.pk: task.description}
