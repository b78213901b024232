from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from .models import ROLE_RANK
from .permissions import SAFE_METHODS, required_role

# The mark `signed_in_user_unused` sets; read by TwoFactorMiddleware.
SIGNED_IN_USER_UNUSED = "signed_in_user_unused"


def signed_in_user_unused(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Marks a view that neither reads nor shows the signed-in staff user (the public Learn &
    Support site's pages, the same for any visitor): the two-factor gate lets it through
    without reading the user, which is a statement on every view (#16). Decorators made with
    `functools.wraps` keep the mark."""
    setattr(view, SIGNED_IN_USER_UNUSED, True)
    return view


def role_required(action: str, *, write: str | None = None) -> Callable:
    """Staff page for members of the request's tenant whose role allows `action` (else 403).

    `action` is a declared action of the permission map (cs_platform.permissions), e.g.
    `"contact.delete"`; `write` is the action of the page's POST when it does more than its GET
    (a detail page that also registers someone). The request carries the refused action and its
    role (`request.permission_needed`) for the 403 page.
    """
    # NOTE: a bare role (the old form, `role_required(Role.CSM)`) still guards the page, but
    # the page declares no action: tests/cs_platform/test_permission_map.py fails until it does.
    bare_role = action if action in ROLE_RANK else None
    declared = bare_role is None
    if declared:  # fail at import, not at the first request, when an action is not declared
        required_role(action)
    if write is not None:
        required_role(write)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = getattr(request, "membership", None)
            if membership is None:
                raise Http404("No such workspace.")
            needed = action if write is None or request.method in SAFE_METHODS else write
            role = bare_role if bare_role and needed == action else required_role(needed)
            if ROLE_RANK[membership.role] < ROLE_RANK[role]:
                request.permission_needed = (needed, role)  # type: ignore[attr-defined]
                raise PermissionDenied
            return view(request, *args, **kwargs)

        if declared:
            wrapper.permission_action = action  # type: ignore[attr-defined]
        wrapper.permission_write_action = write  # type: ignore[attr-defined]
        return wrapper

    return decorator
