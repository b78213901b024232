"""URLs of the public Learn & Support site that stay on the host the reader is on.

On Junkan's own host the site lives at `/learn/<slug>/…`; on a verified custom domain
(`content.middleware.SiteDomainMiddleware`) the same page is at `/…`. Every link and redirect
the public pages build goes through `public_url` (templates: `{% load learn %}{% learn_url %}`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse


def public_url(request: HttpRequest, name: str, **kwargs: Any) -> str:
    """The path of `content_public:<name>` for the request's tenant, on the request's host."""
    tenant_slug = request.tenant.slug  # type: ignore[attr-defined]
    path = _reversed(
        name, tenant_slug, tuple(sorted(kwargs.items())), get_script_prefix(), get_urlconf()
    )
    return site_path(request, path)


@lru_cache(maxsize=4096)
def _reversed(
    name: str, tenant_slug: str, kwargs: tuple[tuple[str, Any], ...], prefix: str, urlconf: Any
) -> str:
    """`reverse` of a public page, kept per name, slug, arguments, script prefix and URL
    configuration: a page names one link per card and section (the home page 25), and
    resolving each anew was a sixth of the page's CPU (#16)."""
    return reverse(
        f"content_public:{name}",
        kwargs={"tenant_slug": tenant_slug, **dict(kwargs)},
        urlconf=urlconf,
    )


def site_path(request: HttpRequest, path: str) -> str:
    """`path` (a `/learn/<slug>/…` path) as seen from the request's host."""
    prefix = getattr(request, "site_prefix", None)
    if not prefix:
        return path
    full_prefix = get_script_prefix().rstrip("/") + prefix
    if not path.startswith(full_prefix):
        return path
    return get_script_prefix() + path[len(full_prefix) :]
