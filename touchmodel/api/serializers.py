"""API serializers of touchmodel (tenant never exposed; related ids checked per tenant)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.extensions import content_choices
from accounts.models import BusinessPotential, MarketSegment
from cs_platform.api.viewsets import RuleErrorsMixin, TenantScopedSerializer

from ..models import (
    SEMINAR_FIELDS,
    TIER_RULE_FIELDS,
    TOUCH_PROGRAM_FIELDS,
    AccountTier,
    ChampionNomination,
    HealthBand,
    OutboundEmail,
    Rule,
    RuleFiring,
    Seminar,
    SeminarRegistration,
    Tier,
    TierRule,
    TouchProgram,
    UserGroup,
    UserGroupMember,
)


class AccountTierSerializer(TenantScopedSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)

    class Meta:
        model = AccountTier
        fields = [
            "id",
            "account",
            "account_name",
            "tier",
            "source",
            "rule",
            "override_by",
            "override_reason",
            "override_at",
            "assigned_at",
        ]
        read_only_fields = fields


class TierOverrideSerializer(RuleErrorsMixin, serializers.Serializer):
    account = serializers.IntegerField()
    tier = serializers.ChoiceField(choices=Tier.choices, required=False)
    reason = serializers.CharField(required=False, allow_blank=True)
    clear = serializers.BooleanField(default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs["clear"] and (not attrs.get("tier") or not attrs.get("reason", "").strip()):
            raise serializers.ValidationError(
                {"reason": _("An override needs a tier and a reason (or clear=true).")}
            )
        return attrs


class TierAssignResultSerializer(serializers.Serializer):
    accounts = serializers.IntegerField()
    changed = serializers.IntegerField()
    kept_manual = serializers.IntegerField()


class TierRuleSerializer(TenantScopedSerializer):
    # The conditions are lists the tiers page and the matcher iterate: say so in the schema
    # and refuse anything else (a bare number was stored and broke the page).
    business_potentials = serializers.ListField(
        child=serializers.ChoiceField(choices=BusinessPotential.choices), required=False
    )
    market_segments = serializers.ListField(
        child=serializers.ChoiceField(choices=MarketSegment.choices), required=False
    )
    phase_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)
    health_bands = serializers.ListField(
        child=serializers.ChoiceField(choices=HealthBand.choices), required=False
    )

    class Meta:
        model = TierRule
        fields = ["id", *TIER_RULE_FIELDS]


class TouchProgramSerializer(TenantScopedSerializer):
    class Meta:
        model = TouchProgram
        fields = ["id", *TOUCH_PROGRAM_FIELDS]


class StageGroupSerializer(serializers.Serializer):
    touched = serializers.DictField()
    control = serializers.DictField()


class InputStageSerializer(StageGroupSerializer):
    window_days = serializers.IntegerField()


class EffectSerializer(serializers.Serializer):
    """The four stages, each touched vs comparable untouched accounts."""

    activity = serializers.DictField(help_text="touches, accounts, by_kind")
    input = InputStageSerializer(
        help_text="usage per account in the window before/after the first touch, change_pct"
    )
    outcome = StageGroupSerializer(
        help_text="health score before/after, accounts improved, milestones reached"
    )
    impact = StageGroupSerializer(help_text="renewals due, renewed, renewal_rate, expanded_arr")


# Parameters of the content_read trigger: what they name, in accounts.extensions.
CONTENT_PARAMS = {"article": "articles", "section": "sections"}


class RuleSerializer(TenantScopedSerializer):
    class Meta:
        model = Rule
        fields = [
            "id",
            "name_ja",
            "name_en",
            "message_ja",
            "message_en",
            "trigger",
            "params",
            "tiers",
            "segment",
            "act_high",
            "act_low",
            "act_tech",
            "due_in_days",
            "checklist",
            "program",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate_tiers(self, value: Any) -> list[str]:
        if not isinstance(value, list) or any(v not in Tier.values for v in value):
            raise serializers.ValidationError(
                _("A list of tiers out of %(tiers)s.") % {"tiers": ", ".join(Tier.values)}
            )
        return value

    def validate_params(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("An object."))
        allowed = {"phase_id", "days", "threshold", "points", *CONTENT_PARAMS}
        unknown = set(value) - allowed
        if unknown:
            raise serializers.ValidationError(
                _("Unknown parameters: %(names)s.") % {"names": ", ".join(sorted(unknown))}
            )
        for key, item in value.items():
            if key in CONTENT_PARAMS:
                known = {v for v, _label in content_choices(CONTENT_PARAMS[key])}
                if item is not None and item not in known:
                    raise serializers.ValidationError(
                        {key: _("Not published: %(value)r.") % {"value": item}}
                    )
            elif item is not None and (not isinstance(item, int) or isinstance(item, bool)):
                raise serializers.ValidationError({key: _("A whole number.")})
        if value.get("article") and value.get("section"):
            raise serializers.ValidationError(_("An article or a section, not both."))
        return value

    def validate_checklist(self, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise serializers.ValidationError(_("A list of strings."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        trigger = attrs.get("trigger", getattr(self.instance, "trigger", None))
        params = attrs.get("params", getattr(self.instance, "params", {}) or {})
        if trigger == "phase_entered" and not params.get("phase_id"):
            raise serializers.ValidationError({"params": _("phase_entered needs phase_id.")})
        return attrs


class RuleTestRowSerializer(serializers.Serializer):
    account_id = serializers.IntegerField()
    account_name = serializers.CharField()
    episode_key = serializers.CharField()
    detail = serializers.CharField(help_text="Why the rule holds, in the request's language.")
    why = serializers.DictField(
        help_text="The same as data: `why` (the trigger's reason) and its parameters."
    )
    tier = serializers.CharField()
    action = serializers.CharField()


class RuleFiringSerializer(TenantScopedSerializer):
    class Meta:
        model = RuleFiring
        fields = [
            "id",
            "rule",
            "account",
            "episode_key",
            "tier",
            "action",
            "status",
            "result",
            "error",
            "fired_at",
        ]
        read_only_fields = fields


class SeminarSerializer(TenantScopedSerializer):
    registered = serializers.SerializerMethodField()

    class Meta:
        model = Seminar
        fields = [
            "id",
            *SEMINAR_FIELDS,
            "registered",
        ]

    def get_registered(self, obj: Seminar) -> int:
        return obj.registrations.filter(status="registered").count()


class SeminarRegistrationSerializer(TenantScopedSerializer):
    class Meta:
        model = SeminarRegistration
        fields = [
            "id",
            "seminar",
            "contact",
            "account",
            "name",
            "email",
            "company",
            "status",
            "source",
            "attendance",
            "registered_at",
            "survey_rating",
            "survey_comment",
        ]
        read_only_fields = fields


class RegisterSerializer(RuleErrorsMixin, serializers.Serializer):
    contact = serializers.IntegerField(required=False)
    email = serializers.EmailField(required=False)
    name = serializers.CharField(required=False, allow_blank=True)
    company = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("contact") and not attrs.get("email"):
            raise serializers.ValidationError({"email": _("Give a contact id or an e-mail.")})
        return attrs


class AttendanceSerializer(RuleErrorsMixin, serializers.Serializer):
    attended = serializers.ListField(child=serializers.IntegerField(), default=list)
    missed = serializers.ListField(child=serializers.IntegerField(), default=list)


class AttendanceResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField()
    activities = serializers.IntegerField()


class UserGroupSerializer(TenantScopedSerializer):
    class Meta:
        model = UserGroup
        fields = ["id", "name_ja", "name_en", "level", "topics", "description", "is_online"]

    def validate_topics(self, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise serializers.ValidationError(_("A list of strings."))
        return value


class UserGroupMemberSerializer(TenantScopedSerializer):
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    account = serializers.IntegerField(source="contact.account_id", read_only=True)

    class Meta:
        model = UserGroupMember
        fields = ["id", "group", "contact", "contact_name", "account", "is_leader", "joined_at"]
        read_only_fields = ["group", "joined_at"]


class ChampionNominationSerializer(TenantScopedSerializer):
    class Meta:
        model = ChampionNomination
        fields = [
            "id",
            "contact",
            "criterion",
            "reason",
            "nominated_by",
            "status",
            "award_title",
            "awarded_at",
            "created_at",
        ]
        read_only_fields = ["nominated_by", "status", "awarded_at", "created_at"]


class AwardSerializer(RuleErrorsMixin, serializers.Serializer):
    award_title = serializers.CharField(required=False, allow_blank=True, default="")
    decision = serializers.ChoiceField(choices=["award", "decline"], default="award")


class OutboundEmailSerializer(TenantScopedSerializer):
    class Meta:
        model = OutboundEmail
        fields = [
            "id",
            "message_key",
            "to_email",
            "contact",
            "account",
            "language",
            "template",
            "subject",
            "status",
            "attempts",
            "last_error",
            "firing",
            "program",
            "created_at",
            "sent_at",
            "bounced_at",
        ]
        read_only_fields = fields


class BounceSerializer(RuleErrorsMixin, serializers.Serializer):
    email = serializers.EmailField()
    message_key = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class BounceResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
