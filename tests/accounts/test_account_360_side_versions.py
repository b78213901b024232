"""The tables Account 360's side panels and health header read, which no tenant version
watches, move the account's version (`datacache.account_version`; accounts 0022, healthscore
0028, touchmodel 0017, journeys 0017, content 0006) by whatever writes them: a model's save, a
bulk insert, a queryset's update or delete, plain SQL, a service, a cascade. A row of one
account leaves another's version; what every account's page shows moves every account's.
The intra-day scores move the account's score version instead (healthscore 0035):
test_account_360_score_version.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Contact
from content.models import Article, ArticleView, SiteDomain
from content.services.tracking import article_view_record_bulk
from cs_platform.datacache import account_version
from healthscore.models import SurveyResponse
from healthscore.services.surveys import survey_response_record
from journeys.models import FeedbackItem
from tests.accounts.account_360 import moved, row_writes_moved
from tests.content.factories import ArticleFactory, ArticleViewFactory, SiteDomainFactory
from tests.factories import AccountFactory, ContactFactory
from tests.healthscore.factories import (
    SurveyResponseFactory,
)
from tests.journeys.factories import FeedbackItemFactory
from tests.touchmodel.factories import (
    ChampionNominationFactory,
    TierRuleFactory,
    UserGroupFactory,
    UserGroupMemberFactory,
)
from touchmodel.models import ChampionNomination, TierRule, UserGroup, UserGroupMember

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(scoped):
    a, b = AccountFactory(), AccountFactory()
    UserGroupFactory()  # the group members join (a group moves every account's version)
    ArticleFactory()  # the article read (an article moves every account's)
    account_version(a.pk)  # the tenant's row: writes from now on are counted
    return a, b


# Per account: (model, a factory call making a row of `account`).
PER_ACCOUNT: dict[str, tuple[Any, Callable[[Any], Any]]] = {
    "survey answer": (SurveyResponse, lambda a: SurveyResponseFactory(account=a)),
    "feedback": (FeedbackItem, lambda a: FeedbackItemFactory(account=a)),
    "article read": (
        ArticleView,
        lambda a: ArticleViewFactory(
            contact=ContactFactory(account=a), article=Article.objects.get()
        ),
    ),
    "champion award": (
        ChampionNomination,
        lambda a: ChampionNominationFactory(contact=ContactFactory(account=a)),
    ),
    "user group member": (
        UserGroupMember,
        lambda a: UserGroupMemberFactory(
            contact=ContactFactory(account=a), group=UserGroup.objects.first()
        ),
    ),
}


@pytest.mark.parametrize("kind", PER_ACCOUNT)
def test_a_row_inserted_updated_or_deleted_moves_its_accounts_version_only(two, kind):
    model, make = PER_ACCOUNT[kind]
    a, _b = two
    assert row_writes_moved(two, model, lambda: make(a)) == [(True, False)] * 3


@pytest.mark.parametrize("kind", ["champion award", "user group member"])
def test_a_contacts_row_given_to_another_accounts_contact_moves_both(two, kind):
    model, make = PER_ACCOUNT[kind]
    a, b = two
    row = make(a)
    other = ContactFactory(account=b)
    assert moved(two, lambda: model.objects.filter(pk=row.pk).update(contact=other)) == (
        True,
        True,
    )


def test_a_bulk_insert_and_plain_sql_move_each_accounts_version(two):
    a, b = two
    assert moved(
        two, lambda: FeedbackItem.objects.bulk_create([FeedbackItemFactory.build(account=a)])
    ) == (True, False)
    with connection.cursor() as cursor:
        sql = (
            "INSERT INTO healthscore_surveyresponse"
            " (tenant_id, account_id, score, responded_on, comment, created_at)"
            " VALUES (%s, %s, 7, %s, '', now()), (%s, %s, 9, %s, '', now())"
        )
        today = timezone.localdate()
        args = [a.tenant_id, a.pk, today, b.tenant_id, b.pk, today]
        assert moved(two, lambda: cursor.execute(sql, args)) == (True, True)


def test_the_services_that_write_them_move_the_accounts_version(two):
    a, _b = two
    contact = ContactFactory(account=a)
    article = ArticleFactory()
    now = timezone.now()
    assert moved(two, lambda: survey_response_record(account=a, score=3)) == (True, False)
    assert moved(
        two,
        lambda: article_view_record_bulk(
            rows=[{"article": article, "language": "ja", "contact": contact, "viewed_at": now}]
        ),
    ) == (True, False)


def test_a_contact_deleted_with_its_awards_and_groups_moves_its_accounts_version(two):
    a, _b = two
    contact = ContactFactory(account=a)
    ChampionNominationFactory(contact=contact)
    UserGroupMemberFactory(contact=contact, group=UserGroup.objects.first())
    assert moved(two, lambda: Contact.objects.filter(pk=contact.pk).delete()) == (True, False)


# What every account's page shows: (model, a factory call).
EVERY_ACCOUNT: dict[str, tuple[Any, Callable[[], Any]]] = {
    "tier rule": (TierRule, TierRuleFactory),
    "user group": (UserGroup, UserGroupFactory),
    "site domain": (SiteDomain, SiteDomainFactory),
}


@pytest.mark.parametrize("kind", EVERY_ACCOUNT)
def test_a_row_every_account_shows_moves_every_accounts_version(two, kind):
    model, make = EVERY_ACCOUNT[kind]
    assert row_writes_moved(two, model, make) == [(True, True)] * 3
