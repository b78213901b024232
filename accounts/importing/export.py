"""CSV export with the import's headers, as UTF-8 with BOM so Excel opens Japanese text, or on
request as Shift_JIS (Windows code page 932, what older Excel expects); a character code page 932
cannot hold becomes "?". Whole numbers export as whole numbers (`5`, never `5.0`, even in a
column with empty cells).

Text cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
return) are exported with a leading apostrophe (OWASP "CSV injection"); the importer drops that
apostrophe again, so an export re-imports unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from django.db.models import QuerySet

from cs_platform.audit.services import audit_record
from cs_platform.csvfiles import formula_escaped

from .columns import SPECS

# Model lookups that give each exported column its value.
_SOURCES = {"owner_email": "owner__email", "account_external_id": "account__external_id"}


ENCODINGS = {"utf-8": "utf-8-sig", "shift_jis": "cp932"}


def _whole_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    # NOTE: pandas turns an integer column with a NULL into floats (5 → 5.0); back to integers.
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_float_dtype(column) and (column.dropna() % 1 == 0).all():
            frame[name] = column.astype("Int64")
    return frame


def export_csv(
    kind: str,
    *,
    japanese_headers: bool = False,
    encoding: str = "utf-8",
    accounts: QuerySet | None = None,
    account_ids: Sequence[int] | None = None,
) -> bytes:
    """Every row of `kind`; with `accounts` (a filtered account queryset, e.g. the account
    list's current view), only the accounts it selects, in its order; with `account_ids`,
    those accounts in that order (a view whose order is read group by group)."""
    spec = SPECS[kind]
    keys = [c.key for c in spec.columns]
    lookups = [_SOURCES.get(k, k) for k in keys]
    view = accounts is not None or account_ids is not None
    if view:
        if kind != "accounts":
            raise ValueError("Only the accounts export follows a list view.")
        # The view's ids in its order (one query), then their columns (one query).
        if account_ids is not None:
            ids = list(account_ids)
        else:
            ids = list(accounts.values_list("pk", flat=True))  # type: ignore[union-attr]
        by_id = {
            row[0]: row[1:]
            for row in spec.model.objects.filter(pk__in=ids).values_list("pk", *lookups)
        }
        rows = [by_id[pk] for pk in ids if pk in by_id]
    else:
        rows = spec.model.objects.order_by("external_id", "id").values_list(*lookups)
    frame = _whole_numbers(pd.DataFrame.from_records(list(rows), columns=keys))
    frame = frame.map(formula_escaped)
    if japanese_headers:
        frame.columns = [c.ja_header for c in spec.columns]
    audit_record(
        action="export.csv",
        target_type=spec.model._meta.label_lower,
        target_label=kind,
        changes={
            "rows": [None, len(frame)],
            "columns": [None, len(keys)],
            "view": [None, view],
        },
    )
    return frame.to_csv(index=False).encode(ENCODINGS[encoding], errors="replace")
