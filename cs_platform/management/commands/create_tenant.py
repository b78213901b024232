from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from cs_platform.models import Role, User
from cs_platform.services import membership_set, tenant_create


class Command(BaseCommand):
    help = "Create a tenant (and optionally its first admin)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--timezone", default="Asia/Tokyo")
        parser.add_argument("--language", default="ja", choices=["ja", "en"])
        parser.add_argument("--admin-email", help="Existing or new user made admin of the tenant.")
        parser.add_argument("--admin-password", help="Password for a new admin user.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            tenant = tenant_create(
                name=options["name"],
                slug=options["slug"],
                timezone_name=options["timezone"],
                default_language=options["language"],
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        except IntegrityError:
            raise CommandError(f"A tenant with slug {options['slug']!r} already exists.") from None
        if email := options["admin_email"]:
            user = User.objects.filter(email=email.lower()).first() or User.objects.create_user(
                email, options["admin_password"]
            )
            membership_set(tenant=tenant, user=user, role=Role.ADMIN)
        self.stdout.write(self.style.SUCCESS(f"Created tenant {tenant.slug} ({tenant.name})."))
