"""An account's version (cs_platform 0012, `datacache.account_version`) moves with writes to that
account's rows the journeys panels show, and with what every account's page shows; a write
to another account's rows leaves it, and compaction keeps every account's number."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cs_platform.datacache import account_version, data_version, data_versions_compact
from cs_platform.models import AccountVersionBump, Role, User
from cs_platform.requestmemo import request_memo_scope
from cs_platform.services import membership_set
from journeys.models import ActionStep, Task
from tests.factories import AccountFactory, ContactFactory, UserFactory
from tests.journeys.factories import (
    ActionStepFactory,
    ActivityFactory,
    JourneyMapFactory,
    JourneyTemplateFactory,
    MilestoneFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(scoped):
    a, b = AccountFactory(), AccountFactory()
    account_version(a.pk)  # the tenant's row: writes from now on are counted
    return a, b


def _versions(a, b) -> tuple[int, int]:
    return account_version(a.pk), account_version(b.pk)


def test_a_write_to_one_accounts_rows_moves_its_version_only(two):
    a, b = two
    before = _versions(a, b)
    task = TaskFactory(account=a)
    Task.objects.filter(pk=task.pk).update(status="done")
    ActivityFactory(account=a)
    ContactFactory(account=a)
    step = ActionStepFactory(milestone=MilestoneFactory(journey_map=JourneyMapFactory(account=a)))
    ActionStep.objects.filter(pk=step.pk).update(done=True)
    after = _versions(a, b)
    assert after[0] > before[0] and after[1] == before[1]


def test_a_row_moved_to_another_account_moves_both(two):
    a, b = two
    task = TaskFactory(account=a)
    before = _versions(a, b)
    Task.objects.filter(pk=task.pk).update(account=b)
    assert [x - y for x, y in zip(_versions(a, b), before, strict=True)] == [1, 1]


def test_what_every_account_shows_moves_every_accounts_version(two, tenant):
    a, b = two
    before = _versions(a, b)
    JourneyTemplateFactory()
    member = UserFactory()
    membership_set(tenant=tenant, user=member, role=Role.CSM)
    User.objects.filter(pk=member.pk).update(full_name="改名 太郎")
    assert [x - y for x, y in zip(_versions(a, b), before, strict=True)] == [3, 3]


def test_the_data_version_is_not_moved_by_the_account_channel(two):
    a, _ = two
    data = data_version()
    TaskFactory(account=a)
    assert data_version() == data


def test_compaction_keeps_every_accounts_version(two, monkeypatch):
    a, b = two
    TaskFactory(account=a)
    TaskFactory(account=b)
    JourneyTemplateFactory()
    before = _versions(a, b)
    assert AccountVersionBump.objects.count() == 3
    assert data_versions_compact() >= 3  # a's, b's and the tenant's row
    assert AccountVersionBump.objects.count() == 0
    assert _versions(a, b) == before
    TaskFactory(account=a)
    assert _versions(a, b) == (before[0] + 1, before[1])


def test_a_page_view_reads_the_account_with_the_tenants_versions_in_one_statement(two):
    a, _ = two
    data_version()  # the tenant's rows exist, as on any page after the first
    with request_memo_scope(), CaptureQueriesContext(connection) as captured:
        version = account_version(a.pk)
        data_version()
        assert account_version(a.pk) == version
    assert len(captured.captured_queries) == 1
