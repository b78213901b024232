from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser

from cs_platform.management.base import TenantCommand
from cs_platform.models import Tenant
from healthscore.models import JobTrigger, RecomputeJob
from healthscore.selectors import recompute_job_done
from healthscore.services.recompute import healthscore_recompute


class Command(TenantCommand):
    help = "Recompute the tenant's health scores for a day (default: today), in this process."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--date", help="YYYY-MM-DD (the tenant's local day).")

    def handle_tenant(self, scope_tenant: Tenant, *args: Any, **options: Any) -> None:
        # NOTE: not named `tenant`: the base passes options (with "tenant") as keywords too.
        day = None
        if options.get("date"):
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("--date must be YYYY-MM-DD.") from exc

        def progress(job: RecomputeJob) -> None:
            done = recompute_job_done(job=job)
            self.stdout.write(f"\r{done}/{job.total} accounts", ending="")
            self.stdout.flush()

        job = healthscore_recompute(day=day, trigger=JobTrigger.COMMAND, progress=progress)
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"{job.day}: {job.done}/{job.total} accounts scored ({job.status}).")
        )
