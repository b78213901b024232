"""The Redis cache writes several keys in one round trip, each with its timeout, without
Django's MULTI, MSET, EXPIRE per key and EXEC, and takes any key without memcached's checks
(cs_platform.degraded, issue #16)."""

from __future__ import annotations

import warnings

import pytest
from django.core.cache import cache
from django.core.cache.backends.base import CacheKeyWarning

from cs_platform.degraded import FailOpenRedisCache


@pytest.fixture
def redis():
    return cache._cache.get_client(None, write=True)


def _sent(redis, monkeypatch) -> list[str]:
    """The names of the commands the cache's client sends, in order."""
    sent: list[str] = []
    connection_class = redis.connection_pool.connection_class
    pack = connection_class.pack_commands

    def recording(self, commands):
        sent.extend(str(command[0]) for command in commands)
        return pack(self, commands)

    monkeypatch.setattr(connection_class, "pack_commands", recording)
    return sent


def test_set_many_writes_each_key_with_its_timeout_in_one_pipeline(redis, monkeypatch):
    # The client, as Django's cache calls it (not through the fail-open guard, which another
    # test may have left waiting out a simulated outage).
    a, b = cache.make_key("test:a"), cache.make_key("test:b")
    sent = _sent(redis, monkeypatch)
    cache._cache.set_many({a: 1, b: "<p>"}, 30)
    assert sent == ["SET", "SET"]
    assert cache._cache.get_many([a, b]) == {a: 1, b: "<p>"}
    assert 0 < redis.ttl(a) <= 30
    assert 0 < redis.ttl(b) <= 30


def test_set_many_without_a_timeout_keeps_and_with_0_keeps_nothing(redis):
    # The client's timeouts, as Django's cache gives them (None: no expiry).
    kept, other = cache.make_key("test:kept"), cache.make_key("test:other")
    cache._cache.set_many({kept: 1}, None)
    assert redis.ttl(kept) == -1
    cache._cache.set_many({kept: 2, other: 3}, 0)
    assert redis.exists(kept, other) == 0


def test_a_key_memcached_would_refuse_is_kept_without_a_warning(monkeypatch):
    # Django's check warns (CacheKeyWarning) of what Redis takes: spaces, 250+ characters.
    # Through the fail-open guard, which an earlier test may have left waiting out an outage.
    monkeypatch.setattr(FailOpenRedisCache, "_down_until", 0.0)
    key = "page view: " + "x" * 300
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        cache.set(key, "<p>", 30)
        assert cache.get(key) == "<p>"
        assert cache.get_many([key]) == {key: "<p>"}
