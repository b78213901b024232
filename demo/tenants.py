"""Demo tenants and users: who signs in to the demo and how big each workspace is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from cs_platform.models import Role, Tenant
from cs_platform.services import tenant_create

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


def demo_tenant(spec: DemoTenant, *, log: Log) -> Tenant:
    tenant = Tenant.objects.filter(slug=spec.slug).first()
    if tenant is not None:
        log(f"Tenant {spec.slug} exists; keeping it.")
        return tenant
    log(f"Creating tenant {spec.slug} ({spec.name}) …")
    return tenant_create(
        name=spec.name, slug=spec.slug, timezone_name=spec.timezone, default_language=spec.language
    )
