"""Base API classes. The queryset is owned here, so a subclass cannot forget the tenant."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from rest_framework import serializers, viewsets

from cs_platform.api.exceptions import as_rule_errors
from cs_platform.scoping import TenantScopedModel
from cs_platform.trash.services import object_trash, request_actor


class TenantScopedViewSetMixin:
    """PostHog's TeamAndOrgViewSetMixin, for Junkan.

    Subclasses implement `safely_get_queryset()` starting from the model's scoped default
    manager; overriding `get_queryset` or `get_object` is refused when the class is created.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for forbidden in ("get_queryset", "get_object"):
            if forbidden in cls.__dict__:
                raise TypeError(
                    f"{cls.__name__} must not override {forbidden}(); implement "
                    "safely_get_queryset() instead."
                )

    def safely_get_queryset(self) -> models.QuerySet:
        queryset = getattr(self, "queryset", None)
        if queryset is None:
            raise NotImplementedError(f"{type(self).__name__} needs safely_get_queryset().")
        return queryset.all()

    def get_queryset(self) -> models.QuerySet:
        queryset = self.safely_get_queryset()
        model = queryset.model
        if not issubclass(model, TenantScopedModel):
            raise TypeError(f"{model.__name__} is not tenant-owned; use a plain view.")
        if getattr(self, "swagger_fake_view", False):
            # drf-spectacular inspects the view without a request tenant; it needs the model only.
            return queryset.none()
        # Belt and braces: the manager already scopes, this makes it visible in the SQL twice.
        return queryset.filter(tenant=self.request.tenant)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        with transaction.atomic():
            serializer.save(tenant=self.request.tenant)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        with transaction.atomic():
            serializer.save()

    def perform_destroy(self, instance: models.Model) -> None:
        # Nothing is lost: a trashable model's delete goes to the trash (restorable 30 days).
        object_trash(obj=instance, actor=request_actor(self.request))


class TenantScopedModelViewSet(TenantScopedViewSetMixin, viewsets.ModelViewSet):
    pass


class TenantScopedReadOnlyViewSet(TenantScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class RuleErrorsMixin:
    """Errors of the object-level stage (`validate()`, validators over several fields) are
    business rules: the fields already had the documented shape, so they answer 409, not 400
    (see cs_platform.api.exceptions). Field-level errors keep their codes."""

    def to_internal_value(self, data: Any) -> Any:
        try:
            return super().to_internal_value(data)  # type: ignore[misc]
        except serializers.ValidationError as exc:
            exc.field_stage = True  # type: ignore[attr-defined]
            raise

    def run_validation(self, data: Any = serializers.empty) -> Any:
        try:
            return super().run_validation(data)  # type: ignore[misc]
        except serializers.ValidationError as exc:
            if getattr(exc, "field_stage", False):
                raise
            raise serializers.ValidationError(as_rule_errors(exc.detail)) from exc


class TenantScopedSerializer(RuleErrorsMixin, serializers.ModelSerializer):
    """ModelSerializer for tenant-owned models.

    Related fields built by ModelSerializer use the related model's scoped manager, so an id
    from another tenant is "does not exist" (409), never a cross-tenant reference.
    """

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        tenant = self.context["request"].tenant
        for name, value in attrs.items():
            if isinstance(value, TenantScopedModel) and value.tenant_id != tenant.pk:
                raise serializers.ValidationError({name: "Object does not exist."})
        return attrs
