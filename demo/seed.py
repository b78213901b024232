"""The whole demo: tenants, users, then each app's data in the order the product produces it."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from cs_platform.models import Tenant, User
from cs_platform.scoping import tenant_scope
from cs_platform.services import membership_set, tenant_delete

from .accounts import accounts_seed_demo
from .content import content_seed_demo
from .healthscore import healthscore_seed_demo, healthscore_seed_demo_scores
from .journeys import journeys_seed_demo
from .tenants import DEMO_PASSWORD, DEMO_TENANTS, DEMO_USERS, Log, demo_tenant
from .touchmodel import touchmodel_seed_demo, touchmodel_seed_demo_after

Step = Callable[..., None]  # step(tenant=..., log=...), run with the tenant in scope

# Two rounds, in the order the product produces data: each app's records of what happened
# (usage, meetings, seminars attended, articles read), then what the nightly run derives from
# them (scores, then touch tiers from the scores). (app label, step) pairs.
SEED_STEPS: list[tuple[str, Step]] = [
    ("accounts", accounts_seed_demo),
    ("journeys", journeys_seed_demo),
    ("healthscore", healthscore_seed_demo),
    ("touchmodel", touchmodel_seed_demo),
    ("content", content_seed_demo),
]
AFTER_STEPS: list[tuple[str, Step]] = [
    ("healthscore", healthscore_seed_demo_scores),
    ("touchmodel", touchmodel_seed_demo_after),
]


def demo_reset(*, log: Log) -> None:
    log("Removing the demo tenants and users …")
    for tenant in Tenant.objects.filter(slug__in=[t.slug for t in DEMO_TENANTS]):
        tenant_delete(tenant=tenant)
    User.objects.filter(email__in=[u[0] for u in DEMO_USERS]).delete()


def demo_seed(*, log: Log) -> list[Tenant]:
    tenants = [demo_tenant(spec, log=log) for spec in DEMO_TENANTS]
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
    for steps in (SEED_STEPS, AFTER_STEPS):
        for tenant in tenants:
            with tenant_scope(tenant):
                for _label, step in steps:
                    step(tenant=tenant, log=log)
    return tenants
