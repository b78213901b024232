"""Set-based upsert by external id: one read of the existing rows, multi-row INSERTs for the
new ones and `UPDATE … FROM (VALUES …)` for the changed ones."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.db import connection, models, transaction
from django.utils import timezone

from cs_platform.scoping import require_current_tenant

from .columns import Spec
from .validate import Validated

BATCH = 2000
NULL = r"\N"
INTEGER_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "ForeignKey",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
}
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class WriteResult:
    created: int
    updated: int
    unchanged: int


def upsert(spec: Spec, validated: Validated, progress: Progress | None = None) -> WriteResult:
    model = spec.model
    tenant = require_current_tenant()
    values = validated.values
    fields = [c.model_field for c in validated.present if c.model_field != "external_id"]
    existing = pd.DataFrame.from_records(
        list(
            model.objects.filter(external_id__in=values["external_id"].tolist()).values(
                "id", "external_id", *fields
            )
        ),
        columns=["id", "external_id", *fields],
    )
    merged = values.merge(existing, on="external_id", how="left", suffixes=("", "__old"))
    is_new = merged["id"].isna()
    changed = pd.Series(False, index=merged.index)
    for name in fields:
        new, old = merged[name], merged[f"{name}__old"]
        changed |= ~((new == old) | (new.isna() & old.isna()))
    to_update = merged[~is_new & changed]
    total = len(merged)
    done = 0

    defaults: dict[str, Any] = {}
    if spec.kind == "contracts" and "currency" not in fields:
        defaults["currency"] = tenant.currency
    new_rows = merged.loc[is_new, ["external_id", *fields]]
    for start in range(0, len(new_rows), BATCH):
        chunk = new_rows.iloc[start : start + BATCH]
        copy_insert(model, chunk, tenant.pk, defaults)
        done += len(chunk)
        if progress:
            progress(done, total)

    update_rows = to_update[["id", *fields]].to_dict("records")
    for start in range(0, len(update_rows), BATCH):
        chunk = update_rows[start : start + BATCH]
        _update_from_values(model, chunk, fields, tenant.pk)
        done += len(chunk)
        if progress:
            progress(done, total)
    if progress:
        progress(total, total)
    return WriteResult(created=len(new_rows), updated=len(update_rows), unchanged=total - done)


def copy_insert(
    model: type[models.Model], rows: pd.DataFrame, tenant_id: int, defaults: dict[str, Any]
) -> None:
    """COPY new rows in: columns absent from the file get the model's defaults.

    WARNING: COPY bypasses the scoped manager, so `tenant_id` is written here by hand (the
    database's row-level security still refuses another tenant's); every
    foreign key in `rows` was resolved through a scoped query during validation.
    """
    now = timezone.now()
    frame = pd.DataFrame(index=rows.index)
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.attname in rows.columns:
            column = rows[field.attname]
            if field.get_internal_type() in INTEGER_TYPES:
                # 5.0 → 5: a missing value turns an integer column into floats.
                column = pd.to_numeric(column).astype("Int64")
            frame[field.column] = column
        elif field.name == "tenant":
            frame[field.column] = tenant_id
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            frame[field.column] = now.isoformat()
        elif field.name in defaults:
            frame[field.column] = defaults[field.name]
        elif field.has_db_default():
            continue  # the database fills it (e.g. an account's current_arr, kept by trigger)
        else:
            frame[field.column] = field.get_default()
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, na_rep=NULL)
    buffer.seek(0)
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in frame.columns)
    table = qn(model._meta.db_table)
    staging = qn(f"{model._meta.db_table}_copy_in")
    # NOTE: PostgreSQL refuses COPY FROM into a table under row-level security
    # (cs_platform.rls): COPY into a temporary table of the same columns, then one
    # INSERT … SELECT, which the tenant policy checks.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS SELECT {columns} FROM {table} "
            "WITH NO DATA"
        )
        cursor.cursor.copy_expert(
            f"COPY {staging} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')", buffer
        )
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging}")
        cursor.execute(f"DROP TABLE {staging}")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value))


def _update_from_values(
    model: type[models.Model], rows: list[dict[str, Any]], fields: list[str], tenant_id: int
) -> None:
    """One UPDATE for many rows. WARNING: raw SQL bypasses the scoped manager, so the tenant
    filter is written here by hand."""
    qn = connection.ops.quote_name
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    assignments = [f"{qn(f.column)} = v.{qn(f.column)}::{f.db_type(connection)}" for f in columns]
    if any(f.name == "updated_at" for f in meta.concrete_fields):
        assignments.append(f"{qn('updated_at')} = now()")
    row_sql = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    params: list[Any] = []
    for row in rows:
        params.append(int(row["id"]))
        params.extend(None if _missing(row[name]) else _plain(row[name]) for name in fields)
    sql = (
        f"UPDATE {qn(meta.db_table)} AS t SET {', '.join(assignments)} "
        f"FROM (VALUES {', '.join([row_sql] * len(rows))}) "
        f"AS v(id, {', '.join(qn(f.column) for f in columns)}) "
        f"WHERE t.id = v.id AND t.tenant_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, tenant_id])


def _plain(value: Any) -> Any:
    """numpy scalars → Python values the database adapter understands."""
    return value.item() if hasattr(value, "item") else value
