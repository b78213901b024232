"""Django admin. Tenant-owned models use `TenantScopedAdmin`: the admin shows and edits the
tenant chosen in the session (the same TenantMiddleware scope as every other page)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import ApiKey, AuditEvent, Membership, Tenant, User
from .scoping import cross_tenant
from .services import tenant_delete


class TenantScopedAdmin(admin.ModelAdmin):
    """Base admin for TenantScopedModel subclasses."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return getattr(request, "tenant", None) is not None and super().has_module_permission(
            request
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.tenant = request.tenant  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "default_language", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    # NOTE: the ORM's cascade would run in the admin's own tenant scope, where row-level
    # security hides the deleted tenant's rows; the service deletes them in the tenant's.
    def delete_model(self, request: HttpRequest, obj: Tenant) -> None:
        tenant_delete(tenant=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for tenant in queryset:
            tenant_delete(tenant=tenant)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["tenant"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active"]
    search_fields = ["email", "full_name"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "language")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    # A user's rows (owner of accounts, author of notes …) live in every tenant they belong
    # to: the cascade (SET NULL, CASCADE) must reach them all, past row-level security.
    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with cross_tenant("tenant-admin"):
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with cross_tenant("tenant-admin"):
            super().delete_queryset(request, queryset)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        with cross_tenant("tenant-admin"):
            return super().get_deleted_objects(objs, request)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "tenant", "scope", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope", "tenant"]
    readonly_fields = ["prefix", "hashed_key", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Keys are issued through the API-keys page or `create_api_key`, which show the key once.
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(TenantScopedAdmin):
    """The chosen tenant's audit log, read-only (the database refuses changes anyway)."""

    list_display = ["at", "action", "actor_label", "target_type", "target_label", "ip", "source"]
    list_filter = ["action", "source"]
    search_fields = ["actor_label", "target_label", "action"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
