"""POST /api/v1/events/: keys, formats, limits and throttling."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from cs_platform.models import ApiKey, ApiKeyScope
from healthscore.models import UsageEvent
from tests.conftest import api_key_client
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/"


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    # NOTE: never cache.clear() here: the Redis database is shared with Celery and others.
    settings.HEALTH_INGEST_THROTTLE_RATE = None


def throttled_client(tenant, settings, rate):
    client = api_key_client(tenant, ApiKeyScope.INGEST)
    settings.HEALTH_INGEST_THROTTLE_RATE = rate
    cache.delete_many([f"throttle_ingest_{k.pk}" for k in ApiKey.objects.filter(tenant=tenant)])
    return client


@pytest.fixture
def account(scoped):
    return AccountFactory(external_id="acc-1")


@pytest.fixture
def ingest_api(tenant):
    return api_key_client(tenant, ApiKeyScope.INGEST)


def event(**overrides):
    base = {"account_id": "acc-1", "event": "login", "timestamp": timezone.now().isoformat()}
    base.update(overrides)
    return base


def test_json_array_is_answered_with_counts(ingest_api, account):
    response = ingest_api.post(URL, [event(), event(account_id="zzz")], format="json")
    assert response.status_code == 200
    assert response.json()["accepted"] == 1
    assert response.json()["duplicates"] == 0
    assert response.json()["rejected"][0]["index"] == 1


def test_ndjson_body_is_accepted(ingest_api, account):
    body = "\n".join(json.dumps(event()) for _ in range(3))
    response = ingest_api.post(URL, body, content_type="application/x-ndjson")
    assert response.status_code == 200
    assert response.json()["accepted"] == 3


def test_body_that_is_not_json_is_a_400(ingest_api, account):
    response = ingest_api.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_duplicate_key_in_a_second_request_counts_as_duplicate(ingest_api, account):
    ingest_api.post(URL, [event(idempotency_key="x")], format="json")
    response = ingest_api.post(URL, [event(idempotency_key="x")], format="json")
    assert response.json() == {"accepted": 0, "duplicates": 1, "rejected": []}


def test_more_than_ten_thousand_events_is_a_413(ingest_api, account):
    response = ingest_api.post(URL, [{}] * 10_001, format="json")
    assert response.status_code == 413


def test_too_many_ndjson_lines_is_a_413(ingest_api, account):
    response = ingest_api.post(URL, "{}\n" * 10_001, content_type="application/x-ndjson")
    assert response.status_code == 413


@override_settings(HEALTH_INGEST_MAX_BODY_BYTES=1000)
def test_body_larger_than_the_limit_is_a_413(ingest_api, account):
    response = ingest_api.post(URL, [event(properties={"x": "y" * 500})] * 3, format="json")
    assert response.status_code == 413
    assert UsageEvent.objects.count() == 0


def test_large_body_above_djangos_upload_limit_is_read(ingest_api, account):
    batch = [event(properties={"x": "y" * 500}) for _ in range(6000)]
    response = ingest_api.post(URL, batch, format="json")
    assert response.status_code == 200
    assert response.json()["accepted"] == 6000


def test_bad_key_is_a_401(client, account):
    response = client.post(
        URL, "[]", content_type="application/json", HTTP_AUTHORIZATION="Api-Key jk_wrong"
    )
    assert response.status_code == 401


def test_no_credentials_is_refused(client, account):
    response = client.post(URL, "[]", content_type="application/json")
    assert response.status_code in (401, 403)


@pytest.mark.parametrize("scope", [ApiKeyScope.READ, ApiKeyScope.WRITE])
def test_read_or_write_key_cannot_ingest(tenant, account, scope):
    response = api_key_client(tenant, scope).post(URL, [event()], format="json")
    assert response.status_code == 403


def test_signed_in_admin_cannot_ingest(admin_api, account):
    # Ingest takes keys only: a session is not a credential there.
    assert admin_api.post(URL, [event()], format="json").status_code == 401


def test_ingest_key_cannot_read_accounts(ingest_api, account):
    assert ingest_api.get("/api/v1/api-keys/").status_code == 403


def test_throttled_key_gets_429_with_retry_after(tenant, settings, account):
    ingest_api = throttled_client(tenant, settings, "2/min")
    for _ in range(2):
        assert ingest_api.post(URL, [event()], format="json").status_code == 200
    response = ingest_api.post(URL, [event()], format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_throttle_is_per_key(tenant, settings, account):
    first = throttled_client(tenant, settings, "1/min")
    second = throttled_client(tenant, settings, "1/min")
    assert first.post(URL, [event()], format="json").status_code == 200
    assert second.post(URL, [event()], format="json").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        '[{"account_id": "acc-1", "event": "a", "timestamp": "%s", "properties": {"x": NaN}}]',
        '[{"account_id": "acc-1", "event": "a", "timestamp": "%s", "properties": {"x": 1e999}}]',
        '[{"account_id": "acc-\\ud800", "event": "a", "timestamp": "%s"}]',
    ],
    ids=["nan", "infinity", "lone-surrogate"],
)
def test_json_that_postgresql_cannot_store_is_a_400_and_nothing_is_stored(
    ingest_api, account, body
):
    response = ingest_api.post(
        URL, body % timezone.now().isoformat(), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed"
    assert not UsageEvent.objects.exists()


def test_ndjson_line_with_nan_is_rejected_alone(ingest_api, account):
    good = json.dumps(event())
    bad = good[:-1] + ', "properties": {"x": NaN}}'
    response = ingest_api.post(URL, f"{good}\n{bad}\n{good}", content_type="application/x-ndjson")
    assert response.status_code == 200
    assert response.json()["accepted"] == 2
    assert response.json()["rejected"] == [
        {"index": 1, "error": "The line is not valid JSON.", "code": "invalid_json"}
    ]
