"""Set-based SQL the ORM does not offer, for every app.

- `insert_ignore_returning` (and `…_keys`, `values_insert_ignore` for plain tuples):
  INSERT … ON CONFLICT DO NOTHING RETURNING: claim rows and learn which ones were ours.
  Django's `bulk_create(ignore_conflicts=True)` does not tell which rows were inserted; claiming
  work needs exactly that ("act only if inserted").
- `update_from_values`: many rows' fields in one UPDATE … FROM (VALUES …).
- `sql_frame` / `rows_frame`: a query's rows as a pandas DataFrame, for the vectorised maths.

Writes run through psycopg2's `execute_values` (one statement per 1,000 rows), behind
`scoped_sql`'s row-level-security prefix: Django's cursor wrapper does not see them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from django.db import connection, models
from psycopg2.extras import execute_values

from cs_platform.rls import scoped_sql
from cs_platform.scoping import (
    TenantScopedModel,
    require_current_tenant,
    same_tenant_references_check,
)


def insert_ignore_returning(objs: Sequence[TenantScopedModel]) -> list[int]:
    """Insert the rows, skipping those that hit a unique constraint; return the new ids in
    the order PostgreSQL inserted them (ids only, not their positions in `objs`)."""
    return [row[0] for row in _insert_ignore(objs, [])]


def insert_ignore_returning_keys(objs: Sequence[TenantScopedModel], key: str) -> dict[Any, int]:
    """As `insert_ignore_returning`, but the new ids by the value of the field `key` (a
    unique one, e.g. a message key), so the caller knows which of its rows were new."""
    if not objs:
        return {}
    column = type(objs[0])._meta.get_field(key).column
    return {row[1]: row[0] for row in _insert_ignore(objs, [column])}


def _insert_ignore(objs: Sequence[TenantScopedModel], also: list[str]) -> list[tuple]:
    if not objs:
        return []
    tenant = require_current_tenant()
    model = type(objs[0])
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not isinstance(f, models.AutoField)]
    for obj in objs:
        if obj.tenant_id is None:
            obj.tenant = tenant
    same_tenant_references_check(objs)
    rows = [
        tuple(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields) for obj in objs
    ]
    return values_insert_ignore(
        table=meta.db_table,
        columns=[f.column for f in fields],
        rows=rows,
        returning=[meta.pk.column, *also],
    )


def values_insert_ignore(
    *, table: str, columns: Sequence[str], rows: Sequence[tuple], returning: Sequence[str]
) -> list[tuple]:
    """INSERT the tuples (values in `columns` order, already prepared for the database),
    skipping those that hit a unique constraint; return the `returning` columns of the rows
    inserted. For hot paths that build their rows without model instances. The caller puts
    the tenant's id in each row (row-level security refuses any other)."""
    if not rows:
        return []
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES %s ON CONFLICT DO NOTHING RETURNING {', '.join(quote(c) for c in returning)}"
    )
    with connection.cursor() as cursor:
        return execute_values(cursor.cursor, scoped_sql(sql), rows, page_size=1000, fetch=True)


def update_from_values(objs: Sequence[TenantScopedModel], fields: list[str]) -> None:
    """Write `fields` of many rows of the tenant in scope with one UPDATE … FROM (VALUES …)
    per 1,000 rows (Django's bulk_update builds a CASE per field and row, slow to compile)."""
    if not objs:
        return
    tenant_id = int(require_current_tenant().pk)
    meta = type(objs[0])._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    pk = quote(meta.pk.column)
    names = ", ".join(quote(f.column) for f in columns)
    sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in columns)
    types = ", ".join(f"%s::{f.db_type(connection)}" for f in columns)
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {sets} FROM (VALUES %s) AS v({pk}, {names}) "
        f"WHERE t.{pk} = v.{pk} AND t.{quote('tenant_id')} = {tenant_id}"
    )
    rows = [
        (obj.pk, *(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns))
        for obj in objs
    ]
    with connection.cursor() as cursor:
        execute_values(
            cursor.cursor, scoped_sql(sql), rows, template=f"(%s, {types})", page_size=1000
        )


def sql_frame(
    sql: str, params: Sequence[Any] = (), columns: list[str] | None = None
) -> pd.DataFrame:
    """Run a query and return its rows as a DataFrame (the query's column names unless
    `columns` names them); an empty result keeps its columns."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = columns or [c.name for c in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=names)


def rows_frame(rows: Any, columns: list[str]) -> pd.DataFrame:
    """Rows (an iterable of tuples, e.g. a `values_list` queryset) as a DataFrame."""
    return pd.DataFrame.from_records(list(rows), columns=columns)
