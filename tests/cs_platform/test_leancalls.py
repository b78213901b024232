"""A page view's read-function calls announced ahead are sent with the first one asked for, in
one statement, each row as `lean_call` reads it alone (cs_platform.leancalls, issue #16)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cs_platform.leancalls import lean_call_ahead, lean_call_once
from cs_platform.leanread import lean_call
from cs_platform.requestmemo import request_memo_scope
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def _versions(account_id: int, made: list[int] | None = None):
    """A call of `junkan_versions` (bigint columns) for the account, noting when it is made."""

    def make():
        if made is not None:
            made.append(account_id)
        return (
            ("versions", account_id),
            "junkan_versions(%(tenant)s, %(account)s)",
            {"account": account_id},
        )

    return make


def _alone(account_id: int) -> dict:
    return lean_call(
        "SELECT * FROM junkan_versions(%(tenant)s, %(account)s)", {"account": account_id}
    )


def test_announced_calls_go_with_the_first_asked_for_in_one_statement(scoped):
    accounts = [AccountFactory().pk for _ in range(3)]
    with request_memo_scope():
        made: list[int] = []
        lean_call_ahead(_versions(accounts[1], made))
        lean_call_ahead(_versions(accounts[2], made))
        assert made == []  # made when sent
        with CaptureQueriesContext(connection) as sent:
            first = lean_call_once(_versions(accounts[0]))
        assert made == accounts[1:]
        with CaptureQueriesContext(connection) as again:
            rows = [lean_call_once(_versions(pk)) for pk in accounts]
    assert len(sent) == 1 and sent[0]["sql"].count("junkan_versions(") == 3
    assert len(again) == 0
    assert rows[0] == first
    assert rows == [_alone(pk) for pk in accounts]


def test_a_call_announced_twice_or_already_read_is_sent_once(scoped):
    one, two = AccountFactory().pk, AccountFactory().pk
    expected = _alone(two)
    with request_memo_scope():
        lean_call_once(_versions(one))
        lean_call_ahead(_versions(one))
        lean_call_ahead(_versions(two))
        lean_call_ahead(_versions(two))
        with CaptureQueriesContext(connection) as sent:
            assert lean_call_once(_versions(two)) == expected
    assert len(sent) == 1 and sent[0]["sql"].count("junkan_versions(") == 1


def test_outside_a_page_view_each_call_is_sent_alone(scoped):
    one, two = AccountFactory().pk, AccountFactory().pk
    expected = _alone(one)
    lean_call_ahead(_versions(two))
    with CaptureQueriesContext(connection) as sent:
        assert lean_call_once(_versions(one)) == expected
        assert lean_call_once(_versions(one)) == expected
    assert len(sent) == 2 and all("junkan_versions(" in q["sql"] for q in sent)


def test_a_call_whose_making_reads_another_announced_call_reads_it_once(scoped):
    """As the reading panel's window needs the health read: made when sent, it asks for it."""
    first, second, asked = (AccountFactory().pk for _ in range(3))

    def second_after_first():
        lean_call_once(_versions(first))
        return _versions(second)()

    with request_memo_scope():
        lean_call_ahead(_versions(first))
        lean_call_ahead(second_after_first)
        with CaptureQueriesContext(connection) as sent:
            lean_call_once(_versions(asked))
    assert [q["sql"].count("junkan_versions(") for q in sent] == [1, 2]
