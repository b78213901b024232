"""Account 360's kept parts key by the account's version alone, not the tenant's data version
(issue #16): every table the data version watches moves the account's version too (its own
rows the account's: accounts 0027, healthscore/journeys/touchmodel 0031/0019/0019; the
tenant's settings every account's: content 0008, healthscore 0031), so an edit of another
account keeps this account's page, and an edit of this account or of what every account shows
is on it at the next view. Its scores and alerts, and the tenant's latest scored day, move its
score version instead (healthscore 0035): test_account_360_score_version.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Account, Contract
from content.models import Article, ArticleTranslation, Section
from cs_platform.datacache import account_version, touch_version
from cs_platform.models import Role
from cs_platform.scoping import tenant_scope
from cs_platform.services import membership_set
from healthscore.models import (
    HealthScore,
    HealthSettings,
    Scorecard,
    ScorecardVersion,
)
from journeys import services as journey_services
from journeys.models import AccountPhase, JourneyMap, Meeting, Milestone, Phase, PhaseTransition
from tests.accounts.account_360 import moved, row_writes_moved, view
from tests.content.factories import ArticleFactory, ArticleTranslationFactory, SectionFactory
from tests.factories import AccountFactory, ContractFactory, UserFactory
from tests.healthscore.factories import (
    HealthScoreFactory,
    HealthSettingsFactory,
    ScorecardFactory,
    ScorecardVersionFactory,
)
from tests.journeys.factories import (
    AccountPhaseFactory,
    ActivityFactory,
    JourneyMapFactory,
    MeetingFactory,
    MilestoneFactory,
    PhaseFactory,
    PhaseTransitionFactory,
)
from tests.touchmodel.factories import (
    AccountTierFactory,
    RuleFactory,
    SeminarFactory,
    TouchSettingsFactory,
)
from touchmodel.models import AccountTier, Rule, Seminar, TouchSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(scoped):
    a, b = AccountFactory(), AccountFactory()
    PhaseFactory(order=1), PhaseFactory(order=2)
    version = ScorecardVersionFactory()
    HealthScoreFactory(account=b, version=version, day=timezone.localdate() - dt.timedelta(days=30))
    for account in (a, b):
        JourneyMapFactory(account=account)
    account_version(a.pk)  # the tenant's row: writes from now on are counted
    return a, b


def _phases() -> list[Phase]:
    return list(Phase.objects.order_by("order"))


# Per account: (model, a factory call making a row of `account`).
PER_ACCOUNT: dict[str, tuple[Any, Callable[[Any], Any]]] = {
    "contract": (Contract, lambda a: ContractFactory(account=a)),
    "current phase": (AccountPhase, lambda a: AccountPhaseFactory(account=a, phase=_phases()[0])),
    "phase move": (
        PhaseTransition,
        lambda a: PhaseTransitionFactory(account=a, from_phase=_phases()[0], to_phase=_phases()[1]),
    ),
    "milestone": (
        Milestone,
        lambda a: MilestoneFactory(journey_map=JourneyMap.objects.get(account=a)),
    ),
    "meeting": (Meeting, lambda a: MeetingFactory(account=a)),
    "touch tier": (AccountTier, lambda a: AccountTierFactory(account=a)),
}


@pytest.mark.parametrize("kind", PER_ACCOUNT)
def test_a_row_inserted_updated_or_deleted_moves_its_accounts_version_only(two, kind):
    model, make = PER_ACCOUNT[kind]
    a, _b = two
    assert row_writes_moved(two, model, lambda: make(a)) == [(True, False)] * 3


def test_the_accounts_own_row_moves_its_version_only(two, manager_user):
    a, b = two
    assert moved(two, lambda: Account.objects.filter(pk=a.pk).update(name="改名")) == (True, False)
    assert moved(two, lambda: account_services.account_update(account=b, owner=manager_user)) == (
        False,
        True,
    )
    new = AccountFactory()
    before = account_version(new.pk)
    assert moved(two, lambda: Account.objects.filter(pk=new.pk).delete()) == (False, False)
    assert account_version(new.pk) != before  # a kept 404 of its id is not served


def test_a_bulk_write_and_plain_sql_move_each_accounts_version(two):
    a, b = two
    assert moved(two, lambda: Contract.objects.bulk_create([ContractFactory.build(account=a)])) == (
        True,
        False,
    )
    assert moved(two, lambda: Account.objects.update(licensed_seats=7)) == (True, True)
    ContractFactory(account=b)
    with connection.cursor() as cursor:
        sql = "UPDATE accounts_contract SET arr = arr + 1 WHERE account_id = %s"
        assert moved(two, lambda: cursor.execute(sql, [b.pk])) == (False, True)


def test_a_phase_move_by_the_service_moves_its_accounts_version_only(two, manager_user):
    a, _b = two
    AccountPhaseFactory(account=a, phase=_phases()[0])
    assert moved(
        two,
        lambda: journey_services.phase_transition(
            account=a, to_phase=_phases()[1], actor=manager_user
        ),
    ) == (True, False)


# What every account's page shows: (model, a factory call).
EVERY_ACCOUNT: dict[str, tuple[Any, Callable[[], Any]]] = {
    "phase": (Phase, lambda: PhaseFactory(order=3)),
    "scorecard": (Scorecard, ScorecardFactory),
    "scorecard version": (
        ScorecardVersion,
        lambda: ScorecardVersionFactory(scorecard=Scorecard.objects.get()),
    ),
    "health settings": (HealthSettings, HealthSettingsFactory),
    "touch settings": (TouchSettings, TouchSettingsFactory),
    "seminar": (Seminar, SeminarFactory),
    "playbook rule": (Rule, RuleFactory),
    "section": (Section, SectionFactory),
    "article": (Article, ArticleFactory),
    "article translation": (ArticleTranslation, ArticleTranslationFactory),
}


@pytest.mark.parametrize("kind", EVERY_ACCOUNT)
def test_a_row_every_account_shows_moves_every_accounts_version(two, kind):
    model, make = EVERY_ACCOUNT[kind]
    assert row_writes_moved(two, model, make) == [(True, True)] * 3


# The page ---------------------------------------------------------------------------------


@pytest.fixture
def seen(tenant, manager_user):
    """Two accounts with a phase, a contract and a score; the first viewed once."""
    cache.clear()
    with tenant_scope(tenant):
        phases = [PhaseFactory(order=1, name_ja="導入"), PhaseFactory(order=2, name_ja="活用")]
        version = ScorecardVersionFactory()
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        accounts = [AccountFactory(owner=manager_user), AccountFactory(owner=manager_user)]
        for account in accounts:
            AccountPhaseFactory(account=account, phase=phases[0])
            ContractFactory(account=account)
            HealthScoreFactory(account=account, version=version, day=yesterday, score=71)
            MilestoneFactory(journey_map=JourneyMapFactory(account=account), status="planned")
    client = Client()
    client.force_login(manager_user)
    state = {"client": client, "account": accounts[0], "other": accounts[1], "phases": phases}
    state["version"] = version
    view(state)
    view(state)
    return state


def _statements_of_a_view(state) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        view(state)
    return [q["sql"][:120] for q in captured]


def test_another_accounts_edits_keep_this_accounts_page(tenant, manager_user, seen):
    """An owner change, a contract, a phase move and a rescore of another account (each
    raises the data version) leave this account's kept page: the view sends only the
    signed-in member's read and the versions."""
    other = seen["other"]
    with tenant_scope(tenant):
        member = UserFactory()
        membership_set(tenant=tenant, user=member, role=Role.CSM)
    view(seen)  # a new member moves every account's version (the task form's assignees)
    with tenant_scope(tenant):
        account_services.account_update(account=other, owner=member)
        account_services.contract_create(
            account=other,
            plan="標準",
            arr=1000,
            start_date=timezone.localdate(),
            renewal_date=timezone.localdate() + dt.timedelta(days=365),
        )
        journey_services.phase_transition(
            account=other, to_phase=seen["phases"][1], actor=manager_user
        )
        HealthScore.objects.filter(account=other).update(score=12)  # rescored, same day
    assert len(_statements_of_a_view(seen)) <= 2, _statements_of_a_view(seen)


