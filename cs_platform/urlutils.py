from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse


def tenant_reverse(request: HttpRequest, viewname: str, *args: Any, **kwargs: Any) -> str:
    """reverse() for staff pages under /t/<slug>/, taking the slug from the request's tenant.

    Either positional (`tenant_reverse(request, "accounts:detail", 7)`) or keyword arguments,
    as with reverse(); the slug is always the first URL argument.
    """
    slug = request.tenant.slug  # type: ignore[attr-defined]
    if args:
        if kwargs:
            raise ValueError("Pass either positional or keyword URL arguments, not both.")
        return reverse(viewname, args=[slug, *args])
    return reverse(viewname, kwargs={"tenant_slug": slug, **kwargs})
