"""Fixed-window limits of the public forms (cs_platform/ratelimit.py), in the real Redis."""

from __future__ import annotations

import uuid

import pytest
import time_machine
from django.utils import timezone

from cs_platform import ratelimit
from cs_platform.degraded import FailOpenRedisCache
from cs_platform.ratelimit import Limit, rate_limit_clear, rate_limit_hit


@pytest.fixture
def limit():
    one = Limit("test", uuid.uuid4().hex, 2, 60)
    yield one
    rate_limit_clear(one)


def test_hits_beyond_the_limit_wait_until_the_window_ends(limit):
    with time_machine.travel(timezone.now().replace(second=15, microsecond=0), tick=False):
        answers = [rate_limit_hit(limit) for _ in range(3)]

    assert answers[:2] == [None, None]
    assert 44 <= answers[2] <= 46  # 45 s left in the minute, plus one


def test_each_limit_counts_on_its_own_and_the_longest_wait_wins(limit):
    other = Limit("test", uuid.uuid4().hex, 1, 3600)
    try:
        assert rate_limit_hit(limit, other) is None
        wait = rate_limit_hit(limit, other)  # over `other` only
        assert wait is not None and wait > 60
        assert rate_limit_hit(Limit("test", uuid.uuid4().hex, 1, 60)) is None
    finally:
        rate_limit_clear(other)


def test_clearing_forgets_the_window(limit):
    for _ in range(3):
        rate_limit_hit(limit)
    rate_limit_clear(limit)

    assert rate_limit_hit(limit) is None


def test_the_limits_fail_open_when_redis_is_away(limit, monkeypatch):
    away = FailOpenRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 1}})
    monkeypatch.setattr(ratelimit, "cache", away)
    FailOpenRedisCache._down_until = 0.0
    try:
        assert [rate_limit_hit(limit) for _ in range(4)] == [None] * 4
    finally:
        FailOpenRedisCache._down_until = 0.0
