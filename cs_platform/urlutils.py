from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse


def tenant_reverse(request: HttpRequest, viewname: str, *args: Any, **kwargs: Any) -> str:
    """reverse() for staff pages under /t/<slug>/, taking the slug from the request's tenant."""
    kwargs["tenant_slug"] = request.tenant.slug  # type: ignore[attr-defined]
    return reverse(viewname, args=args or None, kwargs=kwargs)
