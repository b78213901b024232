"""Reads of hot pages written as SQL, their rows made into model instances (issue #16).

Building a query costs the ORM about a millisecond of Python (compiling the lookups, the joins,
the select list), ten times what PostgreSQL takes to answer an indexed read of one account's
rows; Account 360 made two dozen of them per view. A selector that a hot page calls may write its
SQL instead, through `lean_rows` / `lean_models`:

- the tenant in scope (`cs_platform.scoping`) is the parameter `%(tenant)s`, which the SQL must
  filter on (row-level security checks it as well); outside a tenant scope the read fails;
- a PL/pgSQL function that reads a page's rows of several tables in one call (planned once per
  connection) may hand each table's rows over as `to_jsonb(row)`: `lean_call` reads its one
  row of jsonb columns, `lean_json_model` makes a model instance of one object, each value
  converted as the column's own type would have been (a float stays a float);
- columns are named as the model's attributes (`account_id`, not `account`), prefixed for a
  joined model (`version__number`): `lean_model(model, row, prefix)` makes the instance, with
  what is not selected deferred (read on first access, as `.only()` does), and each field's
  own conversion from the database (JSON) applied, so templates see what the ORM gives.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any, TypeVar

from django.contrib.postgres.fields import ArrayField
from django.db import DEFAULT_DB_ALIAS, connection, models
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

from .scoping import require_current_tenant

M = TypeVar("M", bound=models.Model)

# `connection.alias`: the lean reads use `connection`, the default database (read through
# its proxy, the alias cost more than making a one-row instance).
_ALIAS = DEFAULT_DB_ALIAS

# What a lean read selects of a member shown by name (`str(user)`: the name, else the e-mail).
USER_SHOWN = ("id", "email", "full_name", "language")


def lean_rows(sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The rows of `sql` as dicts by column name; `%(tenant)s` is the tenant in scope."""
    if "%(tenant)s" not in sql:
        # Row-level security would still filter it; the SQL must not rely on it alone.
        raise ValueError("a lean read must filter on the tenant in scope: %(tenant)s")
    bound = {**(params or {}), "tenant": require_current_tenant().pk}
    with connection.cursor() as cursor:
        cursor.execute(sql, bound)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@cache
def _fields(model: type[models.Model]) -> tuple[tuple[str, Any], ...]:
    """(attname, converter or None) of each concrete field, in the model's order."""
    out = []
    for field in model._meta.concrete_fields:
        convert = getattr(field, "from_db_value", None)
        if isinstance(field, models.JSONField):
            convert = _json(field)
        out.append((field.attname, convert))
    return tuple(out)


def _json(field: models.JSONField) -> Any:
    def convert(value: Any, expression: Any, conn: Any) -> Any:
        # Django's psycopg2 setup hands jsonb over as text; a driver that decodes it does not.
        return field.from_db_value(value, expression, conn) if isinstance(value, str) else value

    return convert


@cache
def lean_columns(
    model: type[models.Model], alias: str, prefix: str = "", only: tuple[str, ...] = ()
) -> str:
    """The select list of `model`'s columns from table alias `alias`, named `prefix + attname`
    (`only`: just those attributes), for `lean_model`."""
    return ", ".join(
        f'{alias}."{field.column}" AS "{prefix}{field.attname}"'
        for field in model._meta.concrete_fields
        if not only or field.attname in only
    )


def lean_prefetched(instance: models.Model, name: str, items: list[Any]) -> None:
    """Give `instance.<name>.all()` the rows `items`, as `prefetch_related` would (no query).

    NOTE: iterating, counting and `exists()` read `items`; a further filter or order on it
    reads nothing (its query is empty), where the ORM's prefetch would query again: filter
    the list in Python."""
    descriptor = getattr(type(instance), name)
    queryset: models.QuerySet[Any] = models.QuerySet(model=descriptor.rel.related_model)
    queryset.query.set_empty()
    queryset._result_cache = items
    queryset._prefetch_done = True  # type: ignore[attr-defined]  # Django's own; stubs omit it
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[descriptor.rel.cache_name] = (
        queryset
    )


