"""Account 360 escapes every text a person typed, in each panel, including those written as HTML
in Python (journeys.panel_html, journeys.phase_html, accounts.relations_html; issue #16): each
shown field holds markup and quotes, and the page must show it as text, never as markup."""

from __future__ import annotations

import datetime as dt
from html import escape

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cs_platform.models import Role, User
from cs_platform.scoping import tenant_scope
from cs_platform.services import membership_set
from tests.factories import AccountFactory, ContactFactory, ContractFactory, UserFactory
from tests.healthscore.factories import SurveyResponseFactory
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
from tests.touchmodel.factories import (
    AccountTierFactory,
    ChampionNominationFactory,
    UserGroupFactory,
    UserGroupMemberFactory,
)

pytestmark = pytest.mark.django_db

EVIL = "<script>x</script>\"'&"


def _evil(field: str) -> str:
    """A text for `field` that is markup unless escaped; the name tells which one leaked."""
    return f"{field}{EVIL}"


# Every text field Account 360 shows (each a name for `_evil`).
FIELDS = [
    "account",
    "user",
    "contact_name",
    "contact_title",
    "contact_email",
    "phone",
    "plan",
    "contract_id",
    "previous_plan",
    "phase_from",
    "phase_to",
    "phase_reason",
    "milestone",
    "goal",
    "step",
    "task",
    "task_description",
    "checklist",
    "activity",
    "activity_body",
    "feedback",
    "survey",
    "group",
    "award",
]


def _account(tenant):
    """An account (its CSM, contacts, contracts, phase, journey map, tasks, timeline, voice and
    community) whose every shown text is `_evil`."""
    e = _evil
    today = timezone.localdate()
    now = timezone.now()
    with tenant_scope(tenant):
        member = UserFactory(full_name=e("user"), email="evil@acme.example")
        membership_set(tenant=tenant, user=member, role=Role.CSM)
        account = AccountFactory(name=e("account"), owner=member)
        contact = ContactFactory(
            account=account,
            name=e("contact_name"),
            title=e("contact_title"),
            email=e("contact_email"),
            phone=e("phone"),
            is_decision_maker=True,
            last_met_at=now - dt.timedelta(days=3),
        )
        previous = ContractFactory(
            account=account,
            plan=e("previous_plan"),
            start_date=today - dt.timedelta(days=700),
            renewal_date=today - dt.timedelta(days=335),
            status="renewed",
        )
        ContractFactory(
            account=account,
            plan=e("plan"),
            external_id=e("contract_id"),
            start_date=today - dt.timedelta(days=335),
            renewal_date=today + dt.timedelta(days=30),
            previous=previous,
        )
        before = PhaseFactory(key="a", name_ja=e("phase_from"), name_en=e("phase_from"), order=1)
        after = PhaseFactory(key="b", name_ja=e("phase_to"), name_en=e("phase_to"), order=2)
        AccountPhaseFactory(account=account, phase=after)
        PhaseTransitionFactory(
            account=account,
            from_phase=before,
            to_phase=after,
            actor=member,
            reason=e("phase_reason"),
        )
        milestone = MilestoneFactory(
            journey_map=JourneyMapFactory(account=account, title=e("map")),
            title=e("milestone"),
            customer_goal=e("goal"),
            shared_with_customer=True,
        )
        ActionStepFactory(milestone=milestone, description=e("step"), owner_user=member)
        ActionStepFactory(milestone=milestone, description=e("step"), owner_contact=contact)
        TaskFactory(
            account=account,
            title=e("task"),
            description=e("task_description"),
            checklist=[{"text": e("checklist"), "done": False}, e("checklist")],
            assignee=member,
        )
        ActivityFactory(account=account, title=e("activity"), body=e("activity_body"), actor=member)
        FeedbackItemFactory(account=account, quote=e("feedback"))
        SurveyResponseFactory(account=account, score=9, comment=e("survey"))
        AccountTierFactory(account=account)
        group = UserGroupFactory(name_ja=e("group"), name_en=e("group"))
        UserGroupMemberFactory(group=group, contact=contact)
        ChampionNominationFactory(
            contact=contact, status="awarded", award_title=e("award"), reason=e("award")
        )
    return account


@pytest.mark.parametrize("language", ["ja", "en"])
def test_account_360_shows_every_typed_text_escaped(tenant, manager_user, language):
    account = _account(tenant)
    User.objects.filter(pk=manager_user.pk).update(full_name=_evil("user"))
    cache.clear()
    client = Client()
    client.force_login(manager_user)
    client.cookies["django_language"] = language
    url = reverse("accounts:detail", kwargs={"tenant_slug": tenant.slug, "pk": account.pk})

    page = client.get(url).content.decode()

    assert "<script>x" not in page
    assert [f for f in FIELDS if escape(_evil(f)) not in page] == []