def test_this_accounts_own_edits_show_at_once(tenant, manager_user, seen):
    account = seen["account"]
    with tenant_scope(tenant):
        journey_services.phase_transition(
            account=account, to_phase=seen["phases"][1], actor=manager_user
        )
    assert "活用" in view(seen)
    with tenant_scope(tenant):
        Phase.objects.filter(pk=seen["phases"][1].pk).update(name_ja="定着")
    assert "定着" in view(seen)


def test_a_view_after_another_accounts_view_reads_no_other_accounts_version(seen):
    """The page reads ahead what its latest view read, but not what that view kept under
    another account's version (reading that version would be a statement more)."""
    view({**seen, "account": seen["other"]})
    statements = _statements_of_a_view(seen)
    assert len(statements) <= 2, statements


def test_touches_elsewhere_keep_this_accounts_journeys_panels(tenant, manager_user, seen):
    """A meeting and a Learn & Support read on another account's timeline raise the tenant's
    touch version (the touch planner's), which the journey map, tasks, timeline and phase
    history no longer name."""
    with tenant_scope(tenant):
        before = touch_version()
        journey_services.meeting_log(account=seen["other"], agenda="別件", logged_by=manager_user)
        ActivityFactory(account=seen["other"], kind="content_view")
        assert touch_version() != before
    statements = _statements_of_a_view(seen)
    assert len(statements) <= 2, statements


def test_a_renamed_playbook_rule_titles_its_task_at_once(tenant, seen):
    with tenant_scope(tenant):
        rule = RuleFactory(name_ja="更新前の確認")
        journey_services.task_create(
            account=seen["account"],
            title="更新前の確認",
            source_key="touchmodel:firing:1",
            kind="rule",
            data={"rule": rule.pk},
        )
    assert "更新前の確認" in view(seen)
    with tenant_scope(tenant):
        Rule.objects.filter(pk=rule.pk).update(name_ja="契約更新の準備")
    assert "契約更新の準備" in view(seen)


def test_another_tenants_writes_leave_this_tenants_versions(two, other_tenant):
    """The triggers bump the tenant of the rows written: another workspace's account edit,
    scorecard and phases move its own accounts' versions, none of this one's."""
    a, b = two
    with tenant_scope(other_tenant):
        elsewhere = AccountFactory(tenant=other_tenant)
        theirs = account_version(elsewhere.pk)  # their row 0: their writes are counted
    ours = account_version(a.pk), account_version(b.pk)
    with tenant_scope(other_tenant):
        Account.objects.filter(pk=elsewhere.pk).update(name="別テナント")
        ScorecardVersionFactory(tenant=other_tenant)
        PhaseFactory(tenant=other_tenant, order=9)
        assert account_version(elsewhere.pk) >= theirs + 3
    assert (account_version(a.pk), account_version(b.pk)) == ours
