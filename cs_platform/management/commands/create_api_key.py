from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from cs_platform.management.base import TenantCommand
from cs_platform.models import ApiKeyScope, Tenant
from cs_platform.services import api_key_issue


class Command(TenantCommand):
    help = "Issue an API key for a tenant. The key is printed once, alone on the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--scope", required=True, choices=ApiKeyScope.values)
        parser.add_argument("--name", default="CLI key")

    def handle_tenant(self, tenant: Tenant, *args: Any, **options: Any) -> None:
        issued = api_key_issue(tenant=tenant, name=options["name"], scope=options["scope"])
        self.stderr.write(
            f"API key {issued.api_key.prefix}… (scope {issued.api_key.scope}) for {tenant.slug}. "
            "Store it now: it is not shown again."
        )
        self.stdout.write(issued.raw_key)
