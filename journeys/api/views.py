"""API of journeys: thin viewsets on the core base classes; the serializers call the services."""

from __future__ import annotations

import django_filters
from rest_framework import mixins, serializers, viewsets

from cs_platform.api.viewsets import TenantScopedModelViewSet, TenantScopedViewSetMixin

from .. import services
from ..models import (
    ActionStep,
    Activity,
    Department,
    FeedbackItem,
    JourneyMap,
    JourneyTemplate,
    Meeting,
    Milestone,
    Phase,
    PhaseTransition,
    Task,
)
from .serializers import (
    ActionStepSerializer,
    ActivitySerializer,
    FeedbackItemSerializer,
    JourneyMapSerializer,
    JourneyTemplateSerializer,
    MeetingSerializer,
    MilestoneSerializer,
    PhaseSerializer,
    PhaseTransitionSerializer,
    TaskSerializer,
)


class PhaseViewSet(TenantScopedModelViewSet):
    """The tenant's journey phases. Renaming and reordering is configuration (admins)."""

    permission_resource = "phase"

    queryset = Phase.objects.all()
    serializer_class = PhaseSerializer
    ordering = ["order", "id"]
    ordering_fields = ["order", "key"]

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.phase_create(data=serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.phase_update(
            phase=serializer.instance, data=serializer.validated_data
        )


class PhaseTransitionViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Phase history. Creating a transition moves the account to `to_phase`."""

    permission_resource = "transition"

    queryset = PhaseTransition.objects.select_related("from_phase", "to_phase")
    serializer_class = PhaseTransitionSerializer
    filterset_fields = ["account", "to_phase", "from_phase", "actor"]
    ordering = ["-occurred_at", "-id"]
    ordering_fields = ["occurred_at"]


class JourneyTemplateViewSet(TenantScopedModelViewSet):
    permission_resource = "journey_template"
    queryset = JourneyTemplate.objects.prefetch_related("items")
    serializer_class = JourneyTemplateSerializer
    search_fields = ["name"]
    ordering = ["name"]


class JourneyMapViewSet(TenantScopedModelViewSet):
    permission_resource = "journey_map"
    queryset = JourneyMap.objects.all()
    serializer_class = JourneyMapSerializer
    filterset_fields = ["account", "template"]
    ordering = ["-created_at", "-id"]

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.journey_map_update(
            journey_map=serializer.instance, data=serializer.validated_data
        )


class MilestoneViewSet(TenantScopedModelViewSet):
    permission_resource = "milestone"
    queryset = Milestone.objects.all()
    serializer_class = MilestoneSerializer
    filterset_fields = ["account", "journey_map", "status"]
    ordering = ["account", "order", "id"]
    ordering_fields = ["due_date", "order", "target_score"]


class ActionStepFilter(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="milestone__account_id")

    class Meta:
        model = ActionStep
        fields = ["milestone", "owner_user", "owner_contact", "done"]


class ActionStepViewSet(TenantScopedModelViewSet):
    permission_resource = "action_step"
    queryset = ActionStep.objects.select_related("milestone")
    serializer_class = ActionStepSerializer
    filterset_class = ActionStepFilter
    ordering = ["milestone", "order", "id"]
    ordering_fields = ["due_date", "order"]


class ActivityFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=Activity._meta.get_field("kind").choices)
    since = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = Activity
        fields = ["account", "kind", "contact", "actor"]


class ActivityViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The timeline, newest first. Create records an activity (idempotent on `source_key`)."""

    permission_resource = "activity"

    queryset = Activity.objects.all()
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    ordering = ["-occurred_at", "-id"]
    ordering_fields = ["occurred_at"]


class MeetingViewSet(TenantScopedModelViewSet):
    """High-touch meetings. Create logs the meeting: next steps become tasks."""

    permission_resource = "meeting"

    queryset = Meeting.objects.prefetch_related("contacts", "staff")
    serializer_class = MeetingSerializer
    filterset_fields = ["account", "meeting_type", "sentiment", "logged_by"]
    ordering = ["-occurred_at", "-id"]
    ordering_fields = ["occurred_at"]


class TaskViewSet(TenantScopedModelViewSet):
    permission_resource = "task"
    queryset = Task.objects.all()
    serializer_class = TaskSerializer
    filterset_fields = ["account", "assignee", "status", "origin", "meeting"]
    search_fields = ["title"]
    ordering = ["status", "due_date", "id"]
    ordering_fields = ["due_date", "created_at"]


class FeedbackFilter(django_filters.FilterSet):
    shared_with = django_filters.ChoiceFilter(
        choices=Department.choices, method="filter_shared_with"
    )

    class Meta:
        model = FeedbackItem
        fields = ["account", "contact", "kind", "status", "category"]

    def filter_shared_with(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(shared_with__contains=[value])


class FeedbackItemViewSet(TenantScopedModelViewSet):
    """Voice of the customer; readable by every role (sales, marketing, product)."""

    permission_resource = "feedback"

    queryset = FeedbackItem.objects.all()
    serializer_class = FeedbackItemSerializer
    filterset_class = FeedbackFilter
    search_fields = ["quote", "category"]
    ordering = ["-created_at", "-id"]
    ordering_fields = ["created_at"]

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.feedback_update(
            item=serializer.instance, data=serializer.validated_data
        )
