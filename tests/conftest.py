"""Shared fixtures: two tenants, and the healthchecks trio (owner, member, outsider)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import psycopg2
import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client, TransactionTestCase
from django.utils import translation
from rest_framework.test import APIClient

from cs_platform.degraded import FailOpenRedisCache
from cs_platform.models import Role, Tenant, User
from cs_platform.rls import app_role, owner_connection, rls_grant
from cs_platform.scoping import tenant_scope
from cs_platform.services import api_key_issue
from tests.agents import BROWSER_USER_AGENT
from tests.clock import instant_for, suite_instants
from tests.factories import MembershipFactory, TenantFactory, UserFactory
from tests.testdb import copy_test_database_from_template, flush_after_a_transactional_test

_owner_login: list[AbstractContextManager] = []

# A transactional test's flush keeps content types and permissions (tests/testdb.py).
TransactionTestCase._fixture_teardown = flush_after_a_transactional_test  # type: ignore[method-assign]

# The role tests assume when DATABASE_URL names a superuser (a one-role development set-up):
# the suite always runs under row-level security, as production's application role does.
FALLBACK_APP_ROLE = "junkan_test_app"


def _login_as_owner() -> None:
    login = owner_connection()
    login.__enter__()
    _owner_login.append(login)


def _login_as_app() -> None:
    _owner_login.pop().__exit__(None, None, None)


def _copies_the_template(config: pytest.Config) -> bool:
    """Each run copies its test database from the migrated template (tests/testdb.py), unless
    told to reuse the database it has (`--reuse-db` without `--create-db`)."""
    return bool(config.getvalue("create_db") or not config.getvalue("reuse_db"))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    request: pytest.FixtureRequest,
    django_db_modify_db_settings_parallel_suffix: None,
    django_db_blocker,
) -> None:
    """The test database is created and migrated by the owner of the tables
    (DATABASE_OWNER_URL), as `migrate` is in production; `django_db_setup` logs back in as the
    application's role. It is a copy of the migrated template (tests/testdb.py), which
    pytest-django then keeps as it is (see `django_db_keepdb`)."""
    _login_as_owner()
    if _copies_the_template(request.config):
        with django_db_blocker.unblock():
            copy_test_database_from_template()


@pytest.fixture(scope="session")
def django_db_keepdb(request: pytest.FixtureRequest, django_db_modify_db_settings: None) -> bool:
    """Keep the copy just made: pytest-django then neither drops it nor migrates it again."""
    return _copies_the_template(request.config) or bool(request.config.getvalue("reuse_db"))


@pytest.fixture(scope="session")
def django_db_createdb() -> bool:
    """`--create-db` is served by the fresh copy of the template (or, with `--reuse-db` alone,
    not asked for)."""
    return False


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Still the owner here: event partitions for the suite's instants, then the application's
    role gets its privileges, and the tests run as it.

    The migration creates event partitions around the real date; tests insert events around
    the suite's pinned instants (tests/clock.py), so those months must exist too (ingestion
    would create them on demand, factories do not)."""
    from healthscore.services.partitions import (
        add_months,
        month_start,
        partitions_ensure,
        partitions_forget_cache,
    )

    firsts = [month_start(instant) for instant in suite_instants()]
    with django_db_blocker.unblock():
        partitions_ensure(months=[add_months(first, n) for first in firsts for n in range(-13, 3)])
        fallback = _grant_app_role()
        _login_as_app()
        if fallback:
            connection.settings_dict.setdefault("OPTIONS", {})["assume_role"] = fallback
    partitions_forget_cache()
    yield
    _login_as_owner()  # the test database is dropped by its owner


def _grant_app_role() -> str | None:
    """Privileges for the role the tests run as (TRUNCATE too: the test runner's flush);
    returns the role to assume when the configured one would bypass row-level security."""
    role = app_role()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = %s",
            [role or settings.DATABASE_APP_ROLE],
        )
        row = cursor.fetchone()
        fallback = role is None or bool(row and row[0])
        if fallback:
            role = FALLBACK_APP_ROLE
            cursor.execute(
                f"DO $$ BEGIN CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS; "
                "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
            )
    rls_grant(role=role, truncate=True)
    return role if fallback else None


@pytest.fixture
def owner_cursor(db) -> Iterator[Any]:
    """A cursor logged in as the owner of the tables, for a test of maintenance SQL (DDL);
    its own transaction, rolled back at the end."""
    owner = settings.DATABASE_OWNER
    conn = psycopg2.connect(
        dbname=connection.settings_dict["NAME"],
        user=owner["USER"],
        password=owner["PASSWORD"] or None,
        host=owner["HOST"],
        port=owner["PORT"],
    )
    try:
        with conn.cursor() as cursor:
            yield cursor
    finally:
        conn.rollback()
        conn.close()


AppConnection = Callable[..., psycopg2.extensions.connection]


