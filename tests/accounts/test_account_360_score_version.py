"""An account's scores and alerts move its score version, not its version (cs_platform 0015,
healthscore 0035; issue #16): only the Account 360 parts that show them (the health header,
the health panel, the journey map's verdicts, the reading panel's window) key by it, so a
rescore of the account (the nightly recompute, an event batch) shows the new score at once
and keeps every other part of the page. An update of the account's row that changes only the
list's sort keys (the health rank the recompute writes) moves neither (accounts 0029)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Account
from cs_platform.datacache import (
    PROCESS_COPIES,
    account_score_version,
    account_version,
    data_versions_compact,
)
from cs_platform.models import AccountScoreVersionBump
from cs_platform.scoping import tenant_scope
from healthscore.models import Band, HealthAlert, HealthScore, HealthScoreNow, ScorecardVersion
from healthscore.services.now import scores_now_recompute
from healthscore.services.scorecards import default_definition, healthscore_tenant_defaults
from tests.accounts.account_360 import moved, panel, row_writes_moved, view, without_tokens
from tests.factories import AccountFactory, ContractFactory
from tests.healthscore.factories import (
    HealthAlertFactory,
    HealthScoreFactory,
    HealthScoreNowFactory,
    ScorecardVersionFactory,
)
from tests.journeys.factories import (
    AccountPhaseFactory,
    JourneyMapFactory,
    MilestoneFactory,
    PhaseFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(scoped):
    a, b = AccountFactory(), AccountFactory()
    version = ScorecardVersionFactory()
    HealthScoreFactory(account=b, version=version, day=timezone.localdate() - dt.timedelta(days=30))
    account_version(a.pk)  # the tenant's rows: writes from now on are counted
    return a, b


def both_moved(two: tuple[Any, Any], write: Callable[[], Any]) -> dict[str, tuple[bool, bool]]:
    """Which of the two accounts' versions and score versions `write()` moved."""
    a, b = two
    before = [f(x.pk) for f in (account_version, account_score_version) for x in (a, b)]
    write()
    after = [f(x.pk) for f in (account_version, account_score_version) for x in (a, b)]
    changed = [x != y for x, y in zip(before, after, strict=True)]
    return {"version": (changed[0], changed[1]), "scores": (changed[2], changed[3])}


def _old_day() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=400)  # not the latest day


# Per account: (model, a factory call making a row of `account`).
SCORES: dict[str, tuple[Any, Callable[[Any], Any]]] = {
    "nightly score": (
        HealthScore,
        lambda a: HealthScoreFactory(
            account=a, version=ScorecardVersion.objects.get(), day=_old_day()
        ),
    ),
    "intra-day score": (
        HealthScoreNow,
        lambda a: HealthScoreNowFactory(account=a, version=ScorecardVersion.objects.get()),
    ),
    "alert": (HealthAlert, lambda a: HealthAlertFactory(account=a)),
}


@pytest.mark.parametrize("kind", SCORES)
def test_a_score_row_moves_its_accounts_score_version_only(two, kind):
    model, make = SCORES[kind]
    a, _b = two
    assert (
        row_writes_moved(two, model, lambda: make(a), account_score_version) == [(True, False)] * 3
    )


@pytest.mark.parametrize("kind", SCORES)
def test_a_score_row_leaves_every_accounts_version(two, kind):
    model, make = SCORES[kind]
    a, _b = two
    assert row_writes_moved(two, model, lambda: make(a)) == [(False, False)] * 3


def test_the_event_time_rescore_moves_the_score_version_only(two):
    a, _b = two
    healthscore_tenant_defaults(tenant=a.tenant)
    assert both_moved(two, lambda: scores_now_recompute(account_ids=[a.pk])) == {
        "version": (False, False),
        "scores": (True, False),
    }


def test_plain_sql_moves_each_accounts_score_version(two):
    a, b = two
    _score(a, _old_day())
    with connection.cursor() as cursor:
        sql = "UPDATE healthscore_healthscore SET score = score + 1 WHERE account_id IN (%s, %s)"
        assert both_moved(two, lambda: cursor.execute(sql, [a.pk, b.pk])) == {
            "version": (False, False),
            "scores": (True, True),
        }


def test_compaction_keeps_every_accounts_score_version(two):
    a, b = two
    _score(a, _old_day())
    HealthAlertFactory(account=b)
    before = account_score_version(a.pk), account_score_version(b.pk)
    assert AccountScoreVersionBump.objects.count() == 2
    assert data_versions_compact() >= 2
    assert AccountScoreVersionBump.objects.count() == 0
    assert (account_score_version(a.pk), account_score_version(b.pk)) == before
    HealthAlertFactory(account=a)
    assert (account_score_version(a.pk), account_score_version(b.pk)) == (before[0] + 1, before[1])


