"""`migrate` logs in as the owner of the tables (`DATABASE_OWNER_URL`), never as the
application's role, which owns nothing and may not change the schema (cs_platform.rls)."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.migrate import Command as DjangoMigrate

from cs_platform.rls import owner_connection


class Command(DjangoMigrate):
    def handle(self, *args: Any, **options: Any) -> None:
        with owner_connection(options["database"]):
            super().handle(*args, **options)
