"""CSV for spreadsheets: cells that would run as a formula are escaped (OWASP "CSV injection").

Text cells starting with = + - @, a tab or a carriage return get a leading apostrophe; the
account importer drops that apostrophe again, so an export re-imports unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_escaped(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, rows_per_chunk: int = 500
) -> Iterator[bytes]:
    """UTF-8 with a BOM (so Excel opens Japanese text), every cell formula-escaped, in chunks
    for a streaming response (a large export never sits in memory whole)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([formula_escaped(cell) for cell in header])
    first = True
    for n, row in enumerate(rows, start=1):
        writer.writerow(["" if cell is None else formula_escaped(cell) for cell in row])
        if n % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8-sig" if first else "utf-8")
            buffer.seek(0)
            buffer.truncate()
            first = False
    yield buffer.getvalue().encode("utf-8-sig" if first else "utf-8")