@cache
def _plain_fields(model: type[models.Model]) -> bool:
    """Whether `model` reads its rows with Django's own `from_db` and keeps every field's
    value in the instance's `__dict__` as it is (no descriptor of its own on an attname)."""
    plain = (DeferredAttribute, ForeignKeyDeferredAttribute)
    return model.from_db.__func__ is models.Model.from_db.__func__ and all(  # type: ignore[attr-defined]
        type(model.__dict__.get(field.attname)) in plain for field in model._meta.concrete_fields
    )


def lean_model(model: type[M], row: Mapping[str, Any], prefix: str = "") -> M:
    """An instance of `model` from the columns `prefix + attname` of `row` (the others are
    deferred), as if the ORM had read it.

    NOTE: made as `from_db` makes it, without `Model.__init__` (its loop over every field
    costs more than the rest of a list row) when nothing would tell: the model's own
    `from_db` and plain fields, no pre_init or post_init receiver (an audited model's)."""
    names = []
    values = []
    for attname, convert in _fields(model):
        key = prefix + attname
        if key in row:
            value = row[key]
            names.append(attname)
            values.append(convert(value, None, connection) if convert is not None else value)
    if not _plain_fields(model) or pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model.from_db(_ALIAS, names, values)
    instance = model.__new__(model)
    instance.__dict__.update(zip(names, values, strict=True))
    state = instance._state = ModelState()
    state.adding = False
    state.db = _ALIAS
    return instance


def lean_maker(
    model: type[M], row: Mapping[str, Any], prefix: str = ""
) -> Callable[[Mapping[str, Any]], M]:
    """`lean_model(model, r, prefix)` for rows `r` with the columns of `row` (the rows of one
    statement): which columns are read, their conversions and whether `from_db` must make
    the instance are worked out once, not per row (a page of 50 rows made one by one spent
    most of its time asking again)."""
    columns = [
        (attname, prefix + attname, convert)
        for attname, convert in _fields(model)
        if prefix + attname in row
    ]
    names = [attname for attname, _key, _convert in columns]

    def values(r: Mapping[str, Any]) -> list[Any]:
        return [
            r[key] if convert is None else convert(r[key], None, connection)
            for _attname, key, convert in columns
        ]

    if not _plain_fields(model) or pre_init.has_listeners(model) or post_init.has_listeners(model):
        return lambda r: model.from_db(_ALIAS, names, values(r))

    def make(r: Mapping[str, Any]) -> M:
        instance = model.__new__(model)
        instance.__dict__.update(zip(names, values(r), strict=True))
        state = instance._state = ModelState()
        state.adding = False
        state.db = _ALIAS
        return instance

    return make


def lean_instances(model: type[M], rows: Iterable[Mapping[str, Any]]) -> list[M]:
    """Instances of `model`, each holding the attributes of a row of `rows` (Python's
    values, as an instance `lean_model` made holds them: no conversion from the database),
    the others deferred: e.g. rows kept in the cache made instances again."""
    if not _plain_fields(model) or pre_init.has_listeners(model) or post_init.has_listeners(model):
        order = [attname for attname, _convert in _fields(model)]
        made = []
        for values in rows:
            names = [name for name in order if name in values]
            made.append(model.from_db(_ALIAS, names, [values[n] for n in names]))
        return made
    instances = []
    for values in rows:
        instance = model.__new__(model)
        instance.__dict__.update(values)
        state = instance._state = ModelState()
        state.adding = False
        state.db = _ALIAS
        instances.append(instance)
    return instances


def lean_models(model: type[M], sql: str, params: Mapping[str, Any] | None = None) -> list[M]:
    """The rows of `sql` as instances of `model` (`lean_model` without a prefix)."""
    return [lean_model(model, row) for row in lean_rows(sql, params)]


JSONB = 3802  # the type's oid


