"""CSV for spreadsheets: cells that would run as a formula are escaped (OWASP "CSV injection").

Text cells starting with = + - @, a tab or a carriage return get a leading apostrophe; the
account importer drops that apostrophe again, so an export re-imports unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_escaped(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a BOM (so Excel opens Japanese text), every cell formula-escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([formula_escaped(cell) for cell in header])
    for row in rows:
        writer.writerow(["" if cell is None else formula_escaped(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")
