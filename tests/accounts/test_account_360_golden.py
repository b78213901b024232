"""Account 360, byte for byte, held against the page as it rendered before its panels were made
faster (issue #16: the health chart's table, the journey map and timeline rows, the account's
read). The files in `account_360_golden/` were written by that version; ids (numbered in order
of their first appearance), CSRF tokens, chart ids and dates (as days from the pinned clock's
day) are put back as placeholders, so the page must match them at any instant.

Write them again (only on purpose):
    ACCOUNT_360_GOLDEN_WRITE=1 pytest tests/accounts/test_account_360_golden.py
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cs_platform.models import Role, User
from cs_platform.scoping import tenant_scope
from cs_platform.services import membership_set
from tests.factories import AccountFactory, ContactFactory, ContractFactory, UserFactory
from tests.healthscore.factories import (
    HealthAlertFactory,
    HealthScoreFactory,
    ScorecardFactory,
    ScorecardVersionFactory,
    SurveyResponseFactory,
)
from tests.journeys.factories import (
    AccountPhaseFactory,
    ActionStepFactory,
    ActivityFactory,
    FeedbackItemFactory,
    JourneyMapFactory,
    MilestoneFactory,
    PhaseFactory,
    PhaseTransitionFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "account_360_golden"


def _world(tenant, manager_user):
    """Every kind of row Account 360 shows, with names that need escaping."""
    today = timezone.localdate()
    now = timezone.localtime().replace(hour=10, minute=30, second=0, microsecond=0)
    with tenant_scope(tenant):
        member = UserFactory(full_name="佐藤 <花子> & Co", email="hanako@acme.example")
        membership_set(tenant=tenant, user=member, role=Role.CSM)
        account = AccountFactory(
            name='A&B <株式会社> "x"',
            external_id="EXT-1",
            domain="ab.example",
            industry="製造",
            employee_count=1200,
            owner=member,
            potential_arr=5_000_000,
        )
        contacts = [
            ContactFactory(
                account=account,
                name="鈴木 <一郎>",
                email="ichiro@ab.example",
                title="部長 & CTO",
                relationship_level="executive",
                is_decision_maker=True,
                phone="03 1234 5678",
                language="en",
                last_met_at=now - dt.timedelta(days=12),
            ),
            ContactFactory(
                account=account,
                name="Jane 'JJ' Doe",
                email="jane@ab.example",
                relationship_level="field",
                is_champion=True,
            ),
        ]
        first = ContractFactory(
            account=account,
            external_id="C-1",
            plan="Standard",
            arr=1_200_000,
            start_date=today - dt.timedelta(days=700),
            renewal_date=today - dt.timedelta(days=335),
            status="renewed",
        )
        ContractFactory(
            account=account,
            external_id="C-2",
            plan="Enterprise <plus>",
            arr=2_400_000,
            start_date=today - dt.timedelta(days=335),
            renewal_date=today + dt.timedelta(days=30),
            previous=first,
        )
        phases = [
            PhaseFactory(key="onboard", name_ja="導入", name_en="Onboarding", order=1),
            PhaseFactory(key="adopt", name_ja="定着 & 活用", name_en="Adoption & use", order=2),
            PhaseFactory(key="renew", name_ja="更新", name_en="Renewal", order=3),
        ]
        AccountPhaseFactory(account=account, phase=phases[1])
        PhaseTransitionFactory(account=account, from_phase=phases[0], to_phase=phases[1])
        scorecard = ScorecardFactory(name="標準 <card>")
        old = ScorecardVersionFactory(scorecard=scorecard, number=1)
        version = ScorecardVersionFactory(scorecard=scorecard, number=2)
        for days in range(0, 95, 1):
            HealthScoreFactory(
                account=account,
                version=version if days < 20 else old,
                day=today - dt.timedelta(days=days),
                score=40 + (days * 7) % 55 + 0.25,
                band="amber",
                components={
                    "active_users": {"value": 30 + days % 9, "points": 60, "weight": 35},
                    "active_days": {"value": 12.5, "points": 80 - days % 7, "weight": 15},
                },
            )
        HealthAlertFactory(account=account, kind="amber", score=45.5, previous_score=70.0)
        journey_map = JourneyMapFactory(account=account, title="導入 <map>")
        milestones = [
            MilestoneFactory(
                journey_map=journey_map,
                title="初回 <ダッシュボード>",
                customer_goal="全員が & 使える",
                status="in_progress",
                target_score=60,
                due_date=today + dt.timedelta(days=10),
                order=1,
                shared_with_customer=True,
            ),
            MilestoneFactory(
                journey_map=journey_map,
                title="Go live",
                customer_goal="",
                status="planned",
                target_score=80,
                due_date=None,
                order=2,
            ),
        ]
        ActionStepFactory(
            milestone=milestones[0],
            description="手順 <A> & B",
            owner_user=member,
            due_date=today + dt.timedelta(days=3),
            shared_with_customer=True,
        )
        ActionStepFactory(
            milestone=milestones[0],
            description="Step 'two'",
            owner_contact=contacts[0],
            due_date=None,
            done=True,
            order=2,
        )
        TaskFactory(
            account=account,
            title="電話 <する> & 確認",
            assignee=member,
            due_date=today - dt.timedelta(days=2),
        )
        TaskFactory(account=account, title="Follow up", assignee=None, due_date=None)
        for i, (kind, title, body) in enumerate(
            [
                ("note", "メモ <1>", "一行目\n<b>二行目</b> & more"),
                ("call", "Call 'them'", ""),
                ("email", "E-mail & reply", "line"),
            ]
        ):
            ActivityFactory(
                account=account,
                kind=kind,
                title=title,
                body=body,
                actor=member if i != 1 else None,
                occurred_at=now - dt.timedelta(days=i, hours=i),
            )
        FeedbackItemFactory(account=account, quote="レポート <が> ほしい & 早く")
        SurveyResponseFactory(account=account, score=9, comment="Great <tool>")
        empty = AccountFactory(name="空の会社", external_id="EXT-2")
    return account, empty


def _normalised(html: str) -> str:
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1{csrf}", html)
    html = re.sub(r"chart-\d+", "chart-{n}", html)
    today = timezone.localdate()

    def day(match: re.Match[str]) -> str:
        if match["y"]:
            found = dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
        else:
            found = dt.date(int(match["y2"]), int(match["m2"]), int(match["d2"]))
        return f"{{d{(found - today).days:+d}}}"

    html = re.sub(
        r"(?P<y>\d{4})[-/](?P<m>\d{2})[-/](?P<d>\d{2})|(?P<m2>\d{2})/(?P<d2>\d{2})/(?P<y2>\d{4})",
        day,
        html,
    )
    return _ids_numbered(html)


_ID = re.compile(
    r'<select[^>]*? name="(?P<select>[^"]+)"'
    r'|<option value="(?P<option>\d+)"'
    r'|(?P<word>[a-z_]+)(?P<sep>/|-|%2F)(?P<number>\d+)(?=/|"|%2F)'
)


def _ids_numbered(html: str) -> str:
    """Each id as `{<kind><n>}`: its kind is the word before it in a link (also as `next=`)
    or an element id (`accounts/12/`, `accounts%2F12%2F`, `arr-12"`) or the select it is an
    option of, `n` counts the ids of that kind in order of first appearance. So the page
    matches whatever ids the database gave."""
    ids: dict[tuple[str, str], str] = {}
    counts: dict[str, int] = {}
    select = ""

    def placeholder(kind: str, number: str) -> str:
        if (kind, number) not in ids:
            counts[kind] = counts.get(kind, 0) + 1
            ids[(kind, number)] = f"{{{kind}{counts[kind]}}}"
        return ids[(kind, number)]

    def number(match: re.Match[str]) -> str:
        nonlocal select
        if match["select"]:
            select = match["select"]
            return match[0]
        if match["option"]:
            return f'<option value="{placeholder(select, match["option"])}"'
        return f"{match['word']}{match['sep']}{placeholder(match['word'], match['number'])}"

    return _ID.sub(number, html)


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("role", ["manager", "viewer"])
def test_account_360_is_byte_identical_to_the_page_before(
    tenant, manager_user, viewer_user, language, role
):
    account, empty = _world(tenant, manager_user)
    # The fixtures' names are made up anew for each run.
    User.objects.filter(pk=manager_user.pk).update(full_name="Manager <M>")
    User.objects.filter(pk=viewer_user.pk).update(full_name="Viewer V")
    cache.clear()
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(manager_user if role == "manager" else viewer_user)
    client.cookies["django_language"] = language
    got = ""
    for shown in (account, empty):
        url = reverse("accounts:detail", kwargs={"tenant_slug": tenant.slug, "pk": shown.pk})
        first = client.get(url).content.decode()
        # A repeat view serves the kept panels: the same page.
        assert _normalised(client.get(url).content.decode()) == _normalised(first)
        got += _normalised(first)
    golden = GOLDEN / f"{role}_{language}.html"
    if os.environ.get("ACCOUNT_360_GOLDEN_WRITE"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(got)
    assert got == golden.read_text()
