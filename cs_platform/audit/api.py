"""/api/v1/audit-events/: the audit log, read-only (admins, and read-scoped API keys)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from cs_platform.api.viewsets import TenantScopedReadOnlyViewSet
from cs_platform.models import AuditEvent
from cs_platform.trash.api import LabelsShownListSerializer

from . import selectors

_BIGINT = 2**63 - 1


@extend_schema_field(
    {
        "type": "object",
        "description": "The changed fields: {field: [before, after]}; fields inside a JSON "
        "document as dotted paths (draft.weights.usage).",
        "additionalProperties": {"type": "array", "minItems": 2, "maxItems": 2, "items": {}},
    }
)
class ChangesField(serializers.JSONField):
    pass


class AuditEventSerializer(serializers.ModelSerializer):
    actor_user = serializers.IntegerField(
        source="actor_user_id", allow_null=True, help_text="Id of the person who acted."
    )
    actor_api_key = serializers.IntegerField(
        source="actor_api_key_id", allow_null=True, help_text="Id of the API key that acted."
    )
    changes = ChangesField()
    ip = serializers.IPAddressField(allow_null=True)
    actor_label = serializers.CharField(source="shown_actor_label")
    target_label = serializers.CharField(
        source="shown_label",
        help_text="The object's name at the time; a generated task's title in the request's "
        "language (Accept-Language).",
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "action",
            "actor_user",
            "actor_api_key",
            "actor_label",
            "target_type",
            "target_id",
            "target_label",
            "changes",
            "ip",
            "user_agent",
            "source",
        ]
        read_only_fields = fields
        list_serializer_class = LabelsShownListSerializer


class AuditFilterSerializer(serializers.Serializer):
    actor_user = serializers.IntegerField(
        required=False, min_value=1, max_value=_BIGINT, help_text="Only this person's actions."
    )
    actor_api_key = serializers.IntegerField(
        required=False, min_value=1, max_value=_BIGINT, help_text="Only this API key's actions."
    )
    action = serializers.RegexField(
        r"^[a-z_]+(\.[a-z_]+)?$",
        required=False,
        max_length=64,
        help_text="An action (membership.updated), or a name alone for all its verbs (membership).",
    )
    target_type = serializers.RegexField(
        r"^[a-z_]+\.[a-z_]+$",
        required=False,
        max_length=100,
        help_text="Model label of the object, e.g. healthscore.scorecard.",
    )
    target_id = serializers.IntegerField(required=False, min_value=1, max_value=_BIGINT)
    since = serializers.DateTimeField(required=False, help_text="From this time (inclusive).")
    until = serializers.DateTimeField(required=False, help_text="Before this time (exclusive).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("since") and attrs.get("until") and attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError({"until": "Must come after `since`."})
        return attrs

    def filters(self) -> selectors.AuditFilters:
        data = self.validated_data
        return selectors.AuditFilters(
            actor_user_id=data.get("actor_user"),
            actor_api_key_id=data.get("actor_api_key"),
            action=data.get("action", ""),
            target_type=data.get("target_type", ""),
            target_id=data.get("target_id"),
            since=data.get("since"),
            until=data.get("until"),
        )


class AuditEventViewSet(TenantScopedReadOnlyViewSet):
    """Who changed what, when and from where; append-only, newest first.

    Admins, and API keys with the `read` scope. Events are kept `AUDIT_RETENTION_DAYS`
    (730 by default)."""

    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    permission_resource = "audit_event"
    ordering_fields = ["at"]

    def safely_get_queryset(self) -> QuerySet[AuditEvent]:
        if self.action != "list":
            return selectors.audit_event_list()
        params = AuditFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.audit_event_list(filters=params.filters())

    @extend_schema(parameters=[AuditFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)
