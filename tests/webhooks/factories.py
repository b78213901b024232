"""Factories for every webhooks model (each valid with only `tenant` in scope)."""

from __future__ import annotations

import factory

from tests.factories import TenantOwnedFactory
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage
from webhooks.services import secret_generate

_TENANT = factory.SelfAttribute("..tenant")


class WebhookEndpointFactory(TenantOwnedFactory):
    class Meta:
        model = WebhookEndpoint

    url = factory.Sequence(lambda n: f"https://hooks.example.com/{n}")
    events = factory.LazyFunction(lambda: ["task.created"])
    secret = factory.LazyFunction(secret_generate)


class WebhookMessageFactory(TenantOwnedFactory):
    class Meta:
        model = WebhookMessage

    msg_id = factory.Sequence(lambda n: f"msg_test{n}")
    event_type = "task.created"
    payload = factory.LazyFunction(lambda: {"type": "task.created", "data": {}})


class WebhookDeliveryFactory(TenantOwnedFactory):
    class Meta:
        model = WebhookDelivery

    endpoint = factory.SubFactory(WebhookEndpointFactory, tenant=_TENANT)
    message = factory.SubFactory(WebhookMessageFactory, tenant=_TENANT)


class WebhookAttemptFactory(TenantOwnedFactory):
    class Meta:
        model = WebhookAttempt

    delivery = factory.SubFactory(WebhookDeliveryFactory, tenant=_TENANT)
    status_code = 200
    succeeded = True
