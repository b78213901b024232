"""Keyset ("seek") pagination: the next page starts after the last row's sort key.

An OFFSET page reads and throws away every row before it, and its "page N of M" needs a
COUNT(*) over the whole filtered set on every view: at 100,000 accounts both grow with the
tenant. A keyset page reads only its own rows (an index on the sort key serves it) and knows
whether there is a next page by reading one row more.

The queryset's ordering must end with a unique field (the primary key), so that the order is
total and no row is skipped or shown twice. Cursors carry the boundary row's values of every
ordering field (annotations and related fields included) as URL-safe JSON; PostgreSQL's order of
NULLs is followed (last when ascending, first when descending, Django's defaults).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldError, ValidationError
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy


class CursorError(ValueError):
    """A cursor that this ordering did not make (edited, truncated or from another sort)."""


@dataclass(frozen=True)
class KeysetPage:
    rows: list[Any]
    next_cursor: str | None  # after the last row, when there are more rows
    previous_cursor: str | None  # before the first row, when there are rows before it

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.previous_cursor)


def _fields(queryset: QuerySet) -> list[tuple[str, bool]]:
    """(field, descending) of the queryset's ordering, which must be plain names."""
    fields = []
    for item in queryset.query.order_by:
        if isinstance(item, OrderBy) and isinstance(item.expression, F):
            fields.append((item.expression.name, item.descending))
        elif isinstance(item, str) and item.lstrip("-") and item != "?":
            fields.append((item.lstrip("-"), item.startswith("-")))
        else:
            raise ValueError(f"keyset pagination needs ordering by field names, not {item!r}")
    if not fields or fields[-1][0] not in ("pk", "id"):
        raise ValueError("keyset pagination needs an ordering that ends with the primary key")
    return fields


def _value(row: Any, field: str) -> Any:
    value = row
    for part in field.split("__"):
        value = None if value is None else getattr(value, part)
    return value


