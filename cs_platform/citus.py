"""The Citus plan, derived from the app registry so that it stays true as apps add models.

Every table with a `tenant_id` (every TenantScopedModel, plus Membership and ApiKey) is
distributed by `tenant_id` and co-located; every other table (tenants, users, auth,
content types, sessions, admin log) becomes a reference table, copied to every node.
`manage.py citus_plan` prints the SQL; docs/scaling.md explains it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, models

DISTRIBUTION_COLUMN = "tenant_id"


@dataclass
class ForeignKey:
    table: str
    name: str
    column: str
    target_table: str
    target_column: str


@dataclass
class CitusPlan:
    reference_tables: list[str]
    distributed_tables: list[str]
    primary_keys: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    foreign_keys: list[ForeignKey] = field(default_factory=list)

    @property
    def colocation_anchor(self) -> str:
        return self.distributed_tables[0]


def _tables() -> dict[str, type[models.Model]]:
    """db_table → model, for every concrete table (auto-created m2m tables included)."""
    tables: dict[str, type[models.Model]] = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or (not model._meta.managed and not _is_tenant_owned(model)):
            continue
        tables.setdefault(model._meta.db_table, model)
    return tables


def _is_tenant_owned(model: type[models.Model]) -> bool:
    return any(f.column == DISTRIBUTION_COLUMN for f in model._meta.concrete_fields)


def _reference_order(tables: dict[str, type[models.Model]], names: set[str]) -> list[str]:
    """Reference tables, each after the tables its foreign keys point at."""
    ordered: list[str] = []

    def visit(name: str, trail: frozenset[str]) -> None:
        if name in ordered or name in trail:
            return
        for f in tables[name]._meta.concrete_fields:
            target = f.related_model._meta.db_table if f.is_relation and f.related_model else None
            if target in names and target != name:
                visit(target, trail | {name})
        ordered.append(name)

    for name in sorted(names):
        visit(name, frozenset())
    return ordered


def citus_plan() -> CitusPlan:
    tables = _tables()
    distributed = sorted(name for name, model in tables.items() if _is_tenant_owned(model))
    # Membership first: it is small and always present, a stable co-location anchor.
    anchor = "cs_platform_membership"
    distributed.sort(key=lambda name: name != anchor)
    reference = _reference_order(tables, set(tables) - set(distributed))
    plan = CitusPlan(reference_tables=reference, distributed_tables=distributed)
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in distributed:
            if table not in existing:
                continue
            constraints = connection.introspection.get_constraints(cursor, table)
            for name, info in sorted(constraints.items()):
                if info["primary_key"]:
                    plan.primary_keys[table] = (name, info["columns"])
                elif info["foreign_key"] and info["foreign_key"][0] in distributed:
                    target_table, target_column = info["foreign_key"]
                    if info["columns"] == [DISTRIBUTION_COLUMN]:
                        continue
                    plan.foreign_keys.append(
                        ForeignKey(table, name, info["columns"][0], target_table, target_column)
                    )
    return plan


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def citus_plan_sql(plan: CitusPlan) -> str:
    lines = [
        "-- Junkan on Citus: generated from the app registry by `manage.py citus_plan`.",
        "-- Run on the coordinator after `manage.py migrate`; see docs/scaling.md.",
        "CREATE EXTENSION IF NOT EXISTS citus;",
        "",
        "BEGIN;",
        "",
        "-- 1. Reference tables (copied to every node), referenced tables first.",
        *[f"SELECT create_reference_table('{t}');" for t in plan.reference_tables],
        "",
        "-- 2. Foreign keys between tenant-owned tables must include tenant_id:",
        "--    drop the single-column ones (re-created in step 5).",
        *[f"ALTER TABLE {_q(fk.table)} DROP CONSTRAINT {_q(fk.name)};" for fk in plan.foreign_keys],
        "",
        "-- 3. Primary keys become (tenant_id, id): a unique key must contain tenant_id.",
    ]
    for table in plan.distributed_tables:
        if table not in plan.primary_keys:
            lines.append(f"-- {table}: no primary key (append-only); nothing to change.")
            continue
        name, columns = plan.primary_keys[table]
        if DISTRIBUTION_COLUMN in columns:
            continue
        new_columns = ", ".join(_q(c) for c in [DISTRIBUTION_COLUMN, *columns])
        lines.append(
            f"ALTER TABLE {_q(table)} DROP CONSTRAINT {_q(name)}, ADD PRIMARY KEY ({new_columns});"
        )
    lines += [
        "",
        "-- 4. Distribute every tenant-owned table by tenant_id, all co-located, so that one",
        "--    tenant's rows of every table live on the same node and joins stay local.",
        f"SELECT create_distributed_table('{plan.colocation_anchor}', '{DISTRIBUTION_COLUMN}');",
        *[
            f"SELECT create_distributed_table('{t}', '{DISTRIBUTION_COLUMN}', "
            f"colocate_with => '{plan.colocation_anchor}');"
            for t in plan.distributed_tables[1:]
        ],
        "",
        "-- 5. Foreign keys again, now (tenant_id, x_id) → (tenant_id, id).",
        *[
            f"ALTER TABLE {_q(fk.table)} ADD CONSTRAINT {_q(fk.name)} FOREIGN KEY "
            f"({_q(DISTRIBUTION_COLUMN)}, {_q(fk.column)}) REFERENCES {_q(fk.target_table)} "
            f"({_q(DISTRIBUTION_COLUMN)}, {_q(fk.target_column)}) DEFERRABLE INITIALLY DEFERRED;"
            for fk in plan.foreign_keys
        ],
        "",
        "COMMIT;",
    ]
    return "\n".join(lines) + "\n"
