"""My work's lists are kept per viewer, day and expanded list under the data and work
versions (issue #16): a repeat view reads none of them again, and every kind of write that
changes a row or a count shows on the next view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Contract
from cs_platform.scoping import tenant_scope
from cs_platform.trash.services import trash_delete
from journeys import services
from journeys.models import ActionStep, Task
from tests.factories import AccountFactory, ContractFactory
from tests.journeys.factories import ActionStepFactory, MilestoneFactory, TaskFactory

pytestmark = pytest.mark.django_db

LISTS = ("my-tasks", "my-steps", "my-renewals", "my-accounts")


def _page(client: Client, query: str = "") -> str:
    response = client.get(reverse("journeys:my_work", kwargs={"tenant_slug": "acme"}) + query)
    assert response.status_code == 200
    return response.content.decode()


def _section(body: str, testid: str) -> str:
    return body.split(f'data-testid="{testid}"')[1].split("</section>")[0]


def _heading(body: str, testid: str) -> str:
    return body.split(f'data-testid="{testid}"')[1].split("</h2>")[0]


@pytest.fixture
def world(tenant, csm_user, manager_user, phases) -> dict[str, Any]:
    """One account of the CSM with a task, a step and a contract renewing soon."""
    today = timezone.localdate()
    account = AccountFactory(owner=csm_user, name="Kept Account")
    services.phase_transition(account=account, to_phase=phases["adoption"], actor=None)
    task = TaskFactory(account=account, assignee=csm_user, title="Kept task")
    milestone = MilestoneFactory(journey_map__account=account, title="Kept milestone")
    step = ActionStepFactory(milestone=milestone, owner_user=csm_user, description="Kept step")
    contract = ContractFactory(account=account, renewal_date=today + dt.timedelta(days=20))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(csm_user)
    return {
        "client": client,
        "account": account,
        "task": task,
        "milestone": milestone,
        "step": step,
        "contract": contract,
        "phases": phases,
        "csm": csm_user,
        "manager": manager_user,
        "today": today,
    }


def test_a_repeat_view_reads_no_list_again(world):
    client = world["client"]
    first = _page(client)
    with CaptureQueriesContext(connection) as captured:
        again = _page(client)
    for testid in LISTS:  # (the CSRF tokens are masked anew on each view)
        assert _section(again, testid) == _section(first, testid)
    read = " ".join(q["sql"] for q in captured.captured_queries)
    for table in ("journeys_task", "journeys_actionstep", "accounts_contract", "accounts_account"):
        assert table not in read, read
    assert len(captured) <= 3, read  # sign-in, the versions (the session's tenant is kept)


def _task_added(w: dict[str, Any]) -> None:
    services.task_create(account=w["account"], title="Brand new task", assignee=w["csm"])


def _task_done(w: dict[str, Any]) -> None:
    services.task_complete(task=Task.objects.get(pk=w["task"].pk))


def _task_reassigned(w: dict[str, Any]) -> None:
    services.task_update(task=Task.objects.get(pk=w["task"].pk), assignee=w["manager"])


def _task_renamed(w: dict[str, Any]) -> None:
    services.task_update(task=Task.objects.get(pk=w["task"].pk), title="Renamed task")


def _step_added(w: dict[str, Any]) -> None:
    ActionStepFactory(milestone=w["milestone"], owner_user=w["csm"], description="New step")


def _step_done(w: dict[str, Any]) -> None:
    services.action_step_set_done(step=ActionStep.objects.get(pk=w["step"].pk), done=True)


def _milestone_renamed(w: dict[str, Any]) -> None:
    services.milestone_update(milestone=w["milestone"], title="Renamed milestone", target_score=70)


def _account_renamed(w: dict[str, Any]) -> None:
    account_services.account_update(account=w["account"], name="Renamed Account")


def _owner_changed(w: dict[str, Any]) -> None:
    account_services.account_update(account=w["account"], owner=w["manager"])


def _account_trashed(w: dict[str, Any]) -> None:
    trash_delete(obj=w["account"], actor=w["manager"])


def _phase_moved(w: dict[str, Any]) -> None:
    services.phase_transition(account=w["account"], to_phase=w["phases"]["renewal"], actor=None)


def _phase_renamed(w: dict[str, Any]) -> None:
    services.phase_update(phase=w["phases"]["adoption"], data={"name_en": "Renamed phase"})


def _contract_added(w: dict[str, Any]) -> None:
    ContractFactory(account=w["account"], renewal_date=w["today"] + dt.timedelta(days=3), arr=777)


def _contract_moved_out(w: dict[str, Any]) -> None:
    Contract.objects.filter(pk=w["contract"].pk).update(
        renewal_date=w["today"] + dt.timedelta(days=200)
    )


# (write, the list it changes, what that list shows after it: present or absent)
WRITES: list[tuple[Callable[[dict[str, Any]], None], str, str, bool]] = [
    (_task_added, "my-tasks", "Brand new task", True),
    (_task_done, "my-tasks", "Kept task", False),
    (_task_reassigned, "my-tasks", "Kept task", False),
    (_task_renamed, "my-tasks", "Renamed task", True),
    (_step_added, "my-steps", "New step", True),
    (_step_done, "my-steps", "Kept step", False),
    (_milestone_renamed, "my-steps", "Renamed milestone", True),
    (_account_renamed, "my-accounts", "Renamed Account", True),
    (_account_renamed, "my-tasks", "Renamed Account", True),
    (_owner_changed, "my-accounts", "Kept Account", False),
    (_owner_changed, "my-renewals", "Kept Account", False),
    (_account_trashed, "my-tasks", "Kept task", False),
    (_phase_moved, "my-accounts", "Renewal", True),
    (_phase_renamed, "my-accounts", "Renamed phase", True),
    (_contract_added, "my-renewals", "777", True),
    (_contract_moved_out, "my-renewals", "Kept Account", False),
]


@pytest.mark.parametrize(
    ("write", "testid", "text", "shown"),
    WRITES,
    ids=[f"{w.__name__.strip('_')}-{testid}" for w, testid, _t, _s in WRITES],
)
def test_each_write_shows_on_the_next_view(world, write, testid, text, shown):
    client = world["client"]
    before = _section(_page(client), testid)
    assert (text in before) is not shown, before  # the write is what changes it
    with tenant_scope(world["account"].tenant):
        write(world)
    after = _section(_page(client), testid)
    assert (text in after) is shown, after


def test_the_counts_follow_the_writes(world):
    client = world["client"]
    assert _heading(_page(client), "my-tasks").endswith('<small class="muted">1</small>')
    with tenant_scope(world["account"].tenant):
        TaskFactory(account=world["account"], assignee=world["csm"])
        ActionStepFactory(milestone=world["milestone"], owner_user=world["csm"])
    body = _page(client)
    for testid in ("my-tasks", "my-steps"):
        assert _heading(body, testid).endswith('<small class="muted">2</small>')


def test_the_next_day_moves_the_renewal_window(world):
    """A contract renewing in 91 days enters the 90-day window the next day, with no write."""
    client = world["client"]
    with tenant_scope(world["account"].tenant):
        ContractFactory(
            account=world["account"],
            renewal_date=world["today"] + dt.timedelta(days=91),
            arr=919,
        )
    assert "919" not in _section(_page(client), "my-renewals")
    with time_machine.travel(timezone.now() + dt.timedelta(days=1), tick=False):
        assert "919" in _section(_page(client), "my-renewals")


def test_viewers_languages_and_expanded_lists_are_kept_apart(world):
    client = world["client"]
    with tenant_scope(world["account"].tenant):
        for i in range(20):
            TaskFactory(account=world["account"], assignee=world["csm"], title=f"Many {i:02d}")
    mine = _page(client)
    assert "Many 19" not in mine and 'data-testid="more-tasks"' in mine
    everything = _page(client, "?all=tasks")
    assert "Many 19" in everything and 'data-testid="more-tasks"' not in everything
    assert "Adoption" in _section(_page(client), "my-accounts")
    japanese = Client(HTTP_ACCEPT_LANGUAGE="ja")
    japanese.force_login(world["csm"])
    assert "Adoption" not in _section(_page(japanese), "my-accounts")
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(world["manager"])
    for testid in LISTS[:3]:
        assert "Kept" not in _section(_page(other), testid)
