"""Writes of the core: tenants, memberships, API keys."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from .audit.services import audit_created, audit_delete_path, audit_record
from .models import ApiKey, ApiKeyScope, Membership, Role, Tenant, User
from .scoping import tenant_scope
from .selectors import hash_api_key

API_KEY_PREFIX = "jk_"


@dataclass(frozen=True)
class IssuedApiKey:
    api_key: ApiKey
    raw_key: str


@transaction.atomic
def tenant_create(
    *, name: str, slug: str, timezone_name: str = "Asia/Tokyo", default_language: str = "ja"
) -> Tenant:
    tenant = Tenant(name=name, slug=slug, timezone=timezone_name, default_language=default_language)
    tenant.full_clean()
    tenant.save()
    with tenant_scope(tenant):
        _run_tenant_created_hooks(tenant)
    return tenant


def _run_tenant_created_hooks(tenant: Tenant) -> None:
    """Let apps seed per-tenant defaults (phases, scorecards …) without the core importing them."""

    for config in apps.get_app_configs():
        hook = getattr(config, "on_tenant_created", None)
        if hook is not None:
            hook(tenant)


def membership_set(*, tenant: Tenant, user: User, role: str) -> Membership:
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}; choose one of {', '.join(Role.values)}.")
    membership, _ = Membership.objects.update_or_create(
        tenant=tenant, user=user, defaults={"role": role}
    )
    return membership


def api_key_issue(
    *, tenant: Tenant, name: str, scope: str, created_by: User | None = None
) -> IssuedApiKey:
    if scope not in ApiKeyScope.values:
        raise ValueError(f"Unknown scope {scope!r}; choose one of {', '.join(ApiKeyScope.values)}.")
    raw_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        api_key = ApiKey.objects.create(
            tenant=tenant,
            name=name,
            scope=scope,
            prefix=raw_key[:10],
            hashed_key=hash_api_key(raw_key),
            created_by=created_by,
        )
        audit_record(
            action="api_key.issued",
            target=api_key,
            tenant_id=tenant.pk,
            changes=audit_created({"name": name, "scope": scope, "prefix": api_key.prefix}),
        )
    return IssuedApiKey(api_key=api_key, raw_key=raw_key)


def api_key_revoke(*, api_key: ApiKey) -> None:
    """Revoke the key; the audit log records who did (the actor of the audit context)."""
    now = timezone.now()
    with transaction.atomic():
        revoked = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
            revoked_at=now
        )
        if revoked:
            audit_record(
                action="api_key.revoked",
                target=api_key,
                tenant_id=api_key.tenant_id,
                changes={"revoked_at": [None, now]},
            )


def api_key_touch(*, api_key: ApiKey) -> None:
    """Record use at most once a minute so a busy key does not write on every request."""
    now = timezone.now()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now


@transaction.atomic
def tenant_delete(*, tenant: Tenant) -> None:
    """Remove a tenant and every row it owns, one set-based DELETE per table.

    The ORM's cascade would load every row (hundreds of millions of usage events) into Python
    first. Django creates foreign keys DEFERRABLE INITIALLY DEFERRED, so the order of the
    DELETEs inside this transaction does not matter: constraints are checked at commit.
    """
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if any(f.name == "tenant" and f.is_relation for f in model._meta.concrete_fields)
        }
    )

    # The tenant's audit log goes with it: one of the two paths the audit trigger lets delete.
    with audit_delete_path("tenant_delete"), tenant_scope(tenant), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"DELETE FROM {connection.ops.quote_name(table)} WHERE tenant_id = %s",
                [tenant.pk],
            )
        cursor.execute("DELETE FROM cs_platform_tenant WHERE id = %s", [tenant.pk])
