"""The customer's success plan on Learn & Support: the limit on a reader's writes.

The plan itself (what is shared, who may tick and comment, the timeline and audit entries)
belongs to journeys (`journeys.services.success_plan`); content serves it to the account's
signed-in contacts and keeps them from writing faster than a person does.
"""

from __future__ import annotations

from django.core.cache import cache

from cs_platform.scoping import require_current_tenant

from .readers import public_paths, reader_links

# A person ticks and comments a handful of steps in a sitting; a script does not.
PLAN_WRITES_PER_WINDOW = 30
PLAN_WRITE_WINDOW_SECONDS = 10 * 60


def success_plan_write_allowed(*, contact_id: int) -> bool:
    """Count one write of the contact and say whether it is within the limit (per contact and
    tenant, PLAN_WRITES_PER_WINDOW per PLAN_WRITE_WINDOW_SECONDS, in the shared cache)."""
    key = f"content:plan-writes:{require_current_tenant().pk}:{contact_id}"
    cache.add(key, 0, timeout=PLAN_WRITE_WINDOW_SECONDS)
    try:
        return cache.incr(key) <= PLAN_WRITES_PER_WINDOW
    except ValueError:  # expired between add and incr
        return True


def success_plan_url() -> str:
    """The absolute address of the success plan for the tenant in scope's contacts: on its
    primary custom domain when it has a verified one (`https://help.example/plan/`), else on
    Junkan's own host (`<SITE_URL>/learn/<slug>/plan/`)."""
    home, plan, _go = public_paths()
    return reader_links().root + plan.removeprefix(home)
