from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from .models import ROLE_RANK


def role_required(minimum: str) -> Callable:
    """Staff page for members of the request's tenant with at least `minimum` role (else 403)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = getattr(request, "membership", None)
            if membership is None:
                raise Http404("No such workspace.")
            if ROLE_RANK[membership.role] < ROLE_RANK[minimum]:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
