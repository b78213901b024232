"""Management-command entry point of tenant scoping: `--tenant SLUG`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cs_platform.audit.context import audit_context, command_context
from cs_platform.models import Tenant
from cs_platform.scoping import tenant_scope


class TenantCommand(BaseCommand):
    """A command that works on one tenant's data; implement `handle_tenant`."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="Slug of the tenant to work on.")

    def handle(self, *args: Any, **options: Any) -> str | None:
        # The slug becomes the Tenant passed positionally; keeping it in options would clash.
        slug = options.pop("tenant")
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"No tenant with slug {slug!r}.")
        name = type(self).__module__.rsplit(".", 1)[-1]
        with (
            tenant_scope(tenant),
            timezone.override(tenant.tzinfo),
            audit_context(command_context(name)),
        ):
            return self.handle_tenant(tenant, *args, **options)

    def handle_tenant(self, tenant: Tenant, *args: Any, **options: Any) -> str | None:
        raise NotImplementedError