def _encode(values: list[Any]) -> str:
    def plain(value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return {"t": value.isoformat()}
        if isinstance(value, dt.date):
            return {"d": value.isoformat()}
        if isinstance(value, Decimal):
            return {"n": str(value)}
        if value is None or isinstance(value, bool | int | float | str):
            return value
        return str(value)

    raw = json.dumps([plain(v) for v in values], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, size: int) -> list[Any]:
    def typed(value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            ((kind, text),) = value.items()
            if kind == "t":
                return dt.datetime.fromisoformat(text)
            if kind == "d":
                return dt.date.fromisoformat(text)
            if kind == "n":
                return Decimal(text)
        if isinstance(value, dict | list):
            raise CursorError("bad value")
        # NOTE: PostgreSQL refuses a NUL in text, and no stored value holds one.
        if isinstance(value, str) and "\x00" in value:
            raise CursorError("a NUL character")
        return value

    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != size:
            raise CursorError("wrong size")
        return [typed(v) for v in values]
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise CursorError(str(exc)) from exc


def _after(fields: list[tuple[str, bool]], values: list[Any]) -> Q:
    """Rows after `values` in this order (NULLs last ascending, first descending)."""
    result = Q(pk__in=[])
    equal = Q()
    for (field, descending), value in zip(fields, values, strict=True):
        if value is None:
            beyond = Q(**{f"{field}__isnull": False}) if descending else Q(pk__in=[])
            same = Q(**{f"{field}__isnull": True})
        else:
            beyond = (
                Q(**{f"{field}__lt": value})
                if descending
                else Q(**{f"{field}__gt": value}) | Q(**{f"{field}__isnull": True})
            )
            same = Q(**{field: value})
        result |= equal & beyond
        equal &= same
    return result


def _checked(queryset: QuerySet, fields: list[tuple[str, bool]], values: list[Any]) -> list[Any]:
    """The cursor's values as their fields' types, refused when a field cannot hold one.

    NOTE: Django answers a lookup whose integer is beyond the column's range (an id past
    bigint) with no rows rather than an error: an edited cursor would read as an empty page.
    """
    query = queryset.query.chain()
    checked = []
    for (name, _descending), value in zip(fields, values, strict=True):
        if value is not None:
            target = query.resolve_ref(name, allow_joins=True).output_field
            kind = target.get_internal_type()
            if kind in connection.ops.integer_field_ranges:
                low, high = connection.ops.integer_field_range(kind)
                # NOTE: to_python would round 1.5 and take True for 1: only a JSON integer.
                if isinstance(value, bool) or not isinstance(value, int):
                    raise CursorError(f"{name}: {value!r} is no integer")
                if (low is not None and value < low) or (high is not None and value > high):
                    raise CursorError(f"{name}: {value!r} is out of range")
            value = target.to_python(value)
        checked.append(value)
    return checked


def _cursor_values(queryset: QuerySet, fields: list[tuple[str, bool]], cursor: str) -> list[Any]:
    try:
        return _checked(queryset, fields, _decode(cursor, len(fields)))
    except (ValueError, TypeError, ValidationError, FieldError) as exc:  # of the wrong type
        raise CursorError(str(exc)) from exc


def _filtered(queryset: QuerySet, fields: list[tuple[str, bool]], cursor: str) -> QuerySet:
    try:
        return queryset.filter(_after(fields, _cursor_values(queryset, fields, cursor)))
    except (ValueError, TypeError, ValidationError, FieldError) as exc:  # of the wrong type
        raise CursorError(str(exc)) from exc


@dataclass(frozen=True)
class KeysetGroups:
    """An ordering whose first field, `rank`, is the position in `values` of the group that
    the row's `field` is in (`values[rank]`: the field's values of that group; None: NULL),
    e.g. an account's phase id ranked by the phases' order, which lives on the phases.

    The queryset annotates `rank` (so that one SQL read sorts the same way), and its index on
    (`field`, the rest of the ordering) serves each group: a page reads the groups in turn,
    each in the rest of the ordering from its index, until the page is full, instead of
    sorting every row by its rank. A group's rank is not kept on the rows: when the groups
    are reordered no row is written."""

    rank: str
    field: str
    values: list[list[Any]]


def _in_group(field: str, value: Any) -> Q:
    return Q(**{f"{field}__isnull": True}) if value is None else Q(**{field: value})


def _grouped_keys(
    queryset: QuerySet,
    fields: list[tuple[str, bool]],
    groups: KeysetGroups,
    cursor: list[Any] | None,
    limit: int | None,
) -> list[tuple[Any, ...]]:
    """The ordering's values (the rank first) of the first `limit` rows (None: all) after
    `cursor` (or from the start) in the order `fields`, group by group."""
    rest = fields[1:]
    names = [name for name, _descending in rest]
    order = [f"-{f}" if d else f for f, d in rest]
    ranks = list(range(len(groups.values)))
    if fields[0][1]:
        ranks.reverse()
    if cursor is not None:
        start = cursor[0]
        ranks = [r for r in ranks if (r <= start if fields[0][1] else r >= start)]
    keys: list[tuple[Any, ...]] = []
    for rank in ranks:
        need = None if limit is None else limit - len(keys)
        if need is not None and need <= 0:
            break
        base = queryset.order_by(*order)
        if cursor is not None and rank == cursor[0]:
            base = base.filter(_after(rest, cursor[1:]))
        parts = [
            base.filter(
                **(
                    {groups.field: value}
                    if value is not None
                    else {f"{groups.field}__isnull": True}
                )
            ).values_list(*names)[:need]
            for value in groups.values[rank]
        ]
        if not parts:
            continue
        # Several values: each from its index, merged by the database (its collation).
        found = parts[0] if len(parts) == 1 else parts[0].union(*parts[1:], all=True)
        if len(parts) > 1:
            found = found.order_by(*order)[:need]
        keys += [(rank, *key) for key in found]
    return keys


def _check_options(
    fields: list[tuple[str, bool]],
    *,
    rows: Any,
    groups: KeysetGroups | None,
    kept: Any,
    seek: Any = None,
) -> None:
    if (groups is not None or kept is not None or seek is not None) and rows is None:
        raise ValueError("keyset groups, kept pages and seeks need `rows`")
    if groups is not None and seek is not None:
        raise ValueError("keyset groups or a seek, not both")
    if groups is not None and fields[0][0] != groups.rank:
        raise ValueError("keyset groups need an ordering that starts with their rank")


def keyset_ids(queryset: QuerySet, *, groups: KeysetGroups | None = None) -> list[Any]:
    """Every primary key of `queryset` in its ordering; with `groups` (its ordering starts
    with their rank), read group by group from the sort's index as a page reads them, not
    sorted by the rank's expression over all the rows (an export of a list's whole view)."""
    if groups is None:
        return list(queryset.values_list("pk", flat=True))
    fields = _fields(queryset)
    if fields[0][0] != groups.rank:
        raise ValueError("keyset groups need an ordering that starts with their rank")
    return [key[-1] for key in _grouped_keys(queryset, fields, groups, None, None)]


def keyset_page(  # noqa: C901 (the steps of one read, each small)
    queryset: QuerySet | Callable[[], QuerySet],
    *,
    size: int,
    after: str = "",
    before: str = "",
    rows: Callable[[list[Any]], Iterable[Any]] | None = None,
    groups: KeysetGroups | None = None,
    kept: Callable[[Callable[[], Any]], Any] | None = None,
    seek: Callable[[list[tuple[str, bool]], list[Any] | None, int], list[tuple[Any, ...]]]
    | None = None,
) -> KeysetPage:
    """The `size` rows after the cursor `after` (or before `before`; neither: the first).

    `rows(ids)`: read the page in two steps: first only the ids and the ordering's values of
    the page's rows from `queryset` (no column or join the order does not need: what an index
    can answer), then `rows(ids)` (its joins and cells) for those ids only; the page's rows
    are those `rows` returns, in the page's order (one deleted in between is left out).
    `groups` (with `rows`): the ordering's first field ranks groups (see `KeysetGroups`).
    `kept(compute)` (with `rows`): the first step's answer, `compute()` or a copy kept from
    it (e.g. under the tenant's data version): the page's ids and ordering values.
    `seek(ordering, values, limit)` (with `rows`): the first step read another way than from
    `queryset` (which still types the cursors): the ordering's values of the first `limit`
    rows after the cursor's `values` (None: from the start) in `ordering` (the queryset's, or
    each field the other way round for a page before a cursor). It must answer as the
    queryset would.
    `queryset` may be a callable that builds it (with `kept`): called only when the page's
    keys are read, not when `kept` has them (a kept page builds no query).

    Raises CursorError for a cursor this ordering cannot read."""
    built: list[tuple[QuerySet, list[tuple[str, bool]]]] = []

    def ordered() -> tuple[QuerySet, list[tuple[str, bool]]]:
        """The queryset and its ordering's fields, built and checked once."""
        if not built:
            qs = queryset() if callable(queryset) else queryset
            fields = _fields(qs)
            _check_options(fields, rows=rows, groups=groups, kept=kept, seek=seek)
            built.append((qs, fields))
        return built[0]

    if not callable(queryset):
        ordered()  # a queryset given is checked at once

    def read(
        ordering: list[tuple[str, bool]], cursor: str, limit: int
    ) -> list[tuple[tuple[Any, ...], Any]]:
        """(the ordering's values, the row or None) of the first `limit` rows after `cursor`."""
        queryset, fields = ordered()
        names = [name for name, _descending in fields]
        if groups is not None or seek is not None:
            values = _cursor_values(queryset, ordering, cursor) if cursor else None
            if seek is not None:
                return [(tuple(key), None) for key in seek(ordering, values, limit)]
            keys = _grouped_keys(queryset, ordering, groups, values, limit)
            return [(key, None) for key in keys]
        page = queryset.order_by(*[f"-{f}" if d else f for f, d in ordering])
        if cursor:
            page = _filtered(page, ordering, cursor)
        if rows is not None:
            return [(key, None) for key in page.values_list(*names)[:limit]]
        return [(tuple(_value(row, name) for name in names), row) for row in page[:limit]]

    def page_of(
        found: list[tuple[tuple[Any, ...], Any]], *, more_before: bool, more_after: bool
    ) -> KeysetPage:
        if rows is not None and found:
            by_id = {row.pk: row for row in rows([key[-1] for key, _row in found])}
            shown = [by_id[key[-1]] for key, _row in found if key[-1] in by_id]
        else:
            shown = [row for _key, row in found]
        return KeysetPage(
            rows=shown,
            next_cursor=_encode(list(found[-1][0])) if found and more_after else None,
            previous_cursor=_encode(list(found[0][0])) if found and more_before else None,
        )

    def keys() -> tuple[list[tuple[tuple[Any, ...], Any]], bool, bool]:
        """The page's (values, row) pairs in order, whether rows come before and after it."""
        _queryset, fields = ordered()
        if before:
            found = read([(f, not d) for f, d in fields], before, size + 1)
            return found[:size][::-1], len(found) > size, True
        found = read(fields, after, size + 1)
        return found[:size], bool(after), len(found) > size

    # Only the ordering's values (no rows) are kept: `rows` reads (or keeps) the rows itself.
    found, more_before, more_after = kept(keys) if kept is not None else keys()
    return page_of(found, more_before=more_before, more_after=more_after)
