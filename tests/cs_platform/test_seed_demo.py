"""seed_demo: a second run leaves the same demo; --reset rebuilds it."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command

from cs_platform.demo import DEMO_PASSWORD, DEMO_TENANTS, DEMO_USERS
from cs_platform.models import Membership, Role, Tenant, User

pytestmark = pytest.mark.slow


def _row_counts() -> dict[str, int]:
    return {
        m._meta.label: m._base_manager.count()
        for m in apps.get_models()
        if not m._meta.proxy and m._meta.app_label not in {"sessions", "admin"}
    }


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_creates_the_demo_tenants_and_every_role(db):
    output = _seed()

    assert set(Tenant.objects.values_list("slug", flat=True)) == {t.slug for t in DEMO_TENANTS}
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert {"はなまる採用株式会社", "Northwind Analytics Inc."} <= set(
        Tenant.objects.values_list("name", flat=True)
    )
    assert f"password: {DEMO_PASSWORD}" in output
    assert all(email in output for email, *_ in DEMO_USERS)


def test_seed_demo_twice_leaves_the_same_demo(db):
    _seed()
    first = _row_counts()

    _seed()

    assert _row_counts() == first


def test_seed_demo_reset_rebuilds_a_changed_demo(db):
    _seed()
    first = _row_counts()
    Tenant.objects.filter(slug="hanamaru").update(name="changed")
    User.objects.filter(email="csm2@junkan.test").delete()

    _seed("--reset")

    assert _row_counts() == first
    assert Tenant.objects.get(slug="hanamaru").name == "はなまる採用株式会社"
    assert User.objects.get(email="csm2@junkan.test").check_password(DEMO_PASSWORD)
