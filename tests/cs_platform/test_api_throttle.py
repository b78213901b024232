"""API rate limits: per API key and per signed-in user (cs_platform/api/throttles.py)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from cs_platform.models import ApiKey, ApiKeyScope
from tests.conftest import api_client_for, api_key_client
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def _forget_counts(tenant, *users) -> None:
    # NOTE: never cache.clear(): the Redis database is shared with Celery and others.
    keys = [f"throttle_api_key_{k.pk}" for k in ApiKey.objects.filter(tenant=tenant)]
    cache.delete_many(keys + [f"throttle_api_user_{u.pk}" for u in users])


def test_a_key_over_its_rate_gets_429_with_retry_after_and_a_json_message(tenant, settings):
    settings.API_KEY_THROTTLE_RATE = "3/min"
    reader = api_key_client(tenant, ApiKeyScope.READ)
    _forget_counts(tenant)

    for _ in range(3):
        assert reader.get("/api/v1/accounts/").status_code == 200
    refused = reader.get("/api/v1/accounts/")

    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 0 < wait <= 60
    assert refused.json() == {
        "detail": f"Too many requests; retry after {wait} seconds.",
        "code": "throttled",
    }


def test_each_key_has_its_own_count(tenant, settings):
    settings.API_KEY_THROTTLE_RATE = "1/min"
    first = api_key_client(tenant, ApiKeyScope.READ)
    second = api_key_client(tenant, ApiKeyScope.WRITE)
    _forget_counts(tenant)

    assert first.get("/api/v1/accounts/").status_code == 200
    assert first.get("/api/v1/accounts/").status_code == 429
    assert second.get("/api/v1/accounts/").status_code == 200


def test_a_signed_in_user_over_their_rate_gets_429(tenant, settings, csm_user, viewer_user):
    settings.API_USER_THROTTLE_RATE = "2/min"
    csm = api_client_for(csm_user, tenant)
    viewer = api_client_for(viewer_user, tenant)
    _forget_counts(tenant, csm_user, viewer_user)

    assert csm.get("/api/v1/accounts/").status_code == 200
    assert csm.get("/api/v1/contacts/").status_code == 200  # one count over every endpoint
    refused = csm.get("/api/v1/accounts/")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert "Retry-After" in refused
    assert viewer.get("/api/v1/accounts/").status_code == 200


def test_an_empty_rate_turns_the_limit_off(tenant, settings):
    settings.API_KEY_THROTTLE_RATE = ""
    reader = api_key_client(tenant, ApiKeyScope.READ)

    assert all(reader.get("/api/v1/accounts/").status_code == 200 for _ in range(5))


def test_ingestion_keeps_its_own_limit_not_the_api_keys(tenant, settings, scoped):
    settings.API_KEY_THROTTLE_RATE = "1/min"
    settings.HEALTH_INGEST_THROTTLE_RATE = "5/min"
    AccountFactory(external_id="acc-t")
    ingest = api_key_client(tenant, ApiKeyScope.INGEST)
    _forget_counts(tenant)
    cache.delete_many([f"throttle_ingest_{k.pk}" for k in ApiKey.objects.filter(tenant=tenant)])
    body = [{"account_id": "acc-t", "event": "login"}]

    statuses = [ingest.post("/api/v1/events/", body, format="json").status_code for _ in range(6)]

    assert statuses == [200] * 5 + [429]


def test_the_schema_documents_429_with_retry_after(admin_api):
    schema = admin_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    error = schema["components"]["responses"]["Error429"]
    assert "Retry-After" in error["headers"]
    accounts = schema["paths"]["/api/v1/accounts/"]["get"]["responses"]
    assert accounts["429"] == {"$ref": "#/components/responses/Error429"}
