from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from accounts.importing import SPECS, run_import
from cs_platform.management.base import TenantCommand
from cs_platform.models import Tenant

MAX_ERRORS_SHOWN = 200


class Command(TenantCommand):
    help = "Import accounts, contacts or contracts from a CSV file (UTF-8, UTF-8 BOM or Shift_JIS)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--kind", required=True, choices=sorted(SPECS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check only; change nothing.")

    def handle_tenant(self, tenant: Tenant, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        report = run_import(
            kind=options["kind"], data=path.read_bytes(), dry_run=options["dry_run"]
        )
        for error in report.errors[:MAX_ERRORS_SHOWN]:
            column = f" [{error.column}]" if error.column else ""
            self.stdout.write(f"line {error.line}{column}: {error.message}")
        if len(report.errors) > MAX_ERRORS_SHOWN:
            self.stdout.write(f"… and {len(report.errors) - MAX_ERRORS_SHOWN} more errors.")
        if not report.ok:
            raise CommandError(
                f"{path.name}: {report.bad_lines} of {report.total_rows} rows have problems; "
                "nothing was imported."
            )
        self.stdout.write(self.style.SUCCESS(report.summary()))
