"""Turning uploaded bytes into a DataFrame of strings, with each record's line number."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import pandas as pd
from django.conf import settings
from django.utils.translation import gettext as _

from .columns import Spec, header_map, normalise_header

HEADER_LINE = 1


@dataclass
class RowError:
    line: int
    column: str
    message: str
    value: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass
class ParsedFile:
    frame: pd.DataFrame  # canonical keys as columns, every cell a stripped string
    lines: pd.Series  # the 1-based line each record starts on (header is line 1)
    errors: list[RowError] = field(default_factory=list)
    fatal: bool = False


def decode(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), else Shift_JIS / CP932, as Excel in Japan writes it."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def parse(data: bytes, spec: Spec) -> ParsedFile:
    empty = ParsedFile(pd.DataFrame(), pd.Series(dtype="int64"), fatal=True)
    text = decode(data)
    if text is None:
        empty.errors.append(
            RowError(HEADER_LINE, "", _("The file is neither UTF-8 nor Shift_JIS (CP932) text."))
        )
        return empty
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        empty.errors.append(RowError(HEADER_LINE, "", _("The file is empty.")))
        return empty
    except csv.Error as exc:
        empty.errors.append(RowError(HEADER_LINE, "", str(exc)))
        return empty

    keys, header_errors = _map_header(header, spec)
    if header_errors:
        empty.errors.extend(header_errors)
        return empty

    records: list[list[str]] = []
    lines: list[int] = []
    errors: list[RowError] = []
    width = len(header)
    start = reader.line_num + 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if len(records) == settings.IMPORT_MAX_ROWS:
                empty.errors.append(
                    RowError(
                        line,
                        "",
                        _("The file has more than %(max)d rows; split it into smaller files.")
                        % {"max": settings.IMPORT_MAX_ROWS},
                    )
                )
                return empty
            if len(record) > width:
                errors.append(
                    RowError(
                        line,
                        "",
                        _("This row has %(n)d fields but the header has %(m)d.")
                        % {"n": len(record), "m": width},
                    )
                )
                continue
            records.append(record + [""] * (width - len(record)))
            lines.append(line)
    except csv.Error as exc:
        errors.append(RowError(start, "", _("Unreadable CSV: %(error)s") % {"error": exc}))
        return ParsedFile(pd.DataFrame(), pd.Series(dtype="int64"), errors, fatal=True)

    frame = pd.DataFrame(records, columns=list(range(width)), dtype="object")
    used = {i: key for i, key in enumerate(keys) if key is not None}
    frame = (
        frame[list(used)].rename(columns=used)
        if records
        else pd.DataFrame(columns=list(used.values()))
    )
    frame = frame.apply(_cell_text) if records else frame
    frame.index = pd.RangeIndex(len(frame))
    return ParsedFile(frame, pd.Series(lines, dtype="int64"), errors)


def _cell_text(column: pd.Series) -> pd.Series:
    """Stripped text; an apostrophe that the export put before a formula character is dropped."""
    text = column.astype("string").str.strip().fillna("")
    return text.str.replace(r"^'(?=[=+\-@\t\r])", "", regex=True)


def _map_header(header: list[str], spec: Spec) -> tuple[list[str | None], list[RowError]]:
    if len(header) > settings.IMPORT_MAX_COLUMNS:
        message = _("The header has %(n)d columns; at most %(max)d are accepted.") % {
            "n": len(header),
            "max": settings.IMPORT_MAX_COLUMNS,
        }
        return [], [RowError(HEADER_LINE, "", message)]
    aliases = header_map(spec)
    keys: list[str | None] = [aliases.get(normalise_header(h)) for h in header]
    errors: list[RowError] = []
    seen: dict[str, str] = {}
    for raw, key in zip(header, keys, strict=True):
        if key is None:
            continue
        if key in seen:
            errors.append(
                RowError(
                    HEADER_LINE,
                    key,
                    _("Columns %(a)s and %(b)s both mean %(key)s; keep one.")
                    % {"a": seen[key], "b": raw, "key": key},
                )
            )
        seen[key] = raw
    for column in spec.columns:
        if column.required and column.key not in seen:
            errors.append(
                RowError(
                    HEADER_LINE,
                    column.key,
                    _("Missing required column %(key)s (or %(ja)s).")
                    % {"key": column.key, "ja": column.ja_header},
                )
            )
    return keys, errors
