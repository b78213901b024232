"""My work's four lists, byte for byte, held against the page as the ORM-built view rendered it
(issue #16: the lists are read by hand-written SQL now). The files in `my_work_golden/` were
written by the ORM version; ids, CSRF tokens and dates (relative to the pinned clock) are put
back as placeholders, so the page must match them at any instant.

Write them again (only on purpose):
    MY_WORK_GOLDEN_WRITE=1 pytest tests/journeys/test_my_work_golden.py
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from cs_platform.scoping import tenant_scope
from journeys.models import AccountPhase
from tests.factories import AccountFactory, ContractFactory, UserFactory
from tests.journeys.factories import ActionStepFactory, MilestoneFactory, TaskFactory
from tests.touchmodel.factories import RuleFactory

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "my_work_golden"
OFFSETS = range(-10, 125)  # every due and renewal day the world has


def _world(tenant, user, phases) -> dict[str, dict[int, str]]:
    """Every kind of row each list shows, and rows it must not show; {kind: {id: label}}."""
    today = timezone.localdate()
    other = UserFactory()
    labels: dict[str, dict[int, str]] = {"accounts": {}, "tasks": {}, "steps": {}}
    with tenant_scope(tenant):
        names = [f"担当先{i:02d}" for i in range(16)] + ["A&B <株式会社>", "Ωmega \"quoted\" 'x'"]
        accounts = [AccountFactory(owner=user, name=name) for name in names]
        for account, phase in zip(
            accounts[::3], ("onboarding", "adoption", "renewal"), strict=False
        ):
            AccountPhase.objects.create(account=account, phase=phases[phase])
        theirs = AccountFactory(owner=other, name="他人の担当先")
        for i, account in enumerate([*accounts, theirs]):
            labels["accounts"][account.pk] = f"a{i}"
        rule = RuleFactory(name_ja="更新前フォロー", name_en="Follow up before renewal")
        tasks = [
            TaskFactory(
                account=accounts[0],
                assignee=user,
                title="Call <them> & ask",
                due_date=today - dt.timedelta(days=3),
                description="first line\n<b>second</b> " + "x" * 400,
                checklist=[
                    {"text": "ticked <i>", "done": True},
                    {"text": "open", "done": False},
                    "plain",
                ],
            ),
            TaskFactory(account=accounts[1], assignee=user, title="No due date", due_date=None),
            TaskFactory(
                account=accounts[16],
                assignee=user,
                title="stored title",
                kind="rule",
                data={"rule": rule.pk},
                description="stored description",
                due_date=today + dt.timedelta(days=2),
            ),
            TaskFactory(account=accounts[2], assignee=user, title="今日まで", due_date=today),
        ]
        tasks += [
            TaskFactory(
                account=accounts[3 + i % 10],
                assignee=user,
                title=f"タスク{i:02d}",
                due_date=today + dt.timedelta(days=5 + i),
            )
            for i in range(14)
        ]
        TaskFactory(account=accounts[0], assignee=user, title="done", status="done")
        TaskFactory(account=accounts[0], assignee=other, title="someone else's")
        for i, task in enumerate(tasks):
            labels["tasks"][task.pk] = f"t{i}"
        steps = [
            ActionStepFactory(
                milestone=MilestoneFactory(journey_map__account=accounts[4], title="Go <live>"),
                owner_user=user,
                description="Train & test",
                due_date=today + dt.timedelta(days=2),
            ),
            ActionStepFactory(
                milestone=MilestoneFactory(journey_map__account=accounts[17], title="定着"),
                owner_user=user,
                description="期限なし",
                due_date=None,
            ),
            ActionStepFactory(
                milestone=MilestoneFactory(journey_map__account=accounts[5], title="遅れ気味"),
                owner_user=user,
                description="遅れ",
                due_date=today - dt.timedelta(days=9),
            ),
        ]
        ActionStepFactory(owner_user=user, description="done", done=True)
        ActionStepFactory(owner_user=other, description="theirs")
        for i, step in enumerate(steps):
            labels["steps"][step.pk] = f"s{i}"
        start = today - dt.timedelta(days=300)
        for account, days, arr, currency, status in (
            (accounts[0], 8, 1_200_000, "JPY", "active"),
            (accounts[17], 20, 15_000, "USD", "renewed"),
            (accounts[6], 40, 3_456_789, "JPY", "expanded"),
            (accounts[7], 75, 0, "JPY", "active"),
            (accounts[8], 120, 500_000, "JPY", "active"),  # beyond 90 days
            (accounts[9], 12, 500_000, "JPY", "churned"),  # not live
            (theirs, 12, 500_000, "JPY", "active"),  # not mine
        ):
            ContractFactory(
                account=account,
                start_date=start,
                arr=arr,
                currency=currency,
                status=status,
                renewal_date=today + dt.timedelta(days=days),
            )
    return labels


def _lists(body: str) -> str:
    start = body.index('<div class="grid">')
    mine = body.index('data-testid="my-accounts"')
    return body[start : body.index("</section>", mine) + len("</section>")] + "\n"


def _normalised(html: str, labels: dict[str, dict[int, str]], user_pk: int, language: str) -> str:
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1{csrf}", html)
    html = re.sub(
        r"/(accounts|tasks|steps)/(\d+)/",
        lambda m: f"/{m[1]}/{{{labels[m[1]][int(m[2])]}}}/",
        html,
    )
    html = html.replace(f"?owner={user_pk}", "?owner={user}")
    today = timezone.localdate()
    with translation.override(language):
        for days in OFFSETS:
            day = date_format(today + dt.timedelta(days=days), "SHORT_DATE_FORMAT")
            html = html.replace(day, f"{{d{days:+d}}}")
    return html


@pytest.mark.parametrize(
    ("language", "query", "name"),
    [("ja", "", "ja"), ("en", "", "en"), ("ja", "?all=tasks", "ja_all_tasks")],
)
def test_the_lists_are_byte_identical_to_the_orm_rendering(
    tenant, csm_user, phases, language, query, name
):
    labels = _world(tenant, csm_user, phases)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(csm_user)
    page = reverse("journeys:my_work", kwargs={"tenant_slug": tenant.slug}) + query
    body = client.get(page).content.decode()
    got = _normalised(_lists(body), labels, csm_user.pk, language)
    golden = GOLDEN / f"{name}.html"
    if os.environ.get("MY_WORK_GOLDEN_WRITE"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(got)
    assert got == golden.read_text()