@pytest.fixture
def app_connection(transactional_db) -> Iterator[AppConnection]:
    """Opens other connections of the application to the test database, for a test of what
    concurrent transactions do: `app_connection(tenant, lock_timeout="500ms")` connects as the
    role the suite's own connection runs as (row-level security applies), in `tenant`'s scope,
    with a lock it waits for longer than `lock_timeout` an error. Each is closed at the end
    (before the flush, which would wait for their locks)."""
    db = settings.DATABASES["default"]
    opened: list[psycopg2.extensions.connection] = []

    def connect(
        tenant: Tenant, *, lock_timeout: str | None = None
    ) -> psycopg2.extensions.connection:
        conn = psycopg2.connect(
            dbname=db["NAME"],
            user=db["USER"],
            password=db["PASSWORD"],
            host=db["HOST"],
            port=db["PORT"],
        )
        opened.append(conn)
        with conn.cursor() as cursor:
            role = db.get("OPTIONS", {}).get("assume_role")
            if role:  # the role the suite's own connection runs as (django_db_setup)
                cursor.execute(f"SET ROLE {role}")
            cursor.execute("SELECT set_config('app.tenant_id', %s, false)", [str(tenant.pk)])
            if lock_timeout is not None:
                cursor.execute("SELECT set_config('lock_timeout', %s, false)", [lock_timeout])
        conn.commit()
        return conn

    yield connect
    for conn in opened:
        conn.close()


@pytest.fixture
def client() -> Client:
    """pytest-django's client with a browser's User-Agent, as every real browser sends one
    (the public site does not count views from clients that announce none)."""
    return Client(HTTP_USER_AGENT=BROWSER_USER_AGENT)


@pytest.fixture(autouse=True)
def _suite_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Pin the clock for every test (see tests/clock.py); `@pytest.mark.real_clock` opts out."""
    if request.node.get_closest_marker("real_clock"):
        yield
        return
    in_browser = request.node.get_closest_marker("browser") is not None
    with time_machine.travel(instant_for(request.node.path, browser=in_browser), tick=True):
        yield


@pytest.fixture(autouse=True)
def _cache_up() -> None:
    """Every test starts with the cache taken as up: a test that made a Redis call fail leaves
    the fail-open guard waiting out the outage (cs_platform.degraded), and the next test's
    cache calls would do nothing."""
    FailOpenRedisCache._down_until = 0.0


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the default language: a request leaves the language it was served
    in active in the thread after its response (LocaleMiddleware does not deactivate it)."""
    yield
    translation.deactivate()


@pytest.fixture
def tenant(db) -> Tenant:
    return TenantFactory(slug="acme", name="アクメ株式会社")


@pytest.fixture
def other_tenant(db) -> Tenant:
    return TenantFactory(slug="globex", name="Globex Corp")


@pytest.fixture
def scoped(tenant: Tenant) -> Iterator[Tenant]:
    """Run the test body with `tenant` in scope (as a request or task would)."""
    with tenant_scope(tenant):
        yield tenant


def _member(tenant: Tenant, role: str, email: str) -> User:
    user = UserFactory(email=email)
    MembershipFactory(tenant=tenant, user=user, role=role)
    return user


@pytest.fixture
def admin_user(tenant: Tenant) -> User:
    return _member(tenant, Role.ADMIN, "admin@acme.example")


@pytest.fixture
def manager_user(tenant: Tenant) -> User:
    return _member(tenant, Role.CS_MANAGER, "manager@acme.example")


@pytest.fixture
def csm_user(tenant: Tenant) -> User:
    return _member(tenant, Role.CSM, "csm@acme.example")


@pytest.fixture
def viewer_user(tenant: Tenant) -> User:
    return _member(tenant, Role.VIEWER, "viewer@acme.example")


@pytest.fixture
def outsider(other_tenant: Tenant) -> User:
    return _member(other_tenant, Role.ADMIN, "admin@globex.example")


def client_for(user: User) -> Client:
    """A page client signed in as `user`."""
    client = Client()
    client.force_login(user)
    return client


def api_client_for(user: User, tenant: Tenant | None = None) -> APIClient:
    client = APIClient()
    client.force_login(user)
    if tenant is not None:
        client.credentials(HTTP_X_TENANT=tenant.slug)
    return client


def api_key_client(tenant: Tenant, scope: str) -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Api-Key {api_key_issue(tenant=tenant, name='t', scope=scope).raw_key}"
    )
    return client


@pytest.fixture
def admin_api(admin_user: User, tenant: Tenant) -> APIClient:
    return api_client_for(admin_user, tenant)


@pytest.fixture
def csm_api(csm_user: User, tenant: Tenant) -> APIClient:
    return api_client_for(csm_user, tenant)


@pytest.fixture
def viewer_api(viewer_user: User, tenant: Tenant) -> APIClient:
    return api_client_for(viewer_user, tenant)


@pytest.fixture
def outsider_api(outsider: User, other_tenant: Tenant) -> APIClient:
    return api_client_for(outsider, other_tenant)


# --- suite-wide set-up (markers, browser fixtures, failure reports) ---------------------------

# The Playwright fixtures (browser, page, make_page) are usable from every tests/<app>/.
from tests.browser.conftest import browser, make_page, page  # noqa: E402, F401


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes seconds (subprocesses, real workers)")
    # WhiteNoise warns when collectstatic has not run; tests serve static files from finders.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")


# The longest modules, started first: `make test` hands files to its two processes in collection
# order (--no-loadscope-reorder), so an 8-minute module started last would leave one process
# idle at the end. The rest keep the order pytest collects them in.
LONGEST_FIRST = (
    "tests/cs_platform/test_fuzz.py",
    "tests/cs_platform/test_accessibility.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the item, so fixtures can tell a failed test (screenshots)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
