"""Test databases copied from one migrated template instead of each migrated on its own.

Migrating a test database (86 migrations, the row-level security set-up) costs a pytest process
a minute or more of CPU, and a CI run has one per pytest-xdist process. Now the first of them
migrates a template database under an advisory lock and every one (itself included) takes a copy
of it with `CREATE DATABASE … TEMPLATE`, which takes seconds. The template carries a fingerprint
of the code that shapes the schema (every migration and app module, Django's version, the day):
a run on changed code builds it again, so a copy never has an older schema than a migrated
database would.

What varies by process is not in the template: the event partitions for the suite's instants
and the application role's privileges are added per database by `django_db_setup`
(tests/conftest.py), as before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import django
from django.core.management.color import no_style
from django.db import connection, connections
from django.test import TransactionTestCase

ROOT = Path(__file__).resolve().parent.parent
_SKIP_DIRS = {"tests", "bench", "node_modules", "docs", "deploy", "scripts"}


def template_name() -> str:
    """The template's name: the test database's base name + _tpl."""
    return os.environ.get("TEST_DB_NAME", "test_junkan") + "_tpl"


def schema_fingerprint() -> str:
    """A hash of what decides the migrated schema: the project's Python modules outside the
    tests (migrations, models, the SQL and post_migrate code they use), Django's version, and
    the real day (the migrations create event partitions around it)."""
    digest = hashlib.sha256(django.get_version().encode())
    digest.update(dt.datetime.now(dt.UTC).date().isoformat().encode())
    apps = [
        top
        for top in sorted(ROOT.iterdir())
        if top.is_dir() and top.name not in _SKIP_DIRS and not top.name.startswith(".")
    ]
    for path in sorted(path for top in apps for path in top.rglob("*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def copy_test_database_from_template() -> str:
    """Make the test database of this process (the name pytest-django set, `_gwN` suffix
    included) a fresh copy of the template, building the template first when it is missing or
    was built from other code. Runs as the owner, before pytest-django's set-up, which then
    keeps the copy (its migrate finds nothing to do). Returns the database's name."""
    settings_dict = connection.settings_dict
    test_name = settings_dict["TEST"]["NAME"]
    template = template_name()
    quote = connection.ops.quote_name
    mark = schema_fingerprint()
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [template])
        try:
            cursor.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                [template],
            )
            row = cursor.fetchone()
            if row is None or row[0] != mark:
                _build_template(template)
                cursor.execute(f"COMMENT ON DATABASE {quote(template)} IS %s", [mark])
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(test_name)} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {quote(test_name)} TEMPLATE {quote(template)}")
        finally:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [template])
    return test_name


def _build_template(template: str) -> None:
    """Migrate a new database named `template` the way the test runner migrates a test
    database, then leave the connection as it was (no session may stay on a template)."""
    settings_dict = connection.settings_dict
    saved_name, saved_test_name = settings_dict["NAME"], settings_dict["TEST"]["NAME"]
    settings_dict["TEST"]["NAME"] = template
    try:
        connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False, keepdb=False
        )
    finally:
        connection.close()
        settings_dict["NAME"] = saved_name
        settings_dict["TEST"]["NAME"] = saved_test_name
        from django.conf import settings

        settings.DATABASES[connection.alias]["NAME"] = saved_name


# Rows that only migrate's post_migrate writes, the same on every flush. Django's flush after a
# transactional test empties them with every other table and then emits post_migrate to write
# them again (each content type and permission looked up and inserted), a second or more per
# transactional test (169 of them, the browser tests' live servers among them). Kept, nothing
# is left to write: the other post_migrate handlers (cs_platform.rls) find nothing to do after
# a flush, which creates no table.
KEPT_BY_THE_FLUSH = frozenset({"django_content_type", "auth_permission"})


def flush_after_a_transactional_test(test_case: TransactionTestCase) -> None:
    """`TransactionTestCase._fixture_teardown` for this suite: TRUNCATE every table but the
    two above (what `manage.py flush` sends), and no post_migrate signal."""
    for alias in test_case._databases_names(include_mirrors=False):
        conn = connections[alias]
        tables = [
            table
            for table in conn.introspection.django_table_names(
                only_existing=True, include_views=False
            )
            if table not in KEPT_BY_THE_FLUSH
        ]
        conn.ops.execute_sql_flush(conn.ops.sql_flush(no_style(), tables))
