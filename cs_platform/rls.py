"""Row-level security: PostgreSQL's own wall between tenants, behind `cs_platform.scoping`.

Every table with a `tenant_id` column (except `RLS_EXEMPT_TABLES`) has ROW LEVEL SECURITY
enabled and forced, and one policy, `junkan_tenant_isolation`: a row is visible and writable
only when its `tenant_id` equals the connection's `app.tenant_id`, or when `app.bypass_rls` is
`on` (the named cross-tenant path, `cs_platform.scoping.cross_tenant`). With neither set, a
query sees no tenant rows at all and an INSERT is refused.

The settings follow the tenant scope with no call at the entry points: every statement Django
sends while a tenant (or `cross_tenant`) is in scope is prefixed with
`SELECT set_config('app.tenant_id', …, true)` in the same query string. `is_local = true` makes
the value last until the end of the statement's transaction, so:
- a persistent connection (`CONN_MAX_AGE`) carries nothing into the next request or task;
- behind a transaction-pooling PgBouncer, the setting travels with the statement to whichever
  server connection runs that transaction (no session state to leak or lose);
- inside a transaction that spans scopes, each statement sets (or clears) both values again.

The application connects as a role that owns no table and has no BYPASSRLS (`DATABASE_URL`);
`migrate` runs as the owner (`DATABASE_OWNER_URL`, see `owner_connection`), and a post_migrate
handler applies the policy to tables added by any migration (`rls_apply`).

WARNING: this wall stops a query that forgot its tenant filter; it does not stop SQL injection
(injected SQL could call set_config itself). Keep using the scoped managers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

from .scoping import get_current_tenant, is_cross_tenant

POLICY_NAME = "junkan_tenant_isolation"

# NOTE: the sub-SELECTs become InitPlans, evaluated once per statement, not once per row.
POLICY_EXPRESSION = (
    "tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::bigint) "
    "OR (SELECT current_setting('app.bypass_rls', true) = 'on')"
)

# Tables with a tenant_id that are read *before* a tenant is known, to find it: who is this
# signed-in user a member of, whose API key is this. Their selectors are the tenant
# resolution itself; they hold no customer data.
RLS_EXEMPT_TABLES: dict[str, str] = {
    "cs_platform_membership": "tenant resolution: a user's tenants are listed at sign-in",
    "cs_platform_apikey": "tenant resolution: an API key is found by its hash",
}

# Idempotent: enables, forces and creates what a table lacks; returns whether it changed.
PROTECT_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION junkan_rls_protect(tbl regclass) RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    changed boolean := false;
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_class WHERE oid = tbl AND relrowsecurity AND relforcerowsecurity
    ) THEN
        EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', tbl);
        changed := true;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = tbl AND polname = '{POLICY_NAME}')
    THEN
        EXECUTE format(
            'CREATE POLICY {POLICY_NAME} ON %s USING (%s) WITH CHECK (%s)',
            tbl, $p${POLICY_EXPRESSION}$p$, $p${POLICY_EXPRESSION}$p$
        );
        changed := true;
    END IF;
    RETURN changed;
END
$fn$;
"""

_TENANT_TABLES_SQL = """
SELECT c.relname,
       c.relrowsecurity AND c.relforcerowsecurity
       AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = %s)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
ORDER BY c.relname
"""


def tenant_tables(*, using: str = "default") -> dict[str, bool]:
    """Every table of the schema with a `tenant_id` column → whether it is protected."""
    with connections[using].cursor() as cursor:
        cursor.execute(_TENANT_TABLES_SQL, [POLICY_NAME])
        return dict(cursor.fetchall())


def rls_apply(*, using: str = "default") -> list[str]:
    """Protect every tenant table that is not yet (idempotent; the tables it changed).

    Runs as the table owner (migrations). Cheap when nothing is missing: one catalogue query,
    so the post_migrate handler can call it on every `migrate` and test flush.
    """
    missing = [
        name
        for name, protected in tenant_tables(using=using).items()
        if not protected and name not in RLS_EXEMPT_TABLES
    ]
    with connections[using].cursor() as cursor:
        for name in missing:
            cursor.execute("SELECT junkan_rls_protect(%s::regclass)", [name])
    return missing


def app_role() -> str | None:
    """The role the application runs as, when it is not the owner (else None)."""
    role = settings.DATABASE_APP_ROLE
    return role if role and role != settings.DATABASE_OWNER.get("USER") else None


def rls_grant(*, role: str, using: str = "default", truncate: bool = False) -> None:
    """Give `role` the data privileges (no ownership, no DDL) on every table, now and later.

    `truncate` only for test databases: TRUNCATE ignores row-level security, and the test
    runner empties tables with it.
    """
    connection = connections[using]
    role_q = connection.ops.quote_name(role)
    table_privileges = "SELECT, INSERT, UPDATE, DELETE" + (", TRUNCATE" if truncate else "")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = connection.ops.quote_name(cursor.fetchone()[0])
        for statement in (
            f"GRANT USAGE ON SCHEMA {schema} TO {role_q}",
            f"GRANT {table_privileges} ON ALL TABLES IN SCHEMA {schema} TO {role_q}",
            f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {role_q}",
            f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} TO {role_q}",
            # Tables the owner creates later (migrations, event partitions) are granted too.
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"GRANT {table_privileges} ON TABLES TO {role_q}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role_q}",
        ):
            cursor.execute(statement)


