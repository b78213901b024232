"""Webhook endpoints through the API and the admin pages; payloads in the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from cs_platform.scoping import tenant_scope
from webhooks.events import payload_serializer
from webhooks.models import WebhookDelivery, WebhookEndpoint

from .factories import WebhookDeliveryFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/webhooks/endpoints/"


def test_an_admin_creates_an_endpoint_and_reads_its_secret(admin_api, tenant):
    response = admin_api.post(
        URL, {"url": "https://hooks.example.com/a", "events": ["task.created"]}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert "secret" not in response.json()
    pk = response.json()["id"]
    secret = admin_api.get(f"{URL}{pk}/secret/").json()["secret"]
    assert secret.startswith("whsec_")
    rotated = admin_api.post(f"{URL}{pk}/rotate-secret/").json()
    assert rotated["secret"] != secret and rotated["previous_secret_expires_at"]


def test_unknown_events_are_400_and_slack_for_other_events_409(admin_api):
    bad = admin_api.post(URL, {"url": "https://h.example.com", "events": ["nope"]}, format="json")
    assert bad.status_code == 400
    slack = admin_api.post(
        URL,
        {"url": "https://hooks.slack.com/x", "events": ["rule.fired"], "format": "slack"},
        format="json",
    )
    assert slack.status_code == 409  # well-formed, refused by a rule (docs/api-contract.md)
    assert "Slack" in str(slack.json())


def test_a_csm_cannot_manage_webhooks(csm_api):
    assert csm_api.get(URL).status_code == 403


def test_deliveries_are_listed_and_redelivered(
    admin_api, tenant, django_capture_on_commit_callbacks
):
    with tenant_scope(tenant):
        delivery = WebhookDeliveryFactory()
    pk = delivery.endpoint_id
    listed = admin_api.get(f"{URL}{pk}/deliveries/").json()
    assert listed["results"][0]["msg_id"] == delivery.message.msg_id
    with django_capture_on_commit_callbacks(execute=False):
        again = admin_api.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver/")
    assert again.status_code == 201
    assert again.json()["msg_id"] == delivery.message.msg_id
    with tenant_scope(tenant):
        assert WebhookDelivery.objects.count() == 2


def test_the_delivery_log_filters_by_endpoint(admin_api, tenant):
    with tenant_scope(tenant):
        mine = WebhookDeliveryFactory()
        WebhookDeliveryFactory()
    listed = admin_api.get("/api/v1/webhooks/deliveries/", {"endpoint": mine.endpoint_id}).json()
    assert [d["id"] for d in listed["results"]] == [mine.pk]


def test_event_types_and_payload_schemas_are_documented(admin_api):
    types = admin_api.get("/api/v1/webhooks/event-types/").json()
    assert {t["type"] for t in types} >= {"health.band_changed", "seminar.registered"}
    for event_type in types:
        example = event_type["example"]
        assert example["type"] == event_type["type"] and example["tenant"] == "acme"
        envelope = payload_serializer(event_type["type"])(data=example)
        assert envelope.is_valid(), (event_type["type"], envelope.errors)
    schema = admin_api.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    assert "WebhookPayload" in components
    assert "HealthBandChangedWebhookV1" in components
    assert "account" in components["BandChangedData"]["properties"]


@pytest.mark.parametrize(
    "language,heading", [("ja", "エンドポイントを追加"), ("en", "Add an endpoint")]
)
def test_the_admin_page_adds_an_endpoint(admin_user, tenant, language, heading):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(admin_user)
    page = client.get("/t/acme/webhooks/")
    assert page.status_code == 200 and heading in page.content.decode()
    response = client.post(
        "/t/acme/webhooks/",
        {
            "url": "https://hooks.example.com/p",
            "events": ["task.created", "rule.fired"],
            "format": "standard",
            "language": "ja",
        },
    )
    assert response.status_code == 302
    with tenant_scope(tenant):
        endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["task.created", "rule.fired"]
    detail = client.get(response["Location"])
    assert endpoint.secret in detail.content.decode()


def test_the_page_refuses_csms(csm_user):
    client = Client()
    client.force_login(csm_user)
    assert client.get("/t/acme/webhooks/").status_code == 403


@pytest.mark.parametrize(
    "language,reason",
    [
        ("ja", "2026-11-18 12:00 以降、すべての配信が失敗しました。"),
        ("en", "every delivery failed since 2026-11-18 12:00."),
    ],
)
def test_an_endpoint_disabled_for_failing_says_why_in_the_readers_language(
    admin_user, tenant, language, reason
):
    since = dt.datetime(2026, 11, 18, 12, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    with tenant_scope(tenant):
        endpoint = WebhookDeliveryFactory().endpoint
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            is_active=False,
            failing_since=since,
            disabled_at=since + dt.timedelta(days=5),
            disabled_reason="Every delivery failed since 2026-11-18 03:00 UTC.",
        )
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(admin_user)
    page = client.get(f"/t/acme/webhooks/{endpoint.pk}/").text
    assert reason in page
