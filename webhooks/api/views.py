"""`/api/v1/webhooks/…`: endpoints (admins), their delivery log and redelivery, and the
catalogue of events whose payloads the OpenAPI schema documents."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cs_platform.api.viewsets import (
    TenantScopedModelViewSet,
    TenantScopedReadOnlyViewSet,
    TenantScopedSerializer,
)

from .. import selectors
from ..events import (
    EVENT_CHOICES,
    EVENT_TYPES,
    PAYLOAD_VERSION,
    SLACK_EVENTS,
    payload_example,
    payload_serializer,
)
from ..models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from ..services import (
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)


class WebhookEndpointSerializer(TenantScopedSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField([value for value, _label in EVENT_CHOICES]),
        allow_empty=False,
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id", "url", "description", "events", "format", "language", "is_active",
            "failing_since", "disabled_at", "disabled_reason", "created_at",
        ]  # fmt: skip
        read_only_fields = ["failing_since", "disabled_at", "disabled_reason", "created_at"]


class WebhookSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="whsec_… (verify `webhook-signature` with it)")
    previous_secret_expires_at = serializers.DateTimeField(allow_null=True)


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = [
            "attempted_at", "succeeded", "status_code", "response_body", "error", "duration_ms",
        ]  # fmt: skip


class WebhookDeliverySerializer(serializers.ModelSerializer):
    msg_id = serializers.CharField(source="message.msg_id")
    event_type = serializers.CharField(source="message.event_type")
    payload = serializers.JSONField(source="message.payload")
    log = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "msg_id", "event_type", "status", "attempts", "next_attempt_at", "created_at",
            "payload", "log",
        ]  # fmt: skip


class WebhookEndpointViewSet(TenantScopedModelViewSet):
    """Webhook endpoints of the workspace (admins). The secret is read with `secret/`."""

    permission_resource = "webhook"

    serializer_class = WebhookEndpointSerializer

    def safely_get_queryset(self) -> QuerySet[WebhookEndpoint]:
        return selectors.webhook_endpoint_list()

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = webhook_endpoint_create(
            created_by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = webhook_endpoint_update(
            endpoint=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: WebhookEndpoint) -> None:
        webhook_endpoint_delete(endpoint=instance)

    @extend_schema(request=None, responses=WebhookSecretSerializer)
    @action(detail=True, methods=["get"])
    def secret(self, request: Request, pk: str | None = None) -> Response:
        endpoint = self.get_object()
        return Response(WebhookSecretSerializer(endpoint).data)

    @extend_schema(request=None, responses=WebhookSecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        endpoint = webhook_endpoint_rotate_secret(endpoint=self.get_object())
        return Response(WebhookSecretSerializer(endpoint).data)

    @extend_schema(request=None, responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        queryset = selectors.webhook_delivery_list(endpoint=self.get_object()).prefetch_related(
            "log"
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


class WebhookDeliveryViewSet(TenantScopedReadOnlyViewSet):
    """Deliveries with their attempts (the log), newest first; `?endpoint=<id>` filters."""

    permission_resource = "webhook_delivery"

    serializer_class = WebhookDeliverySerializer
    filterset_fields = ["endpoint", "status"]

    def safely_get_queryset(self) -> QuerySet[WebhookDelivery]:
        return selectors.webhook_delivery_all()

    @extend_schema(request=None, responses={201: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def redeliver(self, request: Request, pk: str | None = None) -> Response:
        """Send the message again (same `webhook-id`), as a new delivery."""
        again = webhook_delivery_redeliver(delivery=self.get_object())
        return Response(WebhookDeliverySerializer(again).data, status=status.HTTP_201_CREATED)


_PAYLOAD = PolymorphicProxySerializer(
    component_name="WebhookPayload",
    serializers={value: payload_serializer(value) for value, _label in EVENT_CHOICES},
    resource_type_field_name="type",
    many=False,
)


class WebhookEventTypeSerializer(serializers.Serializer):
    type = serializers.ChoiceField(EVENT_TYPES)
    label = serializers.CharField()
    version = serializers.ChoiceField([PAYLOAD_VERSION])
    slack = serializers.BooleanField(help_text="Whether a Slack-format endpoint receives it.")
    example = _PAYLOAD


class WebhookEventTypesView(APIView):
    """The events an endpoint can subscribe to, each with an example payload (version 1); the
    schema of `example` (`WebhookPayload`) documents every payload Junkan POSTs."""

    permission_resource = "webhook_event_type"

    @extend_schema(
        responses={200: WebhookEventTypeSerializer(many=True)},
        summary="Webhook events and their payloads",
    )
    def get(self, request: Request) -> Response:
        timestamp = timezone.now().isoformat()
        data: list[dict[str, Any]] = [
            {
                "type": value,
                "label": str(label),
                "version": PAYLOAD_VERSION,
                "slack": value in SLACK_EVENTS,
                "example": payload_example(
                    value, tenant_slug=request.tenant.slug, timestamp=timestamp
                ),
            }
            for value, label in EVENT_CHOICES
        ]
        return Response(data)
