"""The planner's capacity is cached under the data version and recomputed after a write to
what it reads; the page's capacity section too, with what it reads on every view (issue #16)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cs_platform.models import Role, User
from cs_platform.scoping import tenant_scope
from cs_platform.services import membership_set
from tests.factories import AccountFactory, UserFactory
from touchmodel.models import AccountTier, CsmCapacity, Tier, TouchSettings
from touchmodel.selectors import capacity_overview

pytestmark = pytest.mark.django_db


def _tiers(scoped) -> dict[str, int]:
    return capacity_overview().accounts_per_tier


def test_a_second_view_reads_no_accounts(scoped):
    AccountFactory.create_batch(3)
    first = capacity_overview()
    with CaptureQueriesContext(connection) as captured:
        again = capacity_overview()
    assert again.accounts_per_tier == first.accounts_per_tier
    assert not [q for q in captured.captured_queries if '"accounts_account"' in q["sql"]]


def test_a_tier_change_is_seen_at_once(scoped):
    accounts = AccountFactory.create_batch(3)
    TouchSettings.objects.update_or_create(defaults={"default_tier": Tier.TECH})
    assert _tiers(scoped)[Tier.HIGH] == 0
    AccountTier.objects.create(account=accounts[0], tier=Tier.HIGH, source="manual")
    assert _tiers(scoped)[Tier.HIGH] == 1
    AccountTier.objects.filter(account=accounts[0]).update(tier=Tier.LOW)
    assert _tiers(scoped)[Tier.HIGH] == 0


def test_a_new_default_tier_is_seen_at_once(scoped):
    AccountFactory.create_batch(2)
    TouchSettings.objects.update_or_create(defaults={"default_tier": Tier.TECH})
    assert _tiers(scoped)[Tier.TECH] == 2
    TouchSettings.objects.update(default_tier=Tier.LOW)
    assert _tiers(scoped)[Tier.LOW] == 2 and _tiers(scoped)[Tier.TECH] == 0


def test_a_new_account_is_seen_at_once(scoped):
    AccountFactory.create_batch(2)
    before = sum(_tiers(scoped).values())
    AccountFactory()
    assert sum(_tiers(scoped).values()) == before + 1


# --- the page: the capacity section is rendered once per data version and fresh inputs ----


def _capacity_section(user) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    body = client.get(reverse("touchmodel:planner", args=["acme"])).content.decode()
    return body.split('data-testid="capacity"')[1].split("</section>")[0]


def _load_row(section: str, name: str) -> str:
    return next(row for row in section.split("<tr") if name in row)


def test_the_capacity_section_shows_each_change_of_what_it_reads_fresh(
    tenant, manager_user, csm_user
):
    with tenant_scope(tenant):
        AccountFactory.create_batch(2, owner=csm_user)
    first = _capacity_section(manager_user)
    assert str(csm_user) in first
    assert _capacity_section(manager_user) == first  # the second view is the cached one
    # a capacity set for the CSM
    with tenant_scope(tenant):
        CsmCapacity.objects.create(user=csm_user, hours_per_month=7)
    assert "<td>7.0</td>" in _load_row(_capacity_section(manager_user), str(csm_user))
    # a CSM renamed
    User.objects.filter(pk=csm_user.pk).update(full_name="Renamed Person")
    assert "Renamed Person" in _capacity_section(manager_user)
    # a new CSM in the team
    newcomer = UserFactory(full_name="New Colleague")
    membership_set(tenant=tenant, user=newcomer, role=Role.CSM)
    assert "New Colleague" in _capacity_section(manager_user)


def test_the_capacity_section_shows_a_new_account_and_a_tier_change_at_once(
    tenant, manager_user, csm_user
):
    with tenant_scope(tenant):
        TouchSettings.objects.update_or_create(defaults={"default_tier": Tier.TECH})
        account = AccountFactory(owner=csm_user)
    row = _load_row(_capacity_section(manager_user), str(csm_user))
    assert row.count("<td>") >= 4 and "<td>0</td><td>0</td><td>1</td>" in row
    with tenant_scope(tenant):
        AccountTier.objects.create(account=account, tier=Tier.HIGH, source="manual")
        AccountFactory(owner=csm_user)
    row = _load_row(_capacity_section(manager_user), str(csm_user))
    assert "<td>1</td><td>0</td><td>1</td>" in row


# --- the page: the programmes' chart and table are rendered once per what they show ----------


def _programs_section(user, language: str = "en") -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    body = client.get(reverse("touchmodel:planner", args=["acme"])).content.decode()
    return body.split('data-testid="planner-chart"')[1].split("</section>")[0]


def test_the_programs_section_shows_each_change_of_the_programmes(tenant, manager_user):
    from journeys.services import activity_record
    from tests.touchmodel.factories import TouchProgramFactory
    from touchmodel.models import TouchProgram

    with tenant_scope(tenant):
        program = TouchProgramFactory(
            kind="content_track", name_en="Kick-off calls", reach_per_month=4
        )
    first = _programs_section(manager_user)
    assert "Kick-off calls" in first and 'data-testid="planner-point"' in first
    assert _programs_section(manager_user) == first  # the second view is the kept one
    with tenant_scope(tenant):
        TouchProgram.objects.filter(pk=program.pk).update(name_en="Renamed calls")
    assert "Renamed calls" in _programs_section(manager_user)
    with tenant_scope(tenant):
        TouchProgram.objects.filter(pk=program.pk).update(reach_per_month=777)
    assert '<td data-testid="program-reach">777 · ' in _programs_section(manager_user)
    with tenant_scope(tenant):  # a touch (an article read: the touch version only)
        activity_record(account=AccountFactory(), kind="content_view", title="Get Started")
    assert '<span class="band-red">0.3</span>' in _programs_section(manager_user)
    with tenant_scope(tenant):
        TouchProgram.objects.filter(pk=program.pk).update(is_active=False)
    inactive = _programs_section(manager_user)
    assert "(inactive)" in inactive and 'data-testid="planner-point"' not in inactive
    with tenant_scope(tenant):
        TouchProgramFactory(name_en="Second programme")
    assert "Second programme" in _programs_section(manager_user)


def test_the_programs_section_is_kept_apart_per_role_and_language(
    tenant, manager_user, viewer_user
):
    from tests.touchmodel.factories import TouchProgramFactory

    with tenant_scope(tenant):
        program = TouchProgramFactory(name_ja="立ち上げ説明会", name_en="Launch briefing")
    edit = f"/t/acme/touchmodel/programs/{program.pk}/edit/"
    assert edit in _programs_section(manager_user)
    assert edit not in _programs_section(viewer_user)
    assert "Add a program" not in _programs_section(viewer_user)
    assert "Launch briefing" in _programs_section(viewer_user)
    japanese = _programs_section(viewer_user, "ja")
    assert "立ち上げ説明会" in japanese and "Launch briefing" not in japanese
