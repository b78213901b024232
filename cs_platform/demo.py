"""Demo tenants and users. Apps add their own demo data through `AppConfig.seed_demo`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import transaction

from .models import Role, Tenant, User
from .scoping import tenant_scope
from .services import membership_set, tenant_create, tenant_delete

DEMO_PASSWORD = "junkan-demo"


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    name: str
    timezone: str
    language: str
    accounts: int  # before DEMO_SCALE


DEMO_TENANTS = [
    DemoTenant("hanamaru", "はなまる採用株式会社", "Asia/Tokyo", "ja", 3000),
    DemoTenant("meishi-cloud", "名刺クラウド株式会社", "Asia/Tokyo", "ja", 1500),
    DemoTenant("northwind", "Northwind Analytics Inc.", "America/Los_Angeles", "en", 1000),
]


def demo_account_count(tenant: Tenant) -> int:
    """How many demo accounts a tenant gets: its size times the DEMO_SCALE setting."""
    base = next((t.accounts for t in DEMO_TENANTS if t.slug == tenant.slug), 1000)
    return max(10, round(base * settings.DEMO_SCALE))


# (e-mail, full name, language, {tenant slug: role})
DEMO_USERS: list[tuple[str, str, str, dict[str, str]]] = [
    ("admin@junkan.test", "管理 花子", "ja", {t.slug: Role.ADMIN for t in DEMO_TENANTS}),
    (
        "manager@junkan.test",
        "佐藤 美咲",
        "ja",
        {"hanamaru": Role.CS_MANAGER, "meishi-cloud": Role.CS_MANAGER},
    ),
    ("csm@junkan.test", "鈴木 健太", "ja", {"hanamaru": Role.CSM, "meishi-cloud": Role.CSM}),
    ("csm2@junkan.test", "高橋 陽菜", "ja", {"hanamaru": Role.CSM}),
    ("emma@junkan.test", "Emma Clarke", "en", {"northwind": Role.CS_MANAGER}),
    ("liam@junkan.test", "Liam Walker", "en", {"northwind": Role.CSM}),
    ("viewer@junkan.test", "Viewer 閲覧", "en", {t.slug: Role.VIEWER for t in DEMO_TENANTS}),
]

Log = Callable[[str], None]


def demo_reset(*, log: Log) -> None:
    log("Removing the demo tenants and users …")
    for tenant in Tenant.objects.filter(slug__in=[t.slug for t in DEMO_TENANTS]):
        tenant_delete(tenant=tenant)
    User.objects.filter(email__in=[u[0] for u in DEMO_USERS]).delete()


def demo_seed(*, log: Log) -> list[Tenant]:
    tenants = [_tenant(spec, log=log) for spec in DEMO_TENANTS]
    by_slug = {t.slug: t for t in tenants}
    with transaction.atomic():
        for email, full_name, language, roles in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email, DEMO_PASSWORD, full_name=full_name, language=language
                )
            for slug, role in roles.items():
                membership_set(tenant=by_slug[slug], user=user, role=role)
    # Two rounds, in the order the product produces data: each app's records of what happened
    # (usage, meetings, seminars attended, articles read), then what the nightly run derives
    # from them (`seed_demo_after`: scores, then touch tiers from the scores).
    for hook in ("seed_demo", "seed_demo_after"):
        for tenant in tenants:
            with tenant_scope(tenant):
                for config in apps.get_app_configs():
                    seed = getattr(config, hook, None)
                    if seed is not None:
                        seed(tenant, log=log)
    return tenants


def _tenant(spec: DemoTenant, *, log: Log) -> Tenant:
    tenant = Tenant.objects.filter(slug=spec.slug).first()
    if tenant is not None:
        log(f"Tenant {spec.slug} exists; keeping it.")
        return tenant
    log(f"Creating tenant {spec.slug} ({spec.name}) …")
    return tenant_create(
        name=spec.name, slug=spec.slug, timezone_name=spec.timezone, default_language=spec.language
    )
