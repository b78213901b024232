"""seed_demo: a second run leaves the same demo; --reset rebuilds it.

The apps' own demo data (thousands of accounts, months of usage events) takes minutes, so
these tests run the core's part with every app's demo step (demo/seed.py) replaced by a
recorder; each app's demo test checks its own step's idempotency.
"""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from cs_platform.models import Membership, Role, Tenant, User
from cs_platform.scoping import cross_tenant, get_current_tenant
from demo import seed
from demo.tenants import DEMO_PASSWORD, DEMO_TENANTS, DEMO_USERS, demo_account_count

pytestmark = pytest.mark.slow


@pytest.fixture
def app_hooks(monkeypatch):
    """Replace every app's demo step with a recorder; returns the (app, tenant in scope, round)
    calls."""
    calls: list[tuple[str, str | None, str]] = []

    def recorder(label: str, round_: str):
        def record(*, tenant, log):
            scoped = get_current_tenant()
            calls.append((label, scoped.slug if scoped else None, round_))
            assert scoped == tenant

        return record

    for name, round_ in (("SEED_STEPS", "seed_demo"), ("AFTER_STEPS", "seed_demo_after")):
        steps = getattr(seed, name)
        monkeypatch.setattr(seed, name, [(label, recorder(label, round_)) for label, _ in steps])
    return calls


def _row_counts() -> dict[str, int]:
    with cross_tenant("tenant-admin"):  # every tenant's rows
        return {
            m._meta.label: m._base_manager.count()
            for m in apps.get_models()
            if not m._meta.proxy and m._meta.app_label not in {"sessions", "admin"}
        }


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--force", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_refuses_with_debug_off_unless_forced(db, app_hooks, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not Tenant.objects.exists()


def test_seed_demo_creates_the_demo_tenants_and_every_role(db, app_hooks):
    output = _seed()

    assert set(Tenant.objects.values_list("slug", flat=True)) == {t.slug for t in DEMO_TENANTS}
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert {"はなまる採用株式会社", "Northwind Analytics Inc."} <= set(
        Tenant.objects.values_list("name", flat=True)
    )
    assert f"password: {DEMO_PASSWORD}" in output
    assert all(email in output for email, *_ in DEMO_USERS)


def test_demo_users_sign_in_with_the_demo_password(db, app_hooks):
    _seed()

    assert all(
        User.objects.get(email=email).check_password(DEMO_PASSWORD) for email, *_ in DEMO_USERS
    )


def test_seed_demo_calls_every_apps_hook_once_per_tenant_with_the_tenant_in_scope(db, app_hooks):
    _seed()

    hooked = [label for label, _ in seed.SEED_STEPS]
    firsts = [c for c in app_hooks if c[2] == "seed_demo"]
    assert sorted(firsts) == sorted(
        (label, t.slug, "seed_demo") for label in hooked for t in DEMO_TENANTS
    )


def test_seed_demo_scores_only_after_every_app_recorded_what_happened(db, app_hooks):
    """Reading and seminars are on the timeline before the scores that count them."""
    _seed()

    hooks = [hook for _, _, hook in app_hooks]
    assert hooks.index("seed_demo_after") > len(hooks) - hooks[::-1].index("seed_demo") - 1
    assert ("healthscore", "hanamaru", "seed_demo_after") in app_hooks
    assert ("touchmodel", "hanamaru", "seed_demo_after") in app_hooks


def test_seed_demo_twice_leaves_the_same_demo(db, app_hooks):
    _seed()
    first = _row_counts()

    _seed()

    assert _row_counts() == first


def test_seed_demo_reset_rebuilds_a_changed_demo(db, app_hooks):
    _seed()
    first = _row_counts()
    Tenant.objects.filter(slug="hanamaru").update(name="changed")
    User.objects.filter(email="csm2@junkan.test").delete()

    _seed("--reset")

    assert _row_counts() == first
    assert Tenant.objects.get(slug="hanamaru").name == "はなまる採用株式会社"
    assert User.objects.get(email="csm2@junkan.test").check_password(DEMO_PASSWORD)


def test_seed_demo_reset_leaves_tenants_outside_the_demo_alone(tenant, app_hooks):
    _seed("--reset")

    assert Tenant.objects.filter(slug=tenant.slug).exists()


def test_demo_size_follows_the_demo_scale_setting(settings):
    settings.DEMO_SCALE = 0.1
    assert demo_account_count(Tenant(slug="hanamaru")) == 300
    settings.DEMO_SCALE = 1.0
    assert demo_account_count(Tenant(slug="northwind")) == 1000