def lean_call(sql: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The one row of `sql` (a call of a set-returning PL/pgSQL function) by column name,
    its jsonb columns parsed; `%(tenant)s` is the tenant in scope, as for `lean_rows`."""
    if "%(tenant)s" not in sql:
        raise ValueError("a lean read must filter on the tenant in scope: %(tenant)s")
    bound = {**(params or {}), "tenant": require_current_tenant().pk}
    with connection.cursor() as cursor:
        cursor.execute(sql, bound)
        [row] = cursor.fetchall()
        return {
            # Django's psycopg2 setup hands jsonb over as text.
            column.name: json.loads(value)
            if column.type_code == JSONB and isinstance(value, str)
            else value
            for column, value in zip(cursor.description, row, strict=True)
        }


def _from_json(field: models.Field) -> Callable[[Any], Any] | None:
    """How a JSON value of `field`'s column (`to_jsonb`) becomes what psycopg2 gives."""
    if isinstance(field, models.JSONField):
        if field.decoder is not None:
            raise TypeError(f"{field}: a JSON field with a decoder is not read from to_jsonb")
        return None  # parsed with the row, as Django's JSONField parses its text
    if isinstance(field, models.FloatField):
        return float  # to_jsonb writes 42.0 as 42
    if isinstance(field, models.DateTimeField):
        return dt.datetime.fromisoformat  # "…+00:00": the connection's time zone is UTC
    if isinstance(field, models.DateField):
        return dt.date.fromisoformat
    if isinstance(field, ArrayField):
        item = _from_json(field.base_field)
        if item is None:
            return None
        return lambda values: [None if v is None else item(v) for v in values]
    if isinstance(
        field,
        (models.IntegerField, models.CharField, models.TextField, models.BooleanField),
    ) or isinstance(getattr(field, "target_field", None), models.IntegerField):
        return None
    return _refused(field)  # a decimal, a UUID…: not read through JSON


def _refused(field: models.Field) -> Callable[[Any], Any]:
    def refuse(value: Any) -> Any:
        raise TypeError(f"{field}: no exact conversion from to_jsonb")

    return refuse


@cache
def _json_fields(model: type[models.Model]) -> tuple[tuple[str, str, Any], ...]:
    """(column, attname, conversion from JSON or None) of each concrete field of `model`."""
    return tuple((str(f.column), f.attname, _from_json(f)) for f in model._meta.concrete_fields)


def lean_json_model(model: type[M], obj: Mapping[str, Any], prefix: str = "") -> M:
    """An instance of `model` from `obj`, a row as PostgreSQL's `to_json` / `to_jsonb` writes
    it (decoded): the keys `prefix + column` it has (the others deferred), each value converted
    to the column's Python type (dates and timestamps from text: the session's time zone is
    UTC, Django sets it; a float written as 42 made 42.0 again)."""
    return lean_json_models(model, [obj], prefix)[0]


def lean_json_model_or_none(model: type[M], obj: Mapping[str, Any] | None) -> M | None:
    """`lean_json_model(model, obj)`, None where the read gave none (a missing related row)."""
    return None if obj is None else lean_json_model(model, obj)


def lean_json_models(
    model: type[M], objs: Iterable[Mapping[str, Any]], prefix: str = ""
) -> list[M]:
    """`lean_json_model` of each of `objs`, made together (the model's checks once)."""
    keys = _json_keys(model, prefix)
    rows = [
        {
            attname: value if convert is None or value is None else convert(value)
            for key, attname, convert in keys
            if key in obj
            for value in (obj[key],)
        }
        for obj in objs
    ]
    return lean_instances(model, rows) if rows else []


@cache
def _json_keys(
    model: type[models.Model], prefix: str
) -> tuple[tuple[str, str, Callable[[Any], Any] | None], ...]:
    """`_json_fields` of `model` with each key `prefix + column` (made once: a page makes a
    few dozen instances of each kind)."""
    return tuple(
        (prefix + column, attname, convert) for column, attname, convert in _json_fields(model)
    )
