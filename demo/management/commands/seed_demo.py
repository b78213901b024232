from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.seed import demo_reset, demo_seed
from demo.tenants import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Load the demo tenants, users and data. Idempotent; --reset rebuilds it from scratch."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="Delete and rebuild the demo.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off (the demo users share a published password).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off, so this looks like a production database: the demo adds users "
                f"whose password ({DEMO_PASSWORD}) is in the README. Pass --force to seed anyway."
            )
        started = time.monotonic()

        def log(message: str) -> None:
            self.stdout.write(f"[{time.monotonic() - started:6.1f}s] {message}")
            self.stdout.flush()

        if options["reset"]:
            demo_reset(log=log)
        tenants = demo_seed(log=log)
        log("Demo ready.")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password: {DEMO_PASSWORD}):"))
        for email, full_name, _lang, roles in DEMO_USERS:
            where = ", ".join(f"{slug}={role}" for slug, role in roles.items())
            self.stdout.write(f"  {email:<22} {full_name:<16} {where}")
        self.stdout.write(f"Tenants: {', '.join(t.slug for t in tenants)}")
