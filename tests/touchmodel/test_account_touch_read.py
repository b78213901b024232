"""Account 360's touch panel reads the account's tier and its people's awards and user groups
in one call of `junkan_account_touch` (touchmodel 0018), planned once per connection: what
`account_tier_get` and `relationship_map` read, and no other tenant's rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.selectors import contacts_of
from cs_platform.requestmemo import request_memo_scope
from cs_platform.scoping import tenant_scope
from tests.factories import AccountFactory, ContactFactory
from tests.loaded import loaded_fields
from tests.touchmodel.factories import (
    AccountTierFactory,
    ChampionNominationFactory,
    TierRuleFactory,
    UserGroupFactory,
    UserGroupMemberFactory,
)
from touchmodel.selectors import account_tier_get
from touchmodel.selectors.account_page import account_touch_read
from touchmodel.selectors.community import relationship_map

pytestmark = pytest.mark.django_db


def _people(levels) -> list[tuple[str, int, list[str], list[str]]]:
    return [(level, p.contact.pk, p.awards, p.groups) for level, ps in levels.items() for p in ps]


def _account_with_people(by=None):
    account = AccountFactory()
    AccountTierFactory(
        account=account,
        source="manual" if by else "rule",
        rule=TierRuleFactory(),
        override_by=by,
        override_reason="大口" if by else "",
        override_at=timezone.now() if by else None,
    )
    ana = ContactFactory(account=account, name="Ana", relationship_level="manager")
    ben = ContactFactory(account=account, name="Ben", relationship_level="executive")
    ContactFactory(account=account, name="Cho", relationship_level="field")
    older = timezone.now() - dt.timedelta(days=3)
    for contact, title, at in ((ana, "Guide", older), (ana, "", timezone.now()), (ben, "X", older)):
        nomination = ChampionNominationFactory(
            contact=contact, status="awarded", award_title=title, criterion="mastery"
        )
        type(nomination).objects.filter(pk=nomination.pk).update(created_at=at)
    ChampionNominationFactory(contact=ben, status="pending", award_title="not yet")
    for group in (UserGroupFactory(), UserGroupFactory()):
        UserGroupMemberFactory(group=group, contact=ana)
    UserGroupMemberFactory(contact=ContactFactory())  # another account's contact
    return account


def test_the_touch_panel_reads_the_tier_and_people_in_one_call(scoped, admin_user):
    account = _account_with_people(by=admin_user)
    with request_memo_scope():
        contacts_of(account=account)  # the page read them with the account
        with CaptureQueriesContext(connection) as captured:
            touch = account_touch_read(account=account)
    [statement] = [q["sql"] for q in captured.captured_queries]
    assert "junkan_account_touch(" in statement
    expected = account_tier_get(account=account)
    assert loaded_fields(touch.tier) == loaded_fields(expected)
    assert loaded_fields(touch.tier.rule) == loaded_fields(expected.rule)
    assert loaded_fields(touch.tier.override_by) == loaded_fields(expected.override_by)
    people = _people(relationship_map(account=account))
    assert _people(touch.relationship) == people
    ana = next(p for p in touch.relationship["manager"] if p.contact.name == "Ana")
    assert ana.awards == ["mastery", "Guide"] and len(ana.groups) == 2


def test_an_account_with_no_tier_and_no_people(scoped):
    account = AccountFactory()
    touch = account_touch_read(account=account)
    assert touch.tier is None
    assert touch.relationship == {"executive": [], "manager": [], "field": []}


def test_the_touch_function_sees_only_the_tenant_in_scope(tenant, other_tenant):
    with tenant_scope(other_tenant):
        theirs = _account_with_people()
    with tenant_scope(tenant), connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM junkan_account_touch(%s, %s, 'awarded')", [other_tenant.pk, theirs.pk]
        )
        assert cursor.fetchall() == [(None, None)]
