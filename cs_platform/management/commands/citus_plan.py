from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cs_platform.citus import citus_plan, citus_plan_sql


class Command(BaseCommand):
    help = (
        "Print the SQL that distributes Junkan on Citus: reference tables, (tenant_id, id) "
        "primary keys, co-located distributed tables and tenant-aware foreign keys."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(citus_plan_sql(citus_plan()), ending="")
