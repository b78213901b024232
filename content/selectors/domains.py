"""Reads of custom domains: which tenant serves a host name, and a tenant's own domains."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import QuerySet

from cs_platform.leanread import lean_rows
from cs_platform.models import Tenant
from cs_platform.requestmemo import request_memoized
from cs_platform.scoping import cross_tenant, require_current_tenant, tenant_scope
from cs_platform.selectors import tenant_get

from ..models import SiteDomain, domain_normalise

ROUTE_CACHE_SECONDS = 60
_ROUTE_CACHE_KEY = "content:site-domain-route:v1:{}"


def site_domain_tenant(*, domain: str) -> Tenant | None:
    """The tenant whose Learn & Support site is served on `domain` (a verified custom domain).

    NOTE: reference-style lookup across tenants, on purpose: this is the one place that maps a
    host name to a tenant. Pending (unverified) claims never count. Verification takes a
    per-domain lock so at most one tenant verifies a domain; should two verified rows ever
    exist anyway, the domain maps to none rather than to either.
    """
    domain = domain_normalise(domain)
    with tenant_scope(None), cross_tenant("custom-domain"):
        tenant_ids = list(
            SiteDomain.objects.unscoped()
            .filter(domain=domain, verified_at__isnull=False)
            .values_list("tenant_id", flat=True)
        )
    if len(tenant_ids) != 1:
        return None
    return tenant_get(pk=tenant_ids[0])


@dataclass(frozen=True)
class SiteRoute:
    """How a request to a custom domain is served: the tenant's public site, and the tenant's
    primary domain (a different verified domain redirects there)."""

    domain: str
    tenant_slug: str
    primary_domain: str


def site_domain_route(*, domain: str) -> SiteRoute | None:
    """The route for a host name, cached for a minute (negative answers too, so a stream of
    unknown Host headers does not reach the database each time)."""
    domain = domain_normalise(domain)
    key = site_domain_route_cache_key(domain=domain)
    cached = cache.get(key)
    if cached is not None:
        return SiteRoute(**cached) if cached else None
    route = _route(domain)
    cache.set(key, route.__dict__ if route else {}, ROUTE_CACHE_SECONDS)
    return route


def site_domain_route_cache_key(*, domain: str) -> str:
    return _ROUTE_CACHE_KEY.format(domain_normalise(domain))


def _route(domain: str) -> SiteRoute | None:
    tenant = site_domain_tenant(domain=domain)
    if tenant is None:
        return None
    with tenant_scope(tenant):
        primary = (
            SiteDomain.objects.filter(is_primary=True, verified_at__isnull=False)
            .values_list("domain", flat=True)
            .first()
        )
    return SiteRoute(domain=domain, tenant_slug=tenant.slug, primary_domain=primary or domain)


def site_domain_list() -> QuerySet[SiteDomain]:
    """The tenant's custom domains: primary first, then verified, then pending."""
    return SiteDomain.objects.order_by("-is_primary", "verified_at", "domain")


def site_domain_get(*, pk: int) -> SiteDomain | None:
    return SiteDomain.objects.filter(pk=pk).first()


def site_domain_primary() -> str | None:
    """The tenant's primary verified domain, if it has one (read once per page view)."""

    def read() -> str | None:
        # As SQL (cs_platform.leanread): every Account 360 view links the success plan.
        rows = lean_rows(
            "SELECT domain FROM content_sitedomain WHERE tenant_id = %(tenant)s AND is_primary"
            " AND verified_at IS NOT NULL ORDER BY domain LIMIT 1"
        )
        return rows[0]["domain"] if rows else None

    return request_memoized(("content.site_domain_primary", require_current_tenant().pk), read)


def site_domain_primary_read(domain: str | None) -> None:
    """What another read of this page view found for `site_domain_primary`: kept for the
    page view's later calls."""
    request_memoized(("content.site_domain_primary", require_current_tenant().pk), lambda: domain)