# The tenant's latest scored day (a journey map judges milestones by it) -------------------


def _score(account: Account, day: dt.date) -> HealthScore:
    return HealthScoreFactory(account=account, version=ScorecardVersion.objects.get(), day=day)


def test_scores_of_a_new_latest_day_move_every_accounts_score_version(two):
    a, b = two
    today = timezone.localdate()
    _score(a, today - dt.timedelta(days=1))
    assert both_moved(two, lambda: _score(b, today)) == {
        "version": (False, False),
        "scores": (True, True),
    }
    # The day's next rows, an earlier day's and a rescore of the day: a's stays.
    assert moved(two, lambda: _score(b, today - dt.timedelta(days=5)), account_score_version) == (
        False,
        True,
    )
    rescore = lambda: HealthScore.objects.filter(day=today).update(score=3)  # noqa: E731
    assert moved(two, rescore, account_score_version) == (False, True)


def test_the_last_rows_of_the_latest_day_deleted_move_every_accounts_score_version(two):
    a, b = two
    today = timezone.localdate()
    _score(a, today - dt.timedelta(days=1))
    _score(a, today)
    latest = _score(b, today)
    delete_one = HealthScore.objects.filter(pk=latest.pk).delete
    assert moved(two, delete_one, account_score_version) == (False, True)
    assert both_moved(two, HealthScore.objects.filter(day=today).delete) == {
        "version": (False, False),
        "scores": (True, True),
    }


def test_a_score_moved_to_another_day_moves_every_accounts_score_version(two):
    _a, b = two
    row = _score(b, timezone.localdate() - dt.timedelta(days=3))
    later = row.day + dt.timedelta(days=1)
    move = lambda: HealthScore.objects.filter(pk=row.pk).update(day=later)  # noqa: E731
    assert moved(two, move, account_score_version) == (True, True)


# The account's row: the list's sort keys ---------------------------------------------------


def test_a_new_band_writes_the_health_rank_and_moves_no_account_version(two):
    """The latest score's band is the account's list rank (healthscore 0024): the rank's
    write moves neither of the account's versions' row (its score moves the score version)."""
    a, _b = two
    _score(a, timezone.localdate() - dt.timedelta(days=2))
    rank = Account.objects.values_list("list_health_rank", flat=True)
    before = rank.get(pk=a.pk)
    red = lambda: HealthScore.objects.filter(account=a).update(band=Band.RED, score=10)  # noqa: E731
    assert both_moved(two, red) == {"version": (False, False), "scores": (True, False)}
    assert rank.get(pk=a.pk) != before  # the rank was written


def test_an_edit_of_any_other_column_moves_the_accounts_version(two):
    a, _b = two
    edit = lambda: Account.objects.filter(pk=a.pk).update(industry="物流")  # noqa: E731
    assert both_moved(two, edit) == {"version": (True, False), "scores": (False, False)}


# The page ---------------------------------------------------------------------------------


@pytest.fixture
def seen(tenant, manager_user):
    """An account with a phase, a contract, a score of the latest day and a milestone on
    track; viewed twice (kept)."""
    cache.clear()
    with tenant_scope(tenant):
        version = ScorecardVersionFactory()
        account = AccountFactory(owner=manager_user)
        AccountPhaseFactory(account=account, phase=PhaseFactory(order=1, name_ja="導入"))
        ContractFactory(account=account)
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        HealthScoreFactory(account=account, version=version, day=yesterday, score=71)
        journey_map = JourneyMapFactory(account=account)
        MilestoneFactory(
            journey_map=journey_map,
            status="planned",
            target_score=70,
            due_date=timezone.localdate() + dt.timedelta(days=7),
        )
    client = Client()
    client.force_login(manager_user)
    state = {"client": client, "account": account}
    view(state)
    view(state)
    return state


def _rescored(tenant, state) -> list[str]:
    """The statements of the view after the account's nightly score changed."""
    with tenant_scope(tenant):
        HealthScore.objects.filter(account=state["account"]).update(score=12, band=Band.RED)
    with CaptureQueriesContext(connection) as captured:
        body = view(state)
    state["body"] = body
    return [q["sql"] for q in captured]


def test_a_rescore_shows_at_once_in_every_part_that_shows_the_score(tenant, seen):
    kept = view(seen)
    assert "71" in panel(kept, "health-header") and "71" in panel(kept, "health-panel")
    _rescored(tenant, seen)
    body = seen["body"]
    assert "12" in panel(body, "health-header") and "71" not in panel(body, "health-header")
    assert "12" in panel(body, "health-panel")
    # The milestone's verdict: on track at 71 (due within the at-risk window), at risk at 12.
    assert 'data-state="on_track"' in kept and 'data-state="at_risk"' in body


