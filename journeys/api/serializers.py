"""API shapes of journeys. Writes go through the services (in `create`/`update`)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.models import Contact
from accounts.selectors import contact_list
from cs_platform.api.viewsets import TenantScopedSerializer
from cs_platform.models import User
from cs_platform.selectors import staff_member_list

from .. import services
from ..extensions import (
    activities_titled,
    activity_title,
    meeting_program_choices,
    tasks_titled,
)
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
    TaskStatus,
    TemplateMilestone,
)


class TenantMemberField(serializers.PrimaryKeyRelatedField):
    """A staff user: only members of the tenant in scope (anyone else is "does not exist")."""

    def get_queryset(self) -> QuerySet[User]:
        return staff_member_list()


OTHER_ACCOUNT_CONTACT = _("The contact belongs to another account.")


_UNCHANGED = object()


def _actor(serializer: serializers.Serializer) -> User | None:
    user = serializer.context["request"].user
    return user if isinstance(user, User) else None


class PhaseSerializer(TenantScopedSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Phase
        fields = ["id", "key", "name", "name_ja", "name_en", "order"]

    def validate_key(self, value: str) -> str:
        clash = Phase.objects.filter(key=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(_("A phase with this key exists."), code="unique")
        return value


class PhaseTransitionSerializer(TenantScopedSerializer):
    class Meta:
        model = PhaseTransition
        fields = ["id", "account", "from_phase", "to_phase", "actor", "reason", "occurred_at"]
        read_only_fields = ["from_phase", "actor", "occurred_at"]

    def create(self, validated_data: dict[str, Any]) -> PhaseTransition:
        return services.phase_transition(
            account=validated_data["account"],
            to_phase=validated_data["to_phase"],
            actor=_actor(self),
            reason=validated_data.get("reason", ""),
        )


class TemplateMilestoneSerializer(serializers.ModelSerializer):
    target_score = serializers.IntegerField(min_value=0, max_value=100, default=60)

    class Meta:
        model = TemplateMilestone
        fields = ["id", "title", "description", "target_score", "due_after_days", "order"]
        read_only_fields = ["order"]


class JourneyTemplateSerializer(TenantScopedSerializer):
    items = TemplateMilestoneSerializer(many=True, required=False)

    class Meta:
        model = JourneyTemplate
        fields = ["id", "name", "description", "items", "created_at"]
        read_only_fields = ["created_at"]

    def validate_name(self, value: str) -> str:
        clash = JourneyTemplate.objects.filter(name=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(_("A template with this name exists."), code="unique")
        return value

    def create(self, validated_data: dict[str, Any]) -> JourneyTemplate:
        return services.journey_template_create(
            name=validated_data["name"],
            description=validated_data.get("description", ""),
            milestones=validated_data.get("items", []),
        )

    def update(self, instance: JourneyTemplate, validated_data: dict[str, Any]) -> JourneyTemplate:
        if "items" in validated_data:
            raise serializers.ValidationError(
                {"items": _("Edit the milestones of a new template.")}, code="rule"
            )
        return super().update(instance, validated_data)


class JourneyMapSerializer(TenantScopedSerializer):
    class Meta:
        model = JourneyMap
        fields = ["id", "account", "template", "title", "created_by", "created_at"]
        read_only_fields = ["created_by", "created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if self.instance is not None and attrs.get("account", self.instance.account) != (
            self.instance.account
        ):
            raise serializers.ValidationError({"account": _("A map stays with its account.")})
        return attrs

    def create(self, validated_data: dict[str, Any]) -> JourneyMap:
        return services.journey_map_create(
            account=validated_data["account"],
            template=validated_data.get("template"),
            title=validated_data.get("title", ""),
            created_by=_actor(self),
        )


class MilestoneSerializer(TenantScopedSerializer):
    target_score = serializers.IntegerField(min_value=0, max_value=100, default=60)

    class Meta:
        model = Milestone
        fields = [
            "id",
            "account",
            "journey_map",
            "title",
            "customer_goal",
            "target_score",
            "due_date",
            "status",
            "completed_on",
            "order",
        ]
        read_only_fields = ["journey_map", "completed_on"]
        extra_kwargs = {"order": {"required": False}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if self.instance is not None and attrs.get("account", self.instance.account) != (
            self.instance.account
        ):
            raise serializers.ValidationError({"account": _("A milestone stays with its account.")})
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Milestone:
        validated_data.pop("tenant", None)
        return services.milestone_create(actor=_actor(self), **validated_data)

    def update(self, instance: Milestone, validated_data: dict[str, Any]) -> Milestone:
        status = validated_data.pop("status", None)
        order = validated_data.pop("order", None)
        if order is not None and order != instance.order:
            instance.order = order
            instance.save(update_fields=["order"])
        instance = services.milestone_update(
            milestone=instance,
            title=validated_data.get("title", instance.title),
            customer_goal=validated_data.get("customer_goal", instance.customer_goal),
            target_score=validated_data.get("target_score", instance.target_score),
            due_date=validated_data.get("due_date", instance.due_date),
        )
        if status is not None:
            services.milestone_set_status(milestone=instance, status=status, actor=_actor(self))
        return instance


class ActionStepSerializer(TenantScopedSerializer):
    owner_user = TenantMemberField(required=False, allow_null=True)
    account = serializers.IntegerField(source="milestone.account_id", read_only=True)

    class Meta:
        model = ActionStep
        fields = [
            "id",
            "milestone",
            "account",
            "description",
            "owner_user",
            "owner_contact",
            "due_date",
            "done",
            "done_at",
            "order",
        ]
        read_only_fields = ["done_at", "order"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        owner_user = attrs.get("owner_user", getattr(self.instance, "owner_user", None))
        contact: Contact | None = attrs.get(
            "owner_contact", getattr(self.instance, "owner_contact", None)
        )
        if owner_user is not None and contact is not None:
            raise serializers.ValidationError(
                {"owner_contact": _("A step has one owner: staff or customer.")}
            )
        milestone = attrs.get("milestone", getattr(self.instance, "milestone", None))
        if (
            contact is not None
            and milestone is not None
            and contact.account_id != (milestone.account_id)
        ):
            raise serializers.ValidationError(
                {"owner_contact": _("The contact belongs to another account.")}
            )
        return attrs

    def create(self, validated_data: dict[str, Any]) -> ActionStep:
        step = services.action_step_create(
            milestone=validated_data["milestone"],
            description=validated_data["description"],
            owner_user=validated_data.get("owner_user"),
            owner_contact=validated_data.get("owner_contact"),
            due_date=validated_data.get("due_date"),
        )
        if validated_data.get("done"):
            services.action_step_set_done(step=step, done=True)
        return step

    def update(self, instance: ActionStep, validated_data: dict[str, Any]) -> ActionStep:
        done = validated_data.pop("done", None)
        instance = super().update(instance, validated_data)
        if done is not None and done != instance.done:
            services.action_step_set_done(step=instance, done=done)
        return instance


class ActivityListSerializer(serializers.ListSerializer):
    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        # Word the page's entries at once (the task entries' titles in one call per kind).
        items = data.all() if isinstance(data, QuerySet) else data
        return super().to_representation(activities_titled(items))


class ActivitySerializer(TenantScopedSerializer):
    """`title` reads in the request's language (Accept-Language) for an entry Junkan wrote
    (a phase change, a milestone, a task, a health alert …: `kind` and `data` say what
    happened); an entry written through the API reads as written."""

    class Meta:
        model = Activity
        list_serializer_class = ActivityListSerializer
        fields = [
            "id",
            "account",
            "kind",
            "title",
            "body",
            "occurred_at",
            "actor",
            "contact",
            "data",
            "source_key",
            "created_at",
        ]
        read_only_fields = ["actor", "created_at"]
        extra_kwargs = {"occurred_at": {"required": False}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        contact = attrs.get("contact")
        if contact is not None and contact.account_id != attrs["account"].pk:
            raise serializers.ValidationError(
                {"contact": _("The contact belongs to another account.")}
            )
        return attrs

    def to_representation(self, instance: Activity) -> dict[str, Any]:
        out = super().to_representation(instance)
        out["title"] = activity_title(instance)
        return out

    def create(self, validated_data: dict[str, Any]) -> Activity:
        validated_data.pop("tenant", None)
        return services.activity_record(actor=_actor(self), **validated_data)


class MeetingSerializer(TenantScopedSerializer):
    contacts = serializers.PrimaryKeyRelatedField(
        many=True, queryset=contact_list(), required=False
    )
    staff = TenantMemberField(many=True, required=False)
    next_steps = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, default=list
    )
    program = serializers.IntegerField(
        source="program_id", required=False, allow_null=True, min_value=1
    )
    send_invitations = serializers.BooleanField(
        write_only=True,
        required=False,
        default=True,
        help_text="A meeting that lies ahead e-mails its contacts a calendar invitation "
        "(invite.ics); later changes of time or place and the delete send the update or "
        "cancellation. False: log it without e-mails.",
    )

    class Meta:
        model = Meeting
        fields = [
            "id",
            "account",
            "occurred_at",
            "duration_minutes",
            "location",
            "meeting_type",
            "contacts",
            "staff",
            "agenda",
            "notes",
            "next_steps",
            "sentiment",
            "program",
            "send_invitations",
            "invites_customers",
            "logged_by",
            "created_at",
        ]
        read_only_fields = ["logged_by", "created_at", "invites_customers"]
        extra_kwargs = {
            "occurred_at": {"required": False},
            "duration_minutes": {"min_value": 1, "max_value": 24 * 60},
        }

    def validate_program(self, value: int | None) -> int | None:
        if value is not None and value not in dict(meeting_program_choices()):
            raise serializers.ValidationError(
                _("Unknown programme %(value)s for a meeting.") % {"value": value}
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        account = attrs.get("account", getattr(self.instance, "account", None))
        contacts = attrs.get("contacts", [])
        if account is not None and any(c.account_id != account.pk for c in contacts):
            raise serializers.ValidationError(
                {"contacts": _("Every attendee must be a contact of the account.")}
            )
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Meeting:
        validated_data.pop("tenant", None)
        return services.meeting_log(logged_by=_actor(self), **validated_data)

    def update(self, instance: Meeting, validated_data: dict[str, Any]) -> Meeting:
        frozen = {"account", "contacts", "staff", "next_steps", "send_invitations"} & set(
            self.initial_data
        )
        if frozen:
            raise serializers.ValidationError(
                {name: _("Log a new meeting to change this.") for name in sorted(frozen)},
                code="rule",
            )
        program = validated_data.pop("program_id", _UNCHANGED)
        if program is not _UNCHANGED and program != instance.program_id:
            instance.program_id = program
            instance.save(update_fields=["program_id"])
        return services.meeting_update(
            meeting=instance,
            occurred_at=validated_data.get("occurred_at", instance.occurred_at),
            meeting_type=validated_data.get("meeting_type", instance.meeting_type),
            agenda=validated_data.get("agenda", instance.agenda),
            notes=validated_data.get("notes", instance.notes),
            sentiment=validated_data.get("sentiment", instance.sentiment),
            duration_minutes=validated_data.get("duration_minutes", instance.duration_minutes),
            location=validated_data.get("location", instance.location),
        )


class TaskListSerializer(serializers.ListSerializer):
    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        # Word the generated titles of the whole page at once (one query per kind at most).
        items = data.all() if isinstance(data, QuerySet) else data
        return super().to_representation(tasks_titled(items))


class TaskSerializer(TenantScopedSerializer):
    """`title` and `description` read in the request's language (Accept-Language) for a
    generated task (`kind` and `data` say what happened); writing either rewords the task in
    every language."""

    assignee = TenantMemberField(required=False, allow_null=True)
    checklist = serializers.ListField(required=False)

    class Meta:
        model = Task
        list_serializer_class = TaskListSerializer
        fields = [
            "id",
            "account",
            "title",
            "description",
            "assignee",
            "due_date",
            "status",
            "done_at",
            "checklist",
            "meeting",
            "origin",
            "source_key",
            "kind",
            "data",
            "created_at",
        ]
        read_only_fields = ["done_at", "meeting", "kind", "data", "created_at"]

    def to_representation(self, instance: Task) -> dict[str, Any]:
        out = super().to_representation(instance)
        out["title"] = instance.shown_title
        out["description"] = instance.shown_description
        return out

    def create(self, validated_data: dict[str, Any]) -> Task:
        checklist = [
            item["text"] if isinstance(item, dict) else str(item)
            for item in validated_data.get("checklist", [])
        ]
        task = services.task_create(
            account=validated_data["account"],
            title=validated_data["title"],
            assignee=validated_data.get("assignee"),
            due_date=validated_data.get("due_date"),
            description=validated_data.get("description", ""),
            source_key=validated_data.get("source_key"),
            checklist=checklist,
            origin=validated_data.get("origin"),
            actor=_actor(self),
        )
        if validated_data.get("status") == TaskStatus.DONE:
            task = services.task_complete(task=task, actor=_actor(self))
        return task

    def update(self, instance: Task, validated_data: dict[str, Any]) -> Task:
        status = validated_data.pop("status", None)
        edits = {
            k: validated_data.pop(k)
            for k in ("title", "assignee", "due_date", "description")
            if k in validated_data
        }
        if validated_data:
            instance = super().update(instance, validated_data)
        instance = services.task_update(task=instance, actor=_actor(self), **edits)
        if status == TaskStatus.DONE:
            return services.task_complete(task=instance, actor=_actor(self))
        if status == TaskStatus.OPEN:
            return services.task_reopen(task=instance, actor=_actor(self))
        return instance


class FeedbackItemSerializer(TenantScopedSerializer):
    shared_with = serializers.ListField(
        child=serializers.ChoiceField(choices=Department.choices), required=False, default=list
    )

    class Meta:
        model = FeedbackItem
        fields = [
            "id",
            "account",
            "contact",
            "kind",
            "category",
            "quote",
            "source",
            "shared_with",
            "status",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["created_by", "created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        contact = attrs.get("contact")
        account = attrs.get("account")
        if contact is not None and account is not None and contact.account_id != account.pk:
            raise serializers.ValidationError(
                {"contact": _("The contact belongs to another account.")}
            )
        return attrs

    def create(self, validated_data: dict[str, Any]) -> FeedbackItem:
        item = services.feedback_create(
            account=validated_data.get("account"),
            kind=validated_data["kind"],
            quote=validated_data["quote"],
            category=validated_data.get("category", ""),
            contact=validated_data.get("contact"),
            source=validated_data.get("source", ""),
            created_by=_actor(self),
            shared_with=validated_data.get("shared_with", []),
        )
        if validated_data.get("status"):
            item = services.feedback_update_status(item=item, status=validated_data["status"])
        return item
