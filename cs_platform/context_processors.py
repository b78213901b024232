from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .selectors import membership_list_for_user


def tenancy(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    memberships = (
        list(membership_list_for_user(user=user)) if user and user.is_authenticated else []
    )
    return {
        "current_tenant": getattr(request, "tenant", None),
        "current_membership": getattr(request, "membership", None),
        "memberships": memberships,
    }
