"""Serving a tenant's Learn & Support site on its own verified domain (help.customer.co.jp).

`SiteDomainMiddleware` must be the first entry of MIDDLEWARE: before SecurityMiddleware (its
HTTPS redirect reads the host), CommonMiddleware and CSRF (they read the host) and
TenantMiddleware (it finds the tenant from the rewritten path).

Host validation (the decision)
------------------------------
Django refuses a Host header that is not in ALLOWED_HOSTS: `HttpRequest.get_host()` raises
DisallowedHost (a 400) whenever anyone asks for the host. We keep ALLOWED_HOSTS strict for
Junkan's own names and do not use '*', which would let any Host header through to
`build_absolute_uri()` (e-mailed sign-in links, redirects) and to caches. Instead, for a host
that ALLOWED_HOSTS does not accept, this middleware reads the raw host exactly as Django does
(`request._get_raw_host()`, honouring USE_X_FORWARDED_HOST), splits off the port with Django's
own `split_domain_port`, and looks the name up among *verified* custom domains (one selector,
cached for ROUTE_CACHE_SECONDS, dropped from the cache when a domain is verified, made primary
or deleted). Only on a match does it bind `get_host()` of this one request to return that raw
host; every other request, and every unknown host, goes through Django's normal check and gets
the usual 400. Rejected alternatives: a dynamic ALLOWED_HOSTS object (process-wide, and lost
under override_settings) and rewriting HTTP_HOST (the application would lie about the host).

Routing
-------
On a custom domain `/` and `/<rest>` are served as `/learn/<slug>/<rest>` (path and path_info
are rewritten, so URL resolution and TenantMiddleware see the public site). Staff pages, the
API and Django admin (`/t/`, `/api/`, `/admin/`) are a 404 there, static files pass through
for WhiteNoise, and `/learn/<own-slug>/…` is served as is (image links written into articles
keep working). Nothing else on the host resolves, so another tenant's `/learn/<slug>/` or any
other Junkan page is a 404. A GET of a verified domain that is not the tenant's primary one
redirects (302, not 301: the primary may change) to the same path on the primary domain.
Links the pages build (`content.links.public_url`, `{% learn_url %}`) drop the `/learn/<slug>`
prefix on a custom domain, and redirects that still carry it are rewritten on the way out.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.request import split_domain_port, validate_host
from django.urls import get_script_prefix

from .selectors import SiteRoute, site_domain_route

_STAFF_PREFIXES = ("t", "api", "admin")


def _allowed_hosts() -> list[str]:
    # Mirrors HttpRequest.get_host(): with DEBUG and no ALLOWED_HOSTS, localhost is allowed.
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return list(settings.ALLOWED_HOSTS)


class SiteDomainMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw_host = request._get_raw_host()  # type: ignore[attr-defined]
        domain, _port = split_domain_port(raw_host)
        if not domain or validate_host(domain, _allowed_hosts()):
            return self.get_response(request)  # one of our own hosts (or a malformed one)
        route = site_domain_route(domain=domain)
        if route is None:
            return self.get_response(request)  # get_host() will refuse it: a 400
        # See the module docstring: this request's host is a verified custom domain.
        request.get_host = lambda: raw_host  # type: ignore[method-assign]
        if route.primary_domain != route.domain and request.method in ("GET", "HEAD"):
            return self._to_primary(request, route)
        prefix = f"/learn/{route.tenant_slug}/"
        request.site_domain = route.domain  # type: ignore[attr-defined]
        request.site_prefix = prefix  # type: ignore[attr-defined]
        self._rewrite(request, prefix)
        response = self.get_response(request)
        return self._fix_location(request, response, prefix, raw_host)

    @staticmethod
    def _rewrite(request: HttpRequest, prefix: str) -> None:
        path_info = request.path_info or "/"
        first = path_info.lstrip("/").split("/", 1)[0]
        if first in _STAFF_PREFIXES:
            raise Http404("Not on this site.")
        static = "/" + settings.STATIC_URL.lstrip("/")
        if path_info.startswith(static) or path_info.startswith(prefix):
            return
        new = prefix + path_info.lstrip("/")
        request.path = request.path.removesuffix(request.path_info) + new
        request.path_info = new

    @staticmethod
    def _to_primary(request: HttpRequest, route: SiteRoute) -> HttpResponse:
        scheme = "https" if request.is_secure() else "http"
        return HttpResponseRedirect(f"{scheme}://{route.primary_domain}{request.get_full_path()}")

    @staticmethod
    def _fix_location(
        request: HttpRequest, response: HttpResponse, prefix: str, raw_host: str
    ) -> HttpResponse:
        location = response.get("Location")
        if not location:
            return response
        parts = urlsplit(location)
        full_prefix = get_script_prefix().rstrip("/") + prefix
        if parts.netloc not in ("", raw_host) or not parts.path.startswith(full_prefix):
            return response
        path = get_script_prefix() + parts.path[len(full_prefix) :]
        response["Location"] = urlunsplit(parts._replace(path=path))
        return response
