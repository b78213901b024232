"""create_tenant and the TenantCommand base (`--tenant SLUG` puts the tenant in scope)."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from cs_platform.management.base import TenantCommand
from cs_platform.models import Membership, Role, Tenant
from cs_platform.scoping import get_current_tenant


def _create_tenant(*args: str, **options: str) -> str:
    out = io.StringIO()
    call_command("create_tenant", *args, stdout=out, **options)
    return out.getvalue()


def test_create_tenant_creates_the_tenant_and_its_first_admin(db):
    output = _create_tenant(
        "kaisha",
        name="株式会社カイシャ",
        timezone="Asia/Tokyo",
        admin_email="Boss@Kaisha.example",
        admin_password="a-long-password-1",
    )

    tenant = Tenant.objects.get(slug="kaisha")
    assert tenant.name == "株式会社カイシャ"
    membership = Membership.objects.get(tenant=tenant)
    assert (membership.user.email, membership.role) == ("boss@kaisha.example", Role.ADMIN)
    assert membership.user.check_password("a-long-password-1")
    assert "kaisha" in output


def test_create_tenant_runs_every_apps_tenant_created_hook(db, monkeypatch):
    seen: list[tuple[str, str | None]] = []
    for config in apps.get_app_configs():
        if hasattr(config, "on_tenant_created"):

            def record(tenant, _label=config.label):
                scoped = get_current_tenant()
                seen.append((_label, scoped.slug if scoped else None))

            monkeypatch.setattr(config, "on_tenant_created", record)

    _create_tenant("hooked", name="Hooked")

    hooked = [c.label for c in apps.get_app_configs() if hasattr(c, "on_tenant_created")]
    assert seen == [(label, "hooked") for label in hooked]


def test_create_tenant_refuses_a_taken_slug(tenant):
    with pytest.raises(CommandError, match="slug"):
        _create_tenant(tenant.slug, name="Again")


def test_create_tenant_refuses_an_unknown_time_zone(db):
    with pytest.raises(CommandError, match="timezone"):
        _create_tenant("tz", name="TZ", timezone="Mars/Olympus")

    assert not Tenant.objects.filter(slug="tz").exists()


class _Probe(TenantCommand):
    def handle_tenant(self, tenant, *args, **options):
        scoped = get_current_tenant()
        self.stdout.write(f"{tenant.slug} {scoped.slug if scoped else None}")


def test_a_tenant_command_runs_with_its_tenant_in_scope(tenant):
    out = io.StringIO()

    call_command(_Probe(), tenant=tenant.slug, stdout=out)

    assert out.getvalue().strip() == "acme acme"
    assert get_current_tenant() is None


def test_a_tenant_command_refuses_an_unknown_tenant(db):
    with pytest.raises(CommandError, match="No tenant"):
        call_command(_Probe(), tenant="nope", stdout=io.StringIO())


def test_a_tenant_command_requires_the_tenant_option(db):
    with pytest.raises(CommandError):
        call_command(_Probe(), stdout=io.StringIO())
