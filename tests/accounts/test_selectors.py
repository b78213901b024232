import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.extensions import SegmentRule, _segment_rules, register_segment_rule
from accounts.models import ContractStatus
from accounts.selectors import (
    account_filter,
    account_list_annotated,
    account_search,
    segment_accounts,
)
from accounts.services import segment_create
from tests.factories import AccountFactory, ContractFactory

pytestmark = pytest.mark.django_db


def _names(qs):
    return [a.name for a in qs]


def test_search_with_two_japanese_characters_finds_a_substring(scoped):
    AccountFactory(name="株式会社採用ラボ")
    AccountFactory(name="名刺商事")
    assert _names(account_search(account_list_annotated(), "採用")) == ["株式会社採用ラボ"]


def test_search_with_three_characters_ranks_by_similarity(scoped):
    AccountFactory(name="採用ラボ")
    AccountFactory(name="株式会社採用ラボ東日本支社")
    AccountFactory(name="名刺商事")
    assert _names(account_search(account_list_annotated(), "採用ラボ")) == [
        "採用ラボ",
        "株式会社採用ラボ東日本支社",
    ]


def test_search_treats_like_wildcards_literally(scoped):
    AccountFactory(name="100% Juice")
    AccountFactory(name="Other")
    assert _names(account_search(account_list_annotated(), "%")) == ["100% Juice"]


def test_list_annotates_current_arr_from_active_contracts_only(scoped):
    account = AccountFactory()
    ContractFactory(account=account, arr=1_000)
    ContractFactory(account=account, arr=500)
    ContractFactory(account=account, arr=9_999, status=ContractStatus.RENEWED)
    assert account_list_annotated().get(pk=account.pk).current_arr == 1_500


def test_list_annotates_next_renewal_date(scoped):
    account = AccountFactory()
    ContractFactory(account=account, renewal_date=dt.date(2027, 3, 1))
    ContractFactory(account=account, renewal_date=dt.date(2027, 1, 1))
    assert account_list_annotated().get(pk=account.pk).next_renewal_date == dt.date(2027, 1, 1)


def test_filter_orders_by_arr_descending(scoped):
    small, big = AccountFactory(name="small"), AccountFactory(name="big")
    ContractFactory(account=small, arr=1)
    ContractFactory(account=big, arr=2)
    assert _names(account_filter(ordering="-arr")) == ["big", "small"]


def test_segment_applies_arr_and_market_segment_rules(scoped):
    big = AccountFactory(name="big", market_segment="enterprise")
    ContractFactory(account=big, arr=5_000_000)
    small = AccountFactory(name="small", market_segment="enterprise")
    ContractFactory(account=small, arr=100)
    segment = segment_create(
        name="Big enterprise", rules={"arr_min": 1_000_000, "market_segments": ["enterprise"]}
    )
    assert _names(segment_accounts(segment)) == ["big"]


def test_segment_renewal_window_rule(scoped):
    soon, later = AccountFactory(name="soon"), AccountFactory(name="later")
    today = timezone.localdate()
    ContractFactory(
        account=soon,
        start_date=today.replace(year=today.year - 1),
        renewal_date=today + dt.timedelta(days=20),
    )
    ContractFactory(account=later, start_date=today, renewal_date=today + dt.timedelta(days=200))
    segment = segment_create(name="Renewals", rules={"renewal_within_days": 30})
    assert _names(segment_accounts(segment)) == ["soon"]


def test_segment_with_an_unknown_rule_is_refused_with_the_key_named(scoped):
    with pytest.raises(ValidationError) as exc:
        segment_create(name="Bad", rules={"colour": "blue"})
    assert "colour" in str(exc.value.message_dict["rules"])


def test_segment_with_a_bad_value_is_refused(scoped):
    with pytest.raises(ValidationError):
        segment_create(name="Bad", rules={"arr_min": "lots"})


def test_segment_uses_a_rule_registered_by_an_upper_app(scoped):
    register_segment_rule(
        SegmentRule(key="name_is", label="Name", apply=lambda qs, v: qs.filter(name=v))
    )
    try:
        AccountFactory(name="a")
        AccountFactory(name="b")
        segment = segment_create(name="Only a", rules={"name_is": "a"})
        assert _names(segment_accounts(segment)) == ["a"]
    finally:
        _segment_rules.pop("name_is")
