"""`manage.py citus_plan` covers every tenant-owned table and is valid SQL."""

from __future__ import annotations

import io
import re

from django.apps import apps
from django.core.management import call_command


def _plan_sql() -> str:
    out = io.StringIO()
    call_command("citus_plan", stdout=out)
    return out.getvalue()


def _tenant_owned_tables() -> set[str]:
    return {
        m._meta.db_table
        for m in apps.get_models()
        if not m._meta.proxy and any(f.column == "tenant_id" for f in m._meta.concrete_fields)
    }


def test_every_tenant_owned_table_is_distributed_by_tenant_id(db):
    distributed = set(re.findall(r"create_distributed_table\('(\w+)', 'tenant_id'", _plan_sql()))

    assert distributed == _tenant_owned_tables()
    assert {"cs_platform_membership", "cs_platform_apikey", "accounts_account"} <= distributed


def test_tenants_users_and_django_tables_are_reference_tables(db):
    reference = re.findall(r"create_reference_table\('(\w+)'\)", _plan_sql())

    assert {"cs_platform_tenant", "cs_platform_user", "django_content_type", "django_session"} <= (
        set(reference)
    )
    assert not set(reference) & _tenant_owned_tables()
    # A reference table comes after the tables it points at.
    assert reference.index("django_content_type") < reference.index("auth_permission")


def test_every_distributed_table_is_colocated_with_the_first(db):
    sql = _plan_sql()
    calls = re.findall(r"create_distributed_table\(.*\);", sql)

    assert calls[0] == "create_distributed_table('cs_platform_membership', 'tenant_id');"
    assert all("colocate_with => 'cs_platform_membership'" in c for c in calls[1:])


def test_primary_keys_become_tenant_and_id(db):
    assert (
        'ALTER TABLE "accounts_account" DROP CONSTRAINT "accounts_account_pkey", '
        'ADD PRIMARY KEY ("tenant_id", "id");'
    ) in _plan_sql()


def test_the_plan_runs_on_postgresql_with_the_citus_functions_stubbed(owner_cursor):
    stubs = """
        CREATE FUNCTION create_reference_table(regclass) RETURNS void
            LANGUAGE sql AS 'SELECT NULL';
        CREATE FUNCTION create_distributed_table(regclass, text, colocate_with text = 'default')
            RETURNS void LANGUAGE sql AS 'SELECT NULL';
    """
    body = "\n".join(
        line
        for line in _plan_sql().splitlines()
        if line not in {"BEGIN;", "COMMIT;"} and "CREATE EXTENSION" not in line
    )
    # Schema changes are the owner's (the application's role owns no table).
    cursor = owner_cursor
    cursor.execute(stubs)
    cursor.execute(body)
    cursor.execute(
        "SELECT count(*) FROM pg_constraint WHERE conrelid = 'accounts_contact'::regclass "
        "AND contype = 'f' AND array_length(conkey, 1) = 2"
    )
    assert cursor.fetchone()[0] >= 1
