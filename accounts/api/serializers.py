"""API shapes of accounts. Writes go through accounts.services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cs_platform.api.exceptions import as_api_error
from cs_platform.api.viewsets import TenantScopedSerializer
from cs_platform.models import User
from cs_platform.selectors import staff_member_list

from .. import services
from ..extensions import list_extensions
from ..models import ACCOUNT_FIELDS, CONTACT_FIELDS, Account, Contact, Contract, ImportJob, Segment
from ..phones import phone_normalise, phone_problem
from ..segments import segment_rules_clean
from ..selectors import account_get


def tenant_members() -> Any:
    """Users who are members of the tenant in scope (resolved when the query runs)."""
    return staff_member_list()


def _django_errors(exc: DjangoValidationError) -> serializers.ValidationError:
    return as_api_error(exc)


class AccountSerializer(TenantScopedSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=tenant_members(), required=False, allow_null=True
    )
    owner_name = serializers.SerializerMethodField()
    current_arr = serializers.IntegerField(read_only=True)
    next_renewal_date = serializers.DateField(read_only=True, allow_null=True)
    extensions = serializers.SerializerMethodField()

    class Meta:
        model = Account
        fields = [
            "id",
            *ACCOUNT_FIELDS,
            "owner_name",
            "current_arr",
            "next_renewal_date",
            "extensions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_owner_name(self, obj: Account) -> str:
        return str(obj.owner) if obj.owner_id else ""

    def get_extensions(self, obj: Account) -> dict[str, Any]:
        """Values of the list extensions' columns (phase, health …), keyed by extension."""
        values = {}
        for ext in list_extensions():
            if ext.annotate is not None and hasattr(obj, ext.key):
                value = getattr(obj, ext.key)
                values[ext.key] = (
                    value if isinstance(value, int | float | bool | None) else str(value)
                )
        return values

    def create(self, validated_data: dict[str, Any]) -> Account:
        validated_data.pop("tenant", None)
        try:
            account = services.account_create(**validated_data)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return account_get(pk=account.pk) or account

    def update(self, instance: Account, validated_data: dict[str, Any]) -> Account:
        try:
            account = services.account_update(account=instance, **validated_data)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return account_get(pk=account.pk) or account


class ContactSerializer(TenantScopedSerializer):
    # Checked after normalising (full-width digits from a Japanese source are fine).
    phone = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="7 to 15 digits with spaces, hyphens, dots or parentheses, an optional "
        "leading + and extension; stored NFKC-normalised (e.g. 03-1234-5678).",
    )

    class Meta:
        model = Contact
        fields = [
            "id",
            "account",
            *CONTACT_FIELDS,
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def validate_phone(self, value: str) -> str:
        value = phone_normalise(value)
        problem = phone_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value

    def create(self, validated_data: dict[str, Any]) -> Contact:
        validated_data.pop("tenant", None)
        try:
            return services.contact_create(**validated_data)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc

    def update(self, instance: Contact, validated_data: dict[str, Any]) -> Contact:
        validated_data.pop("account", None)
        try:
            return services.contact_update(contact=instance, **validated_data)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc


class ContractSerializer(TenantScopedSerializer):
    class Meta:
        model = Contract
        fields = [
            "id",
            "account",
            "external_id",
            "plan",
            "arr",
            "currency",
            "start_date",
            "renewal_date",
            "status",
            "previous",
            "created_at",
        ]
        read_only_fields = ["previous", "created_at"]
        extra_kwargs = {"currency": {"required": False}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        renewal = attrs.get("renewal_date", getattr(self.instance, "renewal_date", None))
        if start and renewal and renewal < start:
            raise serializers.ValidationError(
                {"renewal_date": _("The renewal date must not be before the start date.")}
            )
        if attrs.get("arr", 0) < 0:
            raise serializers.ValidationError({"arr": _("ARR must not be negative.")})
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Contract:
        validated_data.pop("tenant", None)
        try:
            return services.contract_create(**validated_data)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc

    def update(self, instance: Contract, validated_data: dict[str, Any]) -> Contract:
        validated_data.pop("account", None)
        try:
            return services.contract_update(contract=instance, **validated_data)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc


class ContractRenewSerializer(serializers.Serializer):
    arr = serializers.IntegerField(min_value=0, required=False)
    plan = serializers.CharField(max_length=100, required=False)
    renewal_date = serializers.DateField(required=False)
    external_id = serializers.CharField(max_length=100, required=False, default="")


class ContractExpandSerializer(serializers.Serializer):
    arr = serializers.IntegerField(min_value=0)
    plan = serializers.CharField(max_length=100, required=False)
    start_date = serializers.DateField(required=False)
    external_id = serializers.CharField(max_length=100, required=False, default="")


class SegmentSerializer(TenantScopedSerializer):
    created_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Segment
        fields = ["id", "name", "description", "rules", "created_by", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def validate_rules(self, value: Any) -> dict[str, Any]:
        try:
            return segment_rules_clean(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["rules"]) from exc

    def create(self, validated_data: dict[str, Any]) -> Segment:
        validated_data.pop("tenant", None)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        try:
            return services.segment_create(
                **validated_data, created_by=user if isinstance(user, User) else None
            )
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc

    def update(self, instance: Segment, validated_data: dict[str, Any]) -> Segment:
        try:
            return services.segment_update(segment=instance, **validated_data)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc


class ImportJobSerializer(TenantScopedSerializer):
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "original_name",
            "dry_run",
            "status",
            "total_rows",
            "processed_rows",
            "progress_percent",
            "created_count",
            "updated_count",
            "errors",
            "message",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields
