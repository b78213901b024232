"""Row-level security, the database's wall behind the scoped managers (cs_platform.rls).

Every test here runs as the application's role: raw SQL with no tenant filter at all.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.models import Account
from cs_platform.management.base import TenantCommand
from cs_platform.middleware import TenantMiddleware
from cs_platform.rls import RLS_EXEMPT_TABLES, rls_apply, tenant_tables
from cs_platform.scoping import (
    CROSS_TENANT_REASONS,
    cross_tenant,
    get_current_tenant,
    tenant_scope,
)
from cs_platform.tasks import TenantTask
from healthscore.services.partitions import partition_name, partitions_ensure
from tests.factories import AccountFactory


def _sql(query: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def _account_tenants() -> list[int]:
    return sorted(t for (t,) in _sql("SELECT tenant_id FROM accounts_account"))


@pytest.fixture
def two_tenants_accounts(tenant, other_tenant):
    with tenant_scope(tenant):
        AccountFactory.create_batch(2)
    with tenant_scope(other_tenant):
        AccountFactory.create_batch(3)
    return tenant, other_tenant


def test_the_suite_runs_as_a_role_that_owns_no_table_and_cannot_bypass(db):
    (superuser, bypass) = _sql(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    )[0]
    owned = _sql(
        "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
        "AND tableowner = current_user"
    )
    assert (superuser, bypass, owned) == (False, False, [(0,)])


def test_every_table_with_a_tenant_id_has_the_policy(db):
    tables = tenant_tables()
    assert len(tables) > 50
    unprotected = sorted(t for t, protected in tables.items() if not protected)
    # The exemptions are named, with a reason, and exist: a new table cannot slip in silently.
    assert unprotected == sorted(RLS_EXEMPT_TABLES)
    assert rls_apply() == []  # idempotent: nothing left to do


def test_raw_sql_in_one_tenants_scope_sees_none_of_the_others_rows(two_tenants_accounts):
    tenant, other = two_tenants_accounts
    with tenant_scope(tenant):
        assert _account_tenants() == [tenant.pk, tenant.pk]
    with tenant_scope(other):
        assert _account_tenants() == [other.pk] * 3


def test_raw_sql_with_no_scope_sees_no_tenant_rows_in_any_table(two_tenants_accounts):
    assert _account_tenants() == []
    for table, protected in tenant_tables().items():
        if protected:
            assert _sql(f'SELECT count(*) FROM "{table}"') == [(0,)], table
    with cross_tenant("tenant-admin"):
        assert len(_account_tenants()) == 5


def test_writing_a_row_for_another_tenant_is_refused_by_the_database(two_tenants_accounts):
    tenant, other = two_tenants_accounts
    insert = "INSERT INTO healthscore_eventkey (tenant_id, idempotency_key, created_at) "
    with tenant_scope(tenant):
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            _sql(insert + "VALUES (%s, 'k', now())", [other.pk])
        # Moving one's own row to another tenant is refused too (WITH CHECK).
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            _sql("UPDATE accounts_account SET tenant_id = %s", [other.pk])
        # Another tenant's rows cannot be changed or deleted: they are not there.
        moved = "UPDATE accounts_account SET name = 'x' WHERE tenant_id = %s RETURNING 1"
        assert _sql(moved, [other.pk]) == []
        _sql(insert + "VALUES (%s, 'mine', now())", [tenant.pk])
    with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
        _sql(insert + "VALUES (%s, 'nobody', now())", [tenant.pk])


def test_a_statement_after_the_scope_carries_no_setting_in_a_transaction(two_tenants_accounts):
    tenant, other = two_tenants_accounts
    setting = "SELECT current_setting('app.tenant_id', true)"
    with transaction.atomic():
        with tenant_scope(tenant):
            assert _sql(setting) == [(str(tenant.pk),)]
        assert _sql(setting) == [("",)]
        assert _account_tenants() == []
        with tenant_scope(other):
            assert _account_tenants() == [other.pk] * 3
        with cross_tenant("sweep"):
            assert len(_account_tenants()) == 5
        assert _sql("SELECT current_setting('app.bypass_rls', true)") == [("",)]


@pytest.mark.django_db(transaction=True)
def test_a_persistent_connection_carries_no_setting_into_the_next_work(tenant, other_tenant):
    """Autocommit, one connection throughout (as with CONN_MAX_AGE): the setting is local to
    each statement's transaction."""
    with tenant_scope(tenant):
        AccountFactory()
        assert _sql("SELECT current_setting('app.tenant_id', true)") == [(str(tenant.pk),)]
    pid = _sql("SELECT pg_backend_pid()")
    assert _sql("SELECT current_setting('app.tenant_id', true)")[0][0] in (None, "")
    assert _account_tenants() == []
    with tenant_scope(other_tenant):
        assert _account_tenants() == []
    assert _sql("SELECT pg_backend_pid()") == pid


