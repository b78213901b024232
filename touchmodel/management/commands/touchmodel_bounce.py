"""Record a bounce reported by the mail provider (for providers without a webhook)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from cs_platform.management.base import TenantCommand
from cs_platform.models import Tenant
from touchmodel.services import email_bounce_record


class Command(TenantCommand):
    help = "Mark e-mails to an address as bounced and stop mailing it."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--email", required=True)
        parser.add_argument("--message-key", default="")
        parser.add_argument("--reason", default="")

    def handle_tenant(self, tenant: Tenant, *args: Any, **options: Any) -> None:
        marked = email_bounce_record(
            to_email=options["email"],
            message_key=options["message_key"] or None,
            reason=options["reason"],
        )
        self.stdout.write(f"{marked} message(s) marked bounced; {options['email']} opted out.")