def on_post_migrate(using: str = "default", **kwargs: Any) -> None:
    """After every `migrate` (and test flush): new tenant tables get their policy, and the
    application role its privileges on new tables."""
    if connections[using].vendor != "postgresql":
        return
    rls_apply(using=using)
    role = app_role()
    if role and _is_owner(using):
        rls_grant(role=role, using=using)


def _is_owner(using: str) -> bool:
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper OR EXISTS (SELECT 1 FROM pg_tables WHERE tablename = "
            "'cs_platform_tenant' AND tableowner = current_user) "
            "FROM pg_roles WHERE rolname = current_user"
        )
        return bool(cursor.fetchone()[0])


# --- the settings, sent with every statement ----------------------------------------------


def scope_sql_prefix(connection: BaseDatabaseWrapper) -> str:
    """The `set_config` statement that gives the next statement the scope's settings.

    Empty in autocommit with nothing in scope (a lone statement then has no setting at all);
    inside a transaction both values are always written, so a statement never inherits the
    setting of an earlier statement of another scope.
    """
    tenant = get_current_tenant()
    bypass = is_cross_tenant()
    if tenant is None and not bypass and connection.get_autocommit():
        return ""
    tenant_id = "" if tenant is None else str(int(tenant.pk))
    return (
        f"SELECT set_config('app.tenant_id', '{tenant_id}', true), "
        f"set_config('app.bypass_rls', '{'on' if bypass else ''}', true); "
    )


def scoped_sql(sql: str, *, using: str = "default") -> str:
    """`sql` for a raw psycopg2 cursor (execute_values), which Django's wrappers never see."""
    return scope_sql_prefix(connections[using]) + sql


def scope_transaction_apply(*, using: str = "default") -> None:
    """Apply the scope's settings to the rest of the open transaction, for statements sent
    past Django's cursor (psycopg2's COPY)."""
    connection = connections[using]
    if connection.get_autocommit():
        raise RuntimeError("scope_transaction_apply() needs an open transaction (atomic()).")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")  # the execute wrapper sends the settings with it


_TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")


def _execute_with_scope(
    execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    connection = context["connection"]
    prefix = scope_sql_prefix(connection)
    if not prefix or (isinstance(sql, str) and sql.startswith(_TRANSACTION_CONTROL)):
        # NOTE: savepoint commands touch no table, and must run in an aborted transaction
        # (ROLLBACK TO SAVEPOINT), where a set_config in front of them would fail.
        return execute(sql, params, many, context)
    raw = context["cursor"].cursor
    if getattr(raw, "name", None):
        # A server-side cursor: DECLARE takes one statement, so the settings go first. In
        # autocommit (Django's WITH HOLD cursors) they must outlive the statement's own
        # transaction: set for the session, and cleared right after.
        local = not connection.get_autocommit()
        with connection.connection.cursor() as plain:
            plain.execute(prefix if local else prefix.replace(", true)", ", false)"))
        try:
            return execute(sql, params, many, context)
        finally:
            if not local:
                with connection.connection.cursor() as plain:
                    plain.execute(
                        "SELECT set_config('app.tenant_id', '', false), "
                        "set_config('app.bypass_rls', '', false)"
                    )
    if not isinstance(sql, str):
        sql = sql.as_string(raw)
    return execute(prefix + sql, params, many, context)


SCOPE_WRAPPER_UID = "junkan_rls_scope"


def install_scope_wrapper(connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """`connection_created` receiver: every PostgreSQL connection sends the scope along."""
    if connection.vendor != "postgresql":
        return
    if _execute_with_scope not in connection.execute_wrappers:
        connection.execute_wrappers.append(_execute_with_scope)


# --- the owner's connection (migrations and maintenance) -----------------------------------

_OWNER_KEYS = ("USER", "PASSWORD", "HOST", "PORT")


@contextmanager
def owner_connection(using: str = "default") -> Iterator[None]:
    """Run a block on `using` logged in as the owner role (`DATABASE_OWNER_URL`).

    Same database name (the test database stays the test database); the connection is closed
    on the way in and out, so no statement of the block runs as the application role.
    """
    connection = connections[using]
    saved = {key: connection.settings_dict.get(key) for key in _OWNER_KEYS}
    saved_role = connection.settings_dict.get("OPTIONS", {}).get("assume_role")
    connection.close()
    connection.settings_dict.update({k: settings.DATABASE_OWNER.get(k) for k in _OWNER_KEYS})
    connection.settings_dict.get("OPTIONS", {}).pop("assume_role", None)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)
        if saved_role:
            connection.settings_dict["OPTIONS"]["assume_role"] = saved_role


@contextmanager
def rls_off_for_benchmarks(using: str = "default") -> Iterator[None]:
    """Benchmarks only (`bench/*.py --rls off`): what the code costs without row-level
    security. Logs in as the owner (no policy applies to a superuser or BYPASSRLS role) and
    sends no settings with the statements."""

    wrappers = connections[using].execute_wrappers
    with owner_connection(using):
        connection_created.disconnect(dispatch_uid=SCOPE_WRAPPER_UID)
        installed = _execute_with_scope in wrappers
        if installed:
            wrappers.remove(_execute_with_scope)
        try:
            yield
        finally:
            connections[using].close()
            connection_created.connect(install_scope_wrapper, dispatch_uid=SCOPE_WRAPPER_UID)
            if installed:
                wrappers.append(_execute_with_scope)
