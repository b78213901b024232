"""/api/v1/trash/ (browse and restore, admins only) and /api/v1/changes/ (the change log)."""

from __future__ import annotations

from typing import Any

from django.db.models import Manager, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from cs_platform.api.viewsets import TenantScopedReadOnlyViewSet
from cs_platform.models import ChangeAction, ChangeRecord, TrashEntry

from . import selectors, services
from .extensions import labels_shown

LABEL_HELP = (
    "The object's name when it was deleted; a generated task's title in the request's "
    "language (Accept-Language)."
)


class LabelsShownListSerializer(serializers.ListSerializer):
    """A page of rows whose labels are worded together in the request's language (one call
    per kind, see `trash.extensions.labels_shown`) before each row is serialized."""

    def to_representation(self, data: Any) -> list[Any]:
        rows = data.all() if isinstance(data, Manager) else data
        return super().to_representation(labels_shown(rows))


class TrashEntrySerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="model", help_text="Model label, e.g. content.article.")
    label = serializers.CharField(source="shown_label", help_text=LABEL_HELP)
    kind_name = serializers.SerializerMethodField()
    deleted_by = serializers.CharField(source="shown_actor_label")
    purge_at = serializers.SerializerMethodField()
    contents = serializers.SerializerMethodField()

    class Meta:
        model = TrashEntry
        fields = [
            "id",
            "kind",
            "kind_name",
            "object_id",
            "label",
            "deleted_at",
            "deleted_by",
            "purge_at",
            "contents",
        ]
        read_only_fields = fields
        list_serializer_class = LabelsShownListSerializer

    def get_kind_name(self, entry: TrashEntry) -> str:
        return selectors.model_verbose_name(entry.model)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_purge_at(self, entry: TrashEntry) -> Any:
        return serializers.DateTimeField().to_representation(selectors.trash_purge_at(entry))

    def get_contents(self, entry: TrashEntry) -> dict[str, int]:
        """What the delete took besides the object: {model label: rows}."""
        return {c.model: c.count for c in selectors.trash_contents(entry)}


class RestoredSerializer(serializers.Serializer):
    kind = serializers.CharField()
    object_id = serializers.IntegerField()
    label = serializers.CharField()


class ChangeRecordSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="model")
    label = serializers.CharField(source="shown_label", help_text=LABEL_HELP)
    by = serializers.CharField(source="shown_actor_label")

    class Meta:
        model = ChangeRecord
        fields = ["id", "action", "kind", "object_id", "label", "at", "by"]
        read_only_fields = fields
        list_serializer_class = LabelsShownListSerializer


class ChangeFilterSerializer(serializers.Serializer):
    kind = serializers.CharField(
        required=False, max_length=100, source="model", help_text="Model label."
    )
    object_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    action = serializers.ChoiceField(choices=ChangeAction.choices, required=False)


KIND_PARAMETER = OpenApiParameter(
    "kind", str, description="Only this kind (model label, e.g. content.article)."
)


class TrashViewSet(TenantScopedReadOnlyViewSet):
    """Deleted objects, restorable for 30 days (`TRASH_RETENTION_DAYS`), then purged."""

    permission_resource = "trash"

    serializer_class = TrashEntrySerializer
    ordering_fields = ["deleted_at", "label"]

    def safely_get_queryset(self) -> QuerySet[TrashEntry]:
        model = self.request.query_params.get("kind", "") if self.action == "list" else ""
        return selectors.trash_list(model=model)

    @extend_schema(parameters=[KIND_PARAMETER])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=None,
        responses={
            200: RestoredSerializer,
            404: OpenApiResponse(description="Not in the trash (restored, purged or unknown)."),
            409: OpenApiResponse(description="Cannot be restored as it is; the detail says why."),
        },
    )
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: Any = None) -> Response:
        """Bring the object back, with what its delete took, under its old id."""
        entry = self.get_object()
        try:
            services.trash_restore(entry_id=entry.pk, actor=services.request_actor(request))
        except TrashEntry.DoesNotExist as exc:  # restored or purged meanwhile
            raise NotFound from exc
        except services.TrashConflict as exc:
            return Response(
                {"detail": exc.message, "code": "conflict"}, status=status.HTTP_409_CONFLICT
            )
        return Response(
            RestoredSerializer(
                {"kind": entry.model, "object_id": entry.object_id, "label": entry.shown_label}
            ).data
        )


class ChangeRecordViewSet(TenantScopedReadOnlyViewSet):
    """What happened to objects: deleted, restored, purged, published, unpublished, archived."""

    permission_resource = "change"

    serializer_class = ChangeRecordSerializer
    ordering_fields = ["at"]

    def safely_get_queryset(self) -> QuerySet[ChangeRecord]:
        if self.action != "list":
            return selectors.change_list()
        params = ChangeFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.change_list(**params.validated_data)

    @extend_schema(parameters=[ChangeFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)
