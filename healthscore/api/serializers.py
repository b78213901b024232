"""Serializers of the health score API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers

from cs_platform.api.viewsets import TenantScopedSerializer

from ..models import (
    BacktestRun,
    HealthSettings,
    KeyEvent,
    RecomputeJob,
    Scorecard,
    ScorecardVersion,
    SurveyResponse,
)
from ..selectors.config import recompute_job_done, recompute_job_waiting
from ..services.scorecards import SCORECARD_FIELDS, scorecard_definition_validate
from ..services.surveys import key_event_create, survey_response_record


class ScorecardVersionSerializer(TenantScopedSerializer):
    class Meta:
        model = ScorecardVersion
        fields = ["id", "scorecard", "number", "definition", "published_at", "published_by"]
        read_only_fields = fields


class ScorecardSerializer(TenantScopedSerializer):
    current_version = ScorecardVersionSerializer(read_only=True, allow_null=True)
    has_unpublished_changes = serializers.SerializerMethodField()

    class Meta:
        model = Scorecard
        fields = [
            "id",
            *SCORECARD_FIELDS,
            "current_version",
            "has_unpublished_changes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["current_version", "created_at", "updated_at"]

    def get_has_unpublished_changes(self, obj: Scorecard) -> bool:
        return obj.current_version is None or obj.current_version.definition != obj.draft

    def validate_draft(self, value: Any) -> Any:
        try:
            return scorecard_definition_validate(definition=value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["definition"]) from exc

    def _string_list(self, value: Any, name: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise serializers.ValidationError(_("A list of strings."))
        return value

    def validate_phase_keys(self, value: Any) -> list[str]:
        return self._string_list(value, "phase_keys")

    def validate_market_segments(self, value: Any) -> list[str]:
        return self._string_list(value, "market_segments")


class BacktestRunSerializer(serializers.ModelSerializer):
    version = serializers.SerializerMethodField(help_text="The version number; null: the draft.")

    class Meta:
        model = BacktestRun
        fields = [
            "id",
            "scorecard",
            "version",
            "status",
            "progress",
            "stage",
            "result",
            "error",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_version(self, obj: BacktestRun) -> int | None:
        return obj.version.number if obj.version_id else None


class BacktestRequestSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="The version number to backtest; omitted or null: the draft.",
    )


class BacktestAdoptSerializer(serializers.Serializer):
    run = serializers.IntegerField(min_value=1, help_text="A finished backtest of this scorecard.")


class ScorecardPreviewSerializer(serializers.Serializer):
    definition = serializers.JSONField(
        required=False, help_text="A definition to try; the saved draft when omitted."
    )


class KeyEventSerializer(TenantScopedSerializer):
    class Meta:
        model = KeyEvent
        fields = ["id", "name", "label"]

    def create(self, validated_data: dict[str, Any]) -> KeyEvent:
        return key_event_create(name=validated_data["name"], label=validated_data.get("label", ""))


class SurveyResponseSerializer(TenantScopedSerializer):
    class Meta:
        model = SurveyResponse
        fields = ["id", "account", "contact", "score", "responded_on", "comment", "created_at"]
        read_only_fields = ["created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        contact, account = attrs.get("contact"), attrs.get("account")
        if contact is not None and account is not None and contact.account_id != account.pk:
            raise serializers.ValidationError({"contact": _("The contact is not of this account.")})
        return attrs

    def create(self, validated_data: dict[str, Any]) -> SurveyResponse:
        return survey_response_record(
            account=validated_data["account"],
            score=validated_data["score"],
            responded_on=validated_data["responded_on"],
            contact=validated_data.get("contact"),
            comment=validated_data.get("comment", ""),
        )


class RecomputeJobSerializer(TenantScopedSerializer):
    done = serializers.SerializerMethodField(help_text="Accounts scored so far.")
    progress = serializers.SerializerMethodField()
    waiting_for_worker = serializers.SerializerMethodField(
        help_text="True while the job is `running` but no worker has taken any part of it yet "
        "(queued: no worker alive, or all of them busy)."
    )

    class Meta:
        model = RecomputeJob
        fields = [
            "id",
            "day",
            "trigger",
            "status",
            "total",
            "done",
            "progress",
            "waiting_for_worker",
            "errors",
            "started_at",
            "finished_at",
        ]
        read_only_fields = [f for f in fields if f != "day"]
        extra_kwargs = {"day": {"required": False}}

    def get_waiting_for_worker(self, obj: RecomputeJob) -> bool:

        return recompute_job_waiting(job=obj)

    def get_done(self, obj: RecomputeJob) -> int:
        return recompute_job_done(job=obj)

    def get_progress(self, obj: RecomputeJob) -> float:
        done = recompute_job_done(job=obj)
        return round(done / obj.total * 100, 1) if obj.total else 0.0


class HealthSettingsSerializer(TenantScopedSerializer):
    class Meta:
        model = HealthSettings
        fields = ["drop_points", "drop_window_days", "alert_on_red", "task_due_days"]


class ComponentSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    measure = serializers.CharField()
    unit = serializers.CharField()
    group = serializers.CharField(allow_null=True)
    group_label = serializers.CharField(allow_null=True)
    value = serializers.FloatField(allow_null=True)
    points = serializers.FloatField(allow_null=True)
    weight = serializers.FloatField()
    contribution = serializers.FloatField(allow_null=True)


class MoverSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value_then = serializers.FloatField(allow_null=True)
    value_now = serializers.FloatField(allow_null=True)
    contribution_change = serializers.FloatField()


class HealthNowSerializer(serializers.Serializer):
    """The intra-day score: recomputed minutes after the account's latest events, phase
    change, meeting, reading or survey answer. Shown while it is for a later day than the
    latest nightly score (the nightly run keeps the authoritative daily history)."""

    account = serializers.IntegerField(source="account_id")
    day = serializers.DateField(help_text="The tenant-local day this score is for (so far).")
    score = serializers.FloatField()
    band = serializers.CharField()
    computed_at = serializers.DateTimeField(help_text="When it was recomputed.")
    components = serializers.DictField(
        help_text="Per component key: value, points and weight, as in the daily score."
    )


class AccountHealthSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    day = serializers.DateField()
    score = serializers.FloatField()
    band = serializers.CharField()
    scorecard = serializers.DictField()
    version = serializers.IntegerField()
    components = ComponentSerializer(many=True)
    trend = serializers.DictField()
    compared_with = serializers.DateField(allow_null=True)
    score_then = serializers.FloatField(allow_null=True)
    moved_most = MoverSerializer(many=True)
    now = HealthNowSerializer(
        allow_null=True,
        help_text="The intra-day score, when newer than the daily one (else null).",
    )


class HistoryPointSerializer(serializers.Serializer):
    day = serializers.DateField()
    score = serializers.FloatField()
    band = serializers.CharField()
    version = serializers.IntegerField()
    scorecard = serializers.IntegerField()
    version_changed = serializers.BooleanField()
