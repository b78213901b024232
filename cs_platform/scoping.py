"""Tenant scoping, in one place.

Every tenant-owned model inherits `TenantScopedModel`. Its default manager adds a filter on
`tenant_id` whose value is resolved *when the SQL is compiled*, from the tenant in scope (a
ContextVar). With no tenant in scope, compiling the query raises `TenantScopeError`: a query
that forgot its tenant fails closed instead of returning every tenant's rows.

Resolving at compile time (rather than when the queryset is built) lets module-level
querysets, such as the choices of a ModelForm field or a serializer's related field, stay
correct: they are scoped to whichever tenant is in scope when they are evaluated.

The tenant is put in scope in exactly one place per entry point:
- web requests: `cs_platform.middleware.TenantMiddleware`;
- the API: `cs_platform.api.authentication` (session or API key);
- Celery: `cs_platform.tasks.TenantTask` (the task's `tenant_id` argument);
- management commands: `cs_platform.management.base.TenantCommand` (`--tenant`).

Crossing tenants is explicit and greppable: `Model.objects.unscoped()` drops the ORM's filter,
and the database's row-level security (`cs_platform.rls`) still shows only the tenant in scope
unless the block runs inside `cross_tenant(reason)`, the one named path for legitimate
cross-tenant work (see `CROSS_TENANT_REASONS`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.expressions import Expression

from .choicelabels import ChoiceLabels

if TYPE_CHECKING:
    from .models import Tenant


class TenantScopeError(RuntimeError):
    """A tenant-owned table was queried with no tenant in scope."""


_current_tenant: ContextVar[Tenant | None] = ContextVar("junkan_current_tenant", default=None)
_cross_tenant: ContextVar[str | None] = ContextVar("junkan_cross_tenant", default=None)

# The only reasons to read or write across tenants past row-level security. Every
# `cross_tenant()` call names one; tests/cs_platform/test_rls.py lists the call sites.
CROSS_TENANT_REASONS: dict[str, str] = {
    "audit-log": "the audit log records an event for the tenant it belongs to, from any scope "
    "(a sign-in for each of the person's tenants, or for none)",
    "custom-domain": "find the tenant of a Learn & Support custom domain (and claim one once)",
    "public-token": "find the tenant of a secret URL token (calendar feeds, tracking keys)",
    "sweep": "beat sweepers that find every tenant's stale leases, due work or old rows",
    "tenant-admin": "operators' admin pages and commands that list every tenant's rows",
}


def get_current_tenant() -> Tenant | None:
    return _current_tenant.get()


def require_current_tenant() -> Tenant:
    tenant = _current_tenant.get()
    if tenant is None:
        raise TenantScopeError(
            "No tenant in scope. Tenant-owned data is only reachable inside tenant_scope(); "
            "use .unscoped() to cross tenants on purpose."
        )
    return tenant


@contextmanager
def tenant_scope(tenant: Tenant | None) -> Iterator[Tenant | None]:
    """Run a block with `tenant` in scope (None: explicitly no tenant)."""
    token = _current_tenant.set(tenant)
    try:
        yield tenant
    finally:
        _current_tenant.reset(token)


@contextmanager
def cross_tenant(reason: str) -> Iterator[None]:
    """Let the block's SQL see every tenant's rows (row-level security's bypass).

    The ORM filter is a separate matter: combine with `.unscoped()` or raw SQL. `reason` must
    be one of `CROSS_TENANT_REASONS`, so each crossing is named and greppable.
    """
    if reason not in CROSS_TENANT_REASONS:
        raise ValueError(f"Unknown cross-tenant reason {reason!r}: add it to CROSS_TENANT_REASONS.")
    token = _cross_tenant.set(reason)
    try:
        yield
    finally:
        _cross_tenant.reset(token)


def is_cross_tenant() -> bool:
    return _cross_tenant.get() is not None


def activate_tenant(tenant: Tenant | None) -> None:
    """Set the tenant for the rest of the current context.

    Only for entry points whose caller already wraps the whole unit of work in
    `tenant_scope()` (the middleware wraps every request, so DRF authentication may call this).
    """
    _current_tenant.set(tenant)


class CurrentTenantId(Expression):
    """SQL parameter that is the id of the tenant in scope at compile time."""

    output_field = models.BigIntegerField()

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[int]]:
        return "%s", [require_current_tenant().pk]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CurrentTenantId)

    def __hash__(self) -> int:
        return hash(type(self))


class TenantScopedQuerySet(models.QuerySet):
    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        tenant = require_current_tenant()
        objs = list(objs)
        for obj in objs:
            if obj.tenant_id is None:
                obj.tenant = tenant
            elif obj.tenant_id != tenant.pk:
                raise TenantScopeError("bulk_create of another tenant's rows")
        return super().bulk_create(objs, *args, **kwargs)


class TenantScopedManager(models.Manager.from_queryset(TenantScopedQuerySet)):  # type: ignore[misc]
    """Default manager of tenant-owned models: deny by default."""

    def get_queryset(self) -> TenantScopedQuerySet:
        return super().get_queryset().filter(tenant_id=CurrentTenantId())

    def unscoped(self) -> TenantScopedQuerySet:
        """Every tenant's rows. Use only where crossing tenants is the point."""
        return super().get_queryset()


def tenant_foreign_key(**options: Any) -> models.ForeignKey:
    """The `tenant` field of a tenant-owned model; `options` tune a hot table's copy of it."""
    return models.ForeignKey(
        "cs_platform.Tenant",
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
        **options,
    )


class TenantScopedModel(ChoiceLabels, models.Model):
    """Base of every tenant-owned model.

    Carries `tenant` (the Citus distribution column), scopes its default manager, and refuses
    to save a row that points at another tenant's row. Django's `_base_manager` (related-object
    access and cascading deletes of rows already reached through a scoped query) stays a plain,
    unscoped manager.
    """

    tenant = tenant_foreign_key()

    objects = TenantScopedManager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        in_scope = get_current_tenant()
        if self.tenant_id is None:
            self.tenant = require_current_tenant()
        elif in_scope is not None and in_scope.pk != self.tenant_id:
            raise TenantScopeError(
                f"Refusing to save a row of tenant {self.tenant_id} while tenant {in_scope.pk} "
                "is in scope."
            )
        with self._own_scope():
            self.check_same_tenant_references()
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        with self._own_scope():
            return super().delete(*args, **kwargs)

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        with self._own_scope():
            super().refresh_from_db(*args, **kwargs)

    @contextmanager
    def _own_scope(self) -> Iterator[None]:
        """An instance that names its tenant may be written with no tenant in scope (a
        factory, a tenant's set-up); the database's row-level security then needs that
        tenant in scope for the statement."""
        if get_current_tenant() is not None or self.tenant_id is None:
            yield
            return
        with tenant_scope(self.tenant):
            yield

    def check_same_tenant_references(self) -> None:
        """A row never points at another tenant's row (Citus co-location, and isolation)."""
        same_tenant_references_check([self])


def same_tenant_references_check(objs: Sequence[TenantScopedModel]) -> None:
    """`check_same_tenant_references` for rows of one model: one query per foreign key and
    tenant, not one per row (set-based writers check a whole batch at once)."""
    if not objs:
        return
    for field in objs[0]._meta.concrete_fields:
        related_model = field.related_model
        if not (
            field.is_relation
            and field.name != "tenant"
            and isinstance(related_model, type)
            and issubclass(related_model, TenantScopedModel)
        ):
            continue
        target = field.target_field.attname
        unverified: dict[int, set[Any]] = {}
        for obj in objs:
            related_id = getattr(obj, field.attname)
            if related_id is None:
                continue
            cached = field.get_cached_value(obj, default=None)
            if cached is not None and getattr(cached, target) == related_id:
                if cached.tenant_id != obj.tenant_id:
                    raise ValidationError({field.name: "Refers to an object of another tenant."})
            else:
                unverified.setdefault(obj.tenant_id, set()).add(related_id)
        for tenant_id, ids in unverified.items():
            found = set(
                related_model._base_manager.filter(
                    **{f"{target}__in": ids}, tenant_id=tenant_id
                ).values_list(target, flat=True)
            )
            if ids - found:
                raise ValidationError({field.name: "Refers to an object of another tenant."})
