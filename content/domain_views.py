"""Staff page of the site's custom domains (tenant admins only). Logic lives in services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cs_platform.decorators import role_required
from cs_platform.urlutils import tenant_reverse

from . import selectors, services
from .forms import SiteDomainForm
from .models import SiteDomain


def _back(request: HttpRequest) -> HttpResponse:
    return redirect(tenant_reverse(request, "content:domains"))


def _domain(pk: int) -> SiteDomain:
    found = selectors.site_domain_get(pk=pk)
    if found is None:
        raise Http404
    return found


@role_required("domain.view", write="domain.create")
@require_http_methods(["GET", "POST"])
def domains(request: HttpRequest) -> HttpResponse:
    form = SiteDomainForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.site_domain_claim(domain=form.cleaned_data["domain"])
        except ValidationError as error:
            form.add_error("domain", error)
        else:
            messages.success(
                request,
                _("%(domain)s added. Create the TXT record below, then verify it.")
                % {"domain": added.domain},
            )
            return _back(request)
    return render(
        request,
        "content/staff/domains.html",
        {
            "domains": selectors.site_domain_list(),
            "form": form,
            "cname_target": settings.CONTENT_DOMAIN_CNAME_TARGET,
        },
        status=400 if form.errors else 200,
    )


@role_required("domain.verify")
@require_POST
def domain_verify(request: HttpRequest, pk: int) -> HttpResponse:
    site_domain = _domain(pk)
    try:
        services.site_domain_verify(site_domain=site_domain)
    except ValidationError as error:
        messages.error(
            request,
            _("%(domain)s is not verified yet. %(reason)s")
            % {"domain": site_domain.domain, "reason": " ".join(error.messages)},
        )
    else:
        messages.success(
            request,
            _("%(domain)s is verified and now serves your Learn & Support site.")
            % {"domain": site_domain.domain},
        )
    return _back(request)


@role_required("domain.primary")
@require_POST
def domain_primary(request: HttpRequest, pk: int) -> HttpResponse:
    site_domain = _domain(pk)
    try:
        services.site_domain_set_primary(site_domain=site_domain)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(domain)s is now the primary domain.") % {"domain": site_domain.domain}
        )
    return _back(request)


@role_required("domain.delete")
@require_POST
def domain_delete(request: HttpRequest, pk: int) -> HttpResponse:
    site_domain = _domain(pk)
    services.site_domain_delete(site_domain=site_domain)
    messages.success(request, _("%(domain)s removed.") % {"domain": site_domain.domain})
    return _back(request)