@pytest.mark.django_db(transaction=True)
def test_a_server_side_cursor_sees_the_scope_and_leaves_nothing_behind(tenant, other_tenant):
    with tenant_scope(tenant):
        AccountFactory.create_batch(3)
        names = [a.pk for a in Account.objects.iterator(chunk_size=2)]
        assert len(names) == 3
    assert _sql("SELECT current_setting('app.tenant_id', true)")[0][0] in (None, "")
    with tenant_scope(other_tenant), transaction.atomic():
        assert list(Account.objects.iterator(chunk_size=2)) == []


@shared_task(name="tests.rls_probe", base=TenantTask)
def rls_probe(*, tenant_id: int) -> list:
    return _account_tenants()


class _ProbeCommand(TenantCommand):
    def handle_tenant(self, tenant, *args, **options):
        self.seen = _account_tenants()


def test_every_entry_point_that_sets_the_scope_sets_the_databases_too(two_tenants_accounts):
    tenant, other = two_tenants_accounts
    # Celery: TenantTask (run in this process).
    assert rls_probe.apply(kwargs={"tenant_id": other.pk}).get() == [other.pk] * 3
    # Management commands: --tenant.
    command = _ProbeCommand()
    command.handle(tenant=tenant.slug)
    assert command.seen == [tenant.pk] * 2
    # Web: the middleware (the public site of a tenant needs no sign-in).
    seen: list = []

    def view(request):
        seen.append((get_current_tenant(), _account_tenants()))
        return HttpResponse()

    TenantMiddleware(view)(RequestFactory().get(f"/learn/{other.slug}/"))
    assert seen == [(other, [other.pk] * 3)]
    assert _account_tenants() == []


def test_api_requests_run_in_their_tenants_scope_in_the_database(admin_api, other_tenant):
    with tenant_scope(other_tenant):
        AccountFactory()
    response = admin_api.get("/api/v1/accounts/")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_a_partition_created_at_run_time_gets_the_policy(db):
    month = dt.date(2040, 3, 1)
    assert partitions_ensure(months=[month]) == [month]
    assert tenant_tables()[partition_name(month)] is True


def test_crossing_tenants_needs_a_named_reason():
    with pytest.raises(ValueError, match="Unknown cross-tenant reason"), cross_tenant("because"):
        pass


def test_every_crossing_is_one_of_the_listed_paths():
    """The cross-tenant paths, listed here and in docs/row-level-security.md: a new one is a
    decision."""
    sites = {}
    root = Path(settings.BASE_DIR)
    packages = [d for d in root.iterdir() if (d / "__init__.py").exists() and d.name != "tests"]
    for path in (p for package in packages for p in package.rglob("*.py")):
        for reason in re.findall(r'cross_tenant\("([^"]+)"\)', path.read_text()):
            assert reason in CROSS_TENANT_REASONS, path
            sites.setdefault(str(path.relative_to(settings.BASE_DIR)), set()).add(reason)
    assert sites == {
        "accounts/importing/jobs.py": {"sweep"},
        "calendars/selectors.py": {"public-token"},
        "content/selectors/domains.py": {"custom-domain"},
        "cs_platform/admin.py": {"tenant-admin"},
        "cs_platform/audit/services.py": {"audit-log", "sweep"},
        "cs_platform/datacache.py": {"sweep"},
        "cs_platform/trash/services.py": {"sweep"},
        "healthscore/services/partitions.py": {"sweep"},
        "healthscore/services/portfolio.py": {"sweep"},
        "healthscore/services/recompute.py": {"sweep"},
        "touchmodel/services/email.py": {"sweep"},
        "touchmodel/services/evaluations.py": {"sweep"},
        "touchmodel/services/signups.py": {"sweep"},
        "tracking/services/segment.py": {"sweep"},
        "webhooks/services/delivery.py": {"sweep"},
    }