def test_a_rescore_keeps_the_account_and_the_parts_without_scores(tenant, seen):
    """The view after a rescore reads the health, the journey map's data and the reading
    panel's (its window is the scoring version's) again, not the account, its contacts and
    contracts or the touch panel."""
    statements = _rescored(tenant, seen)
    read = " ".join(statements)
    assert "junkan_account_health(" in read
    for kept in ("junkan_account_page(", "junkan_account_touch("):
        assert kept not in read, statements


def _engagement_days(days: int) -> dict[str, Any]:
    definition = default_definition()
    for component in definition["components"]:
        if component["measure"] == "engagement":
            component["params"] = {**component.get("params", {}), "days": days}
    return definition


def test_a_rescore_under_another_engagement_window_shows_it_in_the_reading_panel(
    tenant, manager_user
):
    """The Learn & Support panel counts reading over the engagement window of the version
    that scored the account last: a rescore by a version with another window shows it."""
    cache.clear()
    with tenant_scope(tenant):
        month = ScorecardVersionFactory(definition=_engagement_days(30))
        fortnight = ScorecardVersionFactory(definition=_engagement_days(14))
        account = AccountFactory(owner=manager_user)
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        HealthScoreFactory(account=account, version=month, day=yesterday)
    client = Client()
    client.force_login(manager_user)
    state = {"client": client, "account": account}
    view(state)
    assert "30" in panel(view(state), "reading-window")
    with tenant_scope(tenant):
        HealthScore.objects.filter(account=account).update(version=fortnight)
    window = panel(view(state), "reading-window")
    assert "14" in window and "30" not in window


def _page(state) -> str:
    # The chart's id is a process-wide counter: not the page's content.
    return re.sub(r"chart-[0-9]+", "chart-N", without_tokens(view(state)))


def test_the_page_after_a_rescore_is_the_page_built_anew(tenant, seen):
    """What the rescore left kept (every part not marked `scores`) shows nothing it changed:
    the page is the one a first view of the same data builds."""
    _rescored(tenant, seen)
    after = _page(seen)
    cache.clear()
    PROCESS_COPIES.clear()
    assert _page(seen) == after


@pytest.fixture
def unjudged(tenant, manager_user):
    """An account with a score and a journey map without milestones; viewed twice (kept)."""
    cache.clear()
    with tenant_scope(tenant):
        version = ScorecardVersionFactory()
        account = AccountFactory(owner=manager_user)
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        HealthScoreFactory(account=account, version=version, day=yesterday, score=71)
        journey_map = JourneyMapFactory(account=account)
    client = Client()
    client.force_login(manager_user)
    state = {"client": client, "account": account, "journey_map": journey_map}
    view(state)
    view(state)
    return state


def test_a_rescore_keeps_a_journey_map_without_milestones(tenant, unjudged):
    """No milestone, no verdict: the map was kept without the score version (`scores_read`
    False), so the view after a rescore reads only the health."""
    statements = _rescored(tenant, unjudged)
    read = " ".join(statements)
    assert "junkan_account_health(" in read
    assert "junkan_journeys_account_panels(" not in read, statements
    after = _page(unjudged)
    cache.clear()
    PROCESS_COPIES.clear()
    assert _page(unjudged) == after


def test_a_first_milestone_is_judged_by_the_score_at_once(tenant, unjudged):
    with tenant_scope(tenant):
        MilestoneFactory(
            journey_map=unjudged["journey_map"],
            status="planned",
            target_score=70,
            due_date=timezone.localdate() + dt.timedelta(days=7),
        )
    assert 'data-state="on_track"' in view(unjudged)
    _rescored(tenant, unjudged)
    assert 'data-state="at_risk"' in unjudged["body"]


def test_another_tenants_scores_leave_this_tenants_score_versions(two, other_tenant):
    """The triggers bump the tenant of the rows written: another workspace's new latest
    scored day and rescore move its own accounts' score versions, none of this one's."""
    a, b = two
    with tenant_scope(other_tenant):
        elsewhere = AccountFactory(tenant=other_tenant)
        theirs = account_score_version(elsewhere.pk)  # their row 0: their writes are counted
    ours = account_score_version(a.pk), account_score_version(b.pk)
    with tenant_scope(other_tenant):
        version = ScorecardVersionFactory(tenant=other_tenant)
        HealthScoreFactory(
            tenant=other_tenant,
            account=elsewhere,
            version=version,
            day=timezone.localdate() + dt.timedelta(days=1),
        )
        HealthScore.objects.filter(account=elsewhere).update(score=5)
        assert account_score_version(elsewhere.pk) >= theirs + 3
    assert (account_score_version(a.pk), account_score_version(b.pk)) == ours
