"""The account list's lean reads (issue #16): its rows, and its choices and saved views in one
statement, give what the ORM reads gave; the playbooks its bulk action offers are kept under the
touch version and follow every change to the rules."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.selectors import (
    account_list_annotated,
    list_page_reads,
    list_rows,
    owner_candidates,
    owner_choices,
    saved_view_list,
    segment_choices,
)
from accounts.selectors.accounts import LIST_ROW_FIELDS
from cs_platform.requestmemo import request_memo_scope
from cs_platform.scoping import tenant_scope
from tests.conftest import client_for
from tests.factories import (
    AccountFactory,
    MembershipFactory,
    SavedViewFactory,
    SegmentFactory,
    UserFactory,
)
from tests.touchmodel.factories import RuleFactory
from touchmodel.models import Rule

pytestmark = pytest.mark.django_db


def test_the_rows_are_what_the_orm_reads(tenant, csm_user, manager_user):
    with tenant_scope(tenant):
        accounts = [
            AccountFactory(owner=csm_user, industry="物流"),
            AccountFactory(owner=csm_user, market_segment="smb", lifecycle_status="paused"),
            AccountFactory(owner=None),
            AccountFactory(owner=manager_user),
        ]
        ids = [a.pk for a in accounts]
        lean = {a.pk: a for a in list_rows(ids)}
        orm = {a.pk: a for a in account_list_annotated().filter(pk__in=ids)}
        assert lean.keys() == orm.keys() == set(ids)
        for pk, account in orm.items():
            for name in LIST_ROW_FIELDS:
                assert getattr(lean[pk], name) == getattr(account, name), name
            assert str(lean[pk].owner or "") == str(account.owner or "")
            assert lean[pk].owner_id == account.owner_id
        # One owner instance per owner; a field the list does not read is still there.
        assert lean[ids[0]].owner is lean[ids[1]].owner
        assert lean[ids[0]].licensed_seats == accounts[0].licensed_seats


def test_the_choices_and_views_are_those_of_the_orm_in_one_statement(
    tenant, csm_user, manager_user, viewer_user
):
    gone = UserFactory(full_name="Inactive", is_active=False)
    MembershipFactory(tenant=tenant, user=gone, role="csm")
    csm_user.full_name = ""
    csm_user.save()
    with tenant_scope(tenant):
        for name in ("b <segment>", "A segment", "a segment"):
            SegmentFactory(name=name)
        SavedViewFactory(owner=manager_user, name="mine", query="sort=name")
        SavedViewFactory(owner=csm_user, name="theirs, shared", shared=True)
        SavedViewFactory(owner=csm_user, name="theirs, private")
        orm_owners, orm_segments = owner_choices(), segment_choices()
        orm_views = list(saved_view_list(user=manager_user))
        assert gone.pk not in dict(orm_owners) and len(orm_owners) == len(owner_candidates())
        with request_memo_scope(), CaptureQueriesContext(connection) as captured:
            views = list_page_reads(user=manager_user)
            assert owner_choices() == orm_owners
            assert segment_choices() == orm_segments
        [statement] = [q["sql"] for q in captured.captured_queries]
        # One call of a PL/pgSQL function (accounts 0023): no sub-SELECT to plan every view.
        assert "junkan_list_page_reads(" in statement and "accounts_savedview" not in statement
    shown = ["pk", "owner_id", "name", "query", "shared"]
    assert [[getattr(v, f) for f in shown] for v in views] == [
        [getattr(v, f) for f in shown] for v in orm_views
    ]
    assert [v.name for v in views] == ["mine", "theirs, shared"]


def _parsed(value):
    return json.loads(value) if isinstance(value, str) else value


def _playbooks_offered(client, tenant) -> str:
    from tests.accounts.conftest import url

    body = client.get(url(tenant, "list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    start = body.index('data-testid="bulk-value-start_playbook"')
    return body[start : body.index("</select>", start)]


def test_the_playbooks_offered_follow_each_change_to_the_rules(tenant, manager_user):
    client = client_for(manager_user)
    with tenant_scope(tenant):
        rule = RuleFactory(name_en="Renewal call")
    assert "Renewal call" in _playbooks_offered(client, tenant)
    with CaptureQueriesContext(connection) as captured:
        assert "Renewal call" in _playbooks_offered(client, tenant)  # kept
    assert not [q for q in captured if "touchmodel_rule" in q["sql"]]
    with tenant_scope(tenant):
        RuleFactory(name_en="Second")
    assert "Second" in _playbooks_offered(client, tenant)
    with tenant_scope(tenant):
        Rule.objects.filter(pk=rule.pk).update(name_en="Renamed")
    offered = _playbooks_offered(client, tenant)
    assert "Renamed" in offered and "Renewal call" not in offered
    with tenant_scope(tenant):
        Rule.objects.filter(pk=rule.pk).update(is_active=False)
    assert "Renamed" not in _playbooks_offered(client, tenant)
    with tenant_scope(tenant):
        Rule.objects.filter(name_en="Second").delete()
    assert "Second" not in _playbooks_offered(client, tenant)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "sort=name",
        "sort=-name&q=株式 会社",
        "q=a%26b&sort=phase&sort=-arr&page=2",
        "x_phase=10&x_phase=20&after=abc&before=x&sort=-owner",
        "owner=3&market_segment=smb",
    ],
)
def test_the_links_write_the_query_string_as_the_querydict_copy_did(query):
    """`sort_url`/`cursor_url` no longer copy the QueryDict per link: the same strings."""
    from django.http import QueryDict

    from accounts.templatetags.accounts_tags import cursor_url, sort_url

    def before(key: str, value: str) -> str:
        params = QueryDict(query).copy()
        for name in ("page", "after", "before"):
            params.pop(name, None)
        params[key] = value
        return "?" + params.urlencode()

    given = QueryDict(query)
    for key in ("name", "-arr", "phase", "owner"):
        base, current = key.lstrip("-"), given.get("sort")
        wanted = f"-{base}" if current == base else base if current == f"-{base}" else key
        assert sort_url(given, key) == before("sort", wanted)
    for key in ("after", "before"):
        assert cursor_url(given, key, "WyJhIiwxXQ") == before(key, "WyJhIiwxXQ")


def test_the_reads_function_sees_only_the_tenant_in_scope(tenant, other_tenant, manager_user):
    with tenant_scope(other_tenant):
        SegmentFactory(name="theirs")
        SavedViewFactory(owner=manager_user, name="theirs", shared=True)
    with tenant_scope(tenant), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM junkan_list_page_reads(%s, %s)", [other_tenant.pk, 0])
        _owners, segments, views = (_parsed(value) for value in cursor.fetchone())
    assert (segments, views) == ([], [])  # row-level security holds inside the function


def test_the_rows_read_with_a_page_are_taken_only_when_they_hold_every_id(tenant, csm_user):
    with tenant_scope(tenant):
        kept, read = AccountFactory(owner=csm_user), AccountFactory(owner=csm_user)
        known = {kept.pk: kept, 987654321: None}  # an id read with no account
        with CaptureQueriesContext(connection) as queries:
            assert list_rows([kept.pk, 987654321], known=known) == [kept]
        assert not [q for q in queries.captured_queries if "accounts_account" in q["sql"]]
        with CaptureQueriesContext(connection) as queries:
            rows = list_rows([kept.pk, read.pk], known=known)
        assert {a.pk for a in rows} == {kept.pk, read.pk} and all(a is not kept for a in rows)
        assert [q for q in queries.captured_queries if "accounts_account" in q["sql"]]
