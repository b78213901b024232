from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


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


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` the form posted when it stays on this site, else `default`.

    NOTE: a plain `startswith("/")` lets `//evil.example` and `/\\evil.example` through;
    Django's check knows those tricks.
    """
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
