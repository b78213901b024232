"""CSV import and export of accounts, contacts and contracts (pandas, set-based).

`run_import` validates the whole file first (every bad row, with its line number, the header
being line 1); the real run then writes everything in one transaction, or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from .columns import SPECS, Column, Spec
from .export import export_csv
from .reader import HEADER_LINE, RowError, parse
from .validate import validate
from .write import Progress, upsert

__all__ = ["SPECS", "Column", "ImportReport", "Spec", "export_csv", "run_import"]


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_lines(self) -> int:
        return len({e.line for e in self.errors})

    def errors_as_json(self) -> list[dict[str, Any]]:
        """The errors a job keeps: the first IMPORT_MAX_ERRORS_STORED, in line order."""
        return [e.as_dict() for e in self.errors[: settings.IMPORT_MAX_ERRORS_STORED]]

    def summary(self) -> str:
        if not self.ok:
            text = _(
                "%(bad)d of %(total)d rows have problems (%(n)d errors); nothing was changed."
            ) % {"bad": self.bad_lines, "total": self.total_rows, "n": len(self.errors)}
            if len(self.errors) > settings.IMPORT_MAX_ERRORS_STORED:
                text += " " + _("The first %(shown)d errors are listed.") % {
                    "shown": settings.IMPORT_MAX_ERRORS_STORED
                }
            return text
        if self.dry_run:
            return _(
                "Dry run: all %(total)d rows are valid; %(created)d would be created and "
                "%(updated)d updated."
            ) % {"total": self.total_rows, "created": self.created, "updated": self.updated}
        return _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


def run_import(
    *, kind: str, data: bytes, dry_run: bool, progress: Progress | None = None
) -> ImportReport:
    """Validate and (unless `dry_run`) upsert one file. The tenant in scope owns the rows."""
    spec = SPECS[kind]
    report = ImportReport(kind=kind, dry_run=dry_run)
    parsed = parse(data, spec)
    report.total_rows = len(parsed.frame)
    if parsed.fatal:
        report.errors = parsed.errors
        return report
    if progress:
        progress(0, report.total_rows)
    validated = validate(parsed, spec)
    report.errors = validated.errors
    if not report.ok:
        return report
    try:
        with transaction.atomic():
            result = upsert(spec, validated, progress)
            if dry_run:
                # Count what would change, then roll the whole write back.
                raise _DryRunRollback
    except _DryRunRollback:
        pass
    except DatabaseError as exc:
        report.errors = [
            RowError(HEADER_LINE, "", _("The database refused the import: %(e)s") % {"e": exc})
        ]
        return report
    report.created, report.updated, report.unchanged = (
        result.created,
        result.updated,
        result.unchanged,
    )
    return report


class _DryRunRollback(Exception):
    pass
