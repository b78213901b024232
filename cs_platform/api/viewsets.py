"""Base API classes. The queryset is owned here, so a subclass cannot forget the tenant."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _
from rest_framework import mixins, serializers, viewsets

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
        _refuse_generic_saves(cls)

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


# The write each mixin performs, and the serializer method a generic save would end in.
_WRITES = (
    (mixins.CreateModelMixin, "perform_create", "create"),
    (mixins.UpdateModelMixin, "perform_update", "update"),
)


def _refuse_generic_saves(cls: type) -> None:
    """Every write goes through a named service: a viewset that creates or updates either
    overrides `perform_create`/`perform_update` to call its service, or has a serializer whose
    own `create()`/`update()` calls one. What is refused, when the class is created, is the
    generic path: the base `perform_*` ending in `ModelSerializer.create/update`, a write with
    no name. (Checked for the class's `serializer_class`; one chosen per request by
    `get_serializer_class()` is the reviewers' job.)"""
    serializer = cls.__dict__.get("serializer_class") or getattr(cls, "serializer_class", None)
    if serializer is None:
        return
    for mixin, perform, method in _WRITES:
        if not issubclass(cls, mixin):
            continue
        if getattr(cls, perform) is not getattr(TenantScopedViewSetMixin, perform):
            continue  # the viewset names its service
        if getattr(serializer, method) is getattr(serializers.ModelSerializer, method):
            raise TypeError(
                f"{cls.__name__} would {method} through the generic serializer.save() "
                f"({serializer.__name__} has no {method}()): override {perform}() to call "
                f"the app's <entity>_{method} service."
            )


class TenantScopedModelViewSet(TenantScopedViewSetMixin, viewsets.ModelViewSet):
    pass


class TenantScopedReadOnlyViewSet(TenantScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


# Unique keys that make a repeated write return the first row instead of failing.
IDEMPOTENCY_FIELDS = {"source_key", "idempotency_key"}


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
                raise serializers.ValidationError({name: _("Object does not exist.")})
        self._check_unique_in_tenant(attrs)
        return attrs

    def _check_unique_in_tenant(self, attrs: dict[str, Any]) -> None:
        """A value that must be unique in the tenant (`external_id` …) and is taken: an error
        on that field, in the reader's words, before the database would refuse the row with a
        message naming internal columns ("… with this Tenant and External id …")."""
        model = self.Meta.model  # type: ignore[attr-defined]
        for constraint, named in _tenant_unique_keys(model):
            values = _key_values(named, attrs, self.instance)
            if values is None:
                continue
            taken = model.objects.filter(**values)
            if constraint.condition is not None:
                taken = taken.filter(constraint.condition)
            if self.instance is not None:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                field = named[-1]
                message = _("Another %(model)s already has this %(field)s.") % {
                    "model": model._meta.verbose_name,
                    "field": model._meta.get_field(field).verbose_name,
                }
                raise serializers.ValidationError(
                    {field: [serializers.ErrorDetail(message, code="unique")]}
                )


def _tenant_unique_keys(model: type[models.Model]) -> list[tuple[models.UniqueConstraint, list]]:
    """The model's unique keys within a tenant, idempotency keys left out."""
    keys = []
    for constraint in model._meta.constraints:
        fields = list(getattr(constraint, "fields", ()) or ())
        if not isinstance(constraint, models.UniqueConstraint) or fields[:1] != ["tenant"]:
            continue
        named = fields[1:]
        # A repeated idempotency key returns the first row (the service's promise).
        if named and not IDEMPOTENCY_FIELDS & set(named):
            keys.append((constraint, named))
    return keys


def _key_values(named: list, attrs: dict[str, Any], instance: Any) -> dict[str, Any] | None:
    """The key's values as written (the instance's for fields not sent); None when the
    write does not touch the key or a value is missing."""
    if not any(name in attrs for name in named):
        return None
    values = {}
    for name in named:
        if name in attrs:
            values[name] = attrs[name]
        elif instance is not None:
            values[name] = getattr(instance, name)
        else:
            return None
    return values
