from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch
from django.utils.functional import SimpleLazyObject

from .extensions import nav_items
from .selectors import membership_list_for_user
from .urlutils import tenant_reverse


def tenancy(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    # Read by TenantMiddleware with the membership; elsewhere only if a page shows the switcher.
    memberships = getattr(request, "memberships", None)
    if memberships is None:
        memberships = SimpleLazyObject(
            lambda: (
                list(membership_list_for_user(user=user)) if user and user.is_authenticated else []
            )
        )
    # NOTE: the navigation is made by the top bar (cs_platform.topbar), only when it renders.
    return {
        "current_tenant": getattr(request, "tenant", None),
        "current_membership": getattr(request, "membership", None),
        "memberships": memberships,
    }


logger = logging.getLogger(__name__)


def nav_links(request: HttpRequest) -> list[tuple[str, Any]]:
    """(url, label) of the apps' navigation entries this member's role may see."""
    links = []
    for item in nav_items(request):
        try:
            links.append((tenant_reverse(request, item.url_name), item.label))
        except NoReverseMatch:
            # NOTE: one app's broken nav item must not take every page down; the test suite
            # (tests/cs_platform/test_views.py) fails on it instead.
            logger.exception("Navigation item %r does not resolve", item.url_name)
    return links
