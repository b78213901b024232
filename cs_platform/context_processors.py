from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .extensions import nav_items
from .selectors import membership_list_for_user
from .urlutils import tenant_reverse


def tenancy(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    memberships = (
        list(membership_list_for_user(user=user)) if user and user.is_authenticated else []
    )
    tenant = getattr(request, "tenant", None)
    nav = (
        [(tenant_reverse(request, i.url_name), i.label) for i in nav_items(request)]
        if tenant is not None and getattr(request, "membership", None)
        else []
    )
    return {
        "app_nav": nav,
        "current_tenant": tenant,
        "current_membership": getattr(request, "membership", None),
        "memberships": memberships,
    }
